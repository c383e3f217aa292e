/*
 * commit: resource_limits.user_space_size, the memory the areas of every
 * address space of the instance commit together (internal to vm/; the
 * public face is vm_charge, vm_uncharge and vm_used_bytes in vm.h).
 *
 * The limit bounds the memory mapped at once (committed), not the address
 * space: reservations that are not yet memory (the unused part of every
 * brk heap) do not count, as on Linux. The address space reserved is a few
 * times larger, and costs nothing.
 */
#ifndef LIBOS_VM_COMMIT_H
#define LIBOS_VM_COMMIT_H

#include "vm/area.h"

#include <stdbool.h>
#include <stdint.h>

void commit_init(uint64_t limit);
uint64_t commit_limit_bytes(void);
/* Whether an area's pages count against the limit. */
bool area_counted(const struct vma *v);
/* m maps delta more (or fewer) counted bytes. */
void commit_account(struct vm_proc *m, int64_t delta);
/* Whether len more bytes fit under the limit (if not, says so once). */
bool commit_fits(uint64_t len);
/* The user space has no room for len bytes: said once per instance. */
void commit_exhausted(uint64_t len);

#endif
