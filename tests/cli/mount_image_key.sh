#!/usr/bin/env bash
# mount_image_key: an image encrypted with `occlum build --image-key` mounts
# with the same key (--image-key before or after <dir>, or
# OCCLUM_IMAGE_KEY_FILE) and refuses, with the runtime's one-line errors,
# without it, with another key or with a file that is not a key.
# start_mount/stop_mount take optional arguments, not the script's:
# shellcheck disable=SC2119
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
. "$ROOT/tests/cli/_mount.sh"
need_runtime
need_fuse
new_instance inst
printf 'secret content\n' >image/secret.txt
run occlum gen-image-key "$WORK/key"
expect_status 0
run occlum build --image-key "$WORK/key"
expect_status 0
mkdir -p "$MNT"

run occlum mount "$MNT"
expect_status 1
expect_err_contains "image layer"
expect_err_contains "no key was given"
expect_err_lines 1
is_mounted "$MNT" && fail "mounted without the key"

occlum gen-image-key "$WORK/other" >/dev/null || fail "gen-image-key failed"
run occlum mount --image-key "$WORK/other" "$MNT"
expect_status 1
expect_err_contains "image key is wrong"
expect_err_lines 1

echo "not a key" >"$WORK/junk"
run occlum mount "$MNT" --image-key "$WORK/junk"
expect_status 1
expect_err_contains "not a key file"
expect_err_lines 1

run occlum mount "$MNT" --image-key "$WORK/missing"
expect_status 1
expect_err_lines 1

start_mount "--image-key" "$WORK/key"
[ "$(cat "$MNT/secret.txt")" = "secret content" ] || fail "secret.txt reads wrong"
printf 'more\n' >>"$MNT/secret.txt" || fail "cannot change an encrypted image's file"
stop_mount
OCCLUM_IMAGE_KEY_FILE="$WORK/key" start_mount
[ "$(cat "$MNT/secret.txt")" = "secret content
more" ] || fail "the change did not persist: $(cat "$MNT/secret.txt")"
stop_mount
exit 0
