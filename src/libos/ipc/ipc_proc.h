/*
 * ipc_proc: what the /proc files of System V IPC (ipc_proc.c) need from
 * each kind: a text buffer to print into, and each kind's table lines
 * (one per object, Linux's columns, under the kind's own lock).
 */
#ifndef LIBOS_IPC_PROC_H
#define LIBOS_IPC_PROC_H

#include <stddef.h>

#include "util/text.h"

int shm_proc_show(struct text *t);
int sem_proc_show(struct text *t);
int msg_proc_show(struct text *t);

#endif
