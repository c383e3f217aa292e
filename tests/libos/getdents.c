/* getdents: getdents64 and opendir/readdir list exactly a directory's entries, with d_type. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

#define NFILES 40

static void many_files(void);

int main(int argc, char **argv)
{
    CHECK(argc >= 2);

    /* 1. the image data dir through opendir/readdir */
    static const char *const names[] = {".", "..", "hello.txt", "pattern.bin", "sub"};
    static const unsigned char types[] = {DT_DIR, DT_DIR, DT_REG, DT_REG, DT_DIR};
    int seen[5] = {0};
    DIR *d = opendir(argv[1]);
    CHECK(d != NULL);
    struct dirent *e;
    int total = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(e->d_name, names[i]) == 0) k = i;
        if (k < 0) fprintf(stderr, "unexpected entry %s\n", e->d_name);
        CHECK(k >= 0);
        CHECK_EQ(e->d_type, types[k]);
        CHECK(e->d_ino != 0);
        seen[k]++;
        total++;
    }
    CHECK_EQ(errno, 0);
    CHECK_EQ(total, 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(seen[i], 1);
    rewinddir(d);
    total = 0;
    while (readdir(d) != NULL)
        total++;
    CHECK_EQ(total, 5);
    CHECK_EQ(closedir(d), 0);

    /* 2. in each other directory given: many files through raw getdents64 */
    for (int i = 2; i < argc; i++) {
        test_dir = argv[i];
        many_files();
    }
    return 0;
}

/* A directory with many files through raw getdents64 and a small buffer. */
static void many_files(void)
{
    char dir[PATH_MAX], path[PATH_MAX];
    tmp_path(dir, sizeof(dir), "getdents");
    CHECK_EQ(mkdir(dir, 0755), 0);
    for (int i = 0; i < NFILES; i++) {
        CHECK(snprintf(path, sizeof(path), "%s/file-%02d", dir, i) < (int)sizeof(path));
        int fd = open(path, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    int got[NFILES] = {0}, dots = 0, calls = 0;
    char buf[128] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        CHECK(n >= 0);
        if (n == 0) break;
        calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + off);
            CHECK(de->d_reclen >= offsetof(struct linux_dirent64, d_name) + 2 &&
                  de->d_reclen % 8 == 0);
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
                CHECK_EQ(de->d_type, DT_DIR);
                dots++;
            } else {
                int i = -1;
                CHECK(sscanf(de->d_name, "file-%d", &i) == 1 && i >= 0 && i < NFILES);
                CHECK_EQ(de->d_type, DT_REG);
                got[i]++;
            }
            off += de->d_reclen;
        }
    }
    CHECK(calls > 1);
    CHECK_EQ(dots, 2);
    for (int i = 0; i < NFILES; i++)
        CHECK_EQ(got[i], 1);
    /* a buffer too small for one entry */
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, 8), EINVAL);
    CHECK_EQ(close(fd), 0);

    /* getdents64 on a regular file */
    CHECK(snprintf(path, sizeof(path), "%s/file-00", dir) < (int)sizeof(path));
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(syscall(SYS_getdents64, 9999, buf, sizeof(buf)), EBADF);

    for (int i = 0; i < NFILES; i++) {
        CHECK(snprintf(path, sizeof(path), "%s/file-%02d", dir, i) < (int)sizeof(path));
        CHECK_EQ(unlink(path), 0);
    }
    CHECK_EQ(rmdir(dir), 0);
}
