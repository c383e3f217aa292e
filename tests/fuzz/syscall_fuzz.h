/*
 * syscall_fuzz: shared declarations of the system-call fuzzer (the driver
 * in syscall_fuzz.c, the argument pools in syscall_args.c, the call table
 * in syscall_table.c). The fuzzer runs as a normal Linux program, natively
 * or inside the LibOS; see docs/fuzzing.md.
 */
#ifndef SYSCALL_FUZZ_H
#define SYSCALL_FUZZ_H

#include <stdint.h>
#include <stddef.h>

/* Reproducible random numbers: xorshift64* seeded through splitmix64, one
 * state per thread so that a worker's call sequence depends only on the
 * seed and its index. */
struct rng {
    uint64_t s;
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* What an argument is, which decides how it is generated. */
enum arg_kind {
    A_NUM,      /* any integer, biased to boundaries */
    A_FD,       /* a descriptor of the pool, or a bad one */
    A_PTR,      /* a user pointer, good or bad (in or out) */
    A_LEN,      /* a length or count */
    A_FLAGS,    /* a flag word */
    A_PATH,     /* a path string (or a bad pointer) */
    A_PID,      /* a process or thread id (never the parent's) */
    A_SIG,      /* a harmless signal number (0, SIGURG-like, invalid) */
    A_TIMEOUT,  /* a struct timespec *, short or invalid, never NULL */
    A_MSEC,     /* a timeout in ms for poll/epoll (-1 allowed) */
    A_ADDR,     /* an address for the memory calls */
    A_SOCKADDR, /* a sockaddr * that can only name local endpoints */
    A_SIGSET,   /* a sigset_t * that never blocks the watchdog's signal */
    A_IOV,      /* a struct iovec * of pool pointers */
    A_MSGHDR,   /* a struct msghdr * (local names only) */
    A_OFF,      /* a file offset */
    A_SIGNUM,   /* a signal number for rt_sigaction (never the watchdog's) */
    A_SCRATCH,  /* a path inside the scratch directories only */
    A_IPCID,    /* a SysV IPC id of the pool (any kind), or a bad one */
};

/* What a SysV IPC get call makes (struct call's makes_ipc). */
enum ipc_kind { IPC_NONE, IPC_SHM, IPC_SEM, IPC_MSG };

#define MAX_ARGS 6

struct call {
    const char *name;
    long nr;
    int nargs;
    unsigned char kind[MAX_ARGS + 1]; /* plus the table's terminating 0 */
    unsigned weight;
    unsigned makes_fd : 1;  /* a non-negative result is a new descriptor */
    unsigned fd_pair : 1;   /* arg 0 (pipe) or arg 3 (socketpair) receives two fds */
    unsigned makes_ipc : 2; /* a non-negative result is a new SysV object of this kind */
};

extern const struct call calls[];
extern const size_t ncalls;

/* The signal the watchdog sends to a worker stuck in a blocking call: its
 * handler does nothing, and it is installed without SA_RESTART, so the call
 * returns EINTR. Arguments never block it or change its action. */
#define WATCHDOG_SIG SIGURG

/* Set up the pools (memory, descriptors, paths) before the workers start.
 * dirs are the scratch directories; returns 0 or -1 with a message. */
int pools_init(const char *const *dirs, int ndirs);
/* Generate one argument of the given kind for the worker `w`. */
uint64_t gen_arg(struct rng *r, int w, enum arg_kind k);
/* Remember a descriptor a call returned, so later calls use it. */
void pool_add_fd(int fd);
/* Remember a SysV IPC object a call made; remove them all at the end of
 * the child (natively they would outlive it on the host). */
void pool_add_ipc(enum ipc_kind kind, int id);
void pool_ipc_cleanup(void);
/* True when [p, p+n) lies in the fuzzer's own stable read-write pages. */
int pool_stable(uint64_t p, size_t n);
/* True when p lies in the racer's pages. */
int pool_in_race(uint64_t p);
/* The racer: maps, unmaps and mprotects the pages other workers pass. */
void racer_step(struct rng *r);
/* Pick a call and its arguments, fix up the ones that would end the test
 * rather than exercise the LibOS. */
const struct call *pick_call(struct rng *r, int w, uint64_t a[MAX_ARGS], long *nr);

/* The highest descriptor number the pool hands out: the log descriptor
 * lives above it so that random dup2/close calls leave it alone. */
#define FD_POOL_MAX 199
#define LOG_FD 200

#endif
