/* sysv_msg: System V message queues. The receive order by type (0, a
 * type, the lowest type up to -n, MSG_EXCEPT), E2BIG (the message stays)
 * and MSG_NOERROR (truncated), MSG_COPY, IPC_NOWAIT (EAGAIN, ENOMSG), a
 * send that waits while the queue is full until a reader child makes
 * room, IPC_RMID waking a waiter with EIDRM, a signal ending a wait with
 * EINTR (never restarted), IPC_STAT/IPC_SET (msg_qbytes), IPC_INFO,
 * MSG_INFO, MSG_STAT, the errors, /proc/sysvipc/msg. Natively it runs on
 * the host's SysV IPC, with private queues removed at exit. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct m {
    long type;
    char text[8192];
};

static int ids[16];
static int nids;

static void cleanup(void)
{
    for (int i = 0; i < nids; i++)
        msgctl(ids[i], IPC_RMID, NULL);
}

static int track(int id)
{
    CHECK(id >= 0);
    if (nids < 16) ids[nids++] = id;
    return id;
}

static void send(int q, long type, const char *text)
{
    struct m msg;
    msg.type = type;
    size_t n = strlen(text);
    memcpy(msg.text, text, n);
    CHECK_EQ(msgsnd(q, &msg, n, IPC_NOWAIT), 0);
}

/* Receive with (type, flags): the text, and its type in *got. */
static const char *recv_text(int q, long type, int flags, long *got)
{
    static struct m msg;
    ssize_t n = msgrcv(q, &msg, 100, type, flags | IPC_NOWAIT);
    CHECK(n >= 0);
    msg.text[n] = 0;
    *got = msg.type;
    return msg.text;
}

static struct msqid_ds stat_of(int q)
{
    struct msqid_ds ds;
    CHECK_EQ(msgctl(q, IPC_STAT, &ds), 0);
    return ds;
}

static int wait_status(pid_t pid)
{
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void on_usr1(int sig)
{
    (void)sig;
}

static long proc_long(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long v = -1;
    CHECK_EQ(fscanf(f, "%ld", &v), 1);
    fclose(f);
    return v;
}

/* A time the kernel stamped since t0 (both time(2) values). The kernel's
 * seconds are its tick's (CLOCK_REALTIME_COARSE), which may be a second
 * behind a libc's precise time(2) (musl's) at a second's turn. */
static int recent(time_t t, time_t t0)
{
    return t >= t0 - 1 && t <= time(NULL);
}

int main(void)
{
    atexit(cleanup);
    time_t t0 = time(NULL);
    int q = track(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds = stat_of(q);
    CHECK_EQ(ds.msg_qnum, 0);
    CHECK_EQ(ds.msg_qbytes, proc_long("/proc/sys/kernel/msgmnb"));
    CHECK_EQ(ds.msg_perm.mode & 0777, 0600);
    CHECK_EQ(ds.msg_perm.uid, geteuid());
    CHECK(recent(ds.msg_ctime, t0));
    CHECK_EQ(ds.msg_stime, 0);
    CHECK_EQ(ds.msg_lspid, 0);

    /* the order of a typed receive */
    send(q, 3, "c1");
    send(q, 1, "a1");
    send(q, 2, "b1");
    send(q, 1, "a2");
    send(q, 3, "c2");
    ds = stat_of(q);
    CHECK_EQ(ds.msg_qnum, 5);
    CHECK_EQ(ds.msg_cbytes, 10);
    CHECK_EQ(ds.msg_lspid, getpid());
    CHECK(recent(ds.msg_stime, t0));
    long type;
    CHECK_STR(recv_text(q, 0, 0, &type), "c1"); /* the first */
    CHECK_EQ(type, 3);
    CHECK_STR(recv_text(q, 1, 0, &type), "a1");        /* the first of type 1 */
    CHECK_STR(recv_text(q, 1, MSG_COPY, &type), "a2"); /* a peek at the second */
    CHECK_EQ(stat_of(q).msg_qnum, 3);
    CHECK_STR(recv_text(q, -2, 0, &type), "a2"); /* the lowest type up to 2 */
    CHECK_EQ(type, 1);
    CHECK_STR(recv_text(q, 2, MSG_EXCEPT, &type), "c2"); /* the first not of type 2 */
    CHECK_STR(recv_text(q, -5, 0, &type), "b1");
    struct m msg;
    CHECK_ERRNO(msgrcv(q, &msg, 100, 0, IPC_NOWAIT), ENOMSG);
    ds = stat_of(q);
    CHECK_EQ(ds.msg_qnum, 0);
    CHECK_EQ(ds.msg_cbytes, 0);
    CHECK_EQ(ds.msg_lrpid, getpid());

    /* E2BIG leaves the message queued; MSG_NOERROR truncates it */
    memset(msg.text, 'x', 100);
    msg.type = 7;
    CHECK_EQ(msgsnd(q, &msg, 100, 0), 0);
    CHECK_ERRNO(msgrcv(q, &msg, 10, 7, IPC_NOWAIT), E2BIG);
    CHECK_EQ(stat_of(q).msg_qnum, 1);
    memset(msg.text, 0, 100);
    CHECK_EQ(msgrcv(q, &msg, 10, 7, IPC_NOWAIT | MSG_NOERROR), 10);
    CHECK(msg.text[9] == 'x' && msg.text[10] == 0);
    CHECK_EQ(stat_of(q).msg_qnum, 0);

    /* errors */
    msg.type = 0;
    CHECK_ERRNO(msgsnd(q, &msg, 1, 0), EINVAL);
    msg.type = 1;
    CHECK_ERRNO(msgsnd(q, &msg, proc_long("/proc/sys/kernel/msgmax") + 1, 0), EINVAL);
    CHECK_ERRNO(msgsnd(-1, &msg, 1, 0), EINVAL);
    CHECK_ERRNO(msgrcv(q, &msg, (size_t)-1, 0, IPC_NOWAIT), EINVAL);
    CHECK_ERRNO(msgrcv(q, &msg, 10, 0, MSG_COPY), EINVAL); /* MSG_COPY needs IPC_NOWAIT */
    CHECK_ERRNO(msgsnd(q, (void *)8, 1, 0), EFAULT);
    CHECK_ERRNO(msgctl(q, 12345, NULL), EINVAL);
    CHECK_ERRNO(msgget(IPC_PRIVATE + 0x5e000000 + (getpid() & 0xffffff), 0), ENOENT);

    /* a full queue: IPC_NOWAIT says EAGAIN; a send waits for a reader */
    memset(msg.text, 'y', 4096);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(msgsnd(q, &msg, 4096, 0), 0);
    CHECK_EQ(stat_of(q).msg_cbytes, 16384);
    CHECK_ERRNO(msgsnd(q, &msg, 1, IPC_NOWAIT), EAGAIN);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct timespec d = {0, 30 * 1000 * 1000}; /* likely after the send waits */
        nanosleep(&d, NULL);
        _exit(msgrcv(q, &msg, 8192, 0, 0) == 4096 ? 0 : 1);
    }
    CHECK_EQ(msgsnd(q, &msg, 4096, 0), 0);
    CHECK_EQ(wait_status(pid), 0);
    ds = stat_of(q);
    CHECK_EQ(ds.msg_qnum, 4);
    CHECK_EQ(ds.msg_lrpid, pid);

    /* IPC_SET: a smaller msg_qbytes; then the queue is over it */
    ds.msg_qbytes = 100;
    ds.msg_perm.mode = 0640;
    CHECK_EQ(msgctl(q, IPC_SET, &ds), 0);
    ds = stat_of(q);
    CHECK_EQ(ds.msg_qbytes, 100);
    CHECK_EQ(ds.msg_perm.mode & 0777, 0640);
    CHECK_ERRNO(msgsnd(q, &msg, 1, IPC_NOWAIT), EAGAIN);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(msgrcv(q, &msg, 8192, 0, IPC_NOWAIT), 4096);

    /* a signal ends a wait with EINTR, SA_RESTART or not (the signal is
     * sent until the child is done: one that comes before it waits only
     * runs the handler; it is blocked until the handler is there) */
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &usr1, &old), 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        ssize_t r = msgrcv(q, &msg, 8192, 42, 0);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    int st;
    for (;;) {
        kill(pid, SIGUSR1);
        struct timespec d = {0, 5 * 1000 * 1000};
        nanosleep(&d, NULL);
        pid_t w = waitpid(pid, &st, WNOHANG);
        CHECK(w >= 0);
        if (w == pid) break;
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);

    /* IPC_INFO matches /proc/sys/kernel; MSG_INFO and MSG_STAT find the queue */
    struct msginfo mi;
    int max = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
    CHECK(max >= 0);
    CHECK_EQ(mi.msgmax, proc_long("/proc/sys/kernel/msgmax"));
    CHECK_EQ(mi.msgmnb, proc_long("/proc/sys/kernel/msgmnb"));
    CHECK_EQ(mi.msgmni, proc_long("/proc/sys/kernel/msgmni"));
    send(q, 5, "stat");
    CHECK(msgctl(0, MSG_INFO, (struct msqid_ds *)&mi) >= 0);
    CHECK(mi.msgpool >= 1 && mi.msgmap >= 1 && mi.msgtql >= 4);
    int found = 0;
    for (int i = 0; i <= max; i++)
        if (msgctl(i, MSG_STAT, &ds) == q) found = ds.msg_qnum == 1;
    CHECK(found);

    /* /proc/sysvipc/msg */
    FILE *f = fopen("/proc/sysvipc/msg", "r");
    CHECK(f != NULL);
    char line[256];
    CHECK(fgets(line, sizeof(line), f) && strstr(line, "msqid") && strstr(line, "cbytes"));
    found = 0;
    while (fgets(line, sizeof(line), f)) {
        int key, msqid, lspid;
        unsigned perms;
        unsigned long cbytes, qnum;
        if (sscanf(line, "%d %d %o %lu %lu %d", &key, &msqid, &perms, &cbytes, &qnum, &lspid) ==
                6 &&
            msqid == q)
            found = cbytes == 4 && qnum == 1 && lspid == getpid() && (perms & 0777) == 0640;
    }
    fclose(f);
    CHECK(found);

    /* IPC_RMID wakes a waiting reader with EIDRM. Nothing shows that the
     * child waits yet: when the queue went first (EINVAL), try again with
     * a longer head start */
    for (long ms = 5;; ms *= 2) {
        int q2 = track(msgget(IPC_PRIVATE, 0600));
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            ssize_t r = msgrcv(q2, &msg, 8192, 0, 0);
            _exit(r == -1 && errno == EIDRM ? 0 : r == -1 && errno == EINVAL ? 2 : 1);
        }
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
        nanosleep(&d, NULL);
        CHECK_EQ(msgctl(q2, IPC_RMID, NULL), 0);
        int s = wait_status(pid);
        if (s == 2) continue;
        CHECK_EQ(s, 0);
        break;
    }
    CHECK_EQ(msgctl(q, IPC_RMID, NULL), 0);
    CHECK_ERRNO(msgsnd(q, &msg, 1, 0), EINVAL);
    return 0;
}
