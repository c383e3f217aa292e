/* dev_files: /dev/null, zero, random, urandom are char devices with Linux numbers and behaviour. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "check.h"

static void check_chr(const char *path, unsigned maj, unsigned min)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    if (!S_ISCHR(st.st_mode)) fprintf(stderr, "%s is not a character device\n", path);
    CHECK(S_ISCHR(st.st_mode));
    if (major(st.st_rdev) != maj || minor(st.st_rdev) != min)
        fprintf(stderr, "%s is %u:%u\n", path, major(st.st_rdev), minor(st.st_rdev));
    CHECK(major(st.st_rdev) == maj && minor(st.st_rdev) == min);
}

int main(void)
{
    check_chr("/dev/null", 1, 3);
    check_chr("/dev/zero", 1, 5);
    check_chr("/dev/random", 1, 8);
    check_chr("/dev/urandom", 1, 9);

    char buf[4096];
    /* /dev/null: writes vanish, reads return EOF */
    int fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "discarded", 9), 9);
    CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(close(fd), 0);

    /* /dev/zero: reads fill with zeros, writes succeed */
    fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0);
    memset(buf, 0xAA, sizeof(buf));
    CHECK_EQ(read(fd, buf, sizeof(buf)), sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        CHECK_EQ(buf[i], 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    CHECK_EQ(close(fd), 0);

    /* /dev/urandom: full reads, not all zero, two reads differ */
    fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0);
    unsigned char a[64], b[64], zero[64] = {0};
    CHECK_EQ(read(fd, a, sizeof(a)), sizeof(a));
    CHECK_EQ(read(fd, b, sizeof(b)), sizeof(b));
    CHECK(memcmp(a, zero, sizeof(a)) != 0);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    CHECK_EQ(close(fd), 0);

    fd = open("/dev/random", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, a, 16), 16);
    CHECK_EQ(close(fd), 0);

    /* stdio works on devices */
    FILE *f = fopen("/dev/null", "w");
    CHECK(f != NULL);
    CHECK(fprintf(f, "hello %d\n", 42) == 9);
    CHECK_EQ(fclose(f), 0);

    /* a missing device */
    CHECK_ERRNO(open("/dev/libos-no-such-device", O_RDONLY), ENOENT);
    return 0;
}
