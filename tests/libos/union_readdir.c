/*
 * union_readdir: listing a directory of the image while it changes (image
 * files copied up, new files added) returns every entry that was there all
 * along exactly once and no name twice; offsets from d_off resume the
 * listing; after a rewind the new files are listed (data dir = argv[1],
 * natively a copy of it, see union_util.h).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>

#include "union_util.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

#define NEW 30
#define MAXN 64

static char names[MAXN][64];
static int counts[MAXN], nnames;

static void seen(const char *name)
{
    for (int i = 0; i < nnames; i++)
        if (strcmp(names[i], name) == 0) {
            counts[i]++;
            return;
        }
    CHECK(nnames < MAXN);
    snprintf(names[nnames], sizeof(names[0]), "%s", name);
    counts[nnames++] = 1;
}

static int count_of(const char *name)
{
    for (int i = 0; i < nnames; i++)
        if (strcmp(names[i], name) == 0) return counts[i];
    return 0;
}

/* One getdents64 call with a small buffer; returns the entries' count. */
static int list_some(int fd, int64_t *last_off, char *last_name)
{
    char buf[96]; /* two or three entries at a time */
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    CHECK(n >= 0);
    int k = 0;
    for (long o = 0; o < n; k++) {
        struct linux_dirent64 *d = (void *)(buf + o);
        seen(d->d_name);
        *last_off = d->d_off;
        snprintf(last_name, 64, "%s", d->d_name);
        o += d->d_reclen;
    }
    return k;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    char dir[PATH_MAX], p[PATH_MAX + 32], last[64];
    work_dir(argv[1], dir, sizeof(dir));
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    int64_t off = 0;
    CHECK(list_some(fd, &off, last) > 0);
    /* change the directory in the middle of the listing */
    snprintf(p, sizeof(p), "%s/hello.txt", dir);
    CHECK_EQ(chmod(p, 0640), 0);
    snprintf(p, sizeof(p), "%s/pattern.bin", dir);
    CHECK_EQ(truncate(p, 10), 0);
    for (int i = 0; i < NEW; i++) {
        snprintf(p, sizeof(p), "%s/new%02d", dir, i);
        write_file(p, "x");
    }
    while (list_some(fd, &off, last) > 0) {
    }
    const char *old[] = {".", "..", "hello.txt", "pattern.bin", "sub"};
    for (int i = 0; i < 5; i++)
        CHECK_EQ(count_of(old[i]), 1);
    for (int i = 0; i < nnames; i++)
        CHECK(counts[i] == 1);

    /* rewind: everything once, the new files included */
    nnames = 0;
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    int64_t prev = 0;
    char before[64] = "";
    while (list_some(fd, &off, last) > 0) {
        if (!before[0] && count_of("new05")) { /* remember a resume point */
            prev = off;
            snprintf(before, sizeof(before), "%s", last);
        }
    }
    CHECK_EQ(nnames, 5 + NEW);
    for (int i = 0; i < nnames; i++)
        CHECK(counts[i] == 1);
    /* seeking to an entry's d_off continues after that entry */
    CHECK(before[0]);
    CHECK_EQ(lseek(fd, prev, SEEK_SET), prev);
    nnames = 0;
    while (list_some(fd, &off, last) > 0) {
    }
    CHECK_EQ(count_of(before), 0);
    CHECK(nnames > 0);
    close(fd);
    if (!in_libos()) remove_tree(dir);
    return 0;
}
