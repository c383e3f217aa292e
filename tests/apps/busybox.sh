#!/usr/bin/env bash
# busybox: Debian's dynamic busybox packaged with a BOM file (copy_bom:
# the binary with its libraries, applet links made by createlinks, a data
# directory) runs ls, cat, find and wc on the image, one applet per run,
# then its shell runs a script with pipelines, a subshell, $(...),
# find -exec and xargs: every command a fork of the shell.
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
