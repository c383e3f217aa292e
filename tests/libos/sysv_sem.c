/* sysv_sem: System V semaphores. semop with several operations at once
 * (all or none), IPC_NOWAIT's EAGAIN, a wait ended by a child's post
 * (GETNCNT counts the waiter), a wait for zero (GETZCNT), SEM_UNDO
 * undone when a child exits, semtimedop's timeout, EIDRM for a waiter
 * when the set is removed, EINTR for a waiter a signal interrupts (never
 * restarted, even with SA_RESTART), SETVAL/SETALL/GETALL/GETPID,
 * IPC_STAT/IPC_SET, IPC_INFO/SEM_INFO/SEM_STAT, the limits (ERANGE,
 * EFBIG, E2BIG), /proc/sysvipc/sem. semctl's fourth argument is the
 * union semun by value, as the libcs pass it. Natively it runs on the
 * host's SysV IPC, with private sets removed at exit. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

union semun { /* the caller defines it (semctl(2)) */
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

static int ids[16];
static int nids;

static void cleanup(void)
{
    for (int i = 0; i < nids; i++)
        semctl(ids[i], 0, IPC_RMID);
}

static int track(int id)
{
    CHECK(id >= 0);
    if (nids < 16) ids[nids++] = id;
    return id;
}

static int op(int id, unsigned short num, short o, short flg)
{
    struct sembuf b = {num, o, flg};
    return semop(id, &b, 1);
}

static int val(int id, int num)
{
    return semctl(id, num, GETVAL);
}

static void setval(int id, int num, int v)
{
    union semun u = {.val = v};
    CHECK_EQ(semctl(id, num, SETVAL, u), 0);
}

/* Wait (without a time limit) until cmd (GETNCNT, GETZCNT) of num says n. */
static void wait_count(int id, int num, int cmd, int n)
{
    while (semctl(id, num, cmd) != n)
        sched_yield();
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

static long proc_field(const char *path, int field)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long v = -1;
    for (int i = 0; i <= field; i++)
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
    int id = track(semget(IPC_PRIVATE, 3, IPC_CREAT | 0600));

    /* a new set: zeros, never operated on */
    struct semid_ds ds;
    union semun u = {.buf = &ds};
    CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
    CHECK_EQ(ds.sem_nsems, 3);
    CHECK_EQ(ds.sem_otime, 0);
    CHECK(recent(ds.sem_ctime, t0));
    CHECK_EQ(ds.sem_perm.mode & 0777, 0600);
    CHECK_EQ(ds.sem_perm.uid, geteuid());
    CHECK_EQ(val(id, 0), 0);

    /* SETALL, GETALL */
    unsigned short set[3] = {1, 2, 3}, got[3] = {9, 9, 9};
    u.array = set;
    CHECK_EQ(semctl(id, 0, SETALL, u), 0);
    u.array = got;
    CHECK_EQ(semctl(id, 0, GETALL, u), 0);
    CHECK(got[0] == 1 && got[1] == 2 && got[2] == 3);

    /* several operations at once, in order */
    struct sembuf ops[3] = {{0, -1, 0}, {1, 2, 0}, {2, -3, 0}};
    CHECK_EQ(semop(id, ops, 3), 0);
    CHECK(val(id, 0) == 0 && val(id, 1) == 4 && val(id, 2) == 0);
    CHECK_EQ(semctl(id, 1, GETPID), getpid());
    u.buf = &ds;
    CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
    CHECK(recent(ds.sem_otime, t0));
    /* a later operation sees an earlier one: +1 then -1 on the same one */
    struct sembuf same[2] = {{0, 1, 0}, {0, -1, 0}};
    CHECK_EQ(semop(id, same, 2), 0);
    CHECK_EQ(val(id, 0), 0);

    /* all or nothing: the second cannot, so the first does not happen */
    struct sembuf nope[2] = {{1, -1, 0}, {0, -1, IPC_NOWAIT}};
    CHECK_ERRNO(semop(id, nope, 2), EAGAIN);
    CHECK_EQ(val(id, 1), 4);

    /* a wait a child ends; GETNCNT counts the waiter */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        wait_count(id, 0, GETNCNT, 1);
        _exit(op(id, 0, 1, 0) == 0 ? 0 : 1);
    }
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);
    CHECK_EQ(op(id, 0, -1, 0), 0);
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(val(id, 0), 0);
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);

    /* a wait for zero; GETZCNT counts it, SETVAL ends it */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(op(id, 1, 0, 0) == 0 ? 0 : 1);
    wait_count(id, 1, GETZCNT, 1);
    CHECK_EQ(semctl(id, 1, GETNCNT), 0);
    setval(id, 1, 0);
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(semctl(id, 1, GETZCNT), 0);

    /* SEM_UNDO: a child's changes are undone when it exits */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(op(id, 2, 5, SEM_UNDO) == 0 && val(id, 2) == 5 ? 0 : 1);
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(val(id, 2), 0);
    setval(id, 2, 3);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (op(id, 2, -2, SEM_UNDO) != 0 || op(id, 2, 1, 0) != 0) _exit(1);
        _exit(val(id, 2) == 2 ? 0 : 1);
    }
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(val(id, 2), 4); /* 3 - 2 + 1, and the -2 undone */
    CHECK_EQ(semctl(id, 2, GETPID), pid);
    /* SETVAL clears what a live process would undo */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (op(id, 2, 1, SEM_UNDO) != 0) _exit(1);
        wait_count(id, 2, GETZCNT, 0); /* (no waiter: returns at once) */
        union semun z = {.val = 10};
        _exit(semctl(id, 2, SETVAL, z) == 0 ? 0 : 1);
    }
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(val(id, 2), 10);

    /* semtimedop: the timeout ends the wait with EAGAIN */
    struct sembuf down = {0, -1, 0};
    struct timespec to = {0, 20 * 1000 * 1000};
    CHECK_ERRNO(semtimedop(id, &down, 1, &to), EAGAIN);
    struct timespec zero = {0, 0};
    CHECK_ERRNO(semtimedop(id, &down, 1, &zero), EAGAIN);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(semtimedop(id, &down, 1, &bad), EINVAL);
    setval(id, 0, 1);
    CHECK_EQ(semtimedop(id, &down, 1, &to), 0); /* no wait needed */
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);

    /* a signal ends a wait with EINTR, SA_RESTART or not */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_usr1;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        int r = op(id, 0, -1, 0);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    wait_count(id, 0, GETNCNT, 1);
    CHECK_EQ(kill(pid, SIGUSR1), 0);
    CHECK_EQ(wait_status(pid), 0);
    CHECK_EQ(semctl(id, 0, GETNCNT), 0);

    /* the limits */
    CHECK_ERRNO(op(id, 3, 1, 0), EFBIG);
    CHECK_ERRNO(semop(id, ops, 0), EINVAL);
    static struct sembuf many[501];
    CHECK_ERRNO(semop(id, many, 501), E2BIG);
    u.val = -1;
    CHECK_ERRNO(semctl(id, 0, SETVAL, u), ERANGE);
    u.val = 32768;
    CHECK_ERRNO(semctl(id, 0, SETVAL, u), ERANGE);
    setval(id, 0, 32767);
    CHECK_ERRNO(op(id, 0, 1, 0), ERANGE);
    CHECK_EQ(val(id, 0), 32767);
    CHECK_ERRNO(semctl(id, 3, GETVAL), EINVAL);
    CHECK_ERRNO(semctl(id, 0, 12345), EINVAL);
    CHECK_ERRNO(semctl(-1, 0, GETVAL), EINVAL);
    CHECK_ERRNO(semget(IPC_PRIVATE, 32001, 0600), EINVAL);
    CHECK_ERRNO(semget(IPC_PRIVATE, 0, 0600), EINVAL);
    CHECK_ERRNO(semget(IPC_PRIVATE, -1, 0600), EINVAL);

    /* IPC_SET */
    u.buf = &ds;
    CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
    ds.sem_perm.mode = 0640;
    CHECK_EQ(semctl(id, 0, IPC_SET, u), 0);
    CHECK_EQ(semctl(id, 0, IPC_STAT, u), 0);
    CHECK_EQ(ds.sem_perm.mode & 0777, 0640);

    /* IPC_INFO matches /proc/sys/kernel/sem; SEM_INFO and SEM_STAT find the set */
    struct seminfo si;
    u.__buf = &si;
    int max = semctl(0, 0, IPC_INFO, u);
    CHECK(max >= 0);
    CHECK_EQ(si.semmsl, proc_field("/proc/sys/kernel/sem", 0));
    CHECK_EQ(si.semmns, proc_field("/proc/sys/kernel/sem", 1));
    CHECK_EQ(si.semopm, proc_field("/proc/sys/kernel/sem", 2));
    CHECK_EQ(si.semmni, proc_field("/proc/sys/kernel/sem", 3));
    CHECK_EQ(si.semvmx, 32767);
    CHECK(semctl(0, 0, SEM_INFO, u) >= 0);
    CHECK(si.semusz >= 1 && si.semaem >= 3);
    int found = 0;
    u.buf = &ds;
    for (int i = 0; i <= max; i++)
        if (semctl(i, 0, SEM_STAT, u) == id) found = ds.sem_nsems == 3;
    CHECK(found);

    /* /proc/sysvipc/sem */
    FILE *f = fopen("/proc/sysvipc/sem", "r");
    CHECK(f != NULL);
    char line[256];
    CHECK(fgets(line, sizeof(line), f) && strstr(line, "semid") && strstr(line, "nsems"));
    found = 0;
    while (fgets(line, sizeof(line), f)) {
        int key, semid, nsems;
        unsigned perms;
        if (sscanf(line, "%d %d %o %d", &key, &semid, &perms, &nsems) == 4 && semid == id)
            found = key == IPC_PRIVATE && (perms & 0777) == 0640 && nsems == 3;
    }
    fclose(f);
    CHECK(found);

    /* a key: semget finds the set again, or refuses */
    key_t key = (key_t)(0x5e000000 | (getpid() & 0xffffff));
    int kid = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
    if (kid >= 0) { /* (a host's key of the same number would only skip this) */
        track(kid);
        CHECK_EQ(semget(key, 2, 0), kid);
        CHECK_EQ(semget(key, 0, 0), kid);
        CHECK_ERRNO(semget(key, 3, 0), EINVAL); /* more than it has */
        CHECK_ERRNO(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
        CHECK_EQ(semctl(kid, 0, IPC_RMID), 0);
        CHECK_ERRNO(semget(key, 2, 0), ENOENT);
    }

    /* IPC_RMID: a waiter gets EIDRM */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int r = op(id, 1, -1, 0);
        _exit(r == -1 && errno == EIDRM ? 0 : 1);
    }
    wait_count(id, 1, GETNCNT, 1);
    CHECK_EQ(semctl(id, 0, IPC_RMID), 0);
    CHECK_EQ(wait_status(pid), 0);
    CHECK_ERRNO(semctl(id, 0, GETVAL), EINVAL);
    CHECK_ERRNO(op(id, 0, 1, 0), EINVAL);
    return 0;
}
