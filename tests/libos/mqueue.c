/*
 * mqueue: POSIX message queues: priorities (highest first, FIFO within
 * one), the defaults and limits of /proc/sys/fs/mqueue, O_NONBLOCK
 * (EAGAIN), EMSGSIZE, timeouts (ETIMEDOUT, EINVAL), blocking sends and
 * receives between two processes, EINTR, mq_notify (SIGEV_SIGNAL's
 * siginfo, one registration per queue, once), mq_getsetattr, mq_unlink
 * (the name goes, the queue lives while open), poll and epoll readiness,
 * the status line read(2) gives, and the errors of each call.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

static char qname[64], rname[64];

static long proc_value(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long v = -1;
    CHECK_EQ(fscanf(f, "%ld", &v), 1);
    fclose(f);
    return v;
}

static mqd_t make(const char *name, int flags, long maxmsg, long msgsize)
{
    struct mq_attr a = {.mq_maxmsg = maxmsg, .mq_msgsize = msgsize};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | flags, 0600, &a);
    CHECK(q != (mqd_t)-1);
    return q;
}

static void priorities(void)
{
    mqd_t q = make(qname, O_RDWR, 8, 16);
    const char *text[] = {"a", "b", "c", "d", "e"};
    unsigned prio[] = {1, 5, 1, 5, 0};
    for (int i = 0; i < 5; i++)
        CHECK_EQ(mq_send(q, text[i], 2, prio[i]), 0);
    struct mq_attr a;
    CHECK_EQ(mq_getattr(q, &a), 0);
    CHECK(a.mq_maxmsg == 8 && a.mq_msgsize == 16 && a.mq_curmsgs == 5 && a.mq_flags == 0);
    const char *order = "bdace";
    unsigned want_prio[] = {5, 5, 1, 1, 0};
    for (int i = 0; i < 5; i++) {
        char buf[16];
        unsigned p = 99;
        CHECK_EQ(mq_receive(q, buf, sizeof(buf), &p), 2);
        CHECK_EQ(buf[0], order[i]);
        CHECK_EQ(p, want_prio[i]);
    }
    /* the largest priority; MQ_PRIO_MAX itself is refused */
    CHECK_EQ(sysconf(_SC_MQ_PRIO_MAX), 32768);
    CHECK_EQ(mq_send(q, "x", 1, 32767), 0);
    CHECK_ERRNO(mq_send(q, "x", 1, 32768), EINVAL);
    /* sizes: a message larger than mq_msgsize, a buffer smaller than it */
    char big[17] = {0};
    CHECK_ERRNO(mq_send(q, big, 17, 0), EMSGSIZE);
    CHECK_ERRNO(mq_receive(q, big, 15, NULL), EMSGSIZE);
    CHECK_EQ(mq_receive(q, big, 16, NULL), 1);
    CHECK_EQ(mq_send(q, big, 0, 0), 0); /* an empty message */
    CHECK_EQ(mq_receive(q, big, 16, NULL), 0);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

static void nonblocking_and_timeouts(void)
{
    mqd_t q = make(qname, O_RDWR | O_NONBLOCK, 2, 8);
    char buf[8];
    CHECK_ERRNO(mq_receive(q, buf, sizeof(buf), NULL), EAGAIN);
    CHECK_EQ(mq_send(q, "1", 1, 0), 0);
    CHECK_EQ(mq_send(q, "2", 1, 0), 0);
    CHECK_ERRNO(mq_send(q, "3", 1, 0), EAGAIN);
    /* mq_setattr changes O_NONBLOCK only */
    struct mq_attr na = {.mq_flags = 0, .mq_maxmsg = 99}, oa;
    CHECK_EQ(mq_setattr(q, &na, &oa), 0);
    CHECK(oa.mq_flags == O_NONBLOCK && oa.mq_maxmsg == 2 && oa.mq_curmsgs == 2);
    CHECK_EQ(mq_getattr(q, &oa), 0);
    CHECK(oa.mq_flags == 0 && oa.mq_maxmsg == 2);
    CHECK(!(fcntl(q, F_GETFL) & O_NONBLOCK));
    na.mq_flags = O_APPEND;
    CHECK_ERRNO(mq_setattr(q, &na, NULL), EINVAL);

    /* a full queue and a deadline: ETIMEDOUT; a past one at once */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    CHECK_ERRNO(mq_timedsend(q, "3", 1, 0, &ts), ETIMEDOUT);
    struct timespec past = {1, 0};
    CHECK_ERRNO(mq_timedsend(q, "3", 1, 0, &past), ETIMEDOUT);
    struct timespec bad = {ts.tv_sec, 1000000000L};
    CHECK_ERRNO(mq_timedsend(q, "3", 1, 0, &bad), EINVAL);
    CHECK_ERRNO(mq_timedreceive(q, buf, sizeof(buf), NULL, &bad), EINVAL); /* checked first */
    CHECK_EQ(mq_timedreceive(q, buf, sizeof(buf), NULL, &past), 1);        /* not needed: no wait */
    CHECK_EQ(mq_receive(q, buf, sizeof(buf), NULL), 1);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    CHECK_ERRNO(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), ETIMEDOUT);
    CHECK_ERRNO(mq_timedreceive(q, buf, sizeof(buf), NULL, &past), ETIMEDOUT);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

/* A receiver and a sender that block until the other process acts. */
static void two_processes(void)
{
    mqd_t q = make(qname, O_RDWR, 1, 32);
    mqd_t r = make(rname, O_RDWR, 4, 32);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* the child opens the queues by name, in its own address space */
        mqd_t cq = mq_open(qname, O_RDONLY), cr = mq_open(rname, O_WRONLY);
        char buf[32];
        unsigned p;
        if (cq == (mqd_t)-1 || cr == (mqd_t)-1) _exit(2);
        for (int i = 0; i < 3; i++) {
            ssize_t n = mq_receive(cq, buf, sizeof(buf), &p); /* blocks while empty */
            if (n != 4 || p != (unsigned)i) _exit(3);
            if (mq_send(cr, buf, (size_t)n, 9) != 0) _exit(4);
        }
        _exit(0);
    }
    /* one slot: the second send waits for the child's first receive */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mq_send(q, "ping", 4, (unsigned)i), 0);
    for (int i = 0; i < 3; i++) {
        char buf[32];
        unsigned p;
        CHECK_EQ(mq_receive(r, buf, sizeof(buf), &p), 4); /* blocks until the child answers */
        CHECK(memcmp(buf, "ping", 4) == 0 && p == 9);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_close(r), 0);
    CHECK_EQ(mq_unlink(qname), 0);
    CHECK_EQ(mq_unlink(rname), 0);
}

static void on_usr1(int sig)
{
    (void)sig;
}

/* A signal ends a blocked receive with EINTR (no SA_RESTART). */
static void interrupted(void)
{
    mqd_t q = make(qname, O_RDWR, 1, 8);
    struct sigaction sa = {.sa_handler = on_usr1};
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    pid_t parent = getpid(), pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        for (;;) { /* until killed: the parent may not be waiting yet */
            kill(parent, SIGUSR1);
            struct timespec t = {0, 10 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
    }
    char buf[8];
    CHECK_ERRNO(mq_receive(q, buf, sizeof(buf), NULL), EINTR);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    signal(SIGUSR1, SIG_IGN);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

static void notify(void)
{
    mqd_t q = make(qname, O_RDWR, 4, 8);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
    sev.sigev_value.sival_int = 42;
    CHECK_EQ(mq_notify(q, &sev), 0);
    CHECK_ERRNO(mq_notify(q, &sev), EBUSY);
    /* the status line read(2) gives */
    char line[128] = {0};
    CHECK(read(q, line, sizeof(line) - 1) > 0);
    char want[64];
    snprintf(want, sizeof(want), "QSIZE:0          NOTIFY:0     SIGNO:%-5d NOTIFY_PID:%-6d\n",
             SIGUSR2, (int)getpid());
    CHECK_STR(line, want);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        mqd_t cq = mq_open(qname, O_WRONLY);
        /* another process cannot register meanwhile */
        if (mq_notify(cq, &sev) != -1 || errno != EBUSY) _exit(2);
        _exit(mq_send(cq, "hi", 2, 0) == 0 ? 0 : 3);
    }
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR2);
    CHECK_EQ(si.si_code, SI_MESGQ);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_value.sival_int, 42);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* once: the next message finds no registration */
    CHECK_EQ(mq_send(q, "2", 1, 0), 0);
    struct timespec zero = {0, 0};
    CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN);
    /* only an empty queue's first message notifies */
    CHECK_EQ(mq_notify(q, &sev), 0);
    CHECK_EQ(mq_send(q, "3", 1, 0), 0);
    CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN);
    CHECK_ERRNO(mq_notify(q, &sev), EBUSY);
    CHECK_EQ(mq_notify(q, NULL), 0); /* unregistered */
    CHECK_EQ(mq_notify(q, &sev), 0);
    CHECK_EQ(mq_notify(q, NULL), 0);
    /* SIGEV_NONE registers without a signal */
    char buf[8];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mq_receive(q, buf, sizeof(buf), NULL), i ? 1 : 2); /* "hi", "2", "3" */
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    CHECK_EQ(mq_notify(q, &none), 0);
    CHECK_ERRNO(mq_notify(q, &sev), EBUSY);
    CHECK_EQ(mq_send(q, "4", 1, 0), 0);
    CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN);
    CHECK_EQ(mq_notify(q, &sev), 0); /* the SIGEV_NONE registration was used up */
    struct sigevent badsig = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 65};
    CHECK_ERRNO(mq_notify(q, &badsig), EINVAL);
    struct sigevent badkind = {.sigev_notify = 77};
    CHECK_ERRNO(mq_notify(q, &badkind), EINVAL);
    CHECK_ERRNO(mq_notify(-1, &sev), EBADF);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

static void unlink_semantics(void)
{
    mqd_t q = make(qname, O_RDWR, 4, 8);
    CHECK_EQ(mq_send(q, "old", 3, 0), 0);
    CHECK_EQ(mq_unlink(qname), 0);
    CHECK_ERRNO(mq_unlink(qname), ENOENT);
    CHECK(mq_open(qname, O_RDWR) == (mqd_t)-1 && errno == ENOENT);
    /* the name is free for a new queue; the old one lives while open */
    mqd_t n = make(qname, O_RDWR | O_NONBLOCK, 4, 8);
    char buf[8];
    CHECK_ERRNO(mq_receive(n, buf, sizeof(buf), NULL), EAGAIN);
    CHECK_EQ(mq_receive(q, buf, sizeof(buf), NULL), 3);
    CHECK_EQ(mq_send(q, "still", 5, 0), 0);
    CHECK_EQ(mq_receive(q, buf, sizeof(buf), NULL), 5);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_close(n), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

static void readiness(void)
{
    mqd_t q = make(qname, O_RDWR, 1, 8);
    struct pollfd p = {q, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    int ep = epoll_create1(0);
    struct epoll_event ee = {.events = EPOLLIN, .data.fd = q};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ee), 0);
    CHECK_EQ(epoll_wait(ep, &ee, 1, 0), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        mqd_t cq = mq_open(qname, O_WRONLY);
        _exit(cq != (mqd_t)-1 && mq_send(cq, "x", 1, 0) == 0 ? 0 : 2);
    }
    CHECK_EQ(epoll_wait(ep, &ee, 1, -1), 1); /* woken by the child's send */
    CHECK(ee.events == EPOLLIN && ee.data.fd == q);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN); /* full: no POLLOUT */
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(q, &rd);
    struct timeval tv = {0, 0};
    CHECK_EQ(select(q + 1, &rd, NULL, NULL, &tv), 1);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(ep);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);
}

static void errors(void)
{
    long msg_max = proc_value("/proc/sys/fs/mqueue/msg_max");
    long msgsize_max = proc_value("/proc/sys/fs/mqueue/msgsize_max");
    long msg_default = proc_value("/proc/sys/fs/mqueue/msg_default");
    long msgsize_default = proc_value("/proc/sys/fs/mqueue/msgsize_default");
    CHECK(proc_value("/proc/sys/fs/mqueue/queues_max") > 0);
    CHECK(msg_max >= msg_default && msgsize_max >= msgsize_default);
    /* no attributes: the defaults */
    mqd_t q = mq_open(qname, O_CREAT | O_RDONLY, 0600, NULL);
    CHECK(q != (mqd_t)-1);
    struct mq_attr a;
    CHECK_EQ(mq_getattr(q, &a), 0);
    CHECK(a.mq_maxmsg == msg_default && a.mq_msgsize == msgsize_default);
    CHECK_ERRNO(mq_send(q, "x", 1, 0), EBADF); /* not open for writing */
    CHECK(mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, NULL) == (mqd_t)-1 && errno == EEXIST);
    mqd_t w = mq_open(qname, O_WRONLY);
    CHECK(w != (mqd_t)-1);
    char buf[16];
    CHECK_ERRNO(mq_receive(w, buf, sizeof(buf), NULL), EBADF);
    CHECK_EQ(mq_close(w), 0);
    CHECK_EQ(mq_close(q), 0);
    CHECK_EQ(mq_unlink(qname), 0);

    struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 8};
    CHECK(mq_open(qname, O_CREAT | O_RDWR, 0600, &bad) == (mqd_t)-1 && errno == EINVAL);
    bad.mq_maxmsg = 65537; /* past the ceiling, even for a privileged process */
    CHECK(mq_open(qname, O_CREAT | O_RDWR, 0600, &bad) == (mqd_t)-1 && errno == EINVAL);
    bad.mq_maxmsg = 1;
    bad.mq_msgsize = 0;
    CHECK(mq_open(qname, O_CREAT | O_RDWR, 0600, &bad) == (mqd_t)-1 && errno == EINVAL);
    CHECK(mq_open(qname, O_RDWR) == (mqd_t)-1 && errno == ENOENT);
    CHECK(mq_open("/a/b", O_CREAT | O_RDWR, 0600, NULL) == (mqd_t)-1 && errno == EACCES);
    char longname[NAME_MAX + 3];
    longname[0] = '/';
    memset(longname + 1, 'n', NAME_MAX + 1);
    longname[NAME_MAX + 2] = 0;
    CHECK(mq_open(longname, O_CREAT | O_RDWR, 0600, NULL) == (mqd_t)-1 && errno == ENAMETOOLONG);
    CHECK_ERRNO(mq_unlink(qname), ENOENT);
    CHECK_ERRNO(mq_send(-1, "x", 1, 0), EBADF);
    int notq = open("/dev/null", O_RDWR);
    CHECK_ERRNO(mq_send(notq, "x", 1, 0), EBADF);
    CHECK_ERRNO(mq_getattr(notq, &a), EBADF);
    close(notq);
}

int main(void)
{
    snprintf(qname, sizeof(qname), "/libos-mq-%d", (int)getpid());
    snprintf(rname, sizeof(rname), "/libos-mq-reply-%d", (int)getpid());
    priorities();
    nonblocking_and_timeouts();
    two_processes();
    interrupted();
    notify();
    unlink_semantics();
    readiness();
    errors();
    return 0;
}
