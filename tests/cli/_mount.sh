# shellcheck shell=bash disable=SC2034
# _mount.sh: helpers for the `occlum mount` tests (sourced after _lib.sh
# and _rwlayer.sh). `occlum mount` stays in the foreground, so the tests
# start it in the background and wait for the mount to appear; whatever
# happens, the EXIT trap unmounts (a stale FUSE mount breaks rm -rf).
MNT="$WORK/mnt"
MOUNT_PID=

is_mounted() {
    awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/self/mounts
}

cleanup_mount() {
    if is_mounted "$MNT"; then fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; fi
    if [ -n "$MOUNT_PID" ]; then
        kill "$MOUNT_PID" 2>/dev/null
        wait "$MOUNT_PID" 2>/dev/null
    fi
}
trap cleanup_mount EXIT

# need_fuse: SKIP (with the reason) when FUSE cannot be used on this machine.
need_fuse() {
    [ -e /dev/fuse ] || skip "no /dev/fuse on this machine"
    command -v fusermount3 >/dev/null || skip "fusermount3 is missing (Debian package fuse3)"
}

# start_mount [ARGS...]: `occlum mount ARGS $MNT` in the background, from the
# current directory; returns once the tree is mounted. SKIP when the
# machine does not let us mount with FUSE (EPERM, no access to /dev/fuse).
# shellcheck disable=SC2120  # the arguments are optional
start_mount() {
    mkdir -p "$MNT"
    occlum mount "$@" "$MNT" >"$WORK/mount.out" 2>"$WORK/mount.err" </dev/null &
    MOUNT_PID=$!
    local i rc
    for i in $(seq 1 200); do
        is_mounted "$MNT" && return 0
        if ! kill -0 "$MOUNT_PID" 2>/dev/null; then
            wait "$MOUNT_PID"
            rc=$?
            MOUNT_PID=
            if grep -q "cannot mount" "$WORK/mount.err" &&
                grep -qiE "not permitted|permission denied|/dev/fuse" "$WORK/mount.err"; then
                skip "FUSE mounting is not permitted here: $(head -n 1 "$WORK/mount.err")"
            fi
            fail "occlum mount exited with status $rc before mounting: $(cat "$WORK/mount.err")"
        fi
        sleep 0.05
    done
    fail "occlum mount did not mount $MNT within 10 s (try $i)"
}

# stop_mount [fusermount|umount|INT|TERM]: end the mount that way and wait
# for `occlum mount` to commit and exit; it must exit 0 and leave no mount.
# shellcheck disable=SC2120  # the argument is optional
stop_mount() {
    case "${1:-fusermount}" in
    fusermount) fusermount3 -u "$MNT" || fail "fusermount3 -u $MNT failed" ;;
    umount) umount "$MNT" || fail "umount $MNT failed" ;;
    *) kill -s "$1" "$MOUNT_PID" ;;
    esac
    wait "$MOUNT_PID"
    local rc=$?
    MOUNT_PID=
    [ "$rc" -eq 0 ] || fail "occlum mount exited with status $rc: $(cat "$WORK/mount.err")"
    ! is_mounted "$MNT" || fail "$MNT is still mounted after stop_mount ${1:-}"
}
