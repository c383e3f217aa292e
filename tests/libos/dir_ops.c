/* dir_ops: mkdir/rmdir/unlink/rename with EEXIST/ENOENT/ENOTEMPTY/ENOTDIR/EISDIR,
 * in /tmp, hostfs and the union's writable layer (argv: the directories). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>

#include "check.h"

static char base[PATH_MAX];

static const char *P(const char *rel)
{
    static char bufs[4][PATH_MAX];
    static int k;
    char *b = bufs[k++ % 4];
    CHECK(snprintf(b, sizeof(bufs[0]), "%s/%s", base, rel) < (int)sizeof(bufs[0]));
    return b;
}

static void make_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, content, strlen(content)), (long)strlen(content));
    CHECK_EQ(close(fd), 0);
}

static void expect_content(const char *path, const char *content)
{
    char buf[PATH_MAX] = {0};
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, buf, sizeof(buf) - 1), (long)strlen(content));
    CHECK_STR(buf, content);
    CHECK_EQ(close(fd), 0);
}

static void body(void)
{
    struct stat st;
    umask(022);
    tmp_path(base, sizeof(base), "dir_ops");
    CHECK_EQ(mkdir(base, 0755), 0);
    CHECK_EQ(stat(base, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0755);
    CHECK_ERRNO(mkdir(base, 0755), EEXIST);
    CHECK_ERRNO(mkdir(test_dir, 0755), EEXIST);

    CHECK_EQ(mkdir(P("d1"), 0700), 0);
    CHECK_EQ(stat(P("d1"), &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0700);
    CHECK_ERRNO(mkdir(P("nope/d2"), 0755), ENOENT);
    make_file(P("f1"), "one");
    CHECK_ERRNO(mkdir(P("f1"), 0755), EEXIST);
    CHECK_ERRNO(mkdir(P("f1/d2"), 0755), ENOTDIR);
    CHECK_ERRNO(stat(P("f1/x"), &st), ENOTDIR);

    /* rmdir */
    make_file(P("d1/inner"), "in");
    CHECK_ERRNO(rmdir(P("d1")), ENOTEMPTY);
    CHECK_ERRNO(rmdir(P("f1")), ENOTDIR);
    CHECK_ERRNO(rmdir(P("missing")), ENOENT);
    CHECK_ERRNO(rmdir(P("d1/.")), EINVAL);

    /* unlink */
    CHECK_ERRNO(unlink(P("d1")), EISDIR);
    CHECK_ERRNO(unlink(P("missing")), ENOENT);
    CHECK_EQ(unlink(P("d1/inner")), 0);
    CHECK_ERRNO(stat(P("d1/inner"), &st), ENOENT);
    CHECK_EQ(rmdir(P("d1")), 0);
    CHECK_ERRNO(stat(P("d1"), &st), ENOENT);

    /* an unlinked file stays readable through an open fd */
    make_file(P("f2"), "two");
    int fd = open(P("f2"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(unlink(P("f2")), 0);
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), 3);
    CHECK_STR(buf, "two");
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(close(fd), 0);

    /* rename: file to new name, file over file (atomic replace) */
    CHECK_EQ(rename(P("f1"), P("g1")), 0);
    CHECK_ERRNO(stat(P("f1"), &st), ENOENT);
    expect_content(P("g1"), "one");
    make_file(P("g2"), "replaced");
    CHECK_EQ(rename(P("g1"), P("g2")), 0);
    expect_content(P("g2"), "one");
    CHECK_ERRNO(stat(P("g1"), &st), ENOENT);
    CHECK_EQ(rename(P("g2"), P("g2")), 0); /* same file: no-op */
    expect_content(P("g2"), "one");
    CHECK_ERRNO(rename(P("missing"), P("x")), ENOENT);
    CHECK_ERRNO(rename(P("g2"), P("nodir/x")), ENOENT);

    /* rename with directories */
    CHECK_EQ(mkdir(P("da"), 0755), 0);
    CHECK_EQ(mkdir(P("db"), 0755), 0);
    make_file(P("db/keep"), "k");
    CHECK_ERRNO(rename(P("da"), P("db")), ENOTEMPTY);
    CHECK_ERRNO(rename(P("g2"), P("da")), EISDIR);
    CHECK_ERRNO(rename(P("da"), P("g2")), ENOTDIR);
    CHECK_ERRNO(rename(P("da"), P("da/sub")), EINVAL); /* into itself */
    CHECK_EQ(mkdir(P("dc"), 0755), 0);
    CHECK_EQ(rename(P("da"), P("dc")), 0); /* over an empty dir */
    CHECK_ERRNO(stat(P("da"), &st), ENOENT);
    CHECK_EQ(rename(P("db"), P("dc/moved")), 0); /* a tree moves as a whole */
    expect_content(P("dc/moved/keep"), "k");

    /* clean up */
    CHECK_EQ(unlink(P("dc/moved/keep")), 0);
    CHECK_EQ(rmdir(P("dc/moved")), 0);
    CHECK_EQ(rmdir(P("dc")), 0);
    CHECK_EQ(unlink(P("g2")), 0);
    CHECK_EQ(rmdir(base), 0);
    CHECK_ERRNO(rmdir(base), ENOENT);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
