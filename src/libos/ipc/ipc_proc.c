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
#include <stdio.h>
#include <string.h>

const char *const ipc_sysvipc_names[] = {"msg", "sem", "shm", NULL};

/* Hand t's text to the caller, or free it on error. */
static int finish(struct text *t, int r, char **buf, size_t *len)
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
    int (*show)(struct text *) = !strcmp(name, "shm")   ? shm_proc_show
                                 : !strcmp(name, "sem") ? sem_proc_show
                                 : !strcmp(name, "msg") ? msg_proc_show
                                                        : NULL;
    if (!show) return -ENOENT;
    struct text t = {kmalloc(512), 0, 512};
    if (!t.buf) return -ENOMEM;
    return finish(&t, show(&t), buf, len);
}

int ipc_proc_sysctl(const char *name, char **buf, size_t *len)
{
    struct text t = {kmalloc(64), 0, 64};
    if (!t.buf) return -ENOMEM;
    int r;
    if (!strcmp(name, "shmmax"))
        r = text_printf(&t, "%lu\n", (unsigned long)K_SHMMAX);
    else if (!strcmp(name, "shmall"))
        r = text_printf(&t, "%lu\n", (unsigned long)K_SHMALL);
    else if (!strcmp(name, "shmmni"))
        r = text_printf(&t, "%d\n", K_SHMMNI);
    else if (!strcmp(name, "sem")) /* semmsl, semmns, semopm, semmni */
        r = text_printf(&t, "%d\t%d\t%d\t%d\n", K_SEMMSL, K_SEMMNS, K_SEMOPM, K_SEMMNI);
    else if (!strcmp(name, "msgmax"))
        r = text_printf(&t, "%d\n", K_MSGMAX);
    else if (!strcmp(name, "msgmnb"))
        r = text_printf(&t, "%d\n", K_MSGMNB);
    else if (!strcmp(name, "msgmni"))
        r = text_printf(&t, "%d\n", K_MSGMNI);
    else
        r = -ENOENT;
    return finish(&t, r, buf, len);
}
