/*
 * unwind_bounds: the function around an application code address, from
 * its object's .eh_frame_hdr or .dynsym (unwind_bounds.c).
 */
#ifndef LIBOS_ENTRY_UNWIND_BOUNDS_H
#define LIBOS_ENTRY_UNWIND_BOUNDS_H

#include <stdint.h>

struct process;

/* [*start, *start + *len): the FDE covering pc in p's memory, else the
 * exported function symbol. 0, or -1 when there is neither (or a format
 * not handled). */
int unwind_func_bounds(struct process *p, uint64_t pc, uint64_t *start, uint64_t *len);

#endif
