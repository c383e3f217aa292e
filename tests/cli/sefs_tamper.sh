#!/usr/bin/env bash
# sefs_tamper: a byte flipped in the image layer's data block, in a tree
# node (MAC), in the metadata or in the header's root gives EIO naming the
# file, or `occlum run` refusing to start naming the image layer.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sefs.sh"
need_runtime
new_instance inst
add_hello
add_readfile
# 256 blocks, each starting with a marker: data blocks, then tree nodes
python3 -c "
import sys
sys.stdout.buffer.write(b''.join((b'SEFSMARK%05d' % i).ljust(4096, b'.') for i in range(256)))
" >image/data.bin
run occlum build
expect_status 0
run occlum run /bin/readfile /data.bin
expect_status 0
[ "$OUT" = "1048576" ] || fail "read $OUT bytes, want 1048576"
run occlum run /bin/readfile /data.bin 1048576
expect_status 0
[ "$OUT" = "1048576" ] || fail "read $OUT bytes in 1 MiB reads, want 1048576"
cp "$IMG" "$WORK/good.img"

# a data block (integrity mode: content in clear, so findable)
flip_byte "$IMG" $(($(offset_of "$IMG" SEFSMARK00100) + 7))
run occlum run /bin/readfile /data.bin
expect_status 3
expect_out_contains "read: I/O error"
expect_err_contains "/data.bin"
expect_err_contains "failed authentication"
# the same in one 1 MiB read (large reads verify blocks outside the cache)
run occlum run /bin/readfile /data.bin 1048576
expect_status 3
expect_out_contains "read: I/O error"

# a tree node: right after the file's 256 data blocks
cp "$WORK/good.img" "$IMG"
flip_byte "$IMG" $(($(offset_of "$IMG" SEFSMARK00000) + 256 * 4096 + 40))
run occlum run /bin/readfile /data.bin
expect_status 3
expect_out_contains "read: I/O error"

# the program itself: exec fails, nothing runs
cp "$WORK/good.img" "$IMG"
flip_byte "$IMG" $(($(offset_of "$IMG" "Hello World!") + 1))
run occlum run /bin/hello_world
[ "$STATUS" -ne 0 ] || fail "a tampered program ran"
[ "$OUT" != "Hello World!" ] || fail "a tampered program printed its output"
expect_err_contains "/bin/hello_world"

# the metadata: the last block of the image
cp "$WORK/good.img" "$IMG"
flip_byte "$IMG" $(($(stat -c %s "$IMG") - 4096 + 17))
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "image layer"
expect_err_contains "metadata does not verify"
expect_err_lines 1

# the header's root MAC
cp "$WORK/good.img" "$IMG"
flip_byte "$IMG" 50
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "image layer"
expect_err_contains "root MAC does not match"
expect_err_lines 1

# a truncated image
cp "$WORK/good.img" "$IMG"
truncate -s $(($(stat -c %s "$IMG") - 4096)) "$IMG"
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "image layer"

cp "$WORK/good.img" "$IMG"
run occlum run /bin/hello_world
expect_status 0
