/*
 * alloc: the heap that src/common and src/image code allocates what it
 * returns from. Built into the LibOS (OCCLUM_LIBOS_HEAP) that is the kernel
 * heap, shared by every host process of an instance (util/kheap.h), since
 * the LibOS keeps those objects (the config, the image reader's cache and
 * crypto contexts); in the CLI and host tools it is libc's.
 */
#ifndef OCCLUM_COMMON_ALLOC_H
#define OCCLUM_COMMON_ALLOC_H

#ifdef OCCLUM_LIBOS_HEAP
#include "util/kheap.h"
#else
#include <stdlib.h>
#include <string.h>
#define kmalloc malloc
#define kcalloc calloc
#define krealloc realloc
#define kfree free
#define kstrdup strdup
#define kstrndup strndup
#endif

#endif
