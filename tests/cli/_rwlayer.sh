# shellcheck shell=bash disable=SC2034
# _rwlayer.sh: helpers for the writable-layer tests (sourced after _lib.sh).
#
# The sealing secret goes into the test's own directory, not the user's.
export XDG_DATA_HOME="$WORK/xdg"
RW=run/mount/__ROOT

# image/bin/fsutil: write PATH TEXT | cat PATH | rm PATH | loop DIR N | check DIR N
#   loop: forever, round G = 1, 2, ...: rewrite DIR/f0..f(N-1) whole (O_TRUNC)
#         with the line "gen G file K" repeated to 9000 bytes, fsync each,
#         then print "synced G" (unbuffered).
#   check: every DIR/fK is whole lines of one generation; prints the lowest.
# image/bin/fsutil big PATH | bigcheck PATH N
#   big: write a 64 MiB file of a known pattern, fsync it, print "ready",
#        then for i = 0..999: pwrite "rec NNNNNN" (16 bytes) at i * 65537,
#        fsync, print "synced i" (unbuffered).
#   bigcheck: records 0..N are there, later ones whole or absent, every
#        other byte is the pattern; prints "ok".
add_fsutil() {
    cat >"$WORK/fsutil.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static char buf[16384];
static int fill(int gen, int k)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "gen %d file %d\n", gen, k), len = 0;
    while (len + n <= 9000) { memcpy(buf + len, line, n); len += n; }
    return len;
}
#define BIG (64 << 20)
static unsigned char pat(long p) { return (unsigned char)(p * 7 + 3); }
static int big(const char *path)
{
    static unsigned char b[1 << 20];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 1;
    for (long off = 0; off < BIG; off += sizeof(b)) {
        for (long k = 0; k < (long)sizeof(b); k++) b[k] = pat(off + k);
        if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) return 1;
    }
    if (fsync(fd) < 0) return 1;
    write(1, "ready\n", 6);
    for (int i = 0; i < 1000; i++) {
        char rec[17], msg[32];
        snprintf(rec, sizeof(rec), "rec %06d......", i);
        if (pwrite(fd, rec, 16, (off_t)i * 65537) != 16 || fsync(fd) < 0) {
            printf("big: %s\n", strerror(errno));
            return 1;
        }
        int n = snprintf(msg, sizeof(msg), "synced %d\n", i);
        write(1, msg, n);
    }
    return 0;
}
static int bigcheck(const char *path, int upto)
{
    static unsigned char b[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("bigcheck: %s\n", strerror(errno)); return 1; }
    for (long off = 0; off < BIG; off += sizeof(b)) {
        if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) { printf("bigcheck: short\n"); return 1; }
        for (long k = 0; k < (long)sizeof(b);) {
            long p = off + k;
            if (p % 65537 == 0 && p / 65537 < 1000 && k + 16 <= (long)sizeof(b)) {
                int i = (int)(p / 65537);
                char rec[17];
                snprintf(rec, sizeof(rec), "rec %06d......", i);
                int here = memcmp(b + k, rec, 16) == 0, bare = 1;
                for (int j = 0; j < 16; j++) bare &= b[k + j] == pat(p + j);
                if (!here && (i <= upto || !bare)) {
                    printf("bigcheck: record %d %s\n", i, bare ? "lost" : "damaged");
                    return 1;
                }
                k += 16;
                continue;
            }
            if (b[k] != pat(p)) { printf("bigcheck: byte %ld damaged\n", p); return 1; }
            k++;
        }
    }
    printf("ok\n");
    return 0;
}
int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    const char *op = argv[1], *path = argv[2];
    mkdir("/root", 0700);
    if (!strcmp(op, "write")) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0 || close(fd) < 0) {
            printf("write: %s\n", strerror(errno));
            return 1;
        }
        return 0;
    }
    if (!strcmp(op, "cat")) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (n < 0) { printf("cat: %s\n", strerror(errno)); return 1; }
        buf[n] = 0;
        printf("%s\n", buf);
        return 0;
    }
    if (!strcmp(op, "big")) return big(path);
    if (!strcmp(op, "bigcheck")) return bigcheck(path, argc > 3 ? atoi(argv[3]) : -1);
    if (!strcmp(op, "rm")) {
        if (unlink(path) < 0) { printf("rm: %s\n", strerror(errno)); return 1; }
        return 0;
    }
    int nf = argc > 3 ? atoi(argv[3]) : 8;
    char p[256];
    if (!strcmp(op, "loop")) {
        mkdir(path, 0755);
        for (int gen = 1;; gen++) {
            for (int k = 0; k < nf; k++) {
                snprintf(p, sizeof(p), "%s/f%d", path, k);
                int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644), len = fill(gen, k);
                if (fd < 0 || write(fd, buf, len) != len || fsync(fd) < 0) {
                    printf("loop: %s\n", strerror(errno));
                    return 1;
                }
                close(fd);
            }
            char msg[32];
            int n = snprintf(msg, sizeof(msg), "synced %d\n", gen);
            write(1, msg, n);
        }
    }
    if (!strcmp(op, "check")) {
        int low = 1 << 30;
        for (int k = 0; k < nf; k++) {
            snprintf(p, sizeof(p), "%s/f%d", path, k);
            int fd = open(p, O_RDONLY);
            if (fd < 0) { printf("check: %s: %s\n", p, strerror(errno)); return 1; }
            static char got[16384];
            ssize_t n = read(fd, got, sizeof(got) - 1);
            close(fd);
            int gen = 0;
            if (n >= 0) got[n] = 0;
            if (n < 0 || sscanf(got, "gen %d", &gen) != 1) {
                printf("check: %s: %s\n", p, n < 0 ? strerror(errno) : "not a generation");
                return 1;
            }
            int len = fill(gen, k);
            if (n != len || memcmp(buf, got, len) != 0) {
                printf("check: %s: a mixture (%zd bytes, generation %d)\n", p, n, gen);
                return 1;
            }
            if (gen < low) low = gen;
        }
        printf("lowest %d\n", low);
        return 0;
    }
    return 2;
}
C
    occlum-gcc "$WORK/fsutil.c" -o image/bin/fsutil || fail "occlum-gcc fsutil failed"
}
