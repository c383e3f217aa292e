/*
 * rename_exchange: renameat2(RENAME_EXCHANGE) swaps two names atomically,
 * files and directories, within and across directories, on ramfs (/tmp),
 * hostfs (argv[2]) and the union over the image (argv[1]); its errors
 * (ENOENT, EINVAL for a loop or a bad flag mix, ENOTDIR for a trailing
 * slash on a file).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "union_util.h"

/* musl has neither the wrapper nor the flags (linux/fs.h's would clash
 * with glibc's stdio.h): the kernel's values. */
#ifndef RENAME_EXCHANGE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

static int xrename(const char *a, const char *b, unsigned flags)
{
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static const char *at(const char *dir, const char *name)
{
    static char bufs[4][PATH_MAX];
    static int k;
    char *p = bufs[k++ % 4];
    CHECK(snprintf(p, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
    return p;
}

static void expect_content(const char *path, const char *want)
{
    char buf[256];
    CHECK_EQ(read_file(path, buf, sizeof(buf)), (long)strlen(want));
    CHECK_STR(buf, want);
}

static ino_t ino_of(const char *path)
{
    struct stat st;
    CHECK_EQ(lstat(path, &st), 0);
    return st.st_ino;
}

static void exchange_files(const char *dir)
{
    write_file(at(dir, "a"), "alpha");
    write_file(at(dir, "b"), "beta!");
    ino_t ia = ino_of(at(dir, "a")), ib = ino_of(at(dir, "b"));
    int fd = open(at(dir, "a"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(xrename(at(dir, "a"), at(dir, "b"), RENAME_EXCHANGE), 0);
    expect_content(at(dir, "a"), "beta!");
    expect_content(at(dir, "b"), "alpha");
    CHECK_EQ(ino_of(at(dir, "a")), ib);
    CHECK_EQ(ino_of(at(dir, "b")), ia);
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, 5), 5); /* the open file is the object, not the name */
    CHECK_STR(buf, "alpha");
    CHECK_EQ(close(fd), 0);
    /* a file and a symlink */
    CHECK_EQ(symlink("target-text", at(dir, "l")), 0);
    CHECK_EQ(xrename(at(dir, "a"), at(dir, "l"), RENAME_EXCHANGE), 0);
    char t[64] = {0};
    CHECK_EQ(readlink(at(dir, "a"), t, sizeof(t) - 1), 11);
    CHECK_STR(t, "target-text");
    expect_content(at(dir, "l"), "beta!");
    /* two names of one file: nothing changes, no error */
    CHECK_EQ(link(at(dir, "b"), at(dir, "b2")), 0);
    CHECK_EQ(xrename(at(dir, "b"), at(dir, "b2"), RENAME_EXCHANGE), 0);
    expect_content(at(dir, "b"), "alpha");
    expect_content(at(dir, "b2"), "alpha");
    /* errors */
    CHECK_ERRNO(xrename(at(dir, "b"), at(dir, "nonexistent"), RENAME_EXCHANGE), ENOENT);
    CHECK_ERRNO(xrename(at(dir, "nonexistent"), at(dir, "b"), RENAME_EXCHANGE), ENOENT);
    CHECK_ERRNO(xrename(at(dir, "b"), at(dir, "l"), RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    CHECK_ERRNO(xrename(at(dir, "b/"), at(dir, "l"), RENAME_EXCHANGE), ENOTDIR);
    expect_content(at(dir, "b"), "alpha"); /* the failures changed nothing */
    expect_content(at(dir, "l"), "beta!");
    for (const char *n = "a\0b\0b2\0l\0"; *n; n += strlen(n) + 1)
        CHECK_EQ(unlink(at(dir, n)), 0);
}

static nlink_t nlink_of(const char *path)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    return st.st_nlink;
}

static void exchange_dirs(const char *dir)
{
    /* p1/x is a directory with a file in it, p2/y a file */
    CHECK_EQ(mkdir(at(dir, "p1"), 0755), 0);
    CHECK_EQ(mkdir(at(dir, "p2"), 0755), 0);
    CHECK_EQ(mkdir(at(dir, "p1/x"), 0755), 0);
    write_file(at(dir, "p1/x/inner"), "inner");
    write_file(at(dir, "p2/y"), "file y");
    /* Some file systems (btrfs) do not count subdirectories in st_nlink. */
    bool counts = nlink_of(at(dir, "p2")) == 2;
    nlink_t n1 = nlink_of(at(dir, "p1")), n2 = nlink_of(at(dir, "p2"));
    CHECK_EQ(xrename(at(dir, "p1/x"), at(dir, "p2/y"), RENAME_EXCHANGE), 0);
    expect_content(at(dir, "p2/y/inner"), "inner"); /* the directory moved */
    expect_content(at(dir, "p1/x"), "file y");
    struct stat st;
    CHECK_EQ(stat(at(dir, "p2/y/.."), &st), 0); /* its ".." follows */
    CHECK_EQ(st.st_ino, ino_of(at(dir, "p2")));
    if (counts) {
        CHECK_EQ(nlink_of(at(dir, "p1")), n1 - 1);
        CHECK_EQ(nlink_of(at(dir, "p2")), n2 + 1);
    }
    /* a directory and its own descendant: a loop, either way round */
    CHECK_EQ(mkdir(at(dir, "p2/y/deep"), 0755), 0);
    CHECK_ERRNO(xrename(at(dir, "p2/y"), at(dir, "p2/y/deep"), RENAME_EXCHANGE), EINVAL);
    CHECK_ERRNO(xrename(at(dir, "p2/y/deep"), at(dir, "p2/y"), RENAME_EXCHANGE), EINVAL);
    /* two directories trade places; trailing slashes are fine on directories */
    CHECK_EQ(xrename(at(dir, "p1/"), at(dir, "p2/"), RENAME_EXCHANGE), 0);
    expect_content(at(dir, "p1/y/inner"), "inner");
    expect_content(at(dir, "p2/x"), "file y");
    CHECK_EQ(unlink(at(dir, "p1/y/inner")), 0);
    CHECK_EQ(rmdir(at(dir, "p1/y/deep")), 0);
    CHECK_EQ(rmdir(at(dir, "p1/y")), 0);
    CHECK_EQ(unlink(at(dir, "p2/x")), 0);
    CHECK_EQ(rmdir(at(dir, "p1")), 0);
    CHECK_EQ(rmdir(at(dir, "p2")), 0);
}

/* The image's files (argv[1]): copied up and exchanged. */
static void exchange_image(const char *dir)
{
    char hello[256], pattern[32768];
    long nh = read_file(at(dir, "hello.txt"), hello, sizeof(hello));
    long np = read_file(at(dir, "pattern.bin"), pattern, sizeof(pattern));
    CHECK(nh > 0 && np > 0);
    ino_t ih = ino_of(at(dir, "hello.txt"));
    CHECK_EQ(xrename(at(dir, "hello.txt"), at(dir, "pattern.bin"), RENAME_EXCHANGE), 0);
    char buf[32768];
    CHECK_EQ(read_file(at(dir, "pattern.bin"), buf, sizeof(buf)), nh);
    CHECK(memcmp(buf, hello, (size_t)nh) == 0);
    CHECK_EQ(read_file(at(dir, "hello.txt"), buf, sizeof(buf)), np);
    CHECK(memcmp(buf, pattern, (size_t)np) == 0);
    CHECK_EQ(ino_of(at(dir, "pattern.bin")), ih);
    CHECK_EQ(count_entry(dir, "hello.txt"), 1);
    CHECK_EQ(count_entry(dir, "pattern.bin"), 1);
    /* an image file and a new one */
    write_file(at(dir, "fresh"), "fresh");
    CHECK_EQ(xrename(at(dir, "fresh"), at(dir, "hello.txt"), RENAME_EXCHANGE), 0);
    expect_content(at(dir, "hello.txt"), "fresh");
    CHECK_EQ(read_file(at(dir, "fresh"), buf, sizeof(buf)), np);
    /* an image directory: the LibOS, like overlayfs without redirect_dir,
     * cannot move it (EXDEV: callers copy); Linux on a plain directory can */
    int r = xrename(at(dir, "sub"), at(dir, "fresh"), RENAME_EXCHANGE);
    if (in_libos()) {
        CHECK(r == -1 && errno == EXDEV);
        CHECK_EQ(read_file(at(dir, "fresh"), buf, sizeof(buf)), np);
    } else {
        CHECK_EQ(r, 0);
        CHECK_EQ(xrename(at(dir, "sub"), at(dir, "fresh"), RENAME_EXCHANGE), 0);
    }
    CHECK_EQ(count_entry(dir, "fresh"), 1);
    CHECK_EQ(count_entry(dir, "sub"), 1);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    char tmp[PATH_MAX];
    temp_dir(tmp, sizeof(tmp), "rename-exchange");
    const char *dirs[] = {tmp, argv[2]};
    for (int i = 0; i < 2; i++) {
        exchange_files(dirs[i]);
        exchange_dirs(dirs[i]);
    }
    CHECK_EQ(rmdir(tmp), 0);
    char work[PATH_MAX];
    work_dir(argv[1], work, sizeof(work));
    exchange_files(work);
    exchange_dirs(work);
    exchange_image(work);
    if (!in_libos()) remove_tree(work);
    return 0;
}
