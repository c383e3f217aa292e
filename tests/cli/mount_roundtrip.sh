#!/usr/bin/env bash
# mount_roundtrip: `occlum mount <dir>` shows the instance's tree (the image
# under the writable layer); a new file, a changed image file (copy-up) and
# a deleted image file (whiteout) made on the mount are what the next
# `occlum run` sees, and the other way round; changes are committed at
# `fusermount3 -u`, `umount`, SIGINT and SIGTERM.
# start_mount/stop_mount take optional arguments, not the script's:
# shellcheck disable=SC2119
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
. "$ROOT/tests/cli/_mount.sh"
need_runtime
need_fuse
new_instance inst
add_fsutil
mkdir -p image/data
printf 'original\n' >image/data/orig.txt
printf 'doomed\n' >image/data/gone.txt
run occlum build
expect_status 0

start_mount
# the image: /bin lists the program, a file reads as in image/
ls "$MNT/bin" >"$WORK/ls" || fail "ls $MNT/bin failed"
grep -qx fsutil "$WORK/ls" || fail "/bin on the mount does not list fsutil: $(cat "$WORK/ls")"
cmp image/bin/fsutil "$MNT/bin/fsutil" || fail "/bin/fsutil on the mount differs from image/"
cmp image/data/orig.txt "$MNT/data/orig.txt" || fail "/data/orig.txt differs from image/"
# the three changes
printf 'made on the mount\n' >"$MNT/data/new.txt" || fail "cannot create a file on the mount"
printf 'changed\n' >>"$MNT/data/orig.txt" || fail "cannot append to an image file"
rm "$MNT/data/gone.txt" || fail "cannot delete an image file"
[ ! -e "$MNT/data/gone.txt" ] || fail "the deleted file is still there"
[ "$(cat "$MNT/data/orig.txt")" = "original
changed" ] || fail "the copied-up file reads '$(cat "$MNT/data/orig.txt")'"
ls "$MNT/data" >"$WORK/ls"
[ "$(tr '\n' ' ' <"$WORK/ls")" = "new.txt orig.txt " ] || fail "listing: $(cat "$WORK/ls")"
stop_mount fusermount
# image/ itself never changes
[ "$(cat image/data/orig.txt)" = original ] || fail "image/data/orig.txt changed"
[ -e image/data/gone.txt ] || fail "image/data/gone.txt was deleted"

run occlum run /bin/fsutil cat /data/new.txt
expect_status 0
[ "$OUT" = "made on the mount" ] || fail "occlum run reads new.txt as '$OUT'"
run occlum run /bin/fsutil cat /data/orig.txt
expect_status 0
[ "$OUT" = "original
changed" ] || fail "occlum run reads orig.txt as '$OUT'"
run occlum run /bin/fsutil cat /data/gone.txt
expect_status 1
expect_out_contains "No such file"

# the reverse direction: written by occlum run, seen on the mount
run occlum run /bin/fsutil write /data/from_run.txt "written inside"
expect_status 0
run occlum run /bin/fsutil rm /data/orig.txt
expect_status 0
start_mount
[ "$(cat "$MNT/data/from_run.txt")" = "written inside" ] || fail "from_run.txt on the mount"
[ ! -e "$MNT/data/orig.txt" ] || fail "orig.txt, deleted inside, shows on the mount"
[ "$(cat "$MNT/data/new.txt")" = "made on the mount" ] || fail "new.txt on a second mount"
# directories, renames, symlinks, truncation: committed at SIGTERM
mkdir "$MNT/data/sub" || fail "mkdir on the mount"
printf 'moved\n' >"$MNT/data/sub/a" || fail "write in a new directory"
mv "$MNT/data/sub/a" "$MNT/data/sub/b" || fail "rename on the mount"
ln -s /data/sub/b "$MNT/data/link" || fail "symlink on the mount"
[ "$(readlink "$MNT/data/link")" = /data/sub/b ] || fail "readlink on the mount"
: >"$MNT/data/new.txt"
stop_mount TERM
run occlum run /bin/fsutil cat /data/link
expect_status 0
[ "$OUT" = moved ] || fail "occlum run reads /data/link (-> sub/b) as '$OUT'"
run occlum run /bin/fsutil cat /data/new.txt
[ "$OUT" = "" ] || fail "the truncated new.txt reads '$OUT'"

# SIGINT (Ctrl-C) and umount(8) end it as cleanly
start_mount
rm -r "$MNT/data/sub" || fail "rm -r on the mount"
stop_mount INT
run occlum run /bin/fsutil cat /data/sub/b
expect_status 1
start_mount
printf 'via umount\n' >"$MNT/data/u.txt"
stop_mount umount
run occlum run /bin/fsutil cat /data/u.txt
[ "$OUT" = "via umount" ] || fail "u.txt reads '$OUT'"
exit 0
