/* mt_thread_tls: __thread values per thread (init, distinct addresses), distinct gettid. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include "mt_util.h"

#define N 8

static __thread int tls_val = 42;
static __thread char tls_buf[256] = "initial";
static pthread_barrier_t bar;

struct info {
    int idx;
    pid_t tid, pid;
    uintptr_t addr;
    int ok;
};

static void *worker(void *arg)
{
    struct info *in = arg;
    int ok = tls_val == 42 && strcmp(tls_buf, "initial") == 0;
    tls_val = in->idx * 1000;
    snprintf(tls_buf, sizeof(tls_buf), "thread-%d", in->idx);
    in->tid = (pid_t)syscall(SYS_gettid);
    in->pid = getpid();
    in->addr = (uintptr_t)&tls_val;
    pthread_barrier_wait(&bar); /* everyone has written its own copy */
    char want[32];
    snprintf(want, sizeof(want), "thread-%d", in->idx);
    ok = ok && tls_val == in->idx * 1000 && strcmp(tls_buf, want) == 0;
    pthread_barrier_wait(&bar);
    in->ok = ok;
    return NULL;
}

int main(void)
{
    tls_val = 7;
    CHECK_EQ(pthread_barrier_init(&bar, NULL, N), 0);
    pthread_t t[N];
    struct info in[N];
    memset(in, 0, sizeof(in));
    for (int i = 0; i < N; i++) {
        in[i].idx = i + 1;
        CHECK_EQ(pthread_create(&t[i], NULL, worker, &in[i]), 0);
    }
    for (int i = 0; i < N; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(tls_val, 7); /* main's copy untouched */
    CHECK_STR(tls_buf, "initial");
    pid_t mytid = (pid_t)syscall(SYS_gettid);
    CHECK_EQ(mytid, getpid());
    for (int i = 0; i < N; i++) {
        CHECK_EQ(in[i].ok, 1);
        CHECK_EQ(in[i].pid, getpid());
        CHECK(in[i].tid != mytid && in[i].tid > 0);
        CHECK(in[i].addr != (uintptr_t)&tls_val);
        for (int j = 0; j < i; j++) {
            CHECK(in[i].tid != in[j].tid);
            CHECK(in[i].addr != in[j].addr);
        }
    }
    pthread_barrier_destroy(&bar);
    return 0;
}
