/*
 * ipc_proc: what the /proc files of System V IPC (ipc_proc.c) need from
 * each kind: a text buffer to print into, and each kind's table lines
 * (one per object, Linux's columns, under the kind's own lock).
 */
#ifndef LIBOS_IPC_PROC_H
#define LIBOS_IPC_PROC_H

#include <stddef.h>

struct ipc_text {
    char *buf;
    size_t len, cap;
};

int ipc_printf(struct ipc_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int shm_proc_show(struct ipc_text *t);
int sem_proc_show(struct ipc_text *t);
int msg_proc_show(struct ipc_text *t);

#endif
