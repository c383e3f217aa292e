/*
 * procfs_sys: the system-wide figures of /proc that programs read to size
 * themselves: /proc/meminfo, cpuinfo, version, mounts, mountinfo,
 * filesystems and the read-only /proc/sys/{fs,kernel,vm} files. Each value is what the LibOS does
 * (its memory accounting, the limits it enforces), not the host's; System V IPC's limits in
 * /proc/sys/kernel come from ipc/ipc_proc.c.
 */
#include "fs/procfs_sys.h"

#include "common/config.h"
#include "fs/fsnotify.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "ipc/ipc.h"
#include "pal/pal.h"
#include "process/cred.h"
#include "util/kheap.h"
#include "vm/vm.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

extern struct occlum_config libos_config;

/* ---- /proc/meminfo ---- */

/*
 * The user region is the machine's memory: MemTotal is user_space_size,
 * MemFree what is not committed (sysinfo's freeram), and every committed
 * byte is anonymous memory. Nothing is swapped, cached or huge. Commit
 * accounting is strict (vm/vm.c refuses a mapping past the region), so
 * CommitLimit is MemTotal, as overcommit_memory 2 with ratio 100 says.
 */
int procfs_meminfo(struct text *t)
{
    unsigned long long total = vm_region_size() / 1024, used = vm_used_bytes() / 1024;
    unsigned long long free = used < total ? total - used : 0;
    unsigned long long kernel = kheap_used() / 1024;
    return text_printf(
        t,
        "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
        "Buffers:        %8d kB\nCached:         %8d kB\nSwapCached:     %8d kB\n"
        "Active:         %8llu kB\nInactive:       %8d kB\nActive(anon):   %8llu kB\n"
        "Inactive(anon): %8d kB\nActive(file):   %8d kB\nInactive(file): %8d kB\n"
        "Unevictable:    %8d kB\nMlocked:        %8d kB\nSwapTotal:      %8d kB\n"
        "SwapFree:       %8d kB\nDirty:          %8d kB\nWriteback:      %8d kB\n"
        "AnonPages:      %8llu kB\nMapped:         %8d kB\nShmem:          %8d kB\n"
        "KReclaimable:   %8d kB\nSlab:           %8llu kB\nSReclaimable:   %8d kB\n"
        "SUnreclaim:     %8llu kB\nKernelStack:    %8d kB\nPageTables:     %8d kB\n"
        "CommitLimit:    %8llu kB\nCommitted_AS:   %8llu kB\nVmallocTotal:   %8llu kB\n"
        "VmallocUsed:    %8d kB\nVmallocChunk:   %8d kB\nHugePages_Total:   %5d\n"
        "HugePages_Free:    %5d\nHugePages_Rsvd:    %5d\nHugePages_Surp:    %5d\n"
        "Hugepagesize:   %8d kB\nHugetlb:        %8d kB\n",
        total, free, free, 0, 0, 0, used, 0, used, 0, 0, 0, 0, 0, 0, 0, 0, 0, used, 0, 0, 0, kernel,
        0, kernel, 0, 0, total, used, 34359738367ULL, 0, 0, 0, 0, 0, 0, 2048, 0);
}

/* ---- /proc/{filesystems,mounts,cpuinfo}, [pid]/mountinfo ---- */

/* The file system types the LibOS mounts (what /proc/mounts names). */
int procfs_filesystems(struct text *t)
{
    return text_printf(t, "nodev\tramfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tprocfs\n"
                          "nodev\tdevfs\nnodev\thostfs\nnodev\tunionfs\n\tsefs\n");
}

int procfs_mounts(struct text *t)
{
    int r = 0;
    for (size_t i = 0; r == 0 && mount_at(i); i++) {
        struct mount *m = mount_at(i);
        r = text_printf(t, "%s %s %s %s 0 0\n", m->type, m->target, m->type,
                        (m->flags & MNT_RDONLY) ? "ro" : "rw");
    }
    return r;
}

/* mountinfo: ids are 1 + the index; a mount's parent is the mount with
 * the longest target above it. */
int procfs_mountinfo(struct text *t)
{
    int r = 0;
    for (size_t i = 0; r == 0 && mount_at(i); i++) {
        struct mount *m = mount_at(i), *q;
        size_t parent = i, best = 0;
        for (size_t j = 0; (q = mount_at(j)); j++) {
            size_t n = strlen(q->target);
            if (j != i && n > best && path_is_under(m->target, q->target) &&
                strcmp(m->target, q->target) != 0) {
                best = n;
                parent = j;
            }
        }
        const char *rw = (m->flags & MNT_RDONLY) ? "ro" : "rw";
        r = text_printf(t, "%zu %zu %u:%u / %s %s%s - %s %s %s\n", i + 1, parent + 1, major(m->dev),
                        minor(m->dev), m->target, rw, (m->flags & MNT_NOEXEC) ? ",noexec" : "",
                        m->type, m->source ? m->source : m->type, rw);
    }
    return r;
}

int procfs_cpuinfo(struct text *t)
{
    unsigned a, b, c, d, fam, model, step;
    char vendor[13] = {0}, brand[49] = {0};
    __cpuid(0, a, b, c, d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    __cpuid(1, a, b, c, d);
    unsigned ecx1 = c, edx1 = d;
    fam = (a >> 8) & 0xf;
    model = (a >> 4) & 0xf;
    step = a & 0xf;
    if (fam == 0xf) fam += (a >> 20) & 0xff;
    if (fam == 0x6 || fam >= 0xf) model += ((a >> 16) & 0xf) << 4;
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) {
            __cpuid(0x80000002 + i, a, b, c, d);
            unsigned v[4] = {a, b, c, d};
            memcpy(brand + 16 * i, v, 16);
        }
    }
    unsigned ebx7 = 0;
    if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, a, ebx7, c, d);
    static const struct {
        const char *name;
        int reg; /* 0 edx(1) 1 ecx(1) 2 ebx(7) */
        int bit;
    } flags[] = {{"fpu", 0, 0},      {"tsc", 0, 4},     {"cx8", 0, 8},       {"cmov", 0, 15},
                 {"mmx", 0, 23},     {"fxsr", 0, 24},   {"sse", 0, 25},      {"sse2", 0, 26},
                 {"ht", 0, 28},      {"pni", 1, 0},     {"pclmulqdq", 1, 1}, {"ssse3", 1, 9},
                 {"fma", 1, 12},     {"cx16", 1, 13},   {"sse4_1", 1, 19},   {"sse4_2", 1, 20},
                 {"movbe", 1, 22},   {"popcnt", 1, 23}, {"aes", 1, 25},      {"xsave", 1, 26},
                 {"avx", 1, 28},     {"f16c", 1, 29},   {"rdrand", 1, 30},   {"fsgsbase", 2, 0},
                 {"bmi1", 2, 3},     {"avx2", 2, 5},    {"bmi2", 2, 8},      {"erms", 2, 9},
                 {"avx512f", 2, 16}, {"rdseed", 2, 18}, {"adx", 2, 19},      {"sha_ni", 2, 29}};
    char fl[512] = "";
    size_t fn = 0;
    for (size_t i = 0; i < NELEM(flags); i++) {
        unsigned reg = flags[i].reg == 0 ? edx1 : flags[i].reg == 1 ? ecx1 : ebx7;
        if (reg >> flags[i].bit & 1)
            fn += (size_t)snprintf(fl + fn, sizeof(fl) - fn, "%s%s", fn ? " " : "", flags[i].name);
    }
    const char *bp = brand;
    while (*bp == ' ')
        bp++;
    int n = pal_num_cpus(), r = 0;
    for (int i = 0; r == 0 && i < (n > 0 ? n : 1); i++)
        r = text_printf(
            t,
            "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
            "model name\t: %s\nstepping\t: %u\nphysical id\t: 0\nsiblings\t: %d\n"
            "core id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\nfpu\t\t: yes\n"
            "cpuid level\t: 7\nflags\t\t: %s\nclflush size\t: 64\n"
            "cache_alignment\t: 64\naddress sizes\t: 46 bits physical, 48 bits virtual\n\n",
            i, vendor, fam, model, bp, step, n, i, n, i, fl);
    return r;
}

/* ---- /proc/sys ---- */

struct sysctl {
    const char *name;
    long long num;              /* the value, unless str or gen */
    const char *str;            /* a fixed text */
    int (*gen)(struct text *t); /* a computed one */
    const char *ipc;            /* ipc_proc_sysctl's file */
};

/* The host's release, as uname reports it. */
static void release(char rel[65])
{
    if (pal_kernel_release(rel, 65) < 0) strcpy(rel, "5.15.0");
}

static int gen_osrelease(struct text *t)
{
    char rel[65];
    release(rel);
    return text_printf(t, "%s\n", rel);
}

int procfs_version(struct text *t)
{
    char rel[65];
    release(rel);
    return text_printf(t, "Linux version %s (occlum@libos) #1 SMP Occlum LibOS\n", rel);
}

static int gen_threads_max(struct text *t)
{
    return text_printf(t, "%llu\n", (unsigned long long)libos_config.max_num_of_threads);
}

/* Sorted by name, as Linux lists them. */
static const struct sysctl fs_ents[] = {
    {"file-max", 9223372036854775807LL, NULL, NULL, NULL}, /* no system-wide bound */
    {"lease-break-time", 45, NULL, NULL, NULL},            /* fs/lease.c */
    {"leases-enable", 1, NULL, NULL, NULL},
    {"nr_open", FD_MAX, NULL, NULL, NULL}, /* RLIMIT_NOFILE's ceiling */
    {"pipe-max-size", PIPE_MAX_SIZE, NULL, NULL, NULL},
    {"protected_fifos", 0, NULL, NULL, NULL},
    {"protected_hardlinks", 1, NULL, NULL, NULL}, /* fs/permission.c's may_link */
    {"protected_regular", 0, NULL, NULL, NULL},
    {"protected_symlinks", 0, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static const struct sysctl kernel_ents[] = {
    {"domainname", 0, "(none)", NULL, NULL},
    {"hostname", 0, "occlum-node", NULL, NULL}, /* uname's nodename */
    {"msgmax", 0, NULL, NULL, "msgmax"},
    {"msgmnb", 0, NULL, NULL, "msgmnb"},
    {"msgmni", 0, NULL, NULL, "msgmni"},
    {"ngroups_max", CRED_MAX_GROUPS, NULL, NULL, NULL}, /* setgroups' bound */
    {"osrelease", 0, NULL, gen_osrelease, NULL},
    {"ostype", 0, "Linux", NULL, NULL},
    {"pid_max", 4194304, NULL, NULL, NULL},
    {"sem", 0, NULL, NULL, "sem"},
    {"shmall", 0, NULL, NULL, "shmall"},
    {"shmmax", 0, NULL, NULL, "shmmax"},
    {"shmmni", 0, NULL, NULL, "shmmni"},
    {"tainted", 0, NULL, NULL, NULL},
    {"threads-max", 0, NULL, gen_threads_max, NULL}, /* resource_limits.max_num_of_threads */
    {"version", 0, "#1 SMP Occlum LibOS", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static const struct sysctl vm_ents[] = {
    {"max_map_count", 65530, NULL, NULL, NULL},  {"mmap_min_addr", 65536, NULL, NULL, NULL},
    {"nr_hugepages", 0, NULL, NULL, NULL},       {"overcommit_kbytes", 0, NULL, NULL, NULL},
    {"overcommit_memory", 2, NULL, NULL, NULL}, /* strict: see procfs_meminfo */
    {"overcommit_ratio", 100, NULL, NULL, NULL}, {NULL, 0, NULL, NULL, NULL},
};

/* fs/inotify.c's limits */
static const struct sysctl inotify_ents[] = {
    {"max_queued_events", INOTIFY_MAX_QUEUED_EVENTS, NULL, NULL, NULL},
    {"max_user_instances", INOTIFY_MAX_USER_INSTANCES, NULL, NULL, NULL},
    {"max_user_watches", INOTIFY_MAX_USER_WATCHES, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

/* ipc/mqueue.c's */
static const struct sysctl mqueue_ents[] = {
    {"msg_default", MQ_MSG_DEFAULT, NULL, NULL, NULL},
    {"msg_max", MQ_MSG_MAX, NULL, NULL, NULL},
    {"msgsize_default", MQ_MSGSIZE_DEFAULT, NULL, NULL, NULL},
    {"msgsize_max", MQ_MSGSIZE_MAX, NULL, NULL, NULL},
    {"queues_max", MQ_QUEUES_MAX, NULL, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};

const char *const procfs_sys_dirs[] = {"fs", "kernel", "vm", "fs/inotify", "fs/mqueue", NULL};
static const struct sysctl *const dir_ents[] = {fs_ents, kernel_ents, vm_ents, inotify_ents,
                                                mqueue_ents};

const char *procfs_sys_child(int dir, int i)
{
    const char *d = procfs_sys_dirs[i], *slash = strrchr(d, '/');
    if (dir < 0) return slash ? NULL : d;
    size_t n = strlen(procfs_sys_dirs[dir]);
    return slash && (size_t)(slash - d) == n && strncmp(d, procfs_sys_dirs[dir], n) == 0 ? slash + 1
                                                                                         : NULL;
}

int procfs_sys_parent(int dir)
{
    const char *slash = strrchr(procfs_sys_dirs[dir], '/');
    if (!slash) return -1;
    for (int i = 0; procfs_sys_dirs[i]; i++)
        if (strlen(procfs_sys_dirs[i]) == (size_t)(slash - procfs_sys_dirs[dir]) &&
            strncmp(procfs_sys_dirs[i], procfs_sys_dirs[dir], strlen(procfs_sys_dirs[i])) == 0)
            return i;
    return -1;
}

const char *procfs_sys_name(int dir, int i)
{
    if (dir < 0 || dir >= PROCFS_SYS_NDIRS || i < 0) return NULL;
    for (int k = 0; k <= i; k++)
        if (!dir_ents[dir][k].name) return NULL;
    return dir_ents[dir][i].name;
}

int procfs_sys_gen(int dir, int i, struct text *t)
{
    if (!procfs_sys_name(dir, i)) return -ENOENT;
    const struct sysctl *e = &dir_ents[dir][i];
    if (e->gen) return e->gen(t);
    if (e->str) return text_printf(t, "%s\n", e->str);
    if (!e->ipc) return text_printf(t, "%lld\n", e->num);
    char *buf;
    size_t len;
    int r = ipc_proc_sysctl(e->ipc, &buf, &len);
    if (r < 0) return r;
    r = text_printf(t, "%.*s", (int)len, buf);
    kfree(buf);
    return r;
}
