/*
 * thread: host threads for application threads (1:1), created with
 * pthreads so that the host libc's TLS and stack protector work in LibOS
 * code running on them.
 */
#include "pal/pal.h"

#include <errno.h>
#include <pthread.h>

int pal_thread_create(void *(*fn)(void *), void *arg, size_t stack_size)
{
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (stack_size) pthread_attr_setstacksize(&attr, stack_size);
    int r = pthread_create(&th, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return -r;
}

_Noreturn void pal_thread_exit(void)
{
    pthread_exit(NULL);
}
