/*
 * file_attrs: link/linkat (link counts, one inode), readlinkat with a
 * directory fd, chown family to one's own ids (and -1 = unchanged),
 * fchmodat, utimensat/futimens (exact times, UTIME_OMIT, UTIME_NOW,
 * AT_SYMLINK_NOFOLLOW), statfs/fstatfs agreeing, and their errors; in
 * /tmp, on hostfs and in the union's writable layer (argv: the dirs).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "check.h"

static void links(const char *f, const char *g)
{
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(link(f, g), 0);
    struct stat a, b;
    CHECK_EQ(stat(f, &a), 0);
    CHECK_EQ(stat(g, &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_nlink, 2);
    CHECK_ERRNO(link(f, g), EEXIST);
    CHECK_EQ(unlink(f), 0);
    CHECK_EQ(stat(g, &b), 0);
    CHECK_EQ(b.st_nlink, 1);
    CHECK_EQ(b.st_size, 3);
    /* linkat relative to a directory fd */
    int dfd = open(test_dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK_EQ(linkat(AT_FDCWD, g, dfd, strrchr(f, '/') + 1, 0), 0);
    CHECK_EQ(stat(f, &a), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_ERRNO(linkat(AT_FDCWD, g, dfd, "", 0), ENOENT);
    CHECK_ERRNO(linkat(AT_FDCWD, g, dfd, "x", 0x4000 /* not a linkat flag */), EINVAL);
    CHECK_ERRNO(link(test_dir, g), EEXIST); /* checked before "it is a directory" */
    /* a symlink read through readlinkat */
    CHECK_EQ(unlink(f), 0);
    CHECK_EQ(symlinkat("some/target", dfd, strrchr(f, '/') + 1), 0);
    char buf[64] = {0};
    CHECK_EQ(readlinkat(dfd, strrchr(f, '/') + 1, buf, sizeof(buf)), 11);
    CHECK_STR(buf, "some/target");
    CHECK_ERRNO(readlinkat(dfd, strrchr(g, '/') + 1, buf, sizeof(buf)), EINVAL); /* not a link */
    CHECK_EQ(close(dfd), 0);
}

static void owners_and_modes(const char *g, const char *f)
{
    uid_t u = geteuid();
    gid_t gr = getegid();
    struct stat st;
    CHECK_EQ(chown(g, u, gr), 0);
    CHECK_EQ(chown(g, (uid_t)-1, (gid_t)-1), 0);
    CHECK_EQ(lchown(f, u, gr), 0); /* the symlink itself */
    int fd = open(g, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fchown(fd, u, (gid_t)-1), 0);
    CHECK_EQ(fchownat(AT_FDCWD, f, u, gr, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_ERRNO(fchownat(AT_FDCWD, f, u, gr, 0x1), EINVAL);
    CHECK_EQ(stat(g, &st), 0);
    CHECK_EQ(st.st_uid, u);
    CHECK_EQ(st.st_gid, gr);
    CHECK_EQ(fchmodat(AT_FDCWD, g, 0600, 0), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_EQ(fchmod(fd, 0640), 0);
    CHECK_EQ(stat(g, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(chmod("/nonexistent-dir/x", 0600), ENOENT);
}

static void times(const char *g, const char *f)
{
    struct stat st, before;
    struct timespec ts[2] = {{1000000000, 123456789}, {1500000000, 987654321}};
    CHECK_EQ(utimensat(AT_FDCWD, g, ts, 0), 0);
    CHECK_EQ(stat(g, &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 987654321);
    /* UTIME_OMIT keeps one; UTIME_NOW sets it to now */
    struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    time_t t0 = time(NULL);
    CHECK_EQ(utimensat(AT_FDCWD, g, omit_now, 0), 0);
    CHECK_EQ(stat(g, &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK(st.st_mtim.tv_sec >= t0 - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
    /* futimens through an fd */
    int fd = open(g, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_EQ(futimens(fd, ts), 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(stat(g, &st), 0);
    CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
    /* AT_SYMLINK_NOFOLLOW changes the link, not its target */
    CHECK_EQ(stat(g, &before), 0);
    CHECK_EQ(utimensat(AT_FDCWD, f, ts, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_EQ(lstat(f, &st), 0);
    CHECK_EQ(st.st_mtim.tv_sec, 1500000000);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERRNO(utimensat(AT_FDCWD, g, bad, 0), EINVAL);
}

static void fs_stats(const char *g)
{
    struct statfs a, b;
    CHECK_EQ(statfs(g, &a), 0);
    int fd = open(g, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fstatfs(fd, &b), 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(a.f_type, b.f_type);
    CHECK_EQ(a.f_bsize, b.f_bsize);
    CHECK(a.f_bsize > 0);
    CHECK(a.f_namelen >= 255);
    CHECK(a.f_blocks >= a.f_bfree && a.f_bfree >= a.f_bavail);
    CHECK_ERRNO(statfs("/nonexistent-dir/x", &a), ENOENT);
    CHECK_ERRNO(fstatfs(-1, &a), EBADF);
}

static void body(void)
{
    char f[PATH_MAX], g[PATH_MAX];
    tmp_path(f, sizeof(f), "attrs-f");
    tmp_path(g, sizeof(g), "attrs-g");
    links(f, g); /* leaves g a file and f a symlink */
    owners_and_modes(g, f);
    times(g, f);
    fs_stats(g);
    CHECK_EQ(unlink(f), 0);
    CHECK_EQ(unlink(g), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
