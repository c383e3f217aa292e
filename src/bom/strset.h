/*
 * strset.h: a set of strings (open addressing), for the paths copy_bom has
 * already handled in one run: each file is copied and each ELF's
 * dependencies are followed once however many times they are named.
 */
#ifndef OCCLUM_BOM_STRSET_H
#define OCCLUM_BOM_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
    char **slots;
    size_t cap, count;
};

/* Adds s; 1 when it was new, 0 when already there, -1 out of memory. */
int strset_add(struct strset *set, const char *s);
bool strset_has(const struct strset *set, const char *s);
void strset_free(struct strset *set);

#endif
