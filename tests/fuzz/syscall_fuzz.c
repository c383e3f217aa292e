/*
 * syscall_fuzz: the system-call fuzzer's driver. The parent spawns one
 * child per iteration (posix_spawn of itself with --child) and looks at how
 * it ended, so that "the program died of a signal Linux also sends" (an
 * acceptable end) stays apart from "the LibOS died" (the whole run ends,
 * which the caller sees) and from "a call hung" (a worker stayed in one
 * call although the watchdog kept interrupting it: a failure).
 *
 * A child runs --threads workers making random calls (syscall_table.c) with
 * random arguments (syscall_args.c), one racer thread mapping, unmapping
 * and mprotecting the pages the workers pass, and a watchdog that
 * interrupts calls blocked for long with WATCHDOG_SIG. Before each call a
 * worker writes it, with its arguments, into its slot of the log file, so
 * that after a LibOS crash the log shows what every thread was doing.
 *
 * Usage: syscall_fuzz [--seed N] [--seconds S] [--threads T] [--calls N]
 *                     [--log FILE] [--dir DIR]... [--no-race]
 * --no-race: no racer thread (the racer's pages stay mapped as they are).
 * Replay one child: syscall_fuzz --child --seed <child seed> (same options).
 */
#include "syscall_fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
#define MAX_DIRS 4
#define SLOT 256
#define STUCK_NS 100000000LL  /* interrupt a call blocked this long */
#define HANG_NS 10000000000LL /* a call still blocked after this hangs */

extern char **environ;

static struct {
    uint64_t seed;
    long seconds;
    int threads;
    long calls;
    const char *log;
    const char *dirs[MAX_DIRS];
    int ndirs;
    int child;
    int race;
} opt = {1, 10, 4, 2000, NULL, {NULL}, 0, 0, 1};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- child */

struct worker {
    pthread_t th;
    int idx;
    volatile int tid;
    volatile int64_t since; /* when the current call started, 0 outside */
    volatile int done;
    uint64_t seed;
};
static struct worker workers[MAX_THREADS];
static volatile int stop_racer;

static void log_slot(int slot, const char *text)
{
    char buf[SLOT];
    size_t n = strlen(text);
    if (n > SLOT - 1) n = SLOT - 1;
    memset(buf, ' ', SLOT);
    memcpy(buf, text, n);
    buf[SLOT - 1] = '\n';
    pwrite(LOG_FD, buf, SLOT, (off_t)slot * SLOT);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct rng r;
    rng_seed(&r, w->seed);
    w->tid = (int)gettid();
    for (long i = 0; i < opt.calls; i++) {
        uint64_t a[MAX_ARGS];
        long nr;
        const struct call *c = pick_call(&r, w->idx, a, &nr);
        char rec[SLOT];
        snprintf(rec, sizeof(rec),
                 "w%d #%ld %s[%ld](%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64
                 ", %#" PRIx64 ", %#" PRIx64 ")",
                 w->idx, i, c->name, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        log_slot(1 + w->idx, rec);
        w->since = now_ns();
        long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        w->since = 0;
        if (ret >= 0 && c->makes_fd) pool_add_fd((int)ret);
        if (ret >= 0 && c->makes_ipc) pool_add_ipc((enum ipc_kind)c->makes_ipc, (int)ret);
        if (ret == 0 && c->fd_pair) {
            uint64_t p = c->nargs == 4 ? a[3] : a[0];
            if (pool_stable(p, 8)) {
                int pair[2];
                memcpy(pair, (void *)p, sizeof(pair));
                pool_add_fd(pair[0]);
                pool_add_fd(pair[1]);
            }
        }
    }
    w->done = 1;
    return NULL;
}

static void *racer_main(void *arg)
{
    struct rng r;
    rng_seed(&r, *(uint64_t *)arg);
    while (!stop_racer) {
        racer_step(&r);
        sched_yield();
    }
    return NULL;
}

static void on_watchdog_sig(int sig)
{
    (void)sig;
}

static int child_main(void)
{
    /* The workers' output goes nowhere: random writes to 0-2 would fill
     * the test's log. The log descriptor sits above the pool. */
    int logfd = opt.log ? open(opt.log, O_WRONLY) : open("/dev/null", O_WRONLY);
    if (logfd < 0 || dup2(logfd, LOG_FD) != LOG_FD) return 2;
    close(logfd);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
    }
    struct sigaction sa = {.sa_handler = on_watchdog_sig};
    sigemptyset(&sa.sa_mask);
    sigaction(WATCHDOG_SIG, &sa, NULL); /* no SA_RESTART: blocked calls return EINTR */
    /* Timers and writes to closed pipes may come from random calls; they
     * would end the child at once, long before it did anything useful. */
    static const int ignored[] = {SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGXFSZ, SIGIO,
                                  SIGTTIN, SIGTTOU, SIGUSR1,   SIGUSR2, SIGHUP};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        signal(ignored[i], SIG_IGN);
    if (pools_init(opt.dirs, opt.ndirs)) return 2;

    pthread_t racer;
    uint64_t racer_seed = opt.seed ^ 0x5a5a5a5aULL;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (opt.race && pthread_create(&racer, &attr, racer_main, &racer_seed)) return 2;
    for (int i = 0; i < opt.threads; i++) {
        workers[i].idx = i;
        workers[i].seed = opt.seed * 1000003ULL + (uint64_t)i;
        if (pthread_create(&workers[i].th, &attr, worker_main, &workers[i])) return 2;
    }
    /* The main thread is the watchdog. Threads are never joined: a random
     * set_tid_address() may have moved the word pthread_join waits on. */
    for (;;) {
        int running = 0;
        int64_t t = now_ns();
        for (int i = 0; i < opt.threads; i++) {
            struct worker *w = &workers[i];
            if (w->done) continue;
            running++;
            int64_t since = w->since;
            if (since && t - since > HANG_NS) {
                char msg[64];
                snprintf(msg, sizeof(msg), "HANG w%d (its call is in slot %d)", i, 1 + i);
                log_slot(1 + opt.threads, msg);
                pool_ipc_cleanup();
                syscall(SYS_exit_group, 3);
            }
            if (since && t - since > STUCK_NS && w->tid)
                syscall(SYS_tgkill, getpid(), w->tid, WATCHDOG_SIG);
        }
        if (!running) break;
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    stop_racer = 1;
    pool_ipc_cleanup();
    syscall(SYS_exit_group, 0);
    return 0;
}

/* --------------------------------------------------------------- parent */

static void print_log(void)
{
    FILE *f = opt.log ? fopen(opt.log, "r") : NULL;
    if (!f) return;
    char line[SLOT + 1];
    printf("  last calls (log %s):\n", opt.log);
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
            line[--n] = 0;
        if (n) printf("    %s\n", line);
    }
    fclose(f);
}

static int parent_main(const char *self)
{
    printf("syscall_fuzz: seed %" PRIu64 ", %d threads, %ld calls per thread, %ld s%s\n", opt.seed,
           opt.threads, opt.calls, opt.seconds, opt.race ? "" : ", no racer");
    fflush(stdout);
    int64_t end = now_ns() + opt.seconds * 1000000000LL;
    long iters = 0, deaths[65] = {0}, failures = 0;
    for (uint64_t it = 0; iters == 0 || now_ns() < end; it++, iters++) {
        uint64_t seed = opt.seed + it;
        if (opt.log) {
            int fd = open(opt.log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) {
                printf("syscall_fuzz: cannot create %s: %s\n", opt.log, strerror(errno));
                return 1;
            }
            char head[SLOT];
            memset(head, ' ', SLOT);
            int n = snprintf(
                head, SLOT, "iteration %" PRIu64 ": replay with --child --seed %" PRIu64, it, seed);
            head[n] = ' ';
            head[SLOT - 1] = '\n';
            if (write(fd, head, SLOT) != SLOT) return 1;
            close(fd);
        }
        char seedbuf[32], thr[16], calls[32];
        snprintf(seedbuf, sizeof(seedbuf), "%" PRIu64, seed);
        snprintf(thr, sizeof(thr), "%d", opt.threads);
        snprintf(calls, sizeof(calls), "%ld", opt.calls);
        char *argv[8 + 2 * MAX_DIRS + 3] = {(char *)self, "--child", "--seed",  seedbuf,
                                            "--threads",  thr,       "--calls", calls};
        int ac = 8;
        if (opt.log) {
            argv[ac++] = "--log";
            argv[ac++] = (char *)opt.log;
        }
        if (!opt.race) argv[ac++] = "--no-race";
        for (int d = 0; d < opt.ndirs; d++) {
            argv[ac++] = "--dir";
            argv[ac++] = (char *)opt.dirs[d];
        }
        argv[ac] = NULL;
        pid_t pid;
        int err = posix_spawn(&pid, self, NULL, NULL, argv, environ);
        if (err) {
            printf("FAIL: cannot spawn %s: %s\n", self, strerror(err));
            return 1;
        }
        int status;
        /* The child's own watchdog ends it on a hang; this is the last
         * resort if even that cannot run. */
        int64_t deadline = now_ns() + HANG_NS + 30000000000LL;
        pid_t got;
        while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ns() < deadline) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
        const char *why = NULL;
        char buf[64];
        if (got == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            why = "the child did not end (its watchdog did not run)";
        } else if (got < 0) {
            why = "waitpid failed";
        } else if (WIFSIGNALED(status)) {
            /* A signal Linux also sends for the same calls (SIGSEGV from a
             * garbage sigreturn frame, SIGXCPU from a lowered limit...). */
            deaths[WTERMSIG(status) & 63]++;
        } else if (WEXITSTATUS(status) == 3) {
            why = "a system call hung (the watchdog's signal did not interrupt it)";
        } else if (WEXITSTATUS(status) != 0) {
            snprintf(buf, sizeof(buf), "the child exited with status %d", WEXITSTATUS(status));
            why = buf;
        }
        if (why) {
            printf("FAIL: iteration %" PRIu64 " (child seed %" PRIu64 "): %s\n", it, seed, why);
            print_log();
            failures++;
            break;
        }
    }
    printf("syscall_fuzz: %ld children, %ld calls at most; children killed by signals:", iters,
           iters * opt.threads * opt.calls);
    int any = 0;
    for (int s = 1; s < 65; s++)
        if (deaths[s]) {
            printf(" %s x%ld", strsignal(s), deaths[s]);
            any = 1;
        }
    printf("%s\n", any ? "" : " none");
    printf(failures ? "syscall_fuzz: FAILED\n" : "syscall_fuzz: OK\n");
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--child")) {
            opt.child = 1;
        } else if (!strcmp(a, "--no-race")) {
            opt.race = 0;
        } else if (v && !strcmp(a, "--seed")) {
            opt.seed = strtoull(v, NULL, 0), i++;
        } else if (v && !strcmp(a, "--seconds")) {
            opt.seconds = atol(v), i++;
        } else if (v && !strcmp(a, "--threads")) {
            opt.threads = atoi(v), i++;
        } else if (v && !strcmp(a, "--calls")) {
            opt.calls = atol(v), i++;
        } else if (v && !strcmp(a, "--log")) {
            opt.log = v, i++;
        } else if (v && !strcmp(a, "--dir") && opt.ndirs < MAX_DIRS) {
            opt.dirs[opt.ndirs++] = v, i++;
        } else {
            fprintf(stderr, "syscall_fuzz: unknown argument %s (see the source's header)\n", a);
            return 2;
        }
    }
    if (opt.threads < 1 || opt.threads > MAX_THREADS) opt.threads = 4;
    if (opt.ndirs == 0) opt.dirs[opt.ndirs++] = "/tmp/syscall_fuzz";
    /* Natively as root, random chmod/rename/mount calls reach the real
     * host: run natively only as an unprivileged user. Inside the LibOS
     * (OCCLUM=yes) they reach the instance's own file systems. */
    const char *in_libos = getenv("OCCLUM");
    if (geteuid() == 0 && !(in_libos && !strcmp(in_libos, "yes"))) {
        fprintf(stderr, "syscall_fuzz: refusing to run natively as root (run it inside the "
                        "LibOS, or natively as an unprivileged user)\n");
        return 2;
    }
    if (opt.child) return child_main();
    return parent_main(argv[0]);
}
