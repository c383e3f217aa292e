#!/usr/bin/env bash
# mount_commit: changes made on the mount are committed to the writable
# layer at the close of a changed file and at fsync, without waiting for
# the unmount: after a SIGKILL of `occlum mount` the next `occlum run` sees
# both files.
# start_mount/stop_mount take optional arguments, not the script's:
# shellcheck disable=SC2119
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
. "$ROOT/tests/cli/_mount.sh"
need_runtime
need_fuse
new_instance inst
add_fsutil
run occlum build
expect_status 0
start_mount
# a commit writes to run/mount/__ROOT (nothing else does): its files'
# names, inodes, sizes and times change
meta_id() { stat -c '%n %i %s %y' "$RW"/* 2>/dev/null | md5sum; }
before=$(meta_id)
printf 'closed\n' >"$MNT/root/c" || fail "cannot write on the mount"
# the kernel sends the release after close(2) returns: wait for its commit
for _ in $(seq 1 100); do
    [ "$(meta_id)" != "$before" ] && break
    sleep 0.05
done
[ "$(meta_id)" != "$before" ] || fail "no commit after the close of a changed file"
# fsync, then SIGKILL of the server while the file is still open: only
# the fsync can have committed it
python3 - "$MNT/root/s" "$MOUNT_PID" <<'PY' || fail "write + fsync on the mount failed"
import os, signal, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b"synced\n")
os.fsync(fd)
pid = int(sys.argv[2])
os.kill(pid, signal.SIGKILL)
def running():  # gone, reaped meanwhile, or a zombie: it has stopped
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False
while running():
    time.sleep(0.01)
os._exit(0)
PY
wait "$MOUNT_PID" 2>/dev/null
MOUNT_PID=
fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
run occlum run /bin/fsutil cat /root/c
expect_status 0
[ "$OUT" = closed ] || fail "/root/c reads '$OUT' after the SIGKILL"
run occlum run /bin/fsutil cat /root/s
expect_status 0
[ "$OUT" = synced ] || fail "/root/s reads '$OUT' after the SIGKILL"
exit 0
