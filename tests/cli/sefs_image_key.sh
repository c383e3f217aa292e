#!/usr/bin/env bash
# sefs_image_key: gen-image-key writes a 0600 key; an image built with it
# hides content and names, runs with the key (--image-key or
# OCCLUM_IMAGE_KEY_FILE), decrypts right in small and large reads, and
# refuses to start without it or with another.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sefs.sh"
need_runtime
new_instance inst
add_hello
add_readfile
head -c 1048576 /dev/urandom >image/data.bin
sum=$(python3 -c 'import sys; print(sum(open(sys.argv[1], "rb").read()) % 2**32)' image/data.bin)
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
# decrypted right in small (cached) and large (streamed) reads
for chunk in 4096 1048576; do
    run occlum run --image-key "$WORK/key" /bin/readfile /data.bin $chunk sum
    expect_status 0
    [ "$OUT" = "1048576 $sum" ] || fail "reads of $chunk bytes gave '$OUT', want '1048576 $sum'"
done

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
