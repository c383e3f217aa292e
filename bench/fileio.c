/*
 * fileio: file throughput on one path, the same program natively and in
 * the LibOS (bench/fileio.sh).
 *
 *   fileio rw PATH MB NREADS   write MB MiB sequentially (1 MiB writes, then
 *                              fsync), read it back, then NREADS random
 *                              4 KiB preads; prints "WRITE READ RAND"
 *   fileio ro PATH NREADS      the same without the write (read-only files)
 *
 * WRITE and READ are MB/s (10^6 bytes), RAND is microseconds per 4 KiB
 * read. The sequential read is the better of two passes.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char buf[CHUNK];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double seq_write(const char *path, long mb)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die(path);
    for (size_t i = 0; i < CHUNK; i++)
        buf[i] = (char)(i * 131 + 7);
    double t0 = now();
    for (long i = 0; i < mb; i++) {
        buf[0] = (char)i; /* every chunk differs */
        if (write(fd, buf, CHUNK) != CHUNK) die("write");
    }
    if (fsync(fd) < 0) die("fsync");
    double dt = now() - t0;
    if (close(fd) < 0) die("close");
    return (double)mb * CHUNK / dt / 1e6;
}

static double seq_read(const char *path)
{
    double best = 0;
    for (int pass = 0; pass < 2; pass++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) die(path);
        double t0 = now();
        long total = 0;
        ssize_t n;
        while ((n = read(fd, buf, CHUNK)) > 0)
            total += n;
        if (n < 0) die("read");
        double mbs = (double)total / (now() - t0) / 1e6;
        close(fd);
        if (mbs > best) best = mbs;
    }
    return best;
}

static double rand_read(const char *path, long n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) die(path);
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    uint64_t blocks = (uint64_t)st.st_size / 4096, x = 88172645463325252ull;
    if (blocks == 0) die("file too small");
    double t0 = now();
    for (long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64: the same offsets everywhere */
        if (pread(fd, buf, 4096, (off_t)(x % blocks) * 4096) != 4096) die("pread");
    }
    double us = (now() - t0) / (double)n * 1e6;
    close(fd);
    return us;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "rw") == 0) {
        double w = seq_write(argv[2], atol(argv[3]));
        double r = seq_read(argv[2]);
        double x = rand_read(argv[2], atol(argv[4]));
        printf("%.0f %.0f %.2f\n", w, r, x);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "ro") == 0) {
        double r = seq_read(argv[2]);
        double x = rand_read(argv[2], atol(argv[3]));
        printf("- %.0f %.2f\n", r, x);
        return 0;
    }
    fprintf(stderr, "usage: fileio rw PATH MB NREADS | fileio ro PATH NREADS\n");
    return 2;
}
