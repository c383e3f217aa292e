/*
 * syscall_args: the argument pools of the system-call fuzzer and the
 * generators that draw from them. Arguments follow what syzkaller and
 * trinity found productive: mostly well-formed values (so calls get past
 * their first check), mixed with boundaries (0, -1, page edges, INT_MAX,
 * huge lengths) and bad pointers of every kind a LibOS must turn into
 * EFAULT (NULL, kernel and non-canonical addresses, unmapped, PROT_NONE,
 * read-only pages, buffers ending at a guard page, pages a racing thread
 * unmaps and remaps).
 */
#include "syscall_fuzz.h"

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define RW_PAGES 16
#define RACE_PAGES 16
#define MAX_WORKERS 64

void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    r->s = (z ^ (z >> 31)) | 1;
}

uint64_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

/* Memory: rw pages with random bytes (the last one followed by a PROT_NONE
 * guard), a read-only page, a PROT_NONE page, a hole that was unmapped,
 * and the racer's pages. */
static unsigned char *rw, *ro, *none, *hole, *race;
/* Per-worker scratch for the structured arguments (timespecs, sigsets,
 * sockaddrs, iovecs, msghdrs): each worker writes only its own. */
struct scratch {
    struct timespec ts;
    uint64_t sigset[2];
    union {
        struct sockaddr_un un;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        unsigned char raw[128];
    } sa;
    struct iovec iov[8];
    struct msghdr mh;
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
};
static struct scratch *scratch;

#define NPATHS 64
static const char *paths[NPATHS];
static int npaths;
/* A path that runs into the guard page with no terminating NUL. */
static char *unterminated;

static int fds[FD_POOL_MAX + 1];
static int nfds;

void pool_add_fd(int fd)
{
    if (fd < 0 || fd > FD_POOL_MAX) return;
    int n = __atomic_load_n(&nfds, __ATOMIC_RELAXED);
    if (n < FD_POOL_MAX + 1) {
        fds[n] = fd;
        __atomic_store_n(&nfds, n + 1, __ATOMIC_RELAXED);
    } else {
        fds[(unsigned)fd % (FD_POOL_MAX + 1)] = fd;
    }
}

/* SysV IPC objects: the pool's own (one of each kind, private) and those
 * the get calls made, to use and to remove at the end. */
#define IPC_POOL 64
static struct {
    int kind, id;
} ipcs[IPC_POOL];
static int nipcs;

void pool_add_ipc(enum ipc_kind kind, int id)
{
    if (kind == IPC_NONE || id < 0) return;
    int n = __atomic_fetch_add(&nipcs, 1, __ATOMIC_RELAXED);
    if (n >= IPC_POOL) {
        /* full: remove it at once rather than leave it behind */
        __atomic_fetch_sub(&nipcs, 1, __ATOMIC_RELAXED);
        if (kind == IPC_SHM) shmctl(id, IPC_RMID, NULL);
        if (kind == IPC_SEM) semctl(id, 0, IPC_RMID);
        if (kind == IPC_MSG) msgctl(id, IPC_RMID, NULL);
        return;
    }
    ipcs[n].kind = kind;
    ipcs[n].id = id;
}

void pool_ipc_cleanup(void)
{
    int n = __atomic_load_n(&nipcs, __ATOMIC_RELAXED);
    for (int i = 0; i < n && i < IPC_POOL; i++) {
        if (ipcs[i].kind == IPC_SHM) shmctl(ipcs[i].id, IPC_RMID, NULL);
        if (ipcs[i].kind == IPC_SEM) semctl(ipcs[i].id, 0, IPC_RMID);
        if (ipcs[i].kind == IPC_MSG) msgctl(ipcs[i].id, IPC_RMID, NULL);
    }
}

static uint64_t ipc_id(struct rng *r)
{
    int n = __atomic_load_n(&nipcs, __ATOMIC_RELAXED);
    if (n > IPC_POOL) n = IPC_POOL;
    if (n && rng_below(r, 4)) return (uint64_t)(int64_t)ipcs[rng_below(r, (uint64_t)n)].id;
    /* never a valid id (sequence number 65535 is never used): natively a
     * guess could name another user's object */
    static const int64_t bad[] = {-1, -32768, INT_MIN, INT_MAX, 65535L << 15};
    return (uint64_t)bad[rng_below(r, sizeof(bad) / sizeof(bad[0]))];
}

int pool_stable(uint64_t p, size_t n)
{
    return p >= (uint64_t)rw && p + n <= (uint64_t)rw + RW_PAGES * PAGE;
}

int pool_in_race(uint64_t p)
{
    return p >= (uint64_t)race && p < (uint64_t)race + RACE_PAGES * PAGE;
}

/* paths[first_scratch..] are inside the scratch directories. */
static int first_scratch;

static void add_path(const char *p)
{
    if (npaths < NPATHS) paths[npaths++] = p;
}

static char *dup_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", dir, name);
    return s;
}

int pools_init(const char *const *dirs, int ndirs)
{
    unsigned char *m = mmap(NULL, (RW_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    rw = m;
    struct rng r;
    rng_seed(&r, 42);
    for (size_t i = 0; i < RW_PAGES * PAGE; i += 8) {
        uint64_t v = rng_next(&r);
        memcpy(rw + i, &v, 8);
    }
    if (mprotect(rw + RW_PAGES * PAGE, PAGE, PROT_NONE)) return -1;
    ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    race =
        mmap(NULL, RACE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    scratch = mmap(NULL, MAX_WORKERS * sizeof(*scratch), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED || none == MAP_FAILED || hole == MAP_FAILED || race == MAP_FAILED ||
        scratch == MAP_FAILED)
        return -1;
    memset(ro, 'r', PAGE);
    memcpy(ro, "/tmp", 5);
    mprotect(ro, PAGE, PROT_READ);
    munmap(hole, PAGE);
    unterminated = (char *)rw + RW_PAGES * PAGE - 32;
    memset(unterminated, 'a', 32);
    unterminated[0] = '/';

    add_path("/");
    add_path(".");
    add_path("");
    add_path("/proc/self/maps");
    add_path("/dev/null");
    add_path("/dev/zero");
    add_path("/nonexistent/x");
    first_scratch = npaths;
    for (int d = 0; d < ndirs; d++) {
        static const char *names[] = {"f0",   "f1",   "d0", "d0/f",    "s0",
                                      "sock", "fifo", "..", "d0/../f1"};
        mkdir(dirs[d], 0755);
        add_path(dirs[d]);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            char *p = dup_path(dirs[d], names[i]);
            if (p) add_path(p);
        }
        /* An earlier child may have renamed, removed or chmodded any of
         * these: whatever fails here just leaves the pool smaller. */
        char *f = dup_path(dirs[d], "f0");
        char *dd = dup_path(dirs[d], "d0");
        char *s = dup_path(dirs[d], "s0");
        if (!f || !dd || !s) return -1;
        /* O_NONBLOCK: a FIFO made there by mknod would block the open */
        pool_add_fd(open(f, O_RDWR | O_CREAT | O_NONBLOCK, 0644));
        mkdir(dd, 0755);
        pool_add_fd(open(dd, O_RDONLY | O_DIRECTORY));
        if (symlink(f, s) != 0) pool_add_fd(open(s, O_RDONLY | O_NONBLOCK));
    }
    int p[2];
    if (pipe2(p, O_NONBLOCK) == 0) {
        pool_add_fd(p[0]);
        pool_add_fd(p[1]);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) == 0) {
        pool_add_fd(p[0]);
        pool_add_fd(p[1]);
    }
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, p) == 0) {
        pool_add_fd(p[0]);
        pool_add_fd(p[1]);
    }
    pool_add_fd(eventfd(0, EFD_NONBLOCK));
    pool_add_fd(epoll_create1(0));
    pool_add_fd(open("/dev/zero", O_RDWR));
    pool_add_fd(open("/dev/urandom", O_RDONLY));
    pool_add_fd(open("/proc/self/maps", O_RDONLY));
    pool_add_fd(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0) listen(l, 4);
    pool_add_fd(l);
    pool_add_ipc(IPC_SHM, shmget(IPC_PRIVATE, 2 * PAGE, 0600));
    pool_add_ipc(IPC_SEM, semget(IPC_PRIVATE, 4, 0600));
    pool_add_ipc(IPC_MSG, msgget(IPC_PRIVATE, 0600));
    return 0;
}

static uint64_t boundary(struct rng *r)
{
    static const uint64_t v[] = {0,
                                 1,
                                 2,
                                 3,
                                 7,
                                 8,
                                 16,
                                 63,
                                 64,
                                 255,
                                 4095,
                                 4096,
                                 4097,
                                 65536,
                                 INT_MAX,
                                 (uint64_t)INT_MAX + 1,
                                 UINT_MAX,
                                 (uint64_t)-1,
                                 (uint64_t)INT_MIN,
                                 (uint64_t)LONG_MAX,
                                 (uint64_t)LONG_MIN,
                                 1ULL << 32,
                                 1ULL << 47};
    return v[rng_below(r, sizeof(v) / sizeof(v[0]))];
}

static uint64_t num(struct rng *r)
{
    switch (rng_below(r, 6)) {
    case 0:
    case 1:
        return boundary(r);
    case 2:
        return rng_below(r, 64);
    case 3:
        return 1ULL << rng_below(r, 64);
    case 4:
        return (uint32_t)rng_next(r);
    default:
        return rng_next(r);
    }
}

static uint64_t bad_ptr(struct rng *r)
{
    switch (rng_below(r, 11)) {
    case 0:
        return 0;
    case 1:
        return 0xffffffff81000000ULL; /* kernel text */
    case 2:
        return 0xffff888000000000ULL + rng_below(r, 1 << 20); /* kernel direct map */
    case 3:
        return 0x0000800000000000ULL - rng_below(r, 16); /* end of user space */
    case 4:
        return 0x8000000000000000ULL; /* non-canonical */
    case 5:
        return (uint64_t)none + rng_below(r, PAGE);
    case 6:
        return (uint64_t)hole + rng_below(r, PAGE);
    case 7:
        return 1 + rng_below(r, 0x10000);
    case 8:
        return (uint64_t)-1 - rng_below(r, 8);
    case 9:
        return rng_next(r) & 0x00007fffffffffffULL; /* anywhere, maybe the LibOS */
    default:
        return (uint64_t)ro + rng_below(r, PAGE); /* fine to read, not to write */
    }
}

static uint64_t ptr(struct rng *r)
{
    unsigned c = rng_below(r, 10);
    if (c < 5) return (uint64_t)rw + (rng_below(r, RW_PAGES * PAGE) & ~7UL);
    if (c == 5) return (uint64_t)rw + RW_PAGES * PAGE - rng_below(r, 256); /* runs into guard */
    if (c == 6) return (uint64_t)race + rng_below(r, RACE_PAGES * PAGE);
    return bad_ptr(r);
}

static uint64_t fd(struct rng *r)
{
    unsigned c = rng_below(r, 10);
    int n = __atomic_load_n(&nfds, __ATOMIC_RELAXED);
    if (c < 7 && n > 0) return (uint64_t)(int64_t)fds[rng_below(r, n)];
    switch (c) {
    case 7:
        return rng_below(r, 8);
    case 8: {
        static const int bad[] = {-1, -100 /* AT_FDCWD */, INT_MAX, INT_MIN, 1023, 1 << 20, 190};
        return (uint64_t)(int64_t)bad[rng_below(r, sizeof(bad) / sizeof(bad[0]))];
    }
    default:
        return (uint64_t)(int64_t)-100;
    }
}

static uint64_t path(struct rng *r)
{
    unsigned c = rng_below(r, 10);
    if (c < 7) return (uint64_t)paths[rng_below(r, npaths)];
    if (c == 7) return (uint64_t)unterminated;
    return bad_ptr(r);
}

static uint64_t len(struct rng *r)
{
    switch (rng_below(r, 5)) {
    case 0:
        return boundary(r);
    case 1:
        return rng_below(r, 4096);
    case 2:
        return rng_below(r, 64);
    case 3:
        return rng_below(r, RW_PAGES * PAGE);
    default:
        return 1ULL << rng_below(r, 40);
    }
}

static uint64_t flags(struct rng *r)
{
    switch (rng_below(r, 5)) {
    case 0:
        return 0;
    case 1:
        return 1ULL << rng_below(r, 32);
    case 2:
        return rng_next(r) & rng_next(r) & 0xffffffff; /* sparse */
    case 3:
        return (uint32_t)rng_next(r);
    default:
        return rng_next(r) & 0xfff;
    }
}

static uint64_t timeout(struct rng *r, struct scratch *s)
{
    switch (rng_below(r, 8)) {
    case 0:
        s->ts = (struct timespec){0, 0};
        break;
    case 1:
        s->ts = (struct timespec){0, 1000000000}; /* nsec out of range */
        break;
    case 2:
        s->ts = (struct timespec){-1, 0};
        break;
    case 3:
        s->ts = (struct timespec){0, -1};
        break;
    case 4: {
        uint64_t p = bad_ptr(r);
        return p ? p : (uint64_t)none;
    }
    default:
        s->ts = (struct timespec){0, (long)rng_below(r, 2000000)};
        break;
    }
    return (uint64_t)&s->ts;
}

static uint64_t sigmask_arg(struct rng *r, struct scratch *s)
{
    if (rng_below(r, 5) == 0) {
        /* Only pointers nothing can be read through: the read-only page
         * holds bytes that would block the signal, and the hole or a
         * random address may have been mapped since (the LibOS's mmap
         * reuses the hole at once) with bytes that do too. */
        static const uint64_t bad[] = {0,
                                       0xffffffff81000000ULL,
                                       0xffff888000000000ULL,
                                       0x0000800000000000ULL - 8,
                                       0x8000000000000000ULL,
                                       (uint64_t)-8};
        uint64_t i = rng_below(r, sizeof(bad) / sizeof(bad[0]) + 1);
        return i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : (uint64_t)none + rng_below(r, PAGE);
    }
    s->sigset[0] = rng_next(r) & ~(1ULL << (WATCHDOG_SIG - 1));
    s->sigset[1] = rng_next(r);
    return (uint64_t)s->sigset;
}

static uint64_t sockaddr(struct rng *r, struct scratch *s)
{
    memset(&s->sa, 0, sizeof(s->sa));
    switch (rng_below(r, 6)) {
    case 0:
        s->sa.un.sun_family = AF_UNIX;
        strncpy(s->sa.un.sun_path, paths[rng_below(r, npaths)], sizeof(s->sa.un.sun_path) - 1);
        break;
    case 1:
        s->sa.un.sun_family = AF_UNIX; /* abstract name */
        s->sa.un.sun_path[1] = (char)('a' + rng_below(r, 4));
        break;
    case 2:
        s->sa.in.sin_family = AF_INET;
        s->sa.in.sin_port = htons((uint16_t)rng_below(r, 65536));
        s->sa.in.sin_addr.s_addr = htonl(rng_below(r, 2) ? INADDR_LOOPBACK : INADDR_ANY);
        break;
    case 3:
        s->sa.in6.sin6_family = AF_INET6;
        s->sa.in6.sin6_port = htons((uint16_t)rng_below(r, 65536));
        s->sa.in6.sin6_addr = in6addr_loopback;
        break;
    case 4:
        /* A family no one serves, never AF_INET/AF_INET6 (random bytes
         * could name a real host). */
        s->sa.raw[0] = (unsigned char)(16 + rng_below(r, 200));
        for (int i = 2; i < 32; i++)
            s->sa.raw[i] = (unsigned char)rng_next(r);
        break;
    default:
        return bad_ptr(r);
    }
    return (uint64_t)&s->sa;
}

static uint64_t iov(struct rng *r, struct scratch *s)
{
    if (rng_below(r, 6) == 0) return bad_ptr(r);
    for (int i = 0; i < 8; i++) {
        s->iov[i].iov_base = (void *)ptr(r);
        s->iov[i].iov_len = rng_below(r, 4) ? rng_below(r, 512) : len(r);
    }
    return (uint64_t)s->iov;
}

/* Well-formed control data: SCM_RIGHTS with fds of the pool (sockets
 * carrying sockets, the files in flight), maybe SCM_CREDENTIALS, maybe
 * cut short; into s->ctl, *n its length. */
static void *control(struct rng *r, struct scratch *s, size_t *n)
{
    memset(&s->ctl, 0, sizeof(s->ctl));
    struct cmsghdr *c = (struct cmsghdr *)s->ctl.buf;
    size_t k = 1 + rng_below(r, 8);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(k * sizeof(int));
    for (size_t i = 0; i < k; i++) {
        int f = (int)fd(r);
        memcpy(CMSG_DATA(c) + i * sizeof(int), &f, sizeof(int));
    }
    *n = CMSG_SPACE(k * sizeof(int));
    if (rng_below(r, 3) == 0) {
        c = (struct cmsghdr *)(s->ctl.buf + *n);
        struct ucred u = {rng_below(r, 2) ? getpid() : (pid_t)rng_below(r, 100), 0, 0};
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof(u));
        memcpy(CMSG_DATA(c), &u, sizeof(u));
        *n += CMSG_SPACE(sizeof(u));
    }
    if (rng_below(r, 8) == 0) *n = rng_below(r, (unsigned)*n + 1);
    return s->ctl.buf;
}

static uint64_t msghdr(struct rng *r, struct scratch *s)
{
    if (rng_below(r, 6) == 0) return bad_ptr(r);
    memset(&s->mh, 0, sizeof(s->mh));
    if (rng_below(r, 2)) {
        s->mh.msg_name = (void *)sockaddr(r, s);
        s->mh.msg_namelen = (socklen_t)(rng_below(r, 4) ? sizeof(s->sa) : len(r));
    }
    s->mh.msg_iov = (struct iovec *)iov(r, s);
    s->mh.msg_iovlen = rng_below(r, 4) ? rng_below(r, 9) : len(r);
    unsigned c = rng_below(r, 6);
    if (c < 2) {
        s->mh.msg_control = (void *)ptr(r);
        s->mh.msg_controllen = len(r);
    } else if (c < 4) { /* sendmsg passes these; recvmsg gets fds into them */
        size_t n;
        s->mh.msg_control = control(r, s, &n);
        s->mh.msg_controllen = n;
    }
    s->mh.msg_flags = (int)flags(r);
    return (uint64_t)&s->mh;
}

static uint64_t addr(struct rng *r)
{
    switch (rng_below(r, 6)) {
    case 0:
    case 1:
    case 2:
        return (uint64_t)race + PAGE * rng_below(r, RACE_PAGES);
    case 3:
        return (uint64_t)race + rng_below(r, RACE_PAGES * PAGE); /* unaligned */
    case 4:
        return (rng_next(r) & 0x00007ffffffff000ULL);
    default:
        return bad_ptr(r) & ~(PAGE - 1);
    }
}

uint64_t gen_arg(struct rng *r, int w, enum arg_kind k)
{
    struct scratch *s = &scratch[w % MAX_WORKERS];
    switch (k) {
    case A_NUM:
        return num(r);
    case A_FD:
        return fd(r);
    case A_PTR:
        return ptr(r);
    case A_LEN:
        return len(r);
    case A_FLAGS:
        return flags(r);
    case A_PATH:
        return path(r);
    case A_PID: {
        static const int64_t v[] = {0, -1, INT_MAX, INT_MIN, 99999};
        if (rng_below(r, 3) == 0) return (uint64_t)getpid();
        if (rng_below(r, 3) == 0) return (uint64_t)gettid();
        return (uint64_t)v[rng_below(r, sizeof(v) / sizeof(v[0]))];
    }
    case A_SIG: {
        static const int v[] = {0, SIGURG, SIGCHLD, SIGWINCH, SIGCONT, 65, -1, 1000};
        return (uint64_t)(int64_t)v[rng_below(r, sizeof(v) / sizeof(v[0]))];
    }
    case A_SCRATCH:
        if (npaths > first_scratch && rng_below(r, 8))
            return (uint64_t)paths[first_scratch + rng_below(r, npaths - first_scratch)];
        return rng_below(r, 2) ? (uint64_t)unterminated : bad_ptr(r);
    case A_SIGNUM: {
        int64_t sig = (int64_t)rng_below(r, 70) - 2;
        return (uint64_t)(sig == WATCHDOG_SIG ? SIGWINCH : sig);
    }
    case A_TIMEOUT:
        return timeout(r, s);
    case A_MSEC:
        return rng_below(r, 4) == 0 ? (uint64_t)-1 : rng_below(r, 3);
    case A_ADDR:
        return addr(r);
    case A_SOCKADDR:
        return sockaddr(r, s);
    case A_SIGSET:
        return sigmask_arg(r, s);
    case A_IOV:
        return iov(r, s);
    case A_MSGHDR:
        return msghdr(r, s);
    case A_OFF:
        return rng_below(r, 3) ? rng_below(r, 1 << 16) : boundary(r);
    case A_IPCID:
        return ipc_id(r);
    }
    return 0;
}

void racer_step(struct rng *r)
{
    unsigned char *p = race + PAGE * rng_below(r, RACE_PAGES);
    size_t n = PAGE * (1 + rng_below(r, 4));
    if (p + n > race + RACE_PAGES * PAGE) n = (size_t)(race + RACE_PAGES * PAGE - p);
    static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE};
    switch (rng_below(r, 3)) {
    case 0:
        munmap(p, n);
        break;
    case 1:
        mmap(p, n, prots[rng_below(r, 4)], MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        break;
    default:
        mprotect(p, n, prots[rng_below(r, 4)]);
        break;
    }
}
