#!/usr/bin/env bash
# rwlayer_tamper: a flipped byte in a data file of run/mount/__ROOT is EIO
# for the program; one in the metadata, or another host's sealing secret,
# makes `occlum run` refuse to start with one line naming the layer and
# the fix.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
. "$ROOT/tests/cli/_sefs.sh"
need_runtime
new_instance inst
add_fsutil
run occlum build
expect_status 0
run occlum run /bin/fsutil write /root/a "content a"
expect_status 0
data=
for f in "$RW"/*; do
    [[ ${f##*/} =~ ^[0-9a-f]{32}$ ]] && data=${f##*/} && break
done
[ -n "$data" ] || fail "no data file in $RW"
flip_byte "$RW/$data" 200
run occlum run /bin/fsutil cat /root/a
expect_status 1
expect_out_contains "I/O error"
flip_byte "$RW/$data" 200
run occlum run /bin/fsutil cat /root/a
[ "$OUT" = "content a" ] || fail "restored file reads '$OUT'"
flip_byte "$RW/meta" 100
run occlum run /bin/fsutil cat /root/a
expect_status 1
expect_err_contains "run/mount/__ROOT"
expect_err_contains "delete"
expect_err_lines 1
flip_byte "$RW/meta" 100
# A record in the middle of the journal (two more commits follow it).
run occlum run /bin/fsutil write /root/b "content b"
expect_status 0
run occlum run /bin/fsutil write /root/c "content c"
expect_status 0
[ "$(stat -c %s "$RW/journal")" -gt 200 ] || fail "the journal has no records"
flip_byte "$RW/journal" 40
run occlum run /bin/fsutil cat /root/a
expect_status 1
expect_err_contains "journal does not verify"
expect_err_contains "delete"
expect_err_lines 1
flip_byte "$RW/journal" 40
run occlum run /bin/fsutil cat /root/c
[ "$OUT" = "content c" ] || fail "restored journal: /root/c reads '$OUT'"
# Another host (another sealing secret): refused as such.
XDG_DATA_HOME="$WORK/xdg2" run occlum run /bin/fsutil cat /root/a
expect_status 1
expect_err_contains "another key"
# The documented fix works.
flip_byte "$RW/meta" 100
rm -rf "$RW"
run occlum run /bin/fsutil cat /root/a
expect_status 1
expect_out_contains "No such file"
exit 0
