/*
 * fdinfo: /proc/[pid]/fdinfo/N's text for an open file (fdinfo.c).
 */
#ifndef LIBOS_FS_FDINFO_H
#define LIBOS_FS_FDINFO_H

#include <stdbool.h>

struct file;
struct text;

/* Append f's lines (cloexec: the fd's close-on-exec flag) to t. */
int fdinfo_text(struct file *f, bool cloexec, struct text *t);

#endif
