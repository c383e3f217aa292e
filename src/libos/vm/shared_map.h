/*
 * shared_map: MAP_SHARED file mappings kept coherent with the file.
 *
 * Mappings are copies (there is no page cache shared with the host), so
 * coherence is made explicit: the mapping is the newest copy of its range.
 * Before the file is read, or written through another path, the mappings
 * of that file are written back; after a write they are reloaded. msync,
 * munmap, execve and exit write back too. Only files that have shared
 * mappings pay anything.
 */
#ifndef LIBOS_VM_SHARED_MAP_H
#define LIBOS_VM_SHARED_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct file;
struct process;
struct vm_proc;

int shared_map_add(struct process *p, struct file *f, uint64_t addr, uint64_t len, off_t off);
/* Write back the parts of p's mappings inside [addr, addr+len); with
 * drop, also forget them (munmap). */
void shared_map_sync_range(struct process *p, uint64_t addr, uint64_t len, bool drop);
/* Every mapping of an address space (exit, execve). */
void shared_map_release_all(struct vm_proc *m);

/* The file of the shared mapping of p holding all of [addr, addr+len)
 * (referenced) and the file offset at addr, or NULL. */
struct file *shared_map_file_at(struct process *p, uint64_t addr, uint64_t len, off_t *off);
/* Some shared mapping in [addr, addr+len) is of a file not opened for
 * writing: Linux's VM_MAYWRITE is clear there (mprotect gives EACCES). */
bool shared_map_readonly_in(struct process *p, uint64_t addr, uint64_t len);

/* The VFS hooks, around reads and writes of a file's data. */
extern int shared_map_count;
void shared_map_before_io(struct file *f);
void shared_map_after_write(struct file *f);

#endif
