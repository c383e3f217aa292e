/*
 * unix_scm: control messages of AF_UNIX sockets (Linux's net/core/scm.c
 * and the scm parts of af_unix.c): SCM_RIGHTS and SCM_CREDENTIALS.
 *
 * SCM_RIGHTS passes any LibOS file (pipes, files, sockets, AF_UNIX ones
 * included, eventfds, epolls...): the message holds a reference to each
 * file description while in flight, so the files outlive the sender's
 * close; a message dropped unread (its socket closed) puts them. The
 * receiver gets new fds for them (MSG_CMSG_CLOEXEC: close-on-exec); a
 * control buffer too short for all of them gets as many as fit, the rest
 * closed and MSG_CTRUNC set. At most 253 fds per message (SCM_MAX_FD).
 * Not done: Linux's garbage collector of unreachable sockets in flight (a
 * socket sent over itself, or a cycle of them, is never freed; nothing
 * else notices).
 *
 * SCM_CREDENTIALS is checked as Linux checks a root process's (the LibOS
 * runs every process as root): the pid must exist (ESRCH), uid and gid
 * must not be -1 (EINVAL). A receiver with SO_PASSCRED gets the sender's
 * credentials in every message (the sender's own when it sent none).
 */
#include "fs/vfs.h"
#include "net/unix_int.h"
#include "process/process.h"
#include "syscall/list_core.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* The kernel's CMSG_OK: the header fits and so does the length it claims. */
static bool cmsg_ok(const struct msghdr *m, const struct cmsghdr *c)
{
    size_t off = (size_t)((const char *)c - (const char *)m->msg_control);
    return c->cmsg_len >= sizeof(struct cmsghdr) && c->cmsg_len <= m->msg_controllen - off;
}

/* The kernel's __cmsg_nxthdr (the caller checked c with cmsg_ok). */
static struct cmsghdr *cmsg_next(const struct msghdr *m, struct cmsghdr *c)
{
    struct cmsghdr *n = (struct cmsghdr *)((char *)c + CMSG_ALIGN(c->cmsg_len));
    if ((size_t)((char *)(n + 1) - (char *)m->msg_control) > m->msg_controllen) return NULL;
    return n;
}

static long add_rights(struct unix_scm *scm, const struct cmsghdr *c)
{
    size_t num = (c->cmsg_len - sizeof(struct cmsghdr)) / sizeof(int);
    if (num == 0) return 0;
    unsigned have = scm->fpl ? scm->fpl->n : 0;
    if (num > UNIX_SCM_MAX_FD || have + num > UNIX_SCM_MAX_FD) return -EINVAL;
    struct unix_fpl *fpl = krealloc(scm->fpl, sizeof(*fpl) + (have + num) * sizeof(fpl->f[0]));
    if (!fpl) return -ENOMEM;
    if (!scm->fpl) fpl->next = NULL;
    fpl->n = have;
    scm->fpl = fpl;
    const unsigned char *data = CMSG_DATA(c);
    for (size_t i = 0; i < num; i++) {
        int fd;
        memcpy(&fd, data + i * sizeof(int), sizeof(int));
        struct file *f = fd_get(current_process(), fd); /* O_PATH files too, as fget_raw */
        if (!f) return -EBADF;
        fpl->f[fpl->n++] = f;
    }
    return 0;
}

static long add_creds(struct unix_scm *scm, const struct cmsghdr *c)
{
    if (c->cmsg_len != CMSG_LEN(sizeof(struct ucred))) return -EINVAL;
    struct ucred u;
    memcpy(&u, CMSG_DATA(c), sizeof(u));
    if (u.uid == (uid_t)-1 || u.gid == (gid_t)-1) return -EINVAL;
    /* root may claim any pid, uid and gid; the pid must exist */
    if (u.pid <= 0 || (!process_find(u.pid) && !process_of_tid(u.pid))) return -ESRCH;
    scm->creds = (struct unix_creds){u.pid, u.uid, u.gid};
    scm->has_creds = true;
    return 0;
}

long unix_scm_parse(struct msghdr *m, struct unix_scm *scm)
{
    memset(scm, 0, sizeof(*scm));
    if (!m->msg_control || m->msg_controllen < sizeof(struct cmsghdr)) return 0;
    long r = 0;
    for (struct cmsghdr *c = m->msg_control; c; c = cmsg_next(m, c)) {
        if (!cmsg_ok(m, c)) {
            r = -EINVAL;
            break;
        }
        if (c->cmsg_level != SOL_SOCKET) continue; /* other levels are not ours */
        if (c->cmsg_type == SCM_RIGHTS)
            r = add_rights(scm, c);
        else if (c->cmsg_type == SCM_CREDENTIALS)
            r = add_creds(scm, c);
        else
            r = -EINVAL;
        if (r < 0) break;
    }
    if (r < 0) unix_scm_destroy(scm);
    return r;
}

void unix_scm_destroy(struct unix_scm *scm)
{
    unix_fpl_put(scm->fpl);
    scm->fpl = NULL;
}

void unix_creds_current(struct unix_creds *c)
{
    c->pid = current_process()->pid;
    c->uid = (uint32_t)sys_getuid();
    c->gid = (uint32_t)sys_getgid();
}

/* ---- receiving ---- */

/* Linux's put_cmsg into the LibOS control buffer *ctl (*left bytes). */
static void put_cmsg(struct msghdr *m, char **ctl, size_t *left, int type, const void *data,
                     size_t len)
{
    if (!*ctl || *left < sizeof(struct cmsghdr)) {
        m->msg_flags |= MSG_CTRUNC;
        return;
    }
    size_t cmlen = CMSG_LEN(len);
    if (*left < cmlen) {
        m->msg_flags |= MSG_CTRUNC;
        cmlen = *left;
    }
    struct cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = SOL_SOCKET, .cmsg_type = type};
    memcpy(*ctl, &h, sizeof(h));
    memcpy(*ctl + sizeof(h), data, cmlen - sizeof(h));
    cmlen = CMSG_SPACE(len) < *left ? CMSG_SPACE(len) : *left;
    *ctl += cmlen;
    *left -= cmlen;
}

/* Linux's scm_detach_fds: as many fds as fit (and the table takes). */
static void detach_fds(struct msghdr *m, char **ctl, size_t *left, int flags, struct unix_fpl *fpl)
{
    size_t fdmax =
        *ctl && *left > sizeof(struct cmsghdr) ? (*left - sizeof(struct cmsghdr)) / sizeof(int) : 0;
    if (fdmax > fpl->n) fdmax = fpl->n;
    int oflags = (flags & MSG_CMSG_CLOEXEC) ? O_CLOEXEC : 0;
    size_t i;
    for (i = 0; i < fdmax; i++) {
        int fd = fd_install(current_process(), fpl->f[i], oflags);
        if (fd < 0) break; /* EMFILE: the rest are closed */
        fpl->f[i] = NULL;  /* the table has the reference now */
        memcpy(*ctl + sizeof(struct cmsghdr) + i * sizeof(int), &fd, sizeof(int));
    }
    if (i > 0) {
        struct cmsghdr h = {.cmsg_len = CMSG_LEN(i * sizeof(int)),
                            .cmsg_level = SOL_SOCKET,
                            .cmsg_type = SCM_RIGHTS};
        memcpy(*ctl, &h, sizeof(h));
        size_t cmlen = CMSG_SPACE(i * sizeof(int));
        if (cmlen > *left) cmlen = *left;
        *ctl += cmlen;
        *left -= cmlen;
    }
    if (i < fpl->n) m->msg_flags |= MSG_CTRUNC;
}

void unix_scm_recv(struct unix_sock *u, struct msghdr *m, int flags, const struct unix_creds *c,
                   struct unix_fpl *fpl)
{
    char *ctl = m->msg_control;
    size_t left = ctl ? m->msg_controllen : 0;
    if (__atomic_load_n(&u->passcred, __ATOMIC_RELAXED)) {
        struct ucred uc = {0, 65534, 65534}; /* nothing read: no sender */
        if (c) uc = (struct ucred){c->pid, c->uid, c->gid};
        put_cmsg(m, &ctl, &left, SCM_CREDENTIALS, &uc, sizeof(uc));
    }
    if (fpl) detach_fds(m, &ctl, &left, flags, fpl);
    m->msg_controllen = m->msg_control ? m->msg_controllen - left : 0;
    unix_fpl_put(fpl);
}

/* ---- references ---- */

/* Batches waiting to be put by an outer unix_fpl_put of this host thread:
 * putting a file may release a socket whose queue holds more files, and
 * doing those at once would recurse as deep as an application chains
 * sockets (the LibOS's stack is fixed). Per thread, since the recursion
 * is; never shared between host processes. */
static __thread struct unix_fpl *deferred;
static __thread bool putting;

void unix_fpl_put(struct unix_fpl *fpl)
{
    if (!fpl) return;
    fpl->next = deferred;
    deferred = fpl;
    if (putting) return; /* the outer call on this thread gets to it */
    putting = true;
    while (deferred) {
        struct unix_fpl *b = deferred;
        deferred = b->next;
        for (unsigned i = 0; i < b->n; i++)
            if (b->f[i]) file_put(b->f[i]);
        kfree(b);
    }
    putting = false;
}

struct unix_fpl *unix_fpl_dup(const struct unix_fpl *fpl)
{
    struct unix_fpl *d = kmalloc(sizeof(*d) + fpl->n * sizeof(d->f[0]));
    if (!d) return NULL;
    d->next = NULL;
    d->n = fpl->n;
    for (unsigned i = 0; i < fpl->n; i++) {
        d->f[i] = fpl->f[i];
        if (d->f[i]) file_get(d->f[i]);
    }
    return d;
}
