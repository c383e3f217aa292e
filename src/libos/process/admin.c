/*
 * admin: what `occlum ps` and `occlum kill` ask of a started instance
 * (the sim PAL's server, through libos.h): the process table as a text
 * table, and a signal to one process, as kill(1) from inside would send.
 */
#include "libos.h"

#include "process/process.h"
#include "signal/signal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct table {
    char *buf;
    size_t len, n;
};

static int row(struct process *p, void *arg)
{
    struct table *t = arg;
    if (p->pid <= 0 || t->n >= t->len) return 0;
    char cmd[128];
    size_t k = 0;
    /* the command line, its NULs as spaces (a process that never ran: its name) */
    for (size_t i = 0; p->cmdline && i < p->cmdline_len && k + 1 < sizeof(cmd); i++)
        cmd[k++] = p->cmdline[i] ? p->cmdline[i] : ' ';
    while (k && cmd[k - 1] == ' ')
        k--;
    cmd[k] = '\0';
    if (!k) snprintf(cmd, sizeof(cmd), "[%s]", p->comm);
    char state = p->zombie ? 'Z' : p->stopped ? 'T' : 'S';
    int w = snprintf(t->buf + t->n, t->len - t->n, "%5d %5d %5d %c %7d  %s\n", p->pid, p->ppid,
                     p->pgid, state, p->nthreads, cmd);
    if (w > 0) t->n = t->n + (size_t)w < t->len ? t->n + (size_t)w : t->len - 1;
    return 0;
}

size_t libos_ps(char *buf, size_t len)
{
    if (len == 0) return 0;
    struct table t = {buf, len, 0};
    int w = snprintf(buf, len, "  PID  PPID  PGID S THREADS  COMMAND\n");
    t.n = w > 0 && (size_t)w < len ? (size_t)w : 0;
    process_for_each(row, &t);
    buf[t.n < len ? t.n : len - 1] = '\0';
    return t.n;
}

int libos_kill(int pid, int sig)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    struct process *p = pid > 0 ? process_find(pid) : NULL;
    if (!p || p->zombie) return -ESRCH;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_USER; /* from outside: no sender pid inside */
    return signal_send_process(p, sig, &si);
}
