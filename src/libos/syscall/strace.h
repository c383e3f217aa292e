/*
 * strace: `occlum run --strace[=FILE]` and `--stats`, what a user of
 * strace(1) expects, from inside: each system call of every process as a
 * line (names, decoded flags, strings, results with errno names, the
 * LibOS pid and tid), and on exit strace -c's table with one more column,
 * how many calls took the trap instead of the fast path.
 *
 * Both are off unless asked for, and then cost a predictable branch per
 * call. The sink is the runtime's standard error or a host file; lines are
 * written whole, so threads and processes never interleave within one.
 */
#ifndef LIBOS_SYSCALL_STRACE_H
#define LIBOS_SYSCALL_STRACE_H

#include <stdbool.h>
#include <stdint.h>

struct syscall_regs;

extern bool strace_on, stats_on;

/* From the host environment at boot: OCCLUM_STRACE ("-" for standard
 * error, or an absolute host path) and OCCLUM_STATS=1. 0 or -errno (the
 * file could not be opened). */
int strace_init(const char *strace_to, bool stats);

/* One call, around its handler: the line is printed at exit, or at entry
 * for the calls that do not return (exit, exit_group). */
struct strace_call {
    int nargs; /* the caller's: how many arguments a call without a format shows */
    int len;
    bool done;
    char line[1024];
};
void strace_enter(struct strace_call *c, const struct syscall_regs *r);
void strace_exit(struct strace_call *c, const struct syscall_regs *r, long ret);

/* --stats: one call counted (trapped: it came through the trap, not the
 * fast path), and its time. */
void stats_count(long nr, bool trapped);
void stats_time(long nr, long ret, uint64_t ns);
/* The table, to the sink (at the end of the run). */
void stats_report(void);

#endif
