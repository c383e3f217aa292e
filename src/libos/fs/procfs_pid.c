/*
 * procfs_pid: the text of the files of /proc/[pid] (cmdline, comm,
 * status, stat, maps, environ) and of /proc/stat and /proc/loadavg, which
 * sum over the processes; procfs.c makes their inodes and calls these
 * under the process table lock (with_process, process_for_each).
 */
#include "fs/procfs_pid.h"

#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/cred.h"
#include "process/process.h"
#include "util/kheap.h"
#include "vm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The text is len bytes of data, NULs included (cmdline, environ). */
static int text_set(struct text *t, const char *data, size_t len)
{
    if (!data || !len) return 0;
    char *b = krealloc(t->buf, len + 1);
    if (!b) return -ENOMEM;
    memcpy(b, data, len);
    t->buf = b;
    t->len = len;
    t->cap = len + 1;
    return 0;
}

int procfs_pid_cmdline(struct process *p, void *arg)
{
    return text_set(arg, p->cmdline, p->cmdline_len);
}

static void comm_of(struct process *p, char out[16])
{
    snprintf(out, 16, "%s", p->comm[0] ? p->comm : path_basename(p->exe_path));
}

int procfs_pid_comm(struct process *p, void *arg)
{
    char c[16];
    comm_of(p, c);
    return text_printf(arg, "%s\n", c);
}

int procfs_pid_status(struct process *p, void *arg)
{
    char c[16];
    comm_of(p, c);
    mode_t um = 022;
    if (p->fs) um = p->fs->umask;
    struct cred cr = p->cred;
    char groups[CRED_MAX_GROUPS * 11 + 1] = "";
    size_t n = 0;
    for (int i = 0; i < cr.ngroups && n < sizeof(groups); i++)
        n += (size_t)snprintf(groups + n, sizeof(groups) - n, "%u ", cr.groups[i]);
    return text_printf(
        arg,
        "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
        "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
        "FDSize:\t%d\nGroups:\t%s\nThreads:\t%d\nCapInh:\t%016llx\nCapPrm:\t%016llx\n"
        "CapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t%016llx\n",
        c, (unsigned)um, p->pid, p->pid, p->ppid, cr.ruid, cr.euid, cr.suid, cr.fsuid, cr.rgid,
        cr.egid, cr.sgid, cr.fsgid, FD_MAX, groups, p->nthreads, (unsigned long long)cr.cap_inh,
        (unsigned long long)cr.cap_prm, (unsigned long long)cr.cap_eff,
        (unsigned long long)cr.cap_bnd, (unsigned long long)cr.cap_amb);
}

int procfs_pid_environ(struct process *p, void *arg)
{
    return text_set(arg, p->environ, p->environ_len);
}

#define CLK_TCK 100 /* sysconf(_SC_CLK_TCK) on Linux x86-64 */

/* /proc/[pid]/stat, the 52 fields of proc(5); what the LibOS does not keep
 * (faults, priorities, start time...) reads 0 as a kernel without it would. */
int procfs_pid_stat(struct process *p, void *arg)
{
    char c[16];
    comm_of(p, c);
    char state = p->zombie ? 'Z' : p->stopped ? 'T' : 'R';
    unsigned long long ticks = process_cpu_ns_locked(p) / (1000000000ULL / CLK_TCK);
    unsigned long long vsize = p->vm ? p->vm->mapped : 0;
    return text_printf(
        arg,
        "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %llu 0 0 0 20 0 %d 0 0 %llu %llu "
        "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        p->pid, c, state, p->ppid, p->pgid, p->sid, ticks, p->nthreads, vsize, vsize / 4096);
}

static int map_line(const struct vm_area *a, void *arg)
{
    char perms[5] = {(a->prot & 1) ? 'r' : '-', (a->prot & 2) ? 'w' : '-',
                     (a->prot & 4) ? 'x' : '-', a->shared ? 's' : 'p', 0};
    if (a->segment) /* as Linux names a SysV shm attachment: its id as inode, padded */
        return text_printf(arg, "%012llx-%012llx %s 00000000 00:01 %-26d /SYSV%08x (deleted)\n",
                           (unsigned long long)a->start, (unsigned long long)a->end, perms,
                           a->seg_id, (unsigned)a->seg_key);
    return text_printf(arg, "%012llx-%012llx %s 00000000 00:00 0\n", (unsigned long long)a->start,
                       (unsigned long long)a->end, perms);
}

/* The areas of p's address space (file names are not kept: none shown). */
int procfs_pid_maps(struct process *p, void *arg)
{
    return p->vm ? vm_for_each_area(p->vm, map_line, arg) : 0;
}

struct sys_totals {
    unsigned long long ticks;
    int procs, running, last;
};

static int totals_cb(struct process *p, void *arg)
{
    struct sys_totals *s = arg;
    if (p->pid <= 0) return 0;
    s->ticks += process_cpu_ns_locked(p) / (1000000000ULL / CLK_TCK);
    s->procs++;
    if (!p->zombie && !p->stopped) s->running++;
    if (p->pid > s->last) s->last = p->pid;
    return 0;
}

/* /proc/stat: the LibOS's processes' CPU time as user time of cpu0 (the
 * host's own figures are not the application's business). */
int procfs_stat(struct text *t)
{
    struct sys_totals s = {0};
    process_for_each(totals_cb, &s);
    struct timespec now, boot, wall;
    pal_clock_gettime(CLOCK_MONOTONIC, &now);
    vfs_boot_time(&boot);
    pal_clock_gettime(CLOCK_REALTIME, &wall);
    long long btime = wall.tv_sec - (now.tv_sec - boot.tv_sec);
    int r = text_printf(t, "cpu  %llu 0 0 0 0 0 0 0 0 0\n", s.ticks);
    int n = pal_num_cpus();
    for (int i = 0; r == 0 && i < (n > 0 ? n : 1); i++)
        r = text_printf(t, "cpu%d %llu 0 0 0 0 0 0 0 0 0\n", i, i == 0 ? s.ticks : 0ULL);
    if (r == 0)
        r = text_printf(t,
                        "intr 0\nctxt 0\nbtime %lld\nprocesses %d\nprocs_running %d\n"
                        "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
                        btime, s.last, s.running);
    return r;
}

int procfs_loadavg(struct text *t)
{
    struct sys_totals s = {0};
    process_for_each(totals_cb, &s);
    return text_printf(t, "0.00 0.00 0.00 %d/%d %d\n", s.running, s.procs, s.last);
}
