/* image_read: files in the image (data dir = argv[1]) read back exactly, across blocks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

static unsigned char pattern_byte(long i)
{
    return (unsigned char)((i * 7 + 3) % 251);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    char path[PATH_MAX];
    char buf[8192];

    snprintf(path, sizeof(path), "%s/hello.txt", argv[1]);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    static const char hello[] = "Hello from the image!\n";
    CHECK_EQ(read(fd, buf, sizeof(buf)), strlen(hello));
    CHECK(memcmp(buf, hello, strlen(hello)) == 0);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, strlen(hello));
    CHECK_EQ(close(fd), 0);

    /* 20000 bytes: read in odd-sized chunks across 4 KiB boundaries */
    snprintf(path, sizeof(path), "%s/pattern.bin", argv[1]);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 20000);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    long off = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1237);
        CHECK(n >= 0);
        if (n == 0) break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != (char)pattern_byte(off + i)) {
                fprintf(stderr, "byte %ld differs\n", off + (long)i);
                CHECK(0);
            }
        off += n;
    }
    CHECK_EQ(off, 20000);
    CHECK_EQ(pread(fd, buf, 10, 4090), 10);
    for (int i = 0; i < 10; i++)
        CHECK_EQ((unsigned char)buf[i], pattern_byte(4090 + i));
    CHECK_EQ(pread(fd, buf, 100, 19990), 10); /* short read at EOF */
    CHECK_EQ(pread(fd, buf, 100, 30000), 0);  /* past EOF */
    CHECK_EQ(close(fd), 0);

    snprintf(path, sizeof(path), "%s/sub/nested.txt", argv[1]);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 12);
    CHECK(memcmp(buf, "nested file\n", 12) == 0);
    CHECK_EQ(close(fd), 0);

    snprintf(path, sizeof(path), "%s/sub", argv[1]);
    CHECK_EQ(stat(path, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_ERRNO(read(open(path, O_RDONLY), buf, 1), EISDIR);

    /* stdio on top */
    snprintf(path, sizeof(path), "%s/sub/../hello.txt", argv[1]);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    CHECK(fgets(buf, sizeof(buf), f) != NULL);
    CHECK_STR(buf, hello);
    CHECK_EQ(fclose(f), 0);
    return 0;
}
