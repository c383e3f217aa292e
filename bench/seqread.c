/* seqread: reads a file sequentially in 1 MiB chunks, twice; prints the
 * better throughput in MB/s (bench/sefs.sh runs it in the LibOS and natively). */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    double best = 0;
    for (int pass = 0; pass < 2; pass++) {
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            perror(argv[1]);
            return 1;
        }
        double t0 = now();
        long total = 0;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            total += n;
        double mbs = (double)total / (now() - t0) / 1e6;
        close(fd);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (mbs > best) best = mbs;
    }
    printf("%.0f\n", best);
    return 0;
}
