/*
 * instance_lock.c: the exclusive flock on <instance>/run/occlum.lock that
 * `occlum run` and `occlum mount` hold while the writable layer is open
 * (see instance_lock.h for why). Host-side code, like measure.c: used by
 * the sim PAL's start-up and by the FUSE server, never by the LibOS core.
 */
#include "common/instance_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* What the holder wrote: "<holder>\n<pid>\n<mountpoint>\n". */
struct holder {
    char kind[16];
    long pid;
    char dir[4096];
};

static void read_holder(int fd, struct holder *h)
{
    char buf[4200];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    memset(h, 0, sizeof(*h));
    if (n <= 0) return;
    buf[n] = 0;
    char *save = NULL, *kind = strtok_r(buf, "\n", &save), *pid = strtok_r(NULL, "\n", &save),
         *dir = strtok_r(NULL, "\n", &save);
    if (kind) snprintf(h->kind, sizeof(h->kind), "%s", kind);
    if (pid) h->pid = strtol(pid, NULL, 10);
    if (dir) snprintf(h->dir, sizeof(h->dir), "%s", dir);
}

/* /proc/self/mountinfo's mount point field undone: "\040" is a space. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

static bool is_mounted(const char *dir)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    if (!f) return true; /* cannot tell: do not wait */
    while (!found && getline(&line, &cap, f) > 0) {
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        for (int i = 1; tok && i < 5; i++)
            tok = strtok_r(NULL, " ", &save);
        if (!tok) continue;
        unescape(tok);
        found = strcmp(tok, dir) == 0;
    }
    free(line);
    fclose(f);
    return found;
}

static void describe(const struct holder *h, const char *instance, char *err, size_t errlen)
{
    if (strcmp(h->kind, "mount") == 0 && h->dir[0])
        errf(err, errlen,
             "instance %s is in use by 'occlum mount' (pid %ld) at %s; stop it or unmount %s "
             "('fusermount3 -u %s')",
             instance, h->pid, h->dir, h->dir, h->dir);
    else if (strcmp(h->kind, "start") == 0)
        errf(err, errlen,
             "instance %s is in use by 'occlum start' (pid %ld); stop it with 'occlum stop'",
             instance, h->pid);
    else if (strcmp(h->kind, "run") == 0)
        errf(err, errlen,
             "instance %s is in use by 'occlum run' (pid %ld); stop it or wait for it to end",
             instance, h->pid);
    else
        errf(err, errlen,
             "instance %s is in use by another occlum process; stop it or unmount the "
             "instance's 'occlum mount'",
             instance);
}

int instance_lock_take(const char *instance, const char *holder, const char *mountpoint, char *err,
                       size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/run", instance) >= sizeof(path)) {
        errf(err, errlen, "instance %s: path too long", instance);
        return -1;
    }
    /* A fresh instance has no run/ yet (the writable layer makes it too). */
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        errf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", instance, INSTANCE_LOCK_PATH);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        errf(err, errlen, "cannot open the instance lock %s: %s", path, strerror(errno));
        return -1;
    }
    /* A mount that was unmounted is still committing: give it 10 s. */
    for (int tries = 0;; tries++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            errf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        struct holder h;
        read_holder(fd, &h);
        bool finishing = strcmp(h.kind, "mount") == 0 && h.dir[0] && !is_mounted(h.dir);
        if (!finishing || tries >= 1000) {
            describe(&h, instance, err, errlen);
            close(fd);
            return -1;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    char *desc = NULL;
    int n = asprintf(&desc, "%s\n%ld\n%s\n", holder, (long)getpid(), mountpoint ? mountpoint : "");
    if (n < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, desc, (size_t)n, 0) != n) {
        /* The lock holds anyway; only the description of the holder is lost. */
    }
    if (n >= 0) free(desc);
    return fd;
}
