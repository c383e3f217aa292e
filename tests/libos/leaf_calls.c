/* leaf_calls: the identity calls (getpid, getppid, gettid, getpgrp,
 * getuid, geteuid, getgid, getegid), which the LibOS answers on its
 * cheapest path, give what /proc and the ids set before say, keep every
 * register a system call keeps (rcx and r11 as the kernel leaves them,
 * the direction flag and the arithmetic flags included), and never hold
 * a signal back: a thread that does nothing but such calls still gets a
 * timer's signal and one sent by another thread. Each site runs many
 * times, so that it is on the LibOS's fast path for most of them. */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

/* probe(nr, out): the syscall with every other register set to a known
 * value and DF set; out gets rax, rcx, where rcx should point, r11, the
 * flags before and after, then rbx rbp r12 r13 rdi rsi rdx r8 r9 r10. */
// clang-format off
__asm__(".text\n.globl probe\n.type probe,@function\nprobe:\n.cfi_startproc\n"
        "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n    push %r14\n    push %r15\n"
        "    mov %rsi, %r15\n    mov %rdi, %r14\n"
        "    mov $0x1111, %rbx\n    mov $0x2222, %rbp\n    mov $0x3333, %r12\n    mov $0x4444, %r13\n"
        "    mov $0x5555, %rdi\n    mov $0x6666, %rsi\n    mov $0x7777, %rdx\n"
        "    mov $0x8888, %r8\n    mov $0x9999, %r9\n    mov $0xaaaa, %r10\n"
        "    mov $1, %eax\n    add $-2, %eax\n" /* CF and SF set, ZF clear */
        "    std\n    pushfq\n    popq 32(%r15)\n    mov %r14, %rax\n    syscall\n"
        "1:  pushfq\n    popq 40(%r15)\n    cld\n"
        "    mov %rax, 0(%r15)\n    mov %rcx, 8(%r15)\n    lea 1b(%rip), %rcx\n    mov %rcx, 16(%r15)\n"
        "    mov %r11, 24(%r15)\n    mov %rbx, 48(%r15)\n    mov %rbp, 56(%r15)\n    mov %r12, 64(%r15)\n"
        "    mov %r13, 72(%r15)\n    mov %rdi, 80(%r15)\n    mov %rsi, 88(%r15)\n    mov %rdx, 96(%r15)\n"
        "    mov %r8, 104(%r15)\n    mov %r9, 112(%r15)\n    mov %r10, 120(%r15)\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbp\n    pop %rbx\n    ret\n"
        ".cfi_endproc\n.size probe, .-probe\n");
// clang-format on
void probe(long nr, uint64_t out[16]);

static long probe_checked(long nr)
{
    uint64_t o[16];
    probe(nr, o);
    CHECK_EQ(o[1], o[2]); /* rcx: the instruction after the syscall */
    CHECK_EQ(o[3], o[4]); /* r11: the flags at the syscall */
    CHECK_EQ(o[5], o[4]); /* the flags come back as they were, DF too */
    CHECK(o[4] & 0x400);
    const uint64_t kept[] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555,
                             0x6666, 0x7777, 0x8888, 0x9999, 0xaaaa};
    for (int i = 0; i < 10; i++)
        CHECK_EQ(o[6 + i], kept[i]);
    return (long)o[0];
}

/* The text of a /proc file, NUL-terminated, in buf. */
static void read_proc(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, size - 1);
    CHECK(n > 0);
    buf[n] = 0;
    close(fd);
}

/* "Key:\tvalue..." of /proc/self/status: the first number after it. */
static long status_field(const char *key)
{
    static char buf[8192];
    read_proc("/proc/self/status", buf, sizeof(buf));
    size_t klen = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (!strncmp(line, key, klen) && line[klen] == ':')
            return strtol(line + klen + 1, NULL, 10);
    fprintf(stderr, "no %s in /proc/self/status\n", key);
    exit(1);
}

static long pgrp_from_stat(void)
{
    char buf[1024];
    read_proc("/proc/self/stat", buf, sizeof(buf));
    const char *p = strrchr(buf, ')'); /* "pid (comm) state ppid pgrp" */
    CHECK(p);
    char state;
    long ppid, pgrp;
    CHECK_EQ(sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp), 3);
    return pgrp;
}

static void check_identity(void)
{
    for (int i = 0; i < 200; i++) {
        CHECK_EQ(probe_checked(SYS_getpid), status_field("Tgid"));
        CHECK_EQ(probe_checked(SYS_gettid), status_field("Pid"));
        CHECK_EQ(probe_checked(SYS_getppid), status_field("PPid"));
        CHECK_EQ(probe_checked(SYS_getpgrp), pgrp_from_stat());
        CHECK_EQ(syscall(SYS_getuid), getuid());
        CHECK_EQ(syscall(SYS_geteuid), geteuid());
        CHECK_EQ(syscall(SYS_getgid), getgid());
        CHECK_EQ(syscall(SYS_getegid), getegid());
        if (i % 50 == 0) {
            CHECK_EQ(probe_checked(SYS_getuid), status_field("Uid"));
            CHECK_EQ(probe_checked(SYS_getgid), status_field("Gid"));
        }
        /* not one of them: the same contract on the full path */
        CHECK_EQ(probe_checked(SYS_sched_yield), 0);
    }
}

static volatile sig_atomic_t alarms, usr1s;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}
static void on_usr1(int sig)
{
    (void)sig;
    usr1s++;
}

static volatile pid_t spinner_tid;
static void *spin_on_leaf_calls(void *arg)
{
    (void)arg;
    spinner_tid = (pid_t)syscall(SYS_gettid);
    while (!usr1s)
        syscall(SYS_getppid);
    return NULL;
}

int main(void)
{
    check_identity();
    /* in a child (never a session leader): its own ids, and when they
     * change, the answers follow */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        check_identity();
        CHECK_EQ(setpgid(0, 0), 0);
        CHECK_EQ(syscall(SYS_getpgrp), getpid());
        check_identity();
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A timer's signal reaches a thread that only makes leaf calls. */
    struct sigaction sa = {.sa_handler = on_alarm};
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {.it_value = {.tv_usec = 20000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    while (!alarms)
        syscall(SYS_getpid);

    /* So does one sent by another thread. */
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, spin_on_leaf_calls, NULL), 0);
    while (!spinner_tid)
        sched_yield();
    CHECK(spinner_tid != getpid());
    CHECK_EQ(syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR1), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    puts("leaf_calls: ok");
    return 0;
}
