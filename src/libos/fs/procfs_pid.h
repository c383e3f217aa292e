/*
 * procfs_pid: the text of /proc/[pid]/{cmdline,comm,status,stat,maps,
 * environ}, /proc/stat and /proc/loadavg; procfs.c makes the inodes.
 * The per-process ones are process_for_each callbacks: p is held by the
 * table lock, arg is the struct text to fill.
 */
#ifndef LIBOS_FS_PROCFS_PID_H
#define LIBOS_FS_PROCFS_PID_H

#include "util/text.h"

struct process;
int procfs_pid_cmdline(struct process *p, void *text);
int procfs_pid_comm(struct process *p, void *text);
int procfs_pid_status(struct process *p, void *text);
int procfs_pid_environ(struct process *p, void *text);
int procfs_pid_stat(struct process *p, void *text);
int procfs_pid_maps(struct process *p, void *text);
int procfs_stat(struct text *t);
int procfs_loadavg(struct text *t);

#endif
