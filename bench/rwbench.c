/*
 * rwbench: file-system costs that matter for the writable layer, run the
 * same way inside the LibOS and natively (bench/rwlayer.sh):
 *   rwbench DIR MB N_RAND N_FSYNC N_FILES
 * prints one "name value unit" line per figure: sequential write (with the
 * final fsync) and read of DIR/big (1 MiB I/O), random 4 KiB reads,
 * median latency of 4 KiB pwrite+fsync into the big file, and the time to
 * create (open O_CREAT + close), stat and unlink N_FILES files in DIR/many.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 6) return 2;
    const char *dir = argv[1];
    long mb = atol(argv[2]), nrand = atol(argv[3]), nfsync = atol(argv[4]), nfiles = atol(argv[5]);
    char path[512];
    static char buf[1 << 20];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 131 + 7);
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/big", dir);
    if (mb > 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) die("open big");
        double t = now();
        for (long i = 0; i < mb; i++)
            if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) die("write");
        if (fsync(fd) < 0) die("fsync");
        double w = now() - t;
        close(fd);
        fd = open(path, O_RDONLY);
        t = now();
        for (long i = 0; i < mb; i++)
            if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) die("read");
        double r = now() - t;
        close(fd);
        printf("seq_write %.0f MB/s\nseq_read %.0f MB/s\n", mb * 1.048576 / w, mb * 1.048576 / r);
        fd = open(path, O_RDWR);
        unsigned seed = 1;
        long nb = mb * 256;
        t = now();
        for (long i = 0; i < nrand; i++) {
            off_t off = (off_t)(rand_r(&seed) % nb) * 4096;
            if (pread(fd, buf, 4096, off) != 4096) die("pread");
        }
        if (nrand) printf("rand_read_4k %.1f us/op\n", (now() - t) / nrand * 1e6);
        double *lat = calloc(nfsync ? nfsync : 1, sizeof(double));
        for (long i = 0; i < nfsync; i++) {
            off_t off = (off_t)(rand_r(&seed) % nb) * 4096;
            t = now();
            if (pwrite(fd, buf + 4096, 4096, off) != 4096 || fsync(fd) < 0) die("pwrite+fsync");
            lat[i] = now() - t;
        }
        if (nfsync) {
            qsort(lat, nfsync, sizeof(double), cmp_double);
            printf("pwrite4k_fsync_median %.0f us\n", lat[nfsync / 2] * 1e6);
        }
        close(fd);
        unlink(path);
    }
    if (nfiles > 0) {
        snprintf(path, sizeof(path), "%s/many", dir);
        mkdir(path, 0755);
        double t = now();
        for (long i = 0; i < nfiles; i++) {
            snprintf(path, sizeof(path), "%s/many/f%ld", dir, i);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) die("create");
            close(fd);
        }
        double c = now() - t;
        t = now();
        struct stat st;
        for (long i = 0; i < nfiles; i++) {
            snprintf(path, sizeof(path), "%s/many/f%ld", dir, i);
            if (stat(path, &st) < 0) die("stat");
        }
        double s = now() - t;
        t = now();
        for (long i = 0; i < nfiles; i++) {
            snprintf(path, sizeof(path), "%s/many/f%ld", dir, i);
            if (unlink(path) < 0) die("unlink");
        }
        double u = now() - t;
        printf("create_%ld %.2f s\nstat_%ld %.2f s\nunlink_%ld %.2f s\n", nfiles, c, nfiles, s,
               nfiles, u);
    }
    return 0;
}
