/*
 * lease: file leases (fcntl F_SETLEASE / F_GETLEASE), as Linux's.
 */
#ifndef LIBOS_FS_LEASE_H
#define LIBOS_FS_LEASE_H

#include <stdbool.h>

struct file;
struct inode;
struct process;

/* F_SETLEASE (arg F_RDLCK, F_WRLCK, F_UNLCK) and F_GETLEASE on f, whose
 * descriptor is fd. */
long lease_fcntl(struct process *p, struct file *f, int fd, int cmd, unsigned long arg);

/* Leases held now: the opens and truncates check them only then. */
extern int lease_count;
/* Before an open of ino (write: for writing or truncating) or a
 * truncate: break conflicting leases. 0, -EWOULDBLOCK (nonblock) or
 * -EINTR. */
int lease_break(struct inode *ino, bool write, bool nonblock);
/* The last reference to f went: its lease goes. */
void lease_on_file_release(struct file *f);

#endif
