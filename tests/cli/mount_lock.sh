#!/usr/bin/env bash
# mount_lock: an instance's writable layer is open in one process at a time:
# while `occlum mount` serves it, `occlum run` and a second `occlum mount`
# refuse with one line naming the holder and the fix; while `occlum run`
# runs (or `occlum start`'s server), `occlum mount` refuses, and the other
# way round. `occlum run` right after `fusermount3 -u`
# waits for the mount's last commit instead of failing.
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
run occlum run /bin/fsutil cat /etc/passwd
expect_status 1
expect_err_contains "is in use by 'occlum mount'"
expect_err_contains "unmount $MNT"
expect_err_lines 1
mkdir -p "$WORK/mnt2"
run occlum mount "$WORK/mnt2"
expect_status 1
expect_err_contains "is in use by 'occlum mount'"
expect_err_lines 1
is_mounted "$WORK/mnt2" && fail "the second mount was made"
# the first mount still works
printf 'still here\n' >"$MNT/root/a" || fail "the mount broke"

# unmount and run at once: the run waits for the mount's last commit
fusermount3 -u "$MNT" || fail "fusermount3 -u failed"
run occlum run /bin/fsutil cat /root/a
expect_status 0
[ "$OUT" = "still here" ] || fail "the run right after the unmount reads '$OUT'"
wait "$MOUNT_PID" || fail "occlum mount exited non-zero: $(cat "$WORK/mount.err")"
MOUNT_PID=

# while occlum run runs, occlum mount refuses
occlum run /bin/fsutil loop /root/loop 1 >"$WORK/loop.out" 2>&1 </dev/null &
run_pid=$!
for _ in $(seq 1 200); do
    grep -q "synced" "$WORK/loop.out" && break
    sleep 0.05
done
grep -q "synced" "$WORK/loop.out" || fail "the looping program did not start: $(cat "$WORK/loop.out")"
run occlum mount "$MNT"
expect_status 1
expect_err_contains "is in use by 'occlum run' (pid $run_pid)"
expect_err_lines 1
is_mounted "$MNT" && fail "mounted while occlum run runs"
kill -TERM "$run_pid"
wait "$run_pid"
start_mount
[ -e "$MNT/root/loop/f0" ] || fail "the run's file is not on the mount"
# `occlum start`'s server has the layer open too: same lock, both ways
run occlum start
expect_status 1
expect_err_contains "is in use by 'occlum mount'"
stop_mount
run occlum start
expect_status 0
run occlum mount "$MNT"
expect_status 1
expect_err_contains "is in use by 'occlum start'"
expect_err_contains "occlum stop"
expect_err_lines 1
run occlum stop
expect_status 0
start_mount
stop_mount
exit 0
