/*
 * handles: the host file descriptors the LibOS holds, named by handles.
 *
 * The ints that pal_host_open, pal_host_socket, ... give the LibOS are
 * handles, not host fds, because the LibOS's objects are shared by every
 * host process of the instance (fork makes more: see DESIGN.md, "Address
 * spaces") while host fds are per host process. A handle names one open
 * file description: a slot of a table in memory shared by all host
 * processes holds its owner (the host process that opened it) and the
 * owner's fd. Each host process keeps, privately, its own fd for the
 * handles it has used:
 *   - the owner's is the one it opened;
 *   - a host fork copies the parent's fds and this private table with
 *     them, so a child starts with every handle its parent had;
 *   - any other host process takes a copy from the owner on first use
 *     (pidfd_getfd(2)) and keeps it.
 * A slot's generation, bumped at every close, tells a private entry that
 * its handle was closed (and the slot perhaps reused): the stale copy is
 * closed then. Whoever closes a handle closes its own copy; the owner's
 * fd is closed by the owner itself, from a queue it drains on its next
 * host call, because the number could otherwise be reused under a
 * pidfd_getfd of another process.
 *
 * Handles 0, 1 and 2 are the runtime's standard streams.
 *
 * A forked host process that ends hands the handles it owns to the root
 * first (a fork's child that wrote a file, which the parent then syncs or
 * reads: redis's BGSAVE): it sends its fds over a socket whose other end
 * only the root's adopter thread reads, and waits until the root owns them.
 */
#include "pal/sim/handles.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_HANDLES 65536
#define MAX_HOSTS 1024
#define CLOSEQ 128

struct slot {
    uint32_t gen; /* bumped at every close */
    int32_t live;
    int32_t owner; /* index in hosts[] */
    int32_t fd;    /* the owner's */
};

struct closing {
    int32_t handle;
    uint32_t gen; /* of the handle when it was open */
    int32_t fd;
};

struct host {
    int32_t pid;   /* 0: gone (or never there) */
    int32_t owned; /* live handles it owns: an ending host with none has nothing to hand over */
    uint32_t nclose;
    struct closing closeq[CLOSEQ]; /* the owner's fds others closed the handles of */
};

struct shared {
    uint32_t lock;    /* 0 free, 1 locked, 2 contended; a shared futex */
    uint32_t adopted; /* bumped (and futex-woken) by the root's adopter */
    uint32_t hint;    /* where to look for a free slot */
    int32_t nhosts;
    struct host hosts[MAX_HOSTS];
    struct slot slots[MAX_HANDLES];
};

static struct shared *sh;
/* This host process's copies of the handles' fds. Kept as fd + 1, so that
 * "none" is 0 and the table stays untouched zero pages until used: every
 * page written here would be copied by each host fork (512 KiB). */
static struct {
    uint32_t gen;
    int32_t fd1; /* fd + 1; 0: none */
} local[MAX_HANDLES];
#define LOCAL_FD(h) (local[h].fd1 - 1)
#define LOCAL_SET_FD(h, v) (local[h].fd1 = (v) + 1)
static int self;                 /* this host process's index in hosts[] */
static int pidfds[MAX_HOSTS];    /* pidfd of each host + 1, 0 when not open */
static int pidfd_pid[MAX_HOSTS]; /* the pid each was opened for */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int adopt_sock[2] = {-1, -1}; /* [0]: the root's adopter reads it */

#define ADOPT_BATCH 64
struct adopt_msg {
    int32_t from, n;
    int32_t handle[ADOPT_BATCH];
    uint32_t gen[ADOPT_BATCH];
};

static void lock(void)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&sh->lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (c != 2) c = __atomic_exchange_n(&sh->lock, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        syscall(SYS_futex, &sh->lock, FUTEX_WAIT, 2, NULL, NULL, 0);
        c = __atomic_exchange_n(&sh->lock, 2, __ATOMIC_ACQUIRE);
    }
}

static void unlock(void)
{
    if (__atomic_exchange_n(&sh->lock, 0, __ATOMIC_RELEASE) == 2)
        syscall(SYS_futex, &sh->lock, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void init(void)
{
    void *p = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        static const char msg[] = "[occlum error] cannot map the host handle table\n";
        (void)!write(2, msg, sizeof(msg) - 1);
        _exit(1);
    }
    sh = p;
    sh->nhosts = 1;
    sh->hosts[0].pid = getpid();
    for (int h = 0; h < 3; h++) {
        sh->slots[h] = (struct slot){.gen = 1, .live = 1, .owner = 0, .fd = h};
        sh->hosts[0].owned++;
        local[h].gen = 1;
        LOCAL_SET_FD(h, h);
    }
    sh->hint = 3;
}

static void ensure_init(void)
{
    if (!__atomic_load_n(&sh, __ATOMIC_ACQUIRE)) pthread_once(&once, init);
}

/* Close the fds of this host's handles that others closed (under the lock). */
static void drain_closes_locked(void)
{
    struct host *me = &sh->hosts[self];
    for (uint32_t i = 0; i < me->nclose; i++) {
        struct closing *c = &me->closeq[i];
        if (LOCAL_FD(c->handle) == c->fd && local[c->handle].gen == c->gen)
            LOCAL_SET_FD(c->handle, -1);
        close(c->fd);
    }
    me->nclose = 0;
}

static int pidfd_of(int host)
{
    int pid = sh->hosts[host].pid;
    /* An index is reused by the next forked host process: the cached pidfd
     * is only that host's while the pid is the one it was opened for. */
    if (pidfds[host] && pidfd_pid[host] == pid) return pidfds[host] - 1;
    if (pidfds[host]) close(pidfds[host] - 1);
    pidfds[host] = 0;
    if (pid <= 0) return -ESRCH;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return -errno;
    if (sh->hosts[host].pid != pid) { /* it ended meanwhile: pid may be another's */
        close(fd);
        return -ESRCH;
    }
    pidfds[host] = fd + 1;
    pidfd_pid[host] = pid;
    return fd;
}

int handle_new(int fd)
{
    if (fd < 0) return fd;
    ensure_init();
    lock();
    if (sh->hosts[self].nclose) drain_closes_locked();
    uint32_t h = sh->hint;
    for (int n = 0; n < MAX_HANDLES - 3; n++, h = h + 1 < MAX_HANDLES ? h + 1 : 3) {
        struct slot *s = &sh->slots[h];
        if (s->live) continue;
        s->live = 1;
        s->owner = self;
        s->fd = fd;
        sh->hosts[self].owned++;
        sh->hint = h + 1 < MAX_HANDLES ? h + 1 : 3;
        if (LOCAL_FD(h) >= 0 && local[h].gen != s->gen) close(LOCAL_FD(h)); /* a stale copy */
        local[h].gen = s->gen;
        LOCAL_SET_FD(h, fd);
        unlock();
        return (int)h;
    }
    unlock();
    close(fd);
    return -EMFILE;
}

int handle_fd(int h)
{
    if (h < 0 || h >= MAX_HANDLES) return -EBADF;
    ensure_init();
    struct slot *s = &sh->slots[h];
    if (LOCAL_FD(h) >= 0 && local[h].gen == __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&s->live, __ATOMIC_ACQUIRE) && !sh->hosts[self].nclose)
        return LOCAL_FD(h);
    lock();
    if (sh->hosts[self].nclose) drain_closes_locked();
    int r = -EBADF;
    if (s->live) {
        if (LOCAL_FD(h) >= 0 && local[h].gen == s->gen) {
            r = LOCAL_FD(h);
        } else {
            if (LOCAL_FD(h) >= 0) close(LOCAL_FD(h)); /* the closed handle's copy */
            LOCAL_SET_FD(h, -1);
            int pfd = s->owner == self ? -EBADF : pidfd_of(s->owner);
            int fd = pfd < 0 ? pfd : (int)syscall(SYS_pidfd_getfd, pfd, s->fd, 0);
            if (fd >= 0) {
                local[h].gen = s->gen;
                LOCAL_SET_FD(h, fd);
                r = fd;
            } else {
                r = -EBADF;
            }
        }
    }
    unlock();
    return r;
}

bool handle_owned_here(int h)
{
    if (h < 0 || h >= MAX_HANDLES) return false;
    ensure_init();
    struct slot *s = &sh->slots[h];
    return __atomic_load_n(&s->live, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == self;
}

int handle_close(int h)
{
    if (h < 0 || h >= MAX_HANDLES) return -EBADF;
    ensure_init();
    lock();
    if (sh->hosts[self].nclose) drain_closes_locked();
    struct slot *s = &sh->slots[h];
    if (!s->live) {
        unlock();
        return -EBADF;
    }
    int mine = local[h].gen == s->gen ? LOCAL_FD(h) : -1;
    if (s->owner != self && sh->hosts[s->owner].pid > 0) {
        struct host *o = &sh->hosts[s->owner];
        if (o->nclose < CLOSEQ) o->closeq[o->nclose++] = (struct closing){h, s->gen, s->fd};
        /* else: the owner keeps that fd until it ends (not worth blocking for) */
    }
    s->live = 0;
    sh->hosts[s->owner].owned--;
    __atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
    LOCAL_SET_FD(h, -1);
    unlock();
    return mine >= 0 ? (close(mine) < 0 ? -errno : 0) : 0;
}

int handle_host_reserve(void)
{
    ensure_init();
    lock();
    int idx = -EAGAIN;
    for (int i = 1; i < MAX_HOSTS; i++) {
        if (sh->hosts[i].pid == 0) {
            idx = i;
            sh->hosts[i].pid = -1; /* taken, not yet running */
            sh->hosts[i].nclose = 0;
            sh->hosts[i].owned = 0;
            if (i >= sh->nhosts) sh->nhosts = i + 1;
            break;
        }
    }
    unlock();
    return idx;
}

void handle_host_unreserve(int idx)
{
    lock();
    sh->hosts[idx].pid = 0;
    unlock();
}

void handle_host_become(int idx)
{
    lock();
    sh->hosts[idx].pid = getpid();
    self = idx;
    unlock();
    /* The parent's pidfds were copied with its memory and fds: still
     * right, as a pidfd names a process, not a pid. */
}

/* One message of an ending host process: the fds it hands over. 0, or -1
 * when the channel is gone. */
static int adopt_one(void)
{
    struct adopt_msg m;
    union {
        char buf[CMSG_SPACE(ADOPT_BATCH * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {&m, sizeof(m)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    ssize_t n = recvmsg(adopt_sock[0], &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (n <= 0) return -1;
    int fds[ADOPT_BATCH], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof(int));
            if (nfds < ADOPT_BATCH)
                fds[nfds++] = fd;
            else
                close(fd);
        }
    }
    lock();
    for (int i = 0; i < nfds; i++) {
        int h = i < m.n && n == (ssize_t)sizeof(m) ? m.handle[i] : -1;
        struct slot *s = h >= 0 && h < MAX_HANDLES ? &sh->slots[h] : NULL;
        if (!s || !s->live || s->gen != m.gen[i] || s->owner != m.from) {
            close(fds[i]); /* closed meanwhile */
            continue;
        }
        if (LOCAL_FD(h) >= 0 && local[h].gen == s->gen) { /* we had a copy already */
            close(fds[i]);
        } else {
            if (LOCAL_FD(h) >= 0) close(LOCAL_FD(h));
            local[h].gen = s->gen;
            LOCAL_SET_FD(h, fds[i]);
        }
        sh->hosts[s->owner].owned--;
        sh->hosts[self].owned++;
        s->owner = self;
        s->fd = LOCAL_FD(h);
    }
    unlock();
    __atomic_add_fetch(&sh->adopted, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &sh->adopted, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
    return 0;
}

/*
 * The root's watch over the forked host processes: a pidfd of each. One
 * that ends while still registered (handle_host_exiting clears its pid
 * first) ended without the LibOS: killed from the host, or out of memory,
 * or a LibOS fault there. Its processes cannot go on, and it may have held
 * LibOS locks: host_lost decides (the runtime stops the instance).
 */
static int watch_pid[MAX_HOSTS], watch_fd[MAX_HOSTS]; /* the root's; fd + 1 */
static void (*host_lost)(int pid);

/* Open pidfds for hosts that appeared; report those that ended unregistered. */
static void watch_hosts(void)
{
    lock();
    int n = sh->nhosts;
    for (int i = 1; i < n; i++) {
        int pid = sh->hosts[i].pid;
        if (pid == watch_pid[i]) continue;
        if (watch_fd[i]) close(watch_fd[i] - 1);
        watch_fd[i] = 0;
        watch_pid[i] = pid;
        if (pid <= 0) continue;
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd >= 0)
            watch_fd[i] = fd + 1;
        else if (errno == ESRCH)
            watch_fd[i] = -1; /* gone already: looked at below */
    }
    unlock();
}

static void check_ended(int i)
{
    lock();
    bool lost = watch_pid[i] > 0 && sh->hosts[i].pid == watch_pid[i];
    int pid = watch_pid[i];
    if (lost) { /* its fds died with it; its index is free again */
        for (int h = 3; h < MAX_HANDLES && sh->hosts[i].owned > 0; h++) {
            struct slot *s = &sh->slots[h];
            if (!s->live || s->owner != i) continue;
            s->live = 0;
            sh->hosts[i].owned--;
            __atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
        }
        sh->hosts[i].pid = 0;
    }
    unlock();
    if (watch_fd[i] > 0) close(watch_fd[i] - 1);
    watch_fd[i] = 0;
    watch_pid[i] = 0;
    if (lost && host_lost) host_lost(pid);
}

static void *adopter(void *arg)
{
    (void)arg;
    static struct pollfd p[MAX_HOSTS + 1];
    static int idx[MAX_HOSTS + 1];
    /* bookkeeping, never urgent: the application's threads go first */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    for (;;) {
        watch_hosts();
        int n = 0;
        p[n++] = (struct pollfd){adopt_sock[0], POLLIN, 0};
        for (int i = 1; i < MAX_HOSTS; i++) {
            if (watch_fd[i] == -1) check_ended(i);
            if (watch_fd[i] > 0) {
                idx[n] = i;
                p[n++] = (struct pollfd){watch_fd[i] - 1, POLLIN, 0};
            }
        }
        /* a second at most: new host processes are watched from the next round */
        int r = poll(p, (nfds_t)n, 1000);
        if (r < 0 && errno != EINTR) return NULL;
        if (r <= 0) continue;
        for (int k = 1; k < n; k++)
            if (p[k].revents) check_ended(idx[k]);
        if (p[0].revents && adopt_one() < 0) return NULL;
    }
}

int handle_adopter_start(void (*lost)(int pid))
{
    host_lost = lost;
    ensure_init();
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, adopt_sock) < 0) return -errno;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int r = pthread_create(&t, &attr, adopter, NULL);
    pthread_attr_destroy(&attr);
    return -r;
}

void handle_host_forked_child(void)
{
    if (adopt_sock[0] >= 0) { /* the root's alone */
        close(adopt_sock[0]);
        adopt_sock[0] = -1;
    }
}

/* Give the root the handles this host process owns; wait (a little) until
 * it has them. */
static void hand_over(void)
{
    int n = 0, cap = 0;
    struct adopt_item {
        int32_t h;
        uint32_t gen;
        int fd;
    } *items = NULL;
    lock();
    for (int h = 3; h < MAX_HANDLES && n < sh->hosts[self].owned; h++) {
        struct slot *s = &sh->slots[h];
        if (!s->live || s->owner != self) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            void *p = realloc(items, (size_t)cap * sizeof(*items));
            if (!p) break;
            items = p;
        }
        items[n++] = (struct adopt_item){h, s->gen, s->fd};
    }
    unlock();
    uint32_t seen = __atomic_load_n(&sh->adopted, __ATOMIC_ACQUIRE);
    for (int at = 0; at < n; at += ADOPT_BATCH) {
        struct adopt_msg m = {.from = self, .n = n - at < ADOPT_BATCH ? n - at : ADOPT_BATCH};
        union {
            char buf[CMSG_SPACE(ADOPT_BATCH * sizeof(int))];
            struct cmsghdr align;
        } ctl;
        memset(&ctl, 0, sizeof(ctl));
        for (int i = 0; i < m.n; i++) {
            m.handle[i] = items[at + i].h;
            m.gen[i] = items[at + i].gen;
        }
        struct iovec iov = {&m, sizeof(m)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.buf,
                            .msg_controllen = CMSG_SPACE((size_t)m.n * sizeof(int))};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)m.n * sizeof(int));
        for (int i = 0; i < m.n; i++)
            memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &items[at + i].fd, sizeof(int));
        ssize_t r;
        do
            r = sendmsg(adopt_sock[1], &mh, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r < 0) break;
    }
    /* until none is ours any more, for two seconds at most */
    for (int tries = 0; n && tries < 20; tries++) {
        bool ours = false;
        lock();
        for (int i = 0; i < n && !ours; i++) {
            struct slot *s = &sh->slots[items[i].h];
            ours = s->live && s->gen == items[i].gen && s->owner == self;
        }
        unlock();
        if (!ours) break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        syscall(SYS_futex, &sh->adopted, FUTEX_WAIT, seen, &ts, NULL, 0);
        seen = __atomic_load_n(&sh->adopted, __ATOMIC_ACQUIRE);
    }
    free(items);
}

void handle_host_exiting(void)
{
    if (!__atomic_load_n(&sh, __ATOMIC_ACQUIRE)) return;
    if (self != 0 && adopt_sock[1] >= 0) hand_over();
    lock();
    sh->hosts[self].pid = 0;
    unlock();
}
