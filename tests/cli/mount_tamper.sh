#!/usr/bin/env bash
# mount_tamper: `occlum mount` makes `occlum run`'s trust checks before it
# exposes anything: a stale or unbuilt instance, a changed signature or
# config, a tampered or foreign writable layer each refuse with one line
# and nothing mounted; a tampered block of the image or of the writable
# layer reads as EIO on the mount, as inside.
# start_mount/stop_mount take optional arguments, not the script's:
# shellcheck disable=SC2119
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
. "$ROOT/tests/cli/_sefs.sh"
. "$ROOT/tests/cli/_mount.sh"
need_runtime
need_fuse
new_instance inst
mkdir -p "$MNT"
run occlum mount "$MNT"
expect_status 1
expect_err_contains "not built"
python3 -c "
import sys
sys.stdout.buffer.write(b''.join((b'SEFSMARK%05d' % i).ljust(4096, b'.') for i in range(64)))
" >image/data.bin
run occlum build
expect_status 0

# the mount point must be a directory
run occlum mount "$WORK/nowhere"
expect_status 1
expect_err_lines 1

# stale build
touch image/new_file
run occlum mount "$MNT"
expect_status 1
expect_err_contains "the build is stale"
expect_err_lines 1
rm image/new_file
run occlum build
expect_status 0

# signature and config
cp build/occlum.sig "$WORK/sig"
flip_byte build/occlum.sig 600
run occlum mount "$MNT"
expect_status 1
expect_err_contains "does not verify"
expect_err_lines 1
cp "$WORK/sig" build/occlum.sig
cp build/Occlum.json.protected "$WORK/cfg"
flip_byte build/Occlum.json.protected 10
run occlum mount "$MNT"
expect_status 1
expect_err_contains "does not match the signed measurement"
expect_err_lines 1
cp "$WORK/cfg" build/Occlum.json.protected

# a block of the image: EIO on the mount, a log line naming the file
cp "$IMG" "$WORK/good.img"
flip_byte "$IMG" $(($(offset_of "$IMG" SEFSMARK00010) + 7))
start_mount
cat "$MNT/data.bin" >/dev/null 2>"$WORK/cat.err" && fail "a tampered image block was read"
grep -q "Input/output error" "$WORK/cat.err" || fail "cat says: $(cat "$WORK/cat.err")"
grep -q "/data.bin" "$WORK/mount.err" || fail "no log line names the file: $(cat "$WORK/mount.err")"
head -c 4096 "$MNT/data.bin" | grep -q SEFSMARK00000 || fail "an intact block does not read"
# a file of the writable layer
printf 'layer content\n' >"$MNT/root/a"
stop_mount
cp "$WORK/good.img" "$IMG"
data=
for f in "$RW"/*; do
    [[ ${f##*/} =~ ^[0-9a-f]{32}$ ]] && data=${f##*/} && break
done
[ -n "$data" ] || fail "no data file in $RW"
flip_byte "$RW/$data" 200
start_mount
cat "$MNT/root/a" >/dev/null 2>"$WORK/cat.err" && fail "a tampered layer file was read"
grep -q "Input/output error" "$WORK/cat.err" || fail "cat says: $(cat "$WORK/cat.err")"
stop_mount
flip_byte "$RW/$data" 200

# the writable layer's metadata: refused, one line with the fix
flip_byte "$RW/meta" 100
run occlum mount "$MNT"
expect_status 1
expect_err_contains "run/mount/__ROOT"
expect_err_contains "delete"
expect_err_lines 1
is_mounted "$MNT" && fail "mounted a tampered layer"
flip_byte "$RW/meta" 100
# another host's sealing secret: refused as such
XDG_DATA_HOME="$WORK/xdg2" run occlum mount "$MNT"
expect_status 1
expect_err_contains "another key"
expect_err_lines 1
start_mount
[ "$(cat "$MNT/root/a")" = "layer content" ] || fail "the restored layer reads wrong"
stop_mount
exit 0
