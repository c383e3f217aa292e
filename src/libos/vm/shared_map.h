/*
 * shared_map: MAP_SHARED file mappings, shared memory between every
 * process that maps the file, whatever its address space.
 *
 * The LibOS's files have no page cache the host could map, so each
 * mapped file gets one: a backing, a host memfd holding the file's bytes,
 * which every MAP_SHARED mapping of the file maps MAP_SHARED (in any host
 * process, through the handle of the memfd). Stores through one mapping
 * are seen at once by the others, a fork's child keeps sharing them (a
 * host fork keeps a MAP_SHARED mapping shared), and atomics and futexes
 * in it work between processes, as POSIX semaphores and Python's
 * multiprocessing need.
 *
 * The backing is the newest copy of the mapped part of the file; the
 * file is brought up to date from it before the file is read through
 * another path, at msync and when the last mapping goes; a write through
 * another path is copied into it. Only files that are mapped shared pay
 * anything.
 */
#ifndef LIBOS_VM_SHARED_MAP_H
#define LIBOS_VM_SHARED_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct file;
struct inode;
struct process;
struct vm_proc;

/* Map [addr, addr+len) of p (an area already made by vm_map) as the
 * shared view of f's bytes from off, with protection prot. */
int shared_map_add(struct process *p, struct file *f, uint64_t addr, uint64_t len, off_t off,
                   int prot);
/* Write back the parts of p's mappings inside [addr, addr+len) (msync);
 * with drop, forget them instead (munmap: the backing writes back when
 * its last mapping goes). */
void shared_map_sync_range(struct process *p, uint64_t addr, uint64_t len, bool drop);
/* Every mapping of a memory (exit, execve). */
void shared_map_release_all(struct vm_proc *m);
/* A fork: child (a copy of parent's areas) holds the same mappings. */
int shared_map_fork(struct vm_proc *parent, struct vm_proc *child);

/* The file of the shared mapping of p holding all of [addr, addr+len)
 * (referenced) and the file offset at addr, or NULL. */
struct file *shared_map_file_at(struct process *p, uint64_t addr, uint64_t len, off_t *off);
/* Some shared mapping of ino's file may store (a file opened for writing:
 * Linux's VM_SHARED|VM_MAYWRITE): F_SEAL_WRITE is refused then. */
bool shared_map_writable(struct inode *ino);
/* Some shared mapping in [addr, addr+len) is of a file not opened for
 * writing: Linux's VM_MAYWRITE is clear there (mprotect gives EACCES). */
bool shared_map_readonly_in(struct process *p, uint64_t addr, uint64_t len);

/* The VFS hooks around reads and writes of a file's data, for the bytes
 * [off, off+len) (off < 0: the whole file). */
extern int shared_map_count;
void shared_map_before_read(struct file *f, off_t off, size_t len);
void shared_map_after_write(struct file *f, off_t off, size_t len);
/* The file of inode ino now has size bytes (truncate, O_TRUNC): what the
 * mappings held past it reads as zeros, as on Linux. */
void shared_map_truncated(struct inode *ino, off_t size);

#endif
