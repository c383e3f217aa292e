/*
 * inotify: each event kind in Linux's order (a directory's watch hears
 * about its entries with their names, before the entry's own watch),
 * rename cookies, IN_ISDIR, IN_ONESHOT, IN_IGNORED, IN_MASK_ADD and
 * IN_MASK_CREATE, IN_DONT_FOLLOW, IN_ONLYDIR, IN_EXCL_UNLINK, coalescing
 * of identical events, the queue limit (IN_Q_OVERFLOW), FIONREAD, a
 * nonblocking read (EAGAIN), a buffer too small (EINVAL), poll and epoll
 * readiness, a blocking read woken by a forked child's write, the
 * instance limit (EMFILE) and the errors of each call. Run in /tmp, the
 * union's writable layer and hostfs (inotify.args).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"

struct ev {
    int wd;
    uint32_t mask, cookie;
    char name[64];
};

static struct ev evs[64];
static int nev;

/* Every queued event (the instance is nonblocking). */
static void drain(int fd)
{
    static char buf[65536] __attribute__((aligned(8)));
    nev = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            CHECK(nev < 64);
            CHECK_EQ(e->len % 16, 0); /* padded as Linux */
            evs[nev].wd = e->wd;
            evs[nev].mask = e->mask;
            evs[nev].cookie = e->cookie;
            snprintf(evs[nev].name, sizeof(evs[nev].name), "%s", e->len ? e->name : "");
            nev++;
            p += sizeof(*e) + e->len;
        }
    }
}

/* The events queued must be exactly these, in order: wd, mask and name
 * ("" for none) triples, ended by wd 0. */
static void expect(int fd, int line, ...)
{
    drain(fd);
    va_list ap;
    va_start(ap, line);
    int i = 0;
    for (;; i++) {
        int wd = va_arg(ap, int);
        if (!wd) break;
        uint32_t mask = va_arg(ap, uint32_t);
        const char *name = va_arg(ap, const char *);
        if (i >= nev || evs[i].wd != wd || evs[i].mask != mask || strcmp(evs[i].name, name)) {
            fprintf(stderr, "line %d: event %d: want wd %d mask %#x name '%s', got ", line, i, wd,
                    mask, name);
            for (int k = 0; k < nev; k++)
                fprintf(stderr, "[%d %#x '%s'] ", evs[k].wd, evs[k].mask, evs[k].name);
            fprintf(stderr, "\n");
            exit(1);
        }
    }
    va_end(ap);
    if (i != nev) {
        fprintf(stderr, "line %d (%s): %d events, want %d; first: wd %d mask %#x '%s'\n", line,
                test_dir, nev, i, evs[i].wd, evs[i].mask, evs[i].name);
        exit(1);
    }
}
#define EXPECT(fd, ...) expect(fd, __LINE__, __VA_ARGS__, 0)
#define EXPECT_NONE(fd) expect(fd, __LINE__, 0)

static long proc_value(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long v = -1;
    CHECK_EQ(fscanf(f, "%ld", &v), 1);
    fclose(f);
    return v;
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, text, strlen(text)), (long)strlen(text));
    CHECK_EQ(close(fd), 0);
}

static char dir[PATH_MAX], fpath[PATH_MAX + 8], gpath[PATH_MAX + 8], sub[PATH_MAX + 8],
    lpath[PATH_MAX + 8];

static void names(void)
{
    tmp_path(dir, sizeof(dir), "inotify");
    snprintf(fpath, sizeof(fpath), "%s/f", dir);
    snprintf(gpath, sizeof(gpath), "%s/g", dir);
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    snprintf(lpath, sizeof(lpath), "%s/l", dir);
}

/* The events of the namespace and data calls, in Linux's order. */
static void events(void)
{
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0);
    int dw = inotify_add_watch(in, dir, IN_ALL_EVENTS);
    CHECK(dw > 0);

    int fd = open(fpath, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "hello", 5), 5);
    CHECK_EQ(close(fd), 0);
    EXPECT(in, dw, IN_CREATE, "f", dw, IN_OPEN, "f", dw, IN_MODIFY, "f", dw, IN_CLOSE_WRITE, "f");

    int fw = inotify_add_watch(in, fpath, IN_ALL_EVENTS);
    CHECK(fw > 0 && fw != dw);
    char b[16];
    fd = open(fpath, O_RDONLY);
    CHECK_EQ(read(fd, b, sizeof(b)), 5);
    CHECK_EQ(read(fd, b, sizeof(b)), 0); /* nothing read: no event */
    CHECK_EQ(close(fd), 0);
    EXPECT(in, dw, IN_OPEN, "f", fw, IN_OPEN, "", dw, IN_ACCESS, "f", fw, IN_ACCESS, "", dw,
           IN_CLOSE_NOWRITE, "f", fw, IN_CLOSE_NOWRITE, "");

    fd = open(fpath, O_WRONLY | O_TRUNC);
    CHECK_EQ(close(fd), 0);
    EXPECT(in, dw, IN_OPEN, "f", fw, IN_OPEN, "", dw, IN_MODIFY, "f", fw, IN_MODIFY, "", dw,
           IN_CLOSE_WRITE, "f", fw, IN_CLOSE_WRITE, "");

    CHECK_EQ(chmod(fpath, 0600), 0);
    CHECK_EQ(truncate(fpath, 3), 0);
    EXPECT(in, dw, IN_ATTRIB, "f", fw, IN_ATTRIB, "", dw, IN_MODIFY, "f", fw, IN_MODIFY, "");
    CHECK_EQ(utimensat(AT_FDCWD, fpath, NULL, 0), 0);
    EXPECT(in, dw, IN_ATTRIB, "f", fw, IN_ATTRIB, "");

    /* a rename: the pair shares a cookie; the object moves itself */
    CHECK_EQ(rename(fpath, gpath), 0);
    drain(in);
    CHECK_EQ(nev, 3);
    CHECK(evs[0].wd == dw && evs[0].mask == IN_MOVED_FROM && !strcmp(evs[0].name, "f"));
    CHECK(evs[1].wd == dw && evs[1].mask == IN_MOVED_TO && !strcmp(evs[1].name, "g"));
    CHECK(evs[0].cookie != 0 && evs[0].cookie == evs[1].cookie);
    CHECK(evs[2].wd == fw && evs[2].mask == IN_MOVE_SELF && evs[2].cookie == 0);

    /* directories: IN_ISDIR on the entry events, not on IN_MOVE_SELF */
    CHECK_EQ(mkdir(sub, 0755), 0);
    EXPECT(in, dw, IN_CREATE | IN_ISDIR, "sub");
    int sw = inotify_add_watch(in, sub, IN_ALL_EVENTS | IN_ONLYDIR);
    CHECK(sw > 0);
    DIR *d = opendir(sub);
    CHECK(d != NULL);
    while (readdir(d))
        ;
    closedir(d);
    /* one IN_ACCESS per getdents64 (the libc's choice of how many) */
    drain(in);
    CHECK(nev >= 6 && nev % 2 == 0);
    for (int i = 0; i < nev; i++) {
        uint32_t want = i < 2 ? IN_OPEN : i >= nev - 2 ? IN_CLOSE_NOWRITE : IN_ACCESS;
        CHECK_EQ(evs[i].mask, want | IN_ISDIR);
        CHECK_EQ(evs[i].wd, i % 2 ? sw : dw);
        CHECK_STR(evs[i].name, i % 2 ? "" : "sub");
    }

    /* a hard link is an attribute change of the file and a new entry */
    CHECK_EQ(link(gpath, fpath), 0);
    EXPECT(in, fw, IN_ATTRIB, "", dw, IN_CREATE, "f");
    CHECK_EQ(unlink(fpath), 0); /* not the last name */
    EXPECT(in, fw, IN_ATTRIB, "", dw, IN_DELETE, "f");
    CHECK_EQ(symlink("g", lpath), 0);
    EXPECT(in, dw, IN_CREATE, "l");
    /* IN_DONT_FOLLOW watches the link itself, not g */
    int lw = inotify_add_watch(in, lpath, IN_ATTRIB | IN_DELETE_SELF | IN_DONT_FOLLOW);
    CHECK(lw > 0 && lw != fw);
    CHECK_EQ(inotify_add_watch(in, lpath, IN_ATTRIB | IN_MASK_ADD), fw);
    CHECK_ERRNO(inotify_add_watch(in, lpath, IN_ATTRIB | IN_ONLYDIR), ENOTDIR);
    CHECK_EQ(unlink(lpath), 0);
    EXPECT(in, lw, IN_ATTRIB, "", lw, IN_DELETE_SELF, "", lw, IN_IGNORED, "", dw, IN_DELETE, "l");

    /* the last name goes: the object's watch ends */
    CHECK_EQ(unlink(gpath), 0);
    EXPECT(in, fw, IN_ATTRIB, "", fw, IN_DELETE_SELF, "", fw, IN_IGNORED, "", dw, IN_DELETE, "g");
    CHECK_ERRNO(inotify_rm_watch(in, fw), EINVAL);
    CHECK_EQ(rmdir(sub), 0);
    EXPECT(in, sw, IN_DELETE_SELF, "", sw, IN_IGNORED, "", dw, IN_DELETE | IN_ISDIR, "sub");

    /* a directory moving: IN_MOVE_SELF has no IN_ISDIR */
    CHECK_EQ(mkdir(sub, 0755), 0);
    sw = inotify_add_watch(in, sub, IN_MOVE_SELF);
    CHECK_EQ(rename(sub, gpath), 0);
    drain(in);
    CHECK_EQ(nev, 4);
    CHECK_EQ(evs[1].mask, IN_MOVED_FROM | IN_ISDIR);
    CHECK_EQ(evs[2].mask, IN_MOVED_TO | IN_ISDIR);
    CHECK(evs[3].wd == sw && evs[3].mask == IN_MOVE_SELF);
    CHECK_EQ(inotify_rm_watch(in, sw), 0);
    EXPECT(in, sw, IN_IGNORED, "");
    CHECK_EQ(rmdir(gpath), 0);
    drain(in);

    /* IN_EXCL_UNLINK: an open file with no name left is not reported */
    int xw = inotify_add_watch(in, dir, IN_MODIFY | IN_EXCL_UNLINK);
    CHECK_EQ(xw, dw); /* one watch per object and instance: the mask is replaced */
    fd = open(fpath, O_CREAT | O_RDWR, 0600);
    CHECK_EQ(write(fd, "a", 1), 1);
    EXPECT(in, dw, IN_MODIFY, "f");
    CHECK_EQ(unlink(fpath), 0);
    CHECK_EQ(write(fd, "b", 1), 1);
    CHECK_EQ(close(fd), 0);
    EXPECT_NONE(in);

    /* IN_MASK_ADD adds; IN_MASK_CREATE refuses an existing watch */
    CHECK_EQ(inotify_add_watch(in, dir, IN_CREATE | IN_MASK_ADD), dw);
    CHECK_ERRNO(inotify_add_watch(in, dir, IN_CREATE | IN_MASK_CREATE), EEXIST);
    put(fpath, "x");
    EXPECT(in, dw, IN_CREATE, "f", dw, IN_MODIFY, "f");

    /* IN_ONESHOT: one event, then the watch ends */
    int ow = inotify_add_watch(in, fpath, IN_MODIFY | IN_ONESHOT);
    CHECK(ow > 0);
    fd = open(fpath, O_WRONLY);
    CHECK_EQ(write(fd, "1", 1), 1);
    CHECK_EQ(write(fd, "2", 1), 1);
    CHECK_EQ(close(fd), 0);
    EXPECT(in, dw, IN_MODIFY, "f", ow, IN_MODIFY, "", ow, IN_IGNORED, "", dw, IN_MODIFY, "f");
    /* wds are not reused at once */
    int nw = inotify_add_watch(in, fpath, IN_MODIFY);
    CHECK(nw > ow);
    CHECK_EQ(inotify_rm_watch(in, nw), 0);
    CHECK_EQ(inotify_rm_watch(in, dw), 0);
    EXPECT(in, nw, IN_IGNORED, "", dw, IN_IGNORED, "");
    CHECK_EQ(unlink(fpath), 0);
    EXPECT_NONE(in);
    CHECK_EQ(close(in), 0);
}

/* Identical consecutive events are one; the queue holds
 * max_queued_events, then one IN_Q_OVERFLOW. */
static void queue_limits(void)
{
    long max = proc_value("/proc/sys/fs/inotify/max_queued_events");
    CHECK(max > 0 && max <= 1 << 20);
    put(fpath, "");
    int in = inotify_init1(IN_NONBLOCK);
    int w = inotify_add_watch(in, fpath, IN_MODIFY | IN_OPEN | IN_CLOSE);
    int fd = open(fpath, O_WRONLY);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(write(fd, "x", 1), 1);
    CHECK_EQ(close(fd), 0);
    EXPECT(in, w, IN_OPEN, "", w, IN_MODIFY, "", w, IN_CLOSE_WRITE, "");

    for (long i = 0; i < max / 2 + 4; i++)
        CHECK_EQ(close(open(fpath, O_RDONLY)), 0);
    int avail = -1;
    CHECK_EQ(ioctl(in, FIONREAD, &avail), 0);
    CHECK_EQ(avail, (max + 1) * (long)sizeof(struct inotify_event));
    char *buf = malloc((size_t)avail);
    CHECK(buf != NULL);
    long got = 0;
    struct inotify_event *e = NULL;
    for (;;) {
        ssize_t n = read(in, buf, (size_t)avail);
        if (n < 0) break;
        for (char *p = buf; p < buf + n; p += sizeof(*e) + e->len, got++) {
            e = (struct inotify_event *)p;
            CHECK(e->wd == w || e->mask == IN_Q_OVERFLOW);
        }
    }
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(got, max + 1);
    CHECK(e && e->wd == -1 && e->mask == IN_Q_OVERFLOW && e->len == 0);
    CHECK_EQ(ioctl(in, FIONREAD, &avail), 0);
    CHECK_EQ(avail, 0);
    free(buf);
    /* after the overflow was read, events queue again */
    CHECK_EQ(close(open(fpath, O_RDONLY)), 0);
    EXPECT(in, w, IN_OPEN, "", w, IN_CLOSE_NOWRITE, "");
    CHECK_EQ(close(in), 0);
    CHECK_EQ(unlink(fpath), 0);
}

/* Readiness and blocking: poll, epoll, a read woken by a forked child. */
static void waiting(void)
{
    put(fpath, "");
    int in = inotify_init1(IN_CLOEXEC);
    CHECK(in >= 0);
    CHECK(fcntl(in, F_GETFD) & FD_CLOEXEC);
    CHECK(!(fcntl(in, F_GETFL) & O_NONBLOCK));
    int w = inotify_add_watch(in, fpath, IN_MODIFY | IN_CLOSE_WRITE);
    struct pollfd p = {in, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
    int ep = epoll_create1(0);
    struct epoll_event ee = {.events = EPOLLIN, .data.fd = in};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ee), 0);
    CHECK_EQ(epoll_wait(ep, &ee, 1, 0), 0);

    int go[2];
    CHECK_EQ(pipe(go), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1) _exit(2);
        int fd = open(fpath, O_WRONLY | O_APPEND);
        if (fd < 0 || write(fd, "child", 5) != 5 || close(fd) != 0) _exit(3);
        _exit(0);
    }
    CHECK_EQ(write(go[1], "g", 1), 1);
    /* blocks until the child has written, in its own address space */
    char buf[256];
    ssize_t n = read(in, buf, sizeof(buf));
    CHECK(n >= (ssize_t)sizeof(struct inotify_event));
    struct inotify_event *e = (struct inotify_event *)buf;
    CHECK(e->wd == w && e->mask == IN_MODIFY);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* the child's close is still queued, unless the first read took it */
    if (n == (ssize_t)sizeof(struct inotify_event)) {
        CHECK_EQ(poll(&p, 1, -1), 1);
        CHECK_EQ(p.revents, POLLIN);
        CHECK_EQ(epoll_wait(ep, &ee, 1, -1), 1);
        CHECK(ee.events == EPOLLIN && ee.data.fd == in);
        CHECK_EQ(read(in, buf, sizeof(buf)), (long)sizeof(struct inotify_event));
        CHECK_EQ(e->mask, IN_CLOSE_WRITE);
    } else {
        CHECK_EQ(n, 2 * (long)sizeof(struct inotify_event));
    }
    CHECK_EQ(poll(&p, 1, 0), 0);
    close(ep);
    close(go[0]);
    close(go[1]);
    CHECK_EQ(close(in), 0);
    CHECK_EQ(unlink(fpath), 0);
}

static void errors(void)
{
    CHECK_ERRNO(inotify_init1(IN_CLOEXEC | 1), EINVAL);
    int in = inotify_init1(IN_NONBLOCK);
    CHECK(in >= 0);
    char small[8];
    CHECK_ERRNO(read(in, small, sizeof(small)), EAGAIN);
    CHECK_ERRNO(write(in, "x", 1), EBADF);
    CHECK_ERRNO(inotify_add_watch(in, dir, 0), EINVAL);
    CHECK_ERRNO(inotify_add_watch(in, dir, IN_MODIFY | 0x00100000), EINVAL);
    CHECK_ERRNO(inotify_add_watch(in, dir, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
    CHECK_ERRNO(inotify_add_watch(-1, dir, IN_MODIFY), EBADF);
    int notin = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_ERRNO(inotify_add_watch(notin, dir, IN_MODIFY), EINVAL);
    CHECK_ERRNO(inotify_rm_watch(notin, 1), EINVAL);
    close(notin);
    CHECK_ERRNO(inotify_add_watch(in, "/nonexistent-inotify", IN_MODIFY), ENOENT);
    CHECK_ERRNO(inotify_add_watch(in, (const char *)8, IN_MODIFY), EFAULT);
    CHECK_ERRNO(inotify_rm_watch(in, 12345), EINVAL);
    CHECK_ERRNO(inotify_rm_watch(-1, 1), EBADF);
    /* a buffer too small for the first event */
    int w = inotify_add_watch(in, dir, IN_CREATE);
    put(fpath, "");
    CHECK_ERRNO(read(in, small, sizeof(small)), EINVAL);
    int avail;
    CHECK_EQ(ioctl(in, FIONREAD, &avail), 0);
    CHECK_EQ(avail, (long)sizeof(struct inotify_event) + 16);
    EXPECT(in, w, IN_CREATE, "f");
    CHECK_EQ(unlink(fpath), 0);
    CHECK_EQ(close(in), 0);
}

/* The instance limit is per user: EMFILE past max_user_instances
 * (natively, other programs of this user may hold some already). */
static void instance_limit(void)
{
    long max = proc_value("/proc/sys/fs/inotify/max_user_instances");
    CHECK(max > 0 && max < 1000);
    int fds[1000], n = 0;
    for (;;) {
        int fd = inotify_init();
        if (fd < 0) {
            CHECK_EQ(errno, EMFILE);
            break;
        }
        CHECK(n < max);
        fds[n++] = fd;
    }
    CHECK(n > 0);
    while (n)
        close(fds[--n]);
    int fd = inotify_init();
    CHECK(fd >= 0);
    close(fd);
    CHECK(proc_value("/proc/sys/fs/inotify/max_user_watches") > 0);
}

static void body(void)
{
    names();
    CHECK_EQ(mkdir(dir, 0755), 0);
    events();
    queue_limits();
    waiting();
    errors();
    CHECK_EQ(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    instance_limit();
    return run_in_dirs(argc, argv, body);
}
