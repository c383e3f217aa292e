#!/usr/bin/env bash
# busybox: Debian's dynamic busybox packaged with a BOM file (copy_bom:
# the binary with its libraries, applet links made by createlinks, a data
# directory) runs ls, cat, find and wc on the image, one applet per run,
# then its shell runs a script with pipelines, a subshell, $(...),
# find -exec and xargs: every command a fork of the shell. df shows real
# sizes for every file system (statfs), ps the shell and itself, time a
# command's times.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
BB=$(command -v busybox) || fail "busybox is not installed (make deps)"
new_instance inst
mkdir -p ../data/sub
printf 'alpha\nbeta\ngamma\n' >../data/words.txt
printf 'one\n' >../data/sub/one.txt
cat >bom.yaml <<YAML
targets:
  - target: /bin
    createlinks:
      - {src: busybox, linkname: ls}
      - {src: busybox, linkname: cat}
      - {src: busybox, linkname: find}
      - {src: busybox, linkname: wc}
      - {src: busybox, linkname: sh}
      - {src: busybox, linkname: xargs}
      - {src: busybox, linkname: sort}
      - {src: busybox, linkname: echo}
      - {src: busybox, linkname: df}
      - {src: busybox, linkname: ps}
      - {src: busybox, linkname: time}
    copy:
      - files: [$BB]
  - target: /srv
    copy:
      - from: ../data
YAML
run copy_bom -f bom.yaml --root image
expect_status 0
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/ls /srv
expect_status 0
[ "$OUT" = "$(printf 'sub\nwords.txt')" ] || fail "ls printed '$OUT'"
run occlum run /bin/cat /srv/words.txt /srv/sub/one.txt
[ "$OUT" = "$(printf 'alpha\nbeta\ngamma\none')" ] || fail "cat printed '$OUT'"
run occlum run /bin/find /srv -name '*.txt'
[ "$(sort <<<"$OUT")" = "$(printf '/srv/sub/one.txt\n/srv/words.txt')" ] || fail "find printed '$OUT'"
run occlum run /bin/wc -l /srv/words.txt
[ "$(tr -s ' ' <<<"$OUT" | sed 's/^ //')" = "3 /srv/words.txt" ] || fail "wc printed '$OUT'"
cat >../data/script.sh <<'SH'
n=$(ls /srv | wc -l)
echo "entries $n"
cat /srv/words.txt | sort -r
(cd /srv/sub && echo "in $(pwd)"; exit 4)
echo "subshell $?"
find /srv -name '*.txt' -exec wc -l {} \; | sort
echo /srv/words.txt /srv/sub/one.txt | xargs cat | wc -l
SH
run copy_bom -f bom.yaml --root image
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/sh /srv/script.sh
expect_status 0
want=$(printf 'entries 3\ngamma\nbeta\nalpha\nin /srv/sub\nsubshell 4\n1 /srv/sub/one.txt\n3 /srv/words.txt\n4')
[ "$OUT" = "$want" ] || fail "the script printed '$OUT'"

# df: every file system with its real size (statfs): / and /host are the
# host file system's, /tmp and /dev/shm the kernel heap's
run occlum run /bin/df
expect_status 0
for mnt in / /host /tmp /dev/shm; do
    line=$(awk -v m="$mnt" '$6 == m' "$WORK/.stdout")
    [ -n "$line" ] || fail "df has no line for $mnt: $OUT"
    blocks=$(awk '{print $2}' <<<"$line")
    [ "$blocks" -gt 0 ] || fail "df gives $mnt $blocks blocks: $line"
done
host_blocks=$(df -k --output=size . | tail -n 1 | tr -d ' ')
inside=$(awk '$6 == "/host" {print $2}' "$WORK/.stdout")
[ "$inside" = "$host_blocks" ] || fail "/host has $inside 1K-blocks inside, $host_blocks on the host"
run occlum run /bin/sh -c 'ps; time ls /srv >/dev/null'
expect_status 0
grep -qE '^ +1 +root +/bin/sh -c ps; time ls /srv' "$WORK/.stdout" || fail "ps did not show the shell: $OUT"
grep -qE '^ +[0-9]+ +root +ps$' "$WORK/.stdout" || fail "ps did not show itself: $OUT"
grep -q '^real' "$WORK/.stderr" || fail "time printed no times: $ERR"
