/*
 * thread: host threads for application threads (1:1), created with
 * pthreads so that the host libc's TLS and stack protector work in LibOS
 * code running on them.
 */
#include "pal/pal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void *thread_start(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    /* A new thread inherits its creator's %gs base from the kernel: clear
     * it, or this thread would pass for the creator's LibOS thread. */
    __asm__ volatile("wrgsbase %0" ::"r"(0UL) : "memory");
    return s.fn(s.arg);
}

int pal_thread_create(void *(*fn)(void *), void *arg, size_t stack_size)
{
    struct start *s = malloc(sizeof(*s));
    if (!s) return -ENOMEM;
    s->fn = fn;
    s->arg = arg;
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (stack_size) pthread_attr_setstacksize(&attr, stack_size);
    int r = pthread_create(&th, &attr, thread_start, s);
    pthread_attr_destroy(&attr);
    if (r) free(s);
    return -r;
}

_Noreturn void pal_thread_exit(void)
{
    pthread_exit(NULL);
}
