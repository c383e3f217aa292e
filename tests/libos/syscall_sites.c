/* syscall_sites: system calls made through hand-written `syscall` sites of
 * several shapes (what the LibOS's rewriter moves into trampolines: a
 * RIP-relative load before the syscall, glibc's `xor %eax,%eax; syscall;
 * cmp $-4096,%rax`, Go's `syscall; cmp $-4095,%rax; jbe`, a window ended by
 * a jcc, musl's `mov %rdi,%rax; syscall` with only short moves around, and
 * loops that jump back to right after the syscall), each called many times
 * (a rewrite happens at a site's second trap), first from one thread, then
 * from several at once on sites no thread used before, with signals
 * interrupting blocking reads that SA_RESTART restarts. Every result is
 * checked against the libc call. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

/* Each shape twice: _st first runs in one thread, _mt first in several.
 *   rip_nr():         getpid, its number read RIP-relative (a 6-byte insn)
 *   read(fd,buf,n):   glibc's read, -1 on error
 *   go(nr,a1):        Go's runtime: `syscall; cmp $-4095,%rax; jbe`, -1 on error
 *   jcc(nr):          `syscall; test; js` (a window ended by the js), -2 on error
 *   musl(nr,a1,a2):   short moves only, before and after
 *   loop5(n):         n getpids, adding the result once more every other
 *                     round by jumping back to right after the syscall;
 *                     `mov $nr,%eax` before it
 *   loop3(n):         the same with `mov %r10,%rax` (3 bytes) before it
 *   short(nr,a1):     two 3-byte moves, the syscall, ret
 *   pre_read(fd,buf,n,nr): `mov %rcx,%rax; syscall; ret`
 *   read2:            read's shape at a site of its own */
// clang-format off
#define FN(name, S) ".globl " name S "\n.type " name S ",@function\n" name S ":\n.cfi_startproc\n"
#define END ".cfi_endproc\n"
#define GLIBC_READ \
    "    xor %eax, %eax\n    syscall\n    cmp $-4096, %rax\n    ja 1f\n    ret\n" \
    "1:  mov $-1, %rax\n    ret\n" END
#define SHAPES(S) \
    FN("rip_nr", S) \
    "    mov getpid_nr(%rip), %eax\n    syscall\n    ret\n" END \
    FN("read", S) GLIBC_READ \
    FN("go", S) \
    "    mov %rdi, %rax\n    mov %rsi, %rdi\n    syscall\n    cmp $-4095, %rax\n    jbe 2f\n" \
    "    mov $-1, %rax\n2:  ret\n" END \
    FN("jcc", S) \
    "    mov %rdi, %rax\n    syscall\n    test %eax, %eax\n    js 3f\n    ret\n" \
    "3:  mov $-2, %rax\n    ret\n" END \
    FN("musl", S) \
    "    mov %rdi, %rax\n    mov %rsi, %rdi\n    mov %rdx, %rsi\n    syscall\n" \
    "    mov %rax, %rdx\n    mov %rdx, %rax\n    ret\n" END \
    FN("loop5", S) \
    "    mov %rdi, %r8\n    xor %r9d, %r9d\n4:  mov $39, %eax\n    syscall\n" \
    "5:  add %rax, %r9\n    dec %r8\n    jz 6f\n    test $1, %r8b\n    jnz 5b\n    jmp 4b\n" \
    "6:  mov %r9, %rax\n    ret\n" END \
    FN("loop3", S) \
    "    mov %rdi, %r8\n    xor %r9d, %r9d\n    mov $39, %r10d\n7:  mov %r10, %rax\n    syscall\n" \
    "8:  add %rax, %r9\n    dec %r8\n    jz 9f\n    test $1, %r8b\n    jnz 8b\n    jmp 7b\n" \
    "9:  mov %r9, %rax\n    ret\n" END \
    FN("short", S) \
    "    mov %rdi, %rax\n    mov %rsi, %rdi\n    syscall\n    ret\n" END \
    FN("pre_read", S) \
    "    mov %rcx, %rax\n    syscall\n    ret\n" END \
    FN("read2", S) GLIBC_READ
// clang-format on

__asm__(".data\ngetpid_nr: .long 39\n.text\n" SHAPES("_st") SHAPES("_mt"));

#define DECLARE(S)                                                                                 \
    long rip_nr##S(void);                                                                          \
    long read##S(int fd, void *buf, size_t n);                                                     \
    long go##S(long nr, long a1);                                                                  \
    long jcc##S(long nr);                                                                          \
    long musl##S(long nr, long a1, long a2);                                                       \
    long loop5##S(long n);                                                                         \
    long loop3##S(long n);                                                                         \
    long short##S(long nr, long a1);                                                               \
    long pre_read##S(int fd, void *buf, size_t n, long nr);                                        \
    long read2##S(int fd, void *buf, size_t n);
DECLARE(_st)
DECLARE(_mt)

struct shapes {
    long (*rip_nr)(void);
    long (*read)(int, void *, size_t);
    long (*go)(long, long);
    long (*jcc)(long);
    long (*musl)(long, long, long);
    long (*loop5)(long), (*loop3)(long);
    long (*short_)(long, long);
    long (*pre_read)(int, void *, size_t, long);
    long (*read2)(int, void *, size_t);
};
#define SHAPES_OF(S)                                                                               \
    {                                                                                              \
        rip_nr##S, read##S, go##S, jcc##S, musl##S, loop5##S, loop3##S, short##S, pre_read##S,     \
            read2##S                                                                               \
    }
static const struct shapes st = SHAPES_OF(_st);
static const struct shapes mt = SHAPES_OF(_mt);

/* What loop5/loop3 return for n rounds: pid added once per syscall and
 * once more per jump back. */
static long loop_expect(long n, long pid)
{
    long adds = 0;
    for (long r8 = n;;) {
        adds++; /* after the syscall */
        for (;;) {
            if (--r8 == 0) return adds * pid;
            if (!(r8 & 1)) break;
            adds++; /* jumped back to right after the syscall */
        }
    }
}

static void round_of(const struct shapes *s, int rounds)
{
    long pid = getpid();
    pid_t tid = gettid();
    int p[2];
    CHECK(pipe(p) == 0);
    for (int i = 0; i < rounds; i++) {
        CHECK(s->rip_nr() == pid);
        char c = (char)('a' + i % 26), got = 0;
        CHECK(write(p[1], &c, 1) == 1);
        CHECK(s->read(p[0], &got, 1) == 1 && got == c);
        CHECK(s->read(-1, &got, 1) == -1); /* EBADF through the error branch */
        CHECK(s->go(SYS_gettid, 0) == tid);
        CHECK(s->go(SYS_close, -1) == -1);
        CHECK(s->jcc(SYS_getpid) == pid);
        CHECK(s->jcc(SYS_dup) == -2); /* dup(garbage in rdi): EBADF, the js taken */
        CHECK(s->musl(SYS_getppid, 0, 0) == getppid());
        CHECK(s->musl(SYS_kill, 0, 0) == 0); /* kill(0, 0) */
        CHECK(s->loop5(7) == loop_expect(7, pid));
        CHECK(s->loop3(6) == loop_expect(6, pid));
        CHECK(s->short_(SYS_gettid, 0) == tid);
        CHECK(write(p[1], &c, 1) == 1);
        CHECK(s->pre_read(p[0], &got, 1, SYS_read) == 1 && got == c);
    }
    close(p[0]);
    close(p[1]);
}

static void *worker(void *arg)
{
    round_of(arg, 300);
    return NULL;
}

/* A read blocked in a rewritten site, interrupted by SA_RESTART signals. */
static int restart_pipe[2];
static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig)
{
    (void)sig;
    usr1_seen++;
}

static const struct shapes *blocked_shapes;
static int blocked_how; /* 0: read, 1: pre_read, 2: read2 */

static void *blocked_reader(void *arg)
{
    const struct shapes *s = blocked_shapes;
    char c = 0;
    long r = blocked_how == 0   ? s->read(restart_pipe[0], &c, 1)
             : blocked_how == 1 ? s->pre_read(restart_pipe[0], &c, 1, SYS_read)
                                : s->read2(restart_pipe[0], &c, 1);
    (void)arg;
    return (void *)(intptr_t)(r == 1 && c == 'z');
}

static void pause_ms(int ms)
{
    struct timespec ts = {0, ms * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* A thread blocked in read2's call while another thread's calls at that
 * site get it rewritten: its call returns right after the syscall, which
 * has moved into the trampoline meanwhile. */
static void blocked_during_patch(const struct shapes *s)
{
    CHECK(pipe(restart_pipe) == 0);
    blocked_shapes = s;
    blocked_how = 2;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_reader, NULL) == 0);
    pause_ms(20);
    int q[2];
    CHECK(pipe(q) == 0);
    for (int i = 0; i < 5; i++) {
        char c = 'y', got = 0;
        CHECK(write(q[1], &c, 1) == 1);
        CHECK(s->read2(q[0], &got, 1) == 1 && got == 'y');
    }
    CHECK(write(restart_pipe[1], "z", 1) == 1);
    void *ok;
    CHECK(pthread_join(t, &ok) == 0);
    CHECK(ok == (void *)1);
    close(q[0]);
    close(q[1]);
    close(restart_pipe[0]);
    close(restart_pipe[1]);
}

static void restart_test(const struct shapes *s, int how)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(pipe(restart_pipe) == 0);
    for (int i = 0; i < 3; i++) { /* the site is rewritten before it blocks */
        char c = 'x';
        CHECK(write(restart_pipe[1], &c, 1) == 1);
        CHECK((how ? s->pre_read(restart_pipe[0], &c, 1, SYS_read)
                   : s->read(restart_pipe[0], &c, 1)) == 1);
    }
    blocked_shapes = s;
    blocked_how = how;
    usr1_seen = 0;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_reader, NULL) == 0);
    for (int i = 0; i < 5; i++) {
        pause_ms(5);
        CHECK(pthread_kill(t, SIGUSR1) == 0);
    }
    pause_ms(5);
    CHECK(write(restart_pipe[1], "z", 1) == 1);
    void *ok;
    CHECK(pthread_join(t, &ok) == 0);
    CHECK(ok == (void *)1);
    CHECK(usr1_seen >= 1);
    close(restart_pipe[0]);
    close(restart_pipe[1]);
}

int main(void)
{
    round_of(&st, 50); /* one thread: every window shape */
    pthread_t t[4];
    for (int i = 0; i < 4; i++) /* those sites again, from several threads */
        CHECK(pthread_create(&t[i], NULL, worker, (void *)&st) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    for (int i = 0; i < 4; i++) /* fresh sites, first met by several threads */
        CHECK(pthread_create(&t[i], NULL, worker, (void *)&mt) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    restart_test(&st, 0);
    restart_test(&st, 1);
    restart_test(&mt, 0);
    restart_test(&mt, 1);
    blocked_during_patch(&st);
    blocked_during_patch(&mt);
    printf("ok\n");
    return 0;
}
