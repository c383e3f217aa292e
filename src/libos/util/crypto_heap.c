/*
 * crypto_heap: OpenSSL's allocations come from the kernel heap, so that
 * the crypto contexts the LibOS keeps (sefs, the image reader) are shared
 * by every host process of an instance as the rest of its state is.
 */
#include "util/crypto_heap.h"

#include "util/kheap.h"

#include <openssl/crypto.h>

static void *crypto_malloc(size_t n, const char *file, int line)
{
    return kmalloc(n);
}

static void *crypto_realloc(void *p, size_t n, const char *file, int line)
{
    return krealloc(p, n);
}

static void crypto_free(void *p, const char *file, int line)
{
    kfree(p);
}

int crypto_heap_init(void)
{
    /* OpenSSL refuses once it has allocated anything: this must run first. */
    if (!CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free)) return -1;
    /* No cleanup at exit: its objects are in the kernel heap, which goes
     * with the instance, and freeing them one by one took 0.4 ms of every
     * `occlum run`. */
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) ? 0 : -1;
}
