/*
 * unwind_bounds: the function around an application code address, from
 * its object's .eh_frame_hdr or .dynsym (unwind_bounds.c).
 */
#ifndef LIBOS_ENTRY_UNWIND_BOUNDS_H
#define LIBOS_ENTRY_UNWIND_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

struct process;

/* What the object mapped at base says about itself. */
struct unwind_object {
    uint64_t base, bias;
    uint64_t eh_hdr;         /* its .eh_frame_hdr, or 0 */
    uint64_t dynamic;        /* its dynamic section, or 0 */
    uint64_t text, text_end; /* the code segment holding pc */
    uint64_t ro[4][2];       /* its read-only data segments */
    int nro;
};

/* [*start, *start + *len): the FDE covering pc in p's memory, else the
 * exported function symbol. 0, or -1 when there is neither (or a format
 * not handled). */
int unwind_func_bounds(struct process *p, uint64_t pc, uint64_t *start, uint64_t *len);

/* The same in two steps, for many addresses of one object: the object
 * whose code segment holds pc (false: none), then the function around an
 * address of that segment. */
bool unwind_object_find(struct process *p, uint64_t pc, struct unwind_object *o);
int unwind_object_bounds(struct process *p, const struct unwind_object *o, uint64_t pc,
                         uint64_t *start, uint64_t *len);

#endif
