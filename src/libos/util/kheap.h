/*
 * kheap: the LibOS kernel heap, an allocator over one region given to it
 * (the PAL's shared memfd, pal_kheap_create) with all of its metadata
 * inside that region, so that every host process mapping the region at the
 * same address sees the same heap (the foundation of fork, issue 11).
 */
#ifndef LIBOS_KHEAP_H
#define LIBOS_KHEAP_H

#include <stddef.h>

/* Address space of the heap's region: sparse, so only what is used costs
 * memory; kernel_space_heap_size bounds the use (kheap_set_limit). */
#define KHEAP_RESERVE (64ULL << 30)

/* Create the region (pal_kheap_create) and serve it: 0, or -1 with a log line. */
int kheap_create(size_t size);
/* Serve allocations from [base, base+size) (page-aligned, zero-filled,
 * e.g. fresh from pal_kheap_create). Returns 0, or -1 when too small. */
int kheap_init(void *base, size_t size);
/* Bound the pages in use to `bytes` (resource_limits.kernel_space_heap_size);
 * past it allocations return NULL with one log line. */
void kheap_set_limit(size_t bytes);
/* The bound kheap_set_limit set (the region's size before). */
size_t kheap_limit(void);
/* A cache's size: want, or an eighth of the heap's bound when that is
 * less (an Occlum.json made for Occlum gives the LibOS 32 MB), and at
 * least 1 MiB. */
size_t kheap_cache_size(size_t want);
/* Bytes of pages in use (blocks and their size-class pages). */
size_t kheap_used(void);
/* True when p points into the heap's region. */
int kheap_contains(const void *p);

void *kmalloc(size_t size) __attribute__((malloc, alloc_size(1)));
void *kcalloc(size_t n, size_t size) __attribute__((malloc, alloc_size(1, 2)));
void *krealloc(void *p, size_t size) __attribute__((alloc_size(2)));
void kfree(void *p);
char *kstrdup(const char *s) __attribute__((malloc));
char *kstrndup(const char *s, size_t n) __attribute__((malloc));
/* align: a power of two. Freed with kfree. */
void *kmalloc_aligned(size_t align, size_t size) __attribute__((malloc, alloc_size(2)));
/* posix_memalign's contract over kmalloc_aligned (OpenSSL-style callers). */
int kposix_memalign(void **out, size_t align, size_t size);

#endif
