/*
 * strset.c: the string set of strset.h (FNV-1a, linear probing, grown at
 * half full).
 */
#include "bom/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t find_slot(char **slots, size_t cap, const char *s)
{
    size_t i = hash(s) & (cap - 1);
    while (slots[i] && strcmp(slots[i], s))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(struct strset *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    char **slots = calloc(cap, sizeof(*slots));
    if (!slots) return -1;
    for (size_t i = 0; i < set->cap; i++)
        if (set->slots[i]) slots[find_slot(slots, cap, set->slots[i])] = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 0;
}

bool strset_has(const struct strset *set, const char *s)
{
    return set->cap && set->slots[find_slot(set->slots, set->cap, s)];
}

int strset_add(struct strset *set, const char *s)
{
    if ((set->count + 1) * 2 > set->cap && grow(set) < 0) return -1;
    size_t i = find_slot(set->slots, set->cap, s);
    if (set->slots[i]) return 0;
    if (!(set->slots[i] = strdup(s))) return -1;
    set->count++;
    return 1;
}

void strset_free(struct strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof(*set));
}
