#!/usr/bin/env bash
# busybox: Debian's dynamic busybox packaged with a BOM file (copy_bom:
# the binary with its libraries, applet links made by createlinks, a data
# directory) runs ls, cat, find and wc on the image, one applet per run:
# its shell needs fork() for every command, which the LibOS does not have yet.
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
