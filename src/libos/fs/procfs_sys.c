/*
 * procfs_sys: the system-wide figures of /proc that programs read to size
 * themselves: /proc/meminfo and the read-only /proc/sys/{fs,kernel,vm}
 * files. Each value is what the LibOS does (its memory accounting, the
 * limits it enforces), not the host's; System V IPC's limits in
 * /proc/sys/kernel come from ipc/ipc_proc.c.
 */
#include "fs/procfs_sys.h"

#include "common/config.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "ipc/ipc.h"
#include "pal/pal.h"
#include "process/cred.h"
#include "util/kheap.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>

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

/* ---- /proc/sys ---- */

struct sysctl {
    const char *name;
    long long num;              /* the value, unless str or gen */
    const char *str;            /* a fixed text */
    int (*gen)(struct text *t); /* a computed one */
    const char *ipc;            /* ipc_proc_sysctl's file */
};

static int gen_osrelease(struct text *t)
{
    char rel[65];
    if (pal_kernel_release(rel, sizeof(rel)) < 0) strcpy(rel, "5.15.0");
    return text_printf(t, "%s\n", rel);
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

const char *const procfs_sys_dirs[] = {"fs", "kernel", "vm", NULL};
static const struct sysctl *const dir_ents[] = {fs_ents, kernel_ents, vm_ents};

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
