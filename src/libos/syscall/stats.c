/* stats: the --stats table (see strace.h), strace -c's with a "trapped"
 * column. The counters are LibOS globals, so shared by every host process
 * of the instance: a fork's child adds to the same table. */
#include "syscall/strace.h"

#include "pal/pal.h"
#include "syscall/syscall.h"

#include <stdio.h>
#include <string.h>

#define NCALLS 512

struct call_stat {
    uint64_t calls, errors, trapped, ns;
};
static struct call_stat stat_of[NCALLS];

extern int strace_fd;

void stats_count(long nr, bool trapped)
{
    if (nr < 0 || nr >= NCALLS) return;
    __atomic_add_fetch(&stat_of[nr].calls, 1, __ATOMIC_RELAXED);
    if (trapped) __atomic_add_fetch(&stat_of[nr].trapped, 1, __ATOMIC_RELAXED);
}

void stats_time(long nr, long ret, uint64_t ns)
{
    if (nr < 0 || nr >= NCALLS) return;
    __atomic_add_fetch(&stat_of[nr].ns, ns, __ATOMIC_RELAXED);
    if (ret < 0 && ret > -4096) __atomic_add_fetch(&stat_of[nr].errors, 1, __ATOMIC_RELAXED);
}

static void out(const char *s, size_t n)
{
    if (strace_fd >= 0)
        pal_host_write(strace_fd, s, n);
    else
        pal_log_write(s, n);
}

/* Does call a come before call b: more time, then more calls. */
static bool before(int a, int b)
{
    const struct call_stat *x = &stat_of[a], *y = &stat_of[b];
    return x->ns != y->ns ? x->ns > y->ns : x->calls > y->calls;
}

void stats_report(void)
{
    int order[NCALLS], n = 0;
    struct call_stat total = {0};
    for (int i = 0; i < NCALLS; i++) {
        if (!stat_of[i].calls) continue;
        order[n++] = i;
        total.calls += stat_of[i].calls;
        total.errors += stat_of[i].errors;
        total.trapped += stat_of[i].trapped;
        total.ns += stat_of[i].ns;
    }
    for (int i = 1; i < n; i++) /* insertion sort: host qsort may allocate */
        for (int j = i; j > 0 && before(order[j], order[j - 1]); j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    char line[256];
    int k = snprintf(line, sizeof(line),
                     "%% time     seconds  usecs/call     calls    errors   trapped syscall\n"
                     "------ ----------- ----------- --------- --------- --------- "
                     "----------------\n");
    out(line, (size_t)k);
    for (int j = 0; j < n; j++) {
        const struct call_stat *s = &stat_of[order[j]];
        const char *name = syscall_name(order[j]);
        char other[24];
        if (!name) {
            snprintf(other, sizeof(other), "syscall_%d", order[j]);
            name = other;
        }
        k = snprintf(line, sizeof(line), "%6.2f %11.6f %11llu %9llu %9llu %9llu %s\n",
                     total.ns ? 100.0 * (double)s->ns / (double)total.ns : 0.0, (double)s->ns / 1e9,
                     (unsigned long long)(s->ns / 1000 / s->calls), (unsigned long long)s->calls,
                     (unsigned long long)s->errors, (unsigned long long)s->trapped, name);
        out(line, (size_t)k);
    }
    k = snprintf(line, sizeof(line),
                 "------ ----------- ----------- --------- --------- --------- "
                 "----------------\n"
                 "100.00 %11.6f %11llu %9llu %9llu %9llu total (%.2f%% on the fast path)\n",
                 (double)total.ns / 1e9,
                 (unsigned long long)(total.calls ? total.ns / 1000 / total.calls : 0),
                 (unsigned long long)total.calls, (unsigned long long)total.errors,
                 (unsigned long long)total.trapped,
                 total.calls ? 100.0 * (double)(total.calls - total.trapped) / (double)total.calls
                             : 0.0);
    out(line, (size_t)k);
}
