/*
 * mmap_shared_file: MAP_SHARED mappings of a file are one memory, as the
 * page cache makes them on Linux, in each directory given (ramfs, hostfs,
 * the union's writable layer):
 *  - two mappings of the file in one process see each other's stores at
 *    once, and write(2)/read(2) see the mapping's bytes and it theirs;
 *  - a forked child and a spawned process (another address space and the
 *    same one) share them: counters bumped with atomics by all add up;
 *  - truncation zeros what lay past the new end; mremap keeps sharing;
 *    MADV_DONTNEED keeps the bytes; the bytes persist after munmap;
 *  - POSIX named semaphores (sem_open: a mapped file in /dev/shm) work
 *    between a parent and its forked child;
 *  - MAP_SHARED of /dev/zero is fresh memory shared with a fork's child.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define PG 4096L
#define BUMPS 20000

extern char **environ;

static void bump(int *counter)
{
    for (int i = 0; i < BUMPS; i++)
        __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/* The spawned side: map the file and bump the counter at page 1. */
static int spawned(const char *path)
{
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    int *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[0], 1234); /* the parent's store, never written back by it */
    bump(&p[PG / 4]);
    CHECK_EQ(munmap(p, 2 * PG), 0);
    CHECK_EQ(close(fd), 0);
    return 0;
}

static void wait_ok(pid_t pid)
{
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The line of /proc/self/maps of addr shows a shared mapping. */
static void maps_shows_shared(void *addr)
{
    char line[512], perms[8];
    unsigned long lo, hi;
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    int found = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= (unsigned long)addr &&
            (unsigned long)addr < hi)
            found = strcmp(perms, "rw-s") == 0 ? 1 : -1;
    fclose(f);
    CHECK_EQ(found, 1);
}

static void in_dir(const char *dir, const char *self)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/mmap_shared_file.%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char block[2 * PG];
    memset(block, 'a', sizeof(block));
    CHECK_EQ(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));

    int *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int fd2 = open(path, O_RDWR);
    CHECK(fd2 >= 0);
    int *q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    CHECK(p != MAP_FAILED && q != MAP_FAILED && p != q);
    maps_shows_shared(p);

    /* one memory: a store through p is in q, and in the file */
    p[0] = 1234;
    CHECK_EQ(q[0], 1234);
    int v = 0;
    CHECK_EQ(pread(fd2, &v, sizeof(v), 0), (ssize_t)sizeof(v));
    CHECK_EQ(v, 1234);
    /* and a write(2) is in both mappings */
    v = 77;
    CHECK_EQ(pwrite(fd, &v, sizeof(v), 8), (ssize_t)sizeof(v));
    CHECK_EQ(p[2], 77);
    CHECK_EQ(q[2], 77);

    /* a forked child (its own address space) shares them */
    p[PG / 4] = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        bump(&q[PG / 4]);
        p[3] = 33;
        _exit(0);
    }
    bump(&p[PG / 4]);
    wait_ok(pid);
    CHECK_EQ(q[3], 33);
    CHECK_EQ(p[PG / 4], 2 * BUMPS);

    /* so does a spawned process (posix_spawn: the same address space inside) */
    char *args[] = {(char *)self, "--spawned", path, NULL};
    CHECK_EQ(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ), 0);
    bump(&p[PG / 4]);
    wait_ok(pid);
    CHECK_EQ(q[PG / 4], 4 * BUMPS);

    /* MADV_DONTNEED keeps a shared mapping's bytes */
    CHECK_EQ(madvise(p, PG, MADV_DONTNEED), 0);
    CHECK_EQ(q[0], 1234);
    CHECK_EQ(p[3], 33);

    /* truncation zeros what lay past the new end, also in the partial page */
    ((char *)p)[PG + 100] = 'x';
    ((char *)p)[PG + 4] = 'y';
    CHECK_EQ(ftruncate(fd, PG + 4), 0);
    CHECK_EQ(ftruncate(fd, 2 * PG), 0);
    CHECK_EQ(((char *)q)[PG + 100], 0);
    CHECK_EQ(((char *)q)[PG + 4], 0);
    CHECK_EQ(q[PG / 4], 4 * BUMPS); /* before the new end: kept */

    /* mremap to a larger size keeps sharing, in place or moved */
    CHECK_EQ(ftruncate(fd, 3 * PG), 0);
    int *r = mremap(p, 2 * PG, 3 * PG, MREMAP_MAYMOVE);
    CHECK(r != MAP_FAILED);
    r[2 * PG / 4] = 99;
    r[1] = 11;
    CHECK_EQ(q[1], 11);
    int w = 0;
    CHECK_EQ(pread(fd2, &w, sizeof(w), 2 * PG), (ssize_t)sizeof(w));
    CHECK_EQ(w, 99);

    /* msync, then the bytes outlive the mappings */
    CHECK_EQ(msync(r, 3 * PG, MS_SYNC), 0);
    CHECK_EQ(munmap(r, 3 * PG), 0);
    q[4] = 44;
    CHECK_EQ(munmap(q, 2 * PG), 0);
    int back[5];
    CHECK_EQ(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
    CHECK(back[0] == 1234 && back[1] == 11 && back[2] == 77 && back[3] == 33 && back[4] == 44);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(close(fd2), 0);
    /* ... and a new open */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
    CHECK(back[0] == 1234 && back[4] == 44);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(unlink(path), 0);
}

static void named_semaphore(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/mmap_shared_file.%d", (int)getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    CHECK(s != SEM_FAILED);
    CHECK_EQ(sem_unlink(name), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            sem_post(s);
        _exit(0);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(sem_timedwait(s, &until), 0);
    wait_ok(pid);
    CHECK_EQ(sem_trywait(s), -1);
    CHECK_EQ(sem_close(s), 0);
}

static void dev_zero(void)
{
    int fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0);
    int *a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int *b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(a != MAP_FAILED && b != MAP_FAILED);
    a[0] = 5; /* two mappings of /dev/zero are two memories */
    CHECK_EQ(b[0], 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        a[1] = 6;
        _exit(0);
    }
    wait_ok(pid);
    CHECK_EQ(a[1], 6);
    CHECK_EQ(munmap(a, PG), 0);
    CHECK_EQ(munmap(b, PG), 0);
    CHECK_EQ(close(fd), 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--spawned") == 0) return spawned(argv[2]);
    CHECK(argc >= 2);
    for (int i = 1; i < argc; i++)
        in_dir(argv[i], argv[0]);
    named_semaphore();
    dev_zero();
    puts("mmap_shared_file: ok");
    return 0;
}
