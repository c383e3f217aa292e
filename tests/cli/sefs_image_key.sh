#!/usr/bin/env bash
# sefs_image_key: gen-image-key writes a 0600 key; an image built with it
# hides content and names, runs with the key (--image-key or
# OCCLUM_IMAGE_KEY_FILE) and refuses to start without it or with another.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sefs.sh"
need_runtime
new_instance inst
add_hello
run occlum gen-image-key "$WORK/key"
expect_status 0
[ "$(stat -c %a "$WORK/key")" = 600 ] || fail "the key file is not mode 0600"
run occlum gen-image-key "$WORK/key"
expect_status 1
expect_err_contains "remove it first"
run occlum build --image-key "$WORK/key"
expect_status 0
grep -qaF "Hello World!" "$IMG" && fail "the encrypted image shows the program's bytes"
grep -qaF "hello_world" "$IMG" && fail "the encrypted image shows a file name"

run occlum run --image-key "$WORK/key" /bin/hello_world
expect_status 0
[ "$OUT" = "Hello World!" ] || fail "stdout is '$OUT'"
OCCLUM_IMAGE_KEY_FILE="$WORK/key" run occlum run /bin/hello_world
expect_status 0

run occlum run /bin/hello_world
expect_status 1
expect_err_contains "image layer"
expect_err_contains "no key was given"
expect_err_lines 1

occlum gen-image-key "$WORK/other" || fail "gen-image-key failed"
run occlum run --image-key "$WORK/other" /bin/hello_world
expect_status 1
expect_err_contains "image key is wrong"
expect_err_lines 1

echo "not a key" >"$WORK/junk"
run occlum run --image-key "$WORK/junk" /bin/hello_world
expect_status 1
expect_err_contains "not a key file"
