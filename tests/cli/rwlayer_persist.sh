#!/usr/bin/env bash
# rwlayer_persist: the writable layer (run/mount/__ROOT) keeps what one
# `occlum run` wrote for the next: a new file under /root, an overwritten
# image file, and an image file deleted (its whiteout persists). The host
# directory shows neither names nor contents.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
need_runtime
new_instance inst
add_fsutil
echo "from the image" >image/etc/img.txt
echo "to be deleted" >image/etc/gone.txt
run occlum build
expect_status 0
[ ! -e "$RW/meta" ] || fail "$RW has a layer before the first run"
run occlum run /bin/fsutil write /root/note.txt "persistent secret"
expect_status 0
run occlum run /bin/fsutil write /etc/img.txt "changed"
expect_status 0
run occlum run /bin/fsutil rm /etc/gone.txt
expect_status 0
[ -d "$RW" ] || fail "$RW was not created"
run occlum run /bin/fsutil cat /root/note.txt
expect_status 0
[ "$OUT" = "persistent secret" ] || fail "read back '$OUT'"
run occlum run /bin/fsutil cat /etc/img.txt
[ "$OUT" = "changed" ] || fail "the overwritten image file reads '$OUT'"
run occlum run /bin/fsutil cat /etc/gone.txt
expect_status 1
expect_out_contains "No such file or directory"
# Nothing readable on the host: no names, no contents.
if grep -rqa -e "persistent secret" -e "note.txt" -e "gone.txt" "$RW"; then
    fail "the host directory reveals a name or content"
fi
for f in "$RW"/*; do
    [[ ${f##*/} =~ ^(meta|journal|[0-9a-f]{32})$ ]] || fail "unexpected host file name: ${f##*/}"
done
# The layer survives a rebuild (same signing key, same host).
echo "v2" >image/etc/other.txt
run occlum build
expect_status 0
run occlum run /bin/fsutil cat /root/note.txt
[ "$OUT" = "persistent secret" ] || fail "after a rebuild: '$OUT'"
exit 0
