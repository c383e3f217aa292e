/*
 * poll: poll, ppoll, select and pselect6 over LibOS objects (pipes...) and
 * host fds (the standard streams, hostfs files) together.
 *
 * One round: reset the thread's wake word, ask every file for its bits
 * while registering on its wait queues, and sleep if nothing is ready.
 * When host fds are in the set the sleep is a host poll on them plus the
 * thread's wake eventfd, which thread_wake writes while the thread is in
 * such a poll; otherwise it is the thread's own futex.
 */
#include "net/poll.h"

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define POLL_MAX_FDS 65536

/* Entries are allocated one by one and never moved: their waiters are
 * linked into the files' wait queues, so growing the table by realloc'ing
 * an array of entries left the queues pointing into freed memory (more
 * than 16 LibOS files in one poll; found by tests/fuzz/syscall_fuzz). */
void poll_wait(struct poll_table *pt, struct waitq *q, struct mutex *lock)
{
    if (!pt || pt->error) return;
    if (pt->n == pt->cap) {
        size_t cap = pt->cap ? pt->cap * 2 : 16;
        struct poll_entry **e = krealloc(pt->e, cap * sizeof(*e));
        if (!e) {
            pt->error = -ENOMEM;
            return;
        }
        memset(e + pt->cap, 0, (cap - pt->cap) * sizeof(*e));
        pt->e = e;
        pt->cap = cap;
    }
    if (!pt->e[pt->n] && !(pt->e[pt->n] = kmalloc(sizeof(struct poll_entry)))) {
        pt->error = -ENOMEM;
        return;
    }
    struct poll_entry *pe = pt->e[pt->n++];
    pe->q = q;
    pe->lock = lock;
    pe->owner = pt->owner;
    if (pt->wake)
        waitq_add_callback(q, &pe->w, pt->wake);
    else
        waitq_add(q, &pe->w);
}

void poll_table_clear(struct poll_table *pt)
{
    for (size_t i = 0; i < pt->n; i++) {
        mutex_lock(pt->e[i]->lock);
        waitq_remove(pt->e[i]->q, &pt->e[i]->w);
        mutex_unlock(pt->e[i]->lock);
    }
    pt->n = 0;
}

void poll_table_free(struct poll_table *pt)
{
    poll_table_clear(pt);
    for (size_t i = 0; i < pt->cap; i++)
        kfree(pt->e[i]);
    kfree(pt->e);
}

static void release_held(struct file **held, size_t n)
{
    for (size_t i = 0; held && i < n; i++) {
        if (held[i]) file_put(held[i]);
        held[i] = NULL;
    }
}

/* One file's bits; host fds go to *host (index into the host pollfd set). */
static unsigned file_poll(struct file *f, struct poll_table *pt, int *host_fd)
{
    *host_fd = -1;
    if (f->fops && f->fops->poll) return f->fops->poll(f, pt);
    if (f->fops && f->fops->host_fd) {
        int h = f->fops->host_fd(f);
        if (h >= 0) {
            *host_fd = h;
            return 0;
        }
    }
    return DEFAULT_POLLMASK;
}

/* t += d, both normalized and d >= 0; a deadline past what time_t holds
 * (an application's timeout of ~2^63 s) saturates: it never comes. */
static void ts_add(struct timespec *t, const struct timespec *d)
{
    if (__builtin_add_overflow(t->tv_sec, d->tv_sec, &t->tv_sec)) {
        t->tv_sec = INT64_MAX;
        t->tv_nsec = 999999999L;
        return;
    }
    t->tv_nsec += d->tv_nsec;
    if (t->tv_nsec >= 1000000000L) {
        if (t->tv_sec == INT64_MAX) {
            t->tv_nsec = 999999999L;
            return;
        }
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

long poll_ms_until(const struct timespec *deadline)
{
    struct timespec now;
    pal_clock_gettime(CLOCK_MONOTONIC, &now);
    if (deadline->tv_sec - now.tv_sec > INT_MAX / 1000) return INT_MAX;
    long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms + 1;
}

/* The core: fill revents; returns the number ready, 0 on timeout, or -EINTR. */
long poll_requests(struct poll_req *req, size_t n, const struct timespec *deadline)
{
    struct process *p = current_process();
    struct thread *t = current_thread();
    struct poll_table pt = {0};
    struct pollfd *host = NULL;
    size_t *host_idx = NULL;
    /* A file whose wait queues hold our waiters stays referenced until they
     * are removed: another thread's close could free it (and the lock
     * poll_table_clear takes) meanwhile; found by the fuzzer under ASan. */
    struct file **held = NULL;
    long ret;
    if (n) {
        host = kmalloc(sizeof(*host) * (n + 1));
        host_idx = kmalloc(sizeof(*host_idx) * (n + 1));
        held = kcalloc(n, sizeof(*held));
        if (!host || !host_idx || !held) {
            ret = -ENOMEM;
            goto out;
        }
    }
    for (bool first = true;; first = false) {
        thread_prepare_sleep();
        size_t nhost = 0;
        long ready = 0;
        bool timed_out = deadline && !first && poll_ms_until(deadline) == 0;
        for (size_t i = 0; i < n; i++) {
            req[i].revents = 0;
            if (!req[i].file && req[i].fd < 0) continue;
            struct file *f = req[i].file;
            if (f)
                file_get(f);
            else
                f = fd_get(p, req[i].fd);
            if (!f) {
                req[i].revents = POLLNVAL;
                ready++;
                continue;
            }
            int hfd;
            size_t registered = pt.n;
            unsigned m = file_poll(
                f, (deadline && deadline->tv_sec == 0 && deadline->tv_nsec == 0) ? NULL : &pt,
                &hfd);
            if (pt.n > registered && !held[i])
                held[i] = f; /* put after poll_table_clear */
            else
                file_put(f);
            if (hfd >= 0) {
                host[nhost] = (struct pollfd){hfd, req[i].events, 0};
                host_idx[nhost++] = i;
                continue;
            }
            req[i].revents = (short)(m & ((unsigned)req[i].events | POLLERR | POLLHUP | POLLNVAL));
            if (req[i].revents) ready++;
        }
        if (pt.error) {
            ret = pt.error;
            goto out;
        }
        if (nhost) { /* the host's view now, without waiting */
            int r = pal_host_poll(host, nhost, 0);
            for (size_t k = 0; r > 0 && k < nhost; k++) {
                req[host_idx[k]].revents = host[k].revents;
                if (host[k].revents) ready++;
            }
        }
        if (ready || timed_out || (deadline && deadline->tv_sec == 0 && deadline->tv_nsec == 0)) {
            ret = ready;
            goto out;
        }
        if (thread_interrupted()) {
            ret = -EINTR;
            goto out;
        }
        int r;
        if (nhost) {
            int efd = thread_wake_fd(t);
            if (efd < 0) {
                ret = efd;
                goto out;
            }
            host[nhost] = (struct pollfd){efd, POLLIN, 0};
            __atomic_store_n(&t->in_host_wait, true, __ATOMIC_SEQ_CST);
            bool drain = true;
            if (__atomic_load_n(&t->wake, __ATOMIC_SEQ_CST) || thread_interrupted()) {
                r = 0;
            } else {
                r = pal_host_poll(host, nhost + 1, deadline ? (int)poll_ms_until(deadline) : -1);
                drain = r < 0 || host[nhost].revents; /* an unread wake-up: the next poll sees it */
            }
            __atomic_store_n(&t->in_host_wait, false, __ATOMIC_SEQ_CST);
            if (drain) thread_drain_wake_fd(t);
            if (r == -EINTR && thread_interrupted()) {
                ret = -EINTR;
                goto out;
            }
        } else {
            r = thread_sleep(deadline);
            if (r == -EINTR) {
                ret = -EINTR;
                goto out;
            }
        }
        poll_table_clear(&pt);
        release_held(held, n);
    }
out:
    poll_table_free(&pt);
    release_held(held, n);
    kfree(held);
    kfree(host);
    kfree(host_idx);
    return ret;
}

int poll_deadline_from_ms(int ms, struct timespec *dl)
{
    if (ms < 0) return 0;
    pal_clock_gettime(CLOCK_MONOTONIC, dl);
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    if (ms == 0) {
        dl->tv_sec = dl->tv_nsec = 0; /* "do not wait" */
        return 1;
    }
    ts_add(dl, &d);
    return 1;
}

static long poll_user(struct pollfd *ufds, unsigned long nfds, const struct timespec *deadline)
{
    if (nfds > POLL_MAX_FDS) return -EINVAL;
    if (nfds && !user_ok(ufds, nfds * sizeof(*ufds), true)) return -EFAULT;
    /* The array is copied in and the results out with the uaccess calls,
     * never dereferenced: another thread may unmap it meanwhile (found by
     * tests/fuzz/syscall_fuzz). */
    struct pollfd *in = nfds ? kmalloc(nfds * sizeof(*in)) : NULL;
    struct poll_req *req = nfds ? kmalloc(nfds * sizeof(*req)) : NULL;
    long r = -ENOMEM;
    if (nfds && (!in || !req)) goto out;
    r = -EFAULT;
    if (nfds && copy_from_user(in, ufds, nfds * sizeof(*ufds))) goto out;
    for (unsigned long i = 0; i < nfds; i++)
        req[i] = (struct poll_req){in[i].fd, in[i].events, 0, NULL};
    r = poll_requests(req, nfds, deadline);
    for (unsigned long i = 0; r >= 0 && i < nfds; i++)
        if (copy_to_user((char *)ufds + i * sizeof(struct pollfd) +
                             offsetof(struct pollfd, revents),
                         &req[i].revents, sizeof(short))) /* the array may be misaligned */
            r = -EFAULT;
out:
    kfree(in);
    kfree(req);
    return r;
}

long sys_poll(struct pollfd *fds, unsigned long nfds, int timeout_ms)
{
    struct timespec dl;
    bool has = poll_deadline_from_ms(timeout_ms, &dl);
    return poll_user(fds, nfds, has ? &dl : NULL);
}

/* Temporarily the given mask for the duration of the call (ppoll,
 * pselect6): restored after a handler runs, as rt_sigsuspend. */
int poll_apply_sigmask(const void *umask, size_t size)
{
    if (!umask) return 0;
    if (size != 8) return -EINVAL;
    uint64_t m;
    if (copy_from_user(&m, umask, 8)) return -EFAULT;
    struct thread *t = current_thread();
    t->saved_sigmask = t->sigmask;
    t->has_saved_sigmask = true;
    t->sigmask = m & ~SIG_UNBLOCKABLE;
    return 0;
}

void poll_restore_sigmask(long r)
{
    struct thread *t = current_thread();
    if (t->has_saved_sigmask && r != -EINTR) { /* no handler will run: restore now */
        t->sigmask = t->saved_sigmask;
        t->has_saved_sigmask = false;
    }
}

int poll_timeout_from_ts(const struct timespec *utmo, struct timespec *dl, bool *has)
{
    *has = false;
    if (!utmo) return 0;
    struct timespec to;
    if (copy_from_user(&to, utmo, sizeof(to))) return -EFAULT;
    if (to.tv_sec < 0 || to.tv_nsec < 0 || to.tv_nsec >= 1000000000L) return -EINVAL;
    *has = true;
    if (to.tv_sec == 0 && to.tv_nsec == 0) {
        dl->tv_sec = dl->tv_nsec = 0;
        return 0;
    }
    pal_clock_gettime(CLOCK_MONOTONIC, dl);
    ts_add(dl, &to);
    return 0;
}

static void write_remaining(struct timespec *utmo, const struct timespec *dl, bool is_timeval)
{
    struct timespec now, rem = {0, 0};
    if (dl->tv_sec || dl->tv_nsec) {
        pal_clock_gettime(CLOCK_MONOTONIC, &now);
        /* field by field: a far deadline's nanoseconds overflow 64 bits */
        rem.tv_sec = dl->tv_sec - now.tv_sec;
        rem.tv_nsec = dl->tv_nsec - now.tv_nsec;
        if (rem.tv_nsec < 0) {
            rem.tv_sec--;
            rem.tv_nsec += 1000000000L;
        }
        if (rem.tv_sec < 0) rem = (struct timespec){0, 0};
    }
    if (is_timeval) {
        struct timeval tv = {rem.tv_sec, rem.tv_nsec / 1000};
        copy_to_user(utmo, &tv, sizeof(tv));
    } else {
        copy_to_user(utmo, &rem, sizeof(rem));
    }
}

long sys_ppoll(struct pollfd *fds, unsigned long nfds, const struct timespec *tmo,
               const void *sigmask, size_t sigsetsize)
{
    struct timespec dl;
    bool has;
    int r = poll_timeout_from_ts(tmo, &dl, &has);
    if (r < 0) return r;
    r = poll_apply_sigmask(sigmask, sigsetsize);
    if (r < 0) return r;
    long n = poll_user(fds, nfds, has ? &dl : NULL);
    poll_restore_sigmask(n);
    if (has && n != -EFAULT) write_remaining((struct timespec *)tmo, &dl, false);
    return n;
}

/* select: fd_sets in, poll requests, fd_sets out. */
static long do_select(int nfds, fd_set *ur, fd_set *uw, fd_set *ue, const struct timespec *dl)
{
    if (nfds < 0) return -EINVAL;
    if (nfds > FD_SETSIZE * 64) return -EINVAL;
    size_t bytes = ((size_t)nfds + 63) / 64 * 8;
    uint64_t *sets[3] = {(uint64_t *)ur, (uint64_t *)uw, (uint64_t *)ue};
    uint64_t *in[3] = {0};
    long r = 0;
    for (int k = 0; k < 3; k++) {
        if (!sets[k]) continue;
        if (!(in[k] = kcalloc(1, bytes ? bytes : 8))) {
            r = -ENOMEM;
            goto out;
        }
        if (bytes && copy_from_user(in[k], sets[k], bytes)) {
            r = -EFAULT;
            goto out;
        }
    }
    struct poll_req *req = kmalloc(sizeof(*req) * (nfds ? (size_t)nfds : 1));
    if (!req) {
        r = -ENOMEM;
        goto out;
    }
    size_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = 0;
        if (in[0] && (in[0][fd / 64] >> (fd % 64) & 1))
            ev |= POLLIN | POLLRDNORM | POLLHUP | POLLERR;
        if (in[1] && (in[1][fd / 64] >> (fd % 64) & 1)) ev |= POLLOUT | POLLWRNORM | POLLERR;
        if (in[2] && (in[2][fd / 64] >> (fd % 64) & 1)) ev |= POLLPRI;
        if (ev) req[n++] = (struct poll_req){fd, ev, 0, NULL};
    }
    r = poll_requests(req, n, dl);
    if (r >= 0) {
        for (size_t i = 0; i < n; i++)
            if (req[i].revents & POLLNVAL) r = -EBADF;
    }
    if (r >= 0) {
        uint64_t *out[3] = {0};
        long count = 0;
        for (int k = 0; k < 3; k++)
            if (in[k]) {
                out[k] = kcalloc(1, bytes ? bytes : 8);
                if (!out[k]) r = -ENOMEM;
            }
        for (size_t i = 0; r >= 0 && i < n; i++) {
            int fd = req[i].fd;
            short rv = req[i].revents;
            if (in[0] && (in[0][fd / 64] >> (fd % 64) & 1) &&
                (rv & (POLLIN | POLLRDNORM | POLLHUP | POLLERR))) {
                out[0][fd / 64] |= 1ULL << (fd % 64);
                count++;
            }
            if (in[1] && (in[1][fd / 64] >> (fd % 64) & 1) &&
                (rv & (POLLOUT | POLLWRNORM | POLLERR))) {
                out[1][fd / 64] |= 1ULL << (fd % 64);
                count++;
            }
            if (in[2] && (in[2][fd / 64] >> (fd % 64) & 1) && (rv & POLLPRI)) {
                out[2][fd / 64] |= 1ULL << (fd % 64);
                count++;
            }
        }
        for (int k = 0; k < 3 && r >= 0; k++)
            if (sets[k] && bytes && copy_to_user(sets[k], out[k], bytes)) r = -EFAULT;
        for (int k = 0; k < 3; k++)
            kfree(out[k]);
        if (r >= 0) r = count;
    }
    kfree(req);
out:
    for (int k = 0; k < 3; k++)
        kfree(in[k]);
    return r;
}

long sys_select(int nfds, void *rfds, void *wfds, void *efds, void *utv)
{
    struct timespec dl;
    bool has = false;
    if (utv) {
        struct timeval tv;
        if (copy_from_user(&tv, utv, sizeof(tv))) return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0) return -EINVAL;
        struct timespec to = {tv.tv_sec + tv.tv_usec / 1000000, (tv.tv_usec % 1000000) * 1000};
        has = true;
        if (to.tv_sec == 0 && to.tv_nsec == 0) {
            dl.tv_sec = dl.tv_nsec = 0;
        } else {
            pal_clock_gettime(CLOCK_MONOTONIC, &dl);
            ts_add(&dl, &to);
        }
    }
    long r = do_select(nfds, rfds, wfds, efds, has ? &dl : NULL);
    if (has && r != -EFAULT) write_remaining(utv, &dl, true);
    return r;
}

long sys_pselect6(int nfds, void *rfds, void *wfds, void *efds, const struct timespec *tmo,
                  const void *sigmask_arg)
{
    struct timespec dl;
    bool has;
    int r = poll_timeout_from_ts(tmo, &dl, &has);
    if (r < 0) return r;
    if (sigmask_arg) { /* { const sigset_t *ss; size_t ss_len; } */
        struct {
            const void *ss;
            size_t len;
        } a;
        if (copy_from_user(&a, sigmask_arg, sizeof(a))) return -EFAULT;
        r = poll_apply_sigmask(a.ss, a.len);
        if (r < 0) return r;
    }
    long n = do_select(nfds, rfds, wfds, efds, has ? &dl : NULL);
    poll_restore_sigmask(n);
    if (has && n != -EFAULT) write_remaining((struct timespec *)tmo, &dl, false);
    return n;
}
