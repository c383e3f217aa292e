/* sysv_shm: System V shared memory. A segment attached twice is one
 * memory; a fork's child and a posix_spawn'ed process (by an ftok key)
 * share it; shmctl's IPC_STAT fields, IPC_SET, IPC_INFO, SHM_INFO,
 * SHM_STAT; IPC_RMID with live attachments (key freed at once, segment
 * gone at the last detach); munmap of an attachment counts as a detach,
 * part of one leaves two pieces; mremap moves one; SHM_RND, SHM_REMAP,
 * SHM_RDONLY; the errors of shmget, shmat, shmdt and shmctl; a large
 * segment attached twice is counted once; /proc/sysvipc/shm and
 * /proc/self/maps show the segments. Natively it runs on the host's own
 * SysV IPC: private keys or keys of its own file, all removed at exit. */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

extern char **environ;

#define PG 4096
static int ids[32];
static int nids;

static void cleanup(void)
{
    for (int i = 0; i < nids; i++)
        shmctl(ids[i], IPC_RMID, NULL);
}

static int track(int id)
{
    CHECK(id >= 0);
    if (nids < 32) ids[nids++] = id;
    return id;
}

static struct shmid_ds stat_of(int id)
{
    struct shmid_ds ds;
    memset(&ds, 0xa5, sizeof(ds));
    CHECK_EQ(shmctl(id, IPC_STAT, &ds), 0);
    return ds;
}

static void wait_ok(pid_t pid)
{
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The permissions field of addr's line in /proc/self/maps ("" if none),
 * which must name a SysV segment as Linux does ("/SYSV<key> (deleted)"). */
static void maps_perms(void *addr, char out[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    char line[512];
    out[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo == (unsigned long)addr) {
            memcpy(out, perms, 5);
            CHECK(strstr(line, " /SYSV00000000 (deleted)") != NULL);
            break;
        }
    }
    fclose(f);
}

/* /proc/sysvipc/shm's line of id: size, cpid, nattch. 0 when found. */
static int proc_line(int id, unsigned long *size, int *cpid, unsigned long *nattch)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    CHECK(f != NULL);
    char line[512];
    CHECK(fgets(line, sizeof(line), f) != NULL);
    CHECK(strstr(line, "shmid") != NULL && strstr(line, "nattch") != NULL);
    int found = -1;
    while (fgets(line, sizeof(line), f)) {
        int key, shmid, lpid;
        unsigned perms;
        if (sscanf(line, "%d %d %o %lu %d %d %lu", &key, &shmid, &perms, size, cpid, &lpid,
                   nattch) == 7 &&
            shmid == id)
            found = 0;
        if (found == 0) break;
    }
    fclose(f);
    return found;
}

static unsigned long proc_ulong(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    unsigned long v = 0;
    CHECK_EQ(fscanf(f, "%lu", &v), 1);
    fclose(f);
    return v;
}

/* The spawned process: attach the segment of key, check and write it. */
static int spawned(const char *keystr)
{
    key_t key = (key_t)strtol(keystr, NULL, 0);
    int id = shmget(key, 0, 0);
    CHECK(id >= 0);
    int *p = shmat(id, NULL, 0);
    CHECK(p != (void *)-1);
    CHECK_EQ(p[0], 42);
    p[2] = 2222;
    CHECK_EQ(stat_of(id).shm_nattch, 4); /* the parent's three, and this */
    CHECK_EQ(shmdt(p), 0);
    return 0;
}

/* A time the kernel stamped since t0 (both time(2) values). The kernel's
 * seconds are its tick's (CLOCK_REALTIME_COARSE), which may be a second
 * behind a libc's precise time(2) (musl's) at a second's turn. */
static int recent(time_t t, time_t t0)
{
    return t >= t0 - 1 && t <= time(NULL);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--spawned")) return spawned(argv[2]);
    atexit(cleanup);
    time_t t0 = time(NULL);

    /* a private segment, not a page multiple */
    int id = track(shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600));
    struct shmid_ds ds = stat_of(id);
    CHECK_EQ(ds.shm_segsz, 10000);
    CHECK_EQ(ds.shm_nattch, 0);
    CHECK_EQ(ds.shm_cpid, getpid());
    CHECK_EQ(ds.shm_lpid, 0);
    CHECK_EQ(ds.shm_atime, 0);
    CHECK_EQ(ds.shm_dtime, 0);
    CHECK(recent(ds.shm_ctime, t0));
    CHECK_EQ(ds.shm_perm.mode & 0777, 0600);
    CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
    CHECK_EQ(ds.shm_perm.uid, geteuid());
    CHECK_EQ(ds.shm_perm.cuid, geteuid());
    CHECK_EQ(ds.shm_perm.gid, getegid());

    /* attached twice: two places, one memory, zero-filled to the page end */
    int *a = shmat(id, NULL, 0);
    int *b = shmat(id, NULL, 0);
    CHECK(a != (void *)-1 && b != (void *)-1 && a != b);
    CHECK_EQ(((unsigned long)a | (unsigned long)b) % PG, 0);
    CHECK_EQ(a[0], 0);
    CHECK_EQ(((char *)b)[3 * PG - 1], 0);
    a[0] = 42;
    CHECK_EQ(b[0], 42);
    b[9996 / 4] = 7;
    CHECK_EQ(a[9996 / 4], 7);
    ds = stat_of(id);
    CHECK_EQ(ds.shm_nattch, 2);
    CHECK_EQ(ds.shm_lpid, getpid());
    CHECK(recent(ds.shm_atime, t0));
    char perms[5];
    maps_perms(a, perms);
    CHECK_STR(perms, "rw-s");

    /* read-only */
    int *c = shmat(id, NULL, SHM_RDONLY);
    CHECK(c != (void *)-1);
    CHECK_EQ(c[0], 42);
    maps_perms(c, perms);
    CHECK_STR(perms, "r--s");
    CHECK_EQ(stat_of(id).shm_nattch, 3);

    /* a fork's child has the attachments too, and shares the memory */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (a[0] != 42 || stat_of(id).shm_nattch != 6) _exit(1);
        b[1] = 1111;
        _exit(0);
    }
    wait_ok(pid);
    CHECK_EQ(a[1], 1111);
    ds = stat_of(id);
    CHECK_EQ(ds.shm_nattch, 3); /* the child's went at its exit */
    CHECK_EQ(ds.shm_lpid, pid);

    /* an ftok key: a spawned process finds the segment by it */
    char path[4096];
    tmp_path(path, sizeof(path), "sysv_shm");
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    close(fd);
    key_t key = ftok(path, 'S');
    CHECK(key != -1);
    int kid = track(shmget(key, 3 * PG, IPC_CREAT | IPC_EXCL | 0600));
    int *k = shmat(kid, NULL, 0);
    CHECK(k != (void *)-1);
    k[0] = 42;
    int *k2 = shmat(kid, NULL, 0);
    int *k3 = shmat(kid, NULL, SHM_RDONLY);
    CHECK(k2 != (void *)-1 && k3 != (void *)-1);
    char keystr[32];
    snprintf(keystr, sizeof(keystr), "%d", (int)key);
    char *args[] = {argv[0], "--spawned", keystr, NULL};
    CHECK_EQ(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ), 0);
    wait_ok(pid);
    CHECK_EQ(k[2], 2222);
    CHECK_EQ(stat_of(kid).shm_nattch, 3);
    CHECK_EQ(shmdt(k2), 0);
    CHECK_EQ(shmdt(k3), 0);

    /* the key's errors */
    CHECK_EQ(shmget(key, 3 * PG, 0), kid);
    CHECK_EQ(shmget(key, 0, IPC_CREAT | 0600), kid);
    CHECK_ERRNO(shmget(key, 3 * PG, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    CHECK_ERRNO(shmget(key, 3 * PG + 1, 0), EINVAL); /* larger than the segment */
    CHECK_ERRNO(shmget(key + 1, 3 * PG, 0), ENOENT);
    CHECK_ERRNO(shmget(IPC_PRIVATE, 0, 0600), EINVAL);
    unlink(path);

    /* IPC_RMID while attached: the key is free at once, the memory stays
     * until the last detach */
    CHECK_EQ(shmctl(kid, IPC_RMID, NULL), 0);
    ds = stat_of(kid);
    CHECK(ds.shm_perm.mode & SHM_DEST);
    CHECK_EQ(ds.shm_perm.__key, IPC_PRIVATE);
    CHECK_EQ(ds.shm_nattch, 1);
    CHECK_ERRNO(shmget(key, 3 * PG, 0), ENOENT);
    int kid2 = track(shmget(key, PG, IPC_CREAT | IPC_EXCL | 0600));
    CHECK(kid2 != kid);
    CHECK_EQ(k[0], 42);
    k[1] = 5;
    CHECK_EQ(k[1], 5);
    int *k4 = shmat(kid, NULL, 0); /* Linux attaches a removed segment still attached */
    CHECK(k4 != (void *)-1);
    CHECK_EQ(k4[1], 5);
    CHECK_EQ(shmdt(k4), 0);
    CHECK_EQ(shmdt(k), 0);
    CHECK_ERRNO(shmctl(kid, IPC_STAT, &ds), EINVAL); /* destroyed */
    CHECK_EQ(shmctl(kid2, IPC_RMID, NULL), 0);
    CHECK_ERRNO(shmget(key, PG, 0), ENOENT);

    /* munmap of a whole attachment is a detach; of part of one, two pieces */
    int *m = shmat(id, NULL, 0);
    CHECK(m != (void *)-1);
    CHECK_EQ(stat_of(id).shm_nattch, 4);
    CHECK_EQ(munmap(m, 3 * PG), 0);
    ds = stat_of(id);
    CHECK_EQ(ds.shm_nattch, 3);
    CHECK(recent(ds.shm_dtime, t0));
    m = shmat(id, NULL, 0);
    CHECK(m != (void *)-1);
    CHECK_EQ(munmap((char *)m + PG, PG), 0);
    CHECK_EQ(stat_of(id).shm_nattch, 5);
    CHECK_EQ(m[2 * PG / 4 + 1], a[2 * PG / 4 + 1]);
    m[2 * PG / 4] = 77;
    CHECK_EQ(a[2 * PG / 4], 77);
    CHECK_EQ(shmdt(m), 0); /* both pieces */
    CHECK_EQ(stat_of(id).shm_nattch, 3);

    /* shmat at an address: SHM_RND rounds down, a taken range needs SHM_REMAP */
    char *hole = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(hole != MAP_FAILED);
    CHECK_ERRNO(shmat(id, hole + 1, 0), EINVAL);     /* misaligned */
    CHECK_ERRNO(shmat(id, hole, 0), EINVAL);         /* taken */
    CHECK_ERRNO(shmat(id, NULL, SHM_REMAP), EINVAL); /* nowhere to remap */
    int *r = shmat(id, hole + PG, SHM_REMAP);
    CHECK(r == (int *)(hole + PG));
    CHECK_EQ(r[0], 42);
    CHECK_EQ(munmap(hole, 8 * PG), 0); /* the attachment too */
    CHECK_EQ(stat_of(id).shm_nattch, 3);
    r = shmat(id, hole + 2 * PG + 123, SHM_RND);
    CHECK(r == (int *)(hole + 2 * PG));
    CHECK_EQ(r[0], 42);

    /* mremap moves an attachment: the same memory at the new place */
    int *moved = mremap(r, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole + 5 * PG);
    CHECK(moved == (int *)(hole + 5 * PG));
    moved[3] = 33;
    CHECK_EQ(a[3], 33);
    CHECK_EQ(stat_of(id).shm_nattch, 4);
    CHECK_EQ(shmdt(moved), 0);
    CHECK_EQ(stat_of(id).shm_nattch, 3);

    /* shmat, shmdt and shmctl errors */
    CHECK_ERRNO(shmat(-1, NULL, 0), EINVAL);
    CHECK_ERRNO(shmat(kid, NULL, 0), EINVAL); /* destroyed (never guess ids: the host's) */
    CHECK_ERRNO(shmdt((char *)a + 1), EINVAL);
    CHECK_ERRNO(shmdt(hole), EINVAL); /* nothing attached there */
    CHECK_ERRNO(shmctl(-1, IPC_STAT, &ds), EINVAL);
    CHECK_ERRNO(shmctl(id, 12345, &ds), EINVAL);
    CHECK_ERRNO(shmctl(kid, IPC_RMID, NULL), EINVAL);
    CHECK_ERRNO(shmctl(id, IPC_STAT, (struct shmid_ds *)8), EFAULT);

    /* IPC_SET: the mode (and ctime) */
    ds = stat_of(id);
    ds.shm_perm.mode = 0640;
    CHECK_EQ(shmctl(id, IPC_SET, &ds), 0);
    ds = stat_of(id);
    CHECK_EQ(ds.shm_perm.mode & 0777, 0640);
    CHECK(recent(ds.shm_ctime, t0));

    /* SHM_LOCK: root has CAP_IPC_LOCK; the mode says so */
    if (geteuid() == 0) {
        CHECK_EQ(shmctl(id, SHM_LOCK, NULL), 0);
        CHECK(stat_of(id).shm_perm.mode & SHM_LOCKED);
        CHECK_EQ(shmctl(id, SHM_UNLOCK, NULL), 0);
        CHECK(!(stat_of(id).shm_perm.mode & SHM_LOCKED));
    }

    /* IPC_INFO matches /proc/sys/kernel; SHM_INFO and SHM_STAT find it */
    struct shminfo info;
    int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    CHECK(max >= 0);
    CHECK_EQ(info.shmmax, proc_ulong("/proc/sys/kernel/shmmax"));
    CHECK_EQ(info.shmall, proc_ulong("/proc/sys/kernel/shmall"));
    CHECK_EQ(info.shmmni, proc_ulong("/proc/sys/kernel/shmmni"));
    CHECK_EQ(info.shmmin, 1);
    struct shm_info usage;
    CHECK(shmctl(0, SHM_INFO, (struct shmid_ds *)&usage) >= 0);
    int used_ids; /* glibc's used_ids, musl's __used_ids */
    memcpy(&used_ids, &usage, sizeof(int));
    CHECK(used_ids >= 1);
    int found = 0;
    for (int i = 0; i <= max; i++) {
        int got = shmctl(i, SHM_STAT, &ds);
        if (got == id) {
            found = 1;
            CHECK_EQ(ds.shm_segsz, 10000);
        }
    }
    CHECK(found);

    /* /proc/sysvipc/shm */
    unsigned long size, nattch;
    int cpid;
    CHECK_EQ(proc_line(id, &size, &cpid, &nattch), 0);
    CHECK_EQ(size, 10000);
    CHECK_EQ(cpid, getpid());
    CHECK_EQ(nattch, 3);

    /* memory: a segment counts once, however many times it is attached
     * (the LibOS runs the tests with 1 GB of user space); and one larger
     * than all memory is refused */
    int big = track(shmget(IPC_PRIVATE, 600UL << 20, 0600));
    void *b1 = shmat(big, NULL, 0), *b2 = shmat(big, NULL, 0);
    CHECK(b1 != (void *)-1 && b2 != (void *)-1);
    CHECK_EQ(shmdt(b1), 0);
    CHECK_EQ(shmdt(b2), 0);
    CHECK_EQ(shmctl(big, IPC_RMID, NULL), 0);
    FILE *oc = fopen("/proc/sys/vm/overcommit_memory", "r");
    int overcommit = 0;
    if (oc) {
        CHECK_EQ(fscanf(oc, "%d", &overcommit), 1);
        fclose(oc);
    }
    if (overcommit != 1) CHECK_ERRNO(shmget(IPC_PRIVATE, 1UL << 42, 0600), ENOMEM);

    /* the last detach of a removed segment destroys it */
    CHECK_EQ(shmctl(id, IPC_RMID, NULL), 0);
    CHECK_EQ(shmdt(a), 0);
    CHECK_EQ(shmdt(b), 0);
    CHECK_EQ(stat_of(id).shm_nattch, 1);
    CHECK_EQ(shmdt(c), 0);
    CHECK_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);
    CHECK_EQ(proc_line(id, &size, &cpid, &nattch), -1);
    return 0;
}
