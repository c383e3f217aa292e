/*
 * crypto_heap: routes OpenSSL's memory to the kernel heap (util/kheap.h).
 */
#ifndef LIBOS_CRYPTO_HEAP_H
#define LIBOS_CRYPTO_HEAP_H

/* Before any OpenSSL call of the process: 0, or -1 when OpenSSL has
 * already allocated (and so keeps libc's heap). */
int crypto_heap_init(void);

#endif
