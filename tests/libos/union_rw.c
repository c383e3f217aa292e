/*
 * union_rw: "/" is writable over the image (unionfs): changing, deleting,
 * renaming image files and directories (data dir = argv[1]; natively a
 * copy of it, see union_util.h), creating new ones, and the errors that
 * stay (EEXIST, ENOTEMPTY; renaming an image directory is EXDEV in the
 * LibOS, as overlayfs without redirect_dir).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "union_util.h"

static const char hello[] = "Hello from the image!\n";

static unsigned char pattern_byte(long i)
{
    return (unsigned char)((i * 7 + 3) % 251);
}

static void path_of(char *out, const char *dir, const char *name)
{
    CHECK(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

/* Copy-up: append to an image file, write into the middle of another,
 * truncate, chmod, utimens; what was not changed stays. */
static void modify(const char *dir)
{
    char p[PATH_MAX], buf[32768];
    struct stat a, b;
    path_of(p, dir, "hello.txt");
    CHECK_EQ(stat(p, &a), 0);
    CHECK_EQ(stat(p, &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    int fd = open(p, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "more\n", 5), 5);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(read_file(p, buf, sizeof(buf)), (long)strlen(hello) + 5);
    CHECK(memcmp(buf, hello, strlen(hello)) == 0 && strcmp(buf + strlen(hello), "more\n") == 0);
    CHECK_EQ(stat(p, &b), 0);
    CHECK_EQ(b.st_ino, a.st_ino); /* the same file, copied up */
    CHECK_EQ(b.st_mode, a.st_mode);
    CHECK_EQ(b.st_size, (long)strlen(hello) + 5);

    /* pwrite in the middle of the 20000-byte pattern: the rest is intact */
    path_of(p, dir, "pattern.bin");
    fd = open(p, O_RDWR);
    CHECK(fd >= 0);
    CHECK_EQ(pwrite(fd, "XYZ", 3, 5000), 3);
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 20000);
    for (long i = 0; i < 20000; i++)
        if (i < 5000 || i >= 5003) CHECK_EQ((unsigned char)buf[i], pattern_byte(i));
    CHECK(memcmp(buf + 5000, "XYZ", 3) == 0);
    CHECK_EQ(ftruncate(fd, 100), 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(stat(p, &b), 0);
    CHECK_EQ(b.st_size, 100);
    CHECK_EQ(read_file(p, buf, sizeof(buf)), 100);
    CHECK_EQ((unsigned char)buf[99], pattern_byte(99));

    /* chmod and utimens copy up and keep size and the other times */
    path_of(p, dir, "sub/nested.txt");
    CHECK_EQ(stat(p, &a), 0);
    CHECK_EQ(chmod(p, 0600), 0);
    CHECK_EQ(stat(p, &b), 0);
    CHECK_EQ(b.st_mode & 07777, 0600);
    CHECK_EQ(b.st_size, a.st_size);
    CHECK_EQ(b.st_mtime, a.st_mtime);
    CHECK_EQ(b.st_ino, a.st_ino);
    struct timespec t[2] = {{1000000000, 0}, {1000000001, 0}};
    CHECK_EQ(utimensat(AT_FDCWD, p, t, 0), 0);
    CHECK_EQ(stat(p, &b), 0);
    CHECK_EQ(b.st_mtime, 1000000001);
    CHECK_EQ(b.st_mode & 07777, 0600);
    CHECK_EQ(read_file(p, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "nested file\n");

    /* O_CREAT|O_EXCL on an image file: it exists */
    path_of(p, dir, "sub/nested.txt");
    CHECK_ERRNO(open(p, O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
}

/* Delete an image file; create, rename, remove; rename image files. */
static void namespace(const char *dir)
{
    char p[PATH_MAX], q[PATH_MAX], buf[256];
    struct stat st;
    path_of(p, dir, "hello.txt");
    CHECK_EQ(rename(p, (path_of(q, dir, "hello2.txt"), q)), 0);
    CHECK_ERRNO(stat(p, &st), ENOENT);
    CHECK_EQ(count_entry(dir, "hello.txt"), 0);
    CHECK_EQ(count_entry(dir, "hello2.txt"), 1);
    CHECK_EQ(read_file(q, buf, sizeof(buf)), (long)strlen(hello) + 5);
    CHECK_EQ(unlink(q), 0);
    CHECK_ERRNO(open(q, O_RDONLY), ENOENT);
    CHECK_EQ(count_entry(dir, "hello2.txt"), 0);
    /* a new file where an image file was */
    write_file(p, "new hello\n");
    CHECK_EQ(read_file(p, buf, sizeof(buf)), 10);
    CHECK_EQ(count_entry(dir, "hello.txt"), 1);

    /* new directory and files in it, renamed around */
    path_of(p, dir, "newdir");
    CHECK_EQ(mkdir(p, 0755), 0);
    path_of(p, dir, "newdir/f");
    write_file(p, "f\n");
    path_of(q, dir, "g");
    CHECK_EQ(rename(p, q), 0);
    CHECK_EQ(read_file(q, buf, sizeof(buf)), 2);
    CHECK_EQ(count_entries((path_of(p, dir, "newdir"), p)), 0);
    CHECK_EQ(rename(p, (path_of(q, dir, "newdir2"), q)), 0);
    CHECK_ERRNO(stat(p, &st), ENOENT);
    CHECK_EQ(rmdir(q), 0);
    /* a hard link and a symlink to an image file */
    path_of(p, dir, "pattern.bin");
    path_of(q, dir, "pattern.link");
    CHECK_EQ(link(p, q), 0);
    struct stat a, b;
    CHECK_EQ(stat(p, &a), 0);
    CHECK_EQ(stat(q, &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(b.st_nlink, 2);
    CHECK_EQ(unlink(q), 0);
    CHECK_EQ(symlink("pattern.bin", q), 0);
    CHECK_EQ(stat(q, &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(unlink(q), 0);

    /* renaming a directory that comes from the image */
    path_of(p, dir, "sub");
    path_of(q, dir, "sub2");
    if (in_libos()) {
        CHECK_ERRNO(rename(p, q), EXDEV);
    } else {
        CHECK_EQ(rename(p, q), 0);
        CHECK_EQ(rename(q, p), 0);
    }

    /* rmdir of a directory whose image side still has entries */
    CHECK_ERRNO(rmdir(p), ENOTEMPTY);
    /* ... and once emptied, removed and made again: nothing shows through */
    path_of(q, dir, "sub/nested.txt");
    CHECK_EQ(unlink(q), 0);
    CHECK_ERRNO(stat(q, &st), ENOENT);
    CHECK_EQ(count_entry(p, "nested.txt"), 0);
    CHECK_EQ(chdir(p), 0); /* removing the cwd is allowed; getcwd then fails */
    CHECK_EQ(rmdir(p), 0);
    CHECK(getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT);
    CHECK_EQ(chdir("/"), 0);
    CHECK_ERRNO(stat(p, &st), ENOENT);
    CHECK_EQ(count_entry(dir, "sub"), 0);
    CHECK_EQ(mkdir(p, 0700), 0);
    CHECK_EQ(count_entries(p), 0);
    CHECK_ERRNO(stat(q, &st), ENOENT);
    write_file(q, "again\n");
    CHECK_EQ(count_entries(p), 1);
    CHECK_EQ(read_file(q, buf, sizeof(buf)), 6);

    /* the merged listing: each name once */
    CHECK_EQ(count_entry(dir, "hello.txt"), 1);
    CHECK_EQ(count_entry(dir, "pattern.bin"), 1);
    CHECK_EQ(count_entry(dir, "sub"), 1);
    CHECK_EQ(count_entry(dir, "g"), 1);
    CHECK_EQ(count_entries(dir), 4);
}

/* New files and directories elsewhere in "/" (the LibOS only: natively
 * the root is not ours to change). */
static void root_writes(void)
{
    char p[PATH_MAX], buf[64];
    snprintf(p, sizeof(p), "/root/x-%d", (int)getpid());
    CHECK_EQ(mkdir(p, 0755), 0);
    strcat(p, "/f");
    write_file(p, "in root\n");
    CHECK_EQ(read_file(p, buf, sizeof(buf)), 8);
    write_file("/new-at-root", "top\n");
    CHECK_EQ(count_entry("/", "new-at-root"), 1);
    CHECK_EQ(count_entry("/", "bin"), 1);
    CHECK_EQ(unlink("/new-at-root"), 0);
    CHECK_EQ(count_entry("/", "new-at-root"), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    char dir[PATH_MAX];
    work_dir(argv[1], dir, sizeof(dir));
    modify(dir);
    namespace(dir);
    if (in_libos())
        root_writes();
    else
        remove_tree(dir);
    return 0;
}
