# shellcheck shell=bash disable=SC2034
# _sefs.sh: helpers for the sefs tests (sourced after _lib.sh).

IMG=build/mount/__ROOT/sefs.img

# A program that reads a file to the end (in reads of argv[2] bytes, at
# most 1 MiB, default 64 KiB): prints the byte count (and with a third
# argument, the sum of the bytes mod 2^32), or "read: <strerror>" and
# exits 3.
add_readfile() {
    cat >"$WORK/readfile.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { printf("open: %s\n", strerror(errno)); return 2; }
    static char buf[1 << 20];
    size_t chunk = argc > 2 ? strtoul(argv[2], NULL, 0) : 65536;
    if (chunk == 0 || chunk > sizeof(buf)) chunk = sizeof(buf);
    long total = 0;
    unsigned sum = 0;
    ssize_t n;
    while ((n = read(fd, buf, chunk)) > 0) {
        total += n;
        for (ssize_t i = 0; i < n; i++) sum += (unsigned char)buf[i];
    }
    if (n < 0) { printf("read: %s\n", strerror(errno)); return 3; }
    if (argc > 3) printf("%ld %u\n", total, sum);
    else printf("%ld\n", total);
    return 0;
}
C
    occlum-gcc "$WORK/readfile.c" -o image/bin/readfile || fail "occlum-gcc readfile failed"
}

# flip_byte FILE OFFSET: xor the byte at OFFSET with 0x01.
flip_byte() {
    python3 - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 1]))
PY
}

# offset_of FILE STRING: byte offset of the first STRING in FILE.
offset_of() {
    grep -obUaF -- "$2" "$1" | head -n 1 | cut -d: -f1
}

image_mac() {
    grep -o '"MAC": *"[0-9a-f]*"' build/Occlum.json.protected | grep -o '[0-9a-f]\{64\}'
}
