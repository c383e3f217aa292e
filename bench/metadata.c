/* metadata: create, stat and delete N files in a directory; prints the
 * three phases' times in milliseconds, space-separated. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: metadata <dir> <files>\n");
        return 2;
    }
    int n = atoi(argv[2]);
    char path[4096];
    snprintf(path, sizeof(path), "%s/meta.%d", argv[1], (int)getpid());
    if (mkdir(path, 0755) < 0) {
        perror(path);
        return 1;
    }
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        char f[4200];
        snprintf(f, sizeof(f), "%s/f%d", path, i);
        int fd = open(f, O_CREAT | O_WRONLY | O_EXCL, 0644);
        if (fd < 0) {
            perror(f);
            return 1;
        }
        close(fd);
    }
    double t1 = now_ms();
    for (int i = 0; i < n; i++) {
        char f[4200];
        struct stat st;
        snprintf(f, sizeof(f), "%s/f%d", path, i);
        if (stat(f, &st) < 0) return 1;
    }
    double t2 = now_ms();
    for (int i = 0; i < n; i++) {
        char f[4200];
        snprintf(f, sizeof(f), "%s/f%d", path, i);
        if (unlink(f) < 0) return 1;
    }
    double t3 = now_ms();
    rmdir(path);
    printf("%.1f %.1f %.1f\n", t1 - t0, t2 - t1, t3 - t2);
    return 0;
}
