/*
 * host_copy: sendfile's zero-copy path, where the host moves the bytes
 * from a host fd straight into a host socket (see host_copy.c).
 */
#ifndef LIBOS_FS_HOST_COPY_H
#define LIBOS_FS_HOST_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct file;

/* sendfile(out, in, pin, count) done by the host when it can be: true
 * with *result (a count or -errno, pin advanced as sendfile(2) does);
 * false when these files need the LibOS's own copy. */
bool host_sendfile(struct file *in, off_t *pin, struct file *out, size_t count, long *result);

#endif
