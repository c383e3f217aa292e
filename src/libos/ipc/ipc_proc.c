/*
 * ipc_proc: the /proc files of System V IPC. /proc/sysvipc/{shm,sem,msg}
 * list the objects in Linux's format (what ipcs(1) reads), and
 * /proc/sys/kernel/{shmmax,shmall,shmmni,sem,msgmax,msgmnb,msgmni} show
 * the limits, which are Linux's defaults and the ones the calls enforce
 * (ipc_abi.h); they cannot be changed.
 */
#include "ipc/ipc.h"
#include "ipc/ipc_abi.h"
#include "ipc/ipc_proc.h"

#include "util/kheap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ipc_printf(struct ipc_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) return -EINVAL;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return 0;
        }
        size_t cap = (t->cap + (size_t)n) * 2;
        char *b = krealloc(t->buf, cap);
        if (!b) return -ENOMEM;
        t->buf = b;
        t->cap = cap;
    }
}

const char *const ipc_sysvipc_names[] = {"msg", "sem", "shm", NULL};
const char *const ipc_sysctl_names[] = {"msgmax", "msgmnb", "msgmni", "sem",
                                        "shmall", "shmmax", "shmmni", NULL};

/* Hand t's text to the caller, or free it on error. */
static int finish(struct ipc_text *t, int r, char **buf, size_t *len)
{
    if (r < 0) {
        kfree(t->buf);
        return r;
    }
    *buf = t->buf;
    *len = t->len;
    return 0;
}

int ipc_proc_sysvipc(const char *name, char **buf, size_t *len)
{
    int (*show)(struct ipc_text *) = !strcmp(name, "shm")   ? shm_proc_show
                                     : !strcmp(name, "sem") ? sem_proc_show
                                     : !strcmp(name, "msg") ? msg_proc_show
                                                            : NULL;
    if (!show) return -ENOENT;
    struct ipc_text t = {kmalloc(512), 0, 512};
    if (!t.buf) return -ENOMEM;
    return finish(&t, show(&t), buf, len);
}

int ipc_proc_sysctl(const char *name, char **buf, size_t *len)
{
    struct ipc_text t = {kmalloc(64), 0, 64};
    if (!t.buf) return -ENOMEM;
    int r;
    if (!strcmp(name, "shmmax"))
        r = ipc_printf(&t, "%lu\n", (unsigned long)K_SHMMAX);
    else if (!strcmp(name, "shmall"))
        r = ipc_printf(&t, "%lu\n", (unsigned long)K_SHMALL);
    else if (!strcmp(name, "shmmni"))
        r = ipc_printf(&t, "%d\n", K_SHMMNI);
    else if (!strcmp(name, "sem")) /* semmsl, semmns, semopm, semmni */
        r = ipc_printf(&t, "%d\t%d\t%d\t%d\n", K_SEMMSL, K_SEMMNS, K_SEMOPM, K_SEMMNI);
    else if (!strcmp(name, "msgmax"))
        r = ipc_printf(&t, "%d\n", K_MSGMAX);
    else if (!strcmp(name, "msgmnb"))
        r = ipc_printf(&t, "%d\n", K_MSGMNB);
    else if (!strcmp(name, "msgmni"))
        r = ipc_printf(&t, "%d\n", K_MSGMNI);
    else
        r = -ENOENT;
    return finish(&t, r, buf, len);
}
