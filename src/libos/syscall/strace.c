/* strace: the --strace lines (see strace.h). */
#include "syscall/strace.h"

#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

bool strace_on, stats_on;
int strace_fd = -1; /* host handle of the sink; -1: standard error */

int strace_init(const char *strace_to, bool stats)
{
    stats_on = stats;
    if (!strace_to) return 0;
    if (strcmp(strace_to, "-") != 0) {
        int fd =
            pal_host_open(strace_to, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) return fd;
        strace_fd = fd;
    }
    strace_on = true;
    return 0;
}

/*
 * How each argument is shown, one letter per argument (calls not listed
 * show theirs in hex): d signed, u unsigned, x hex, p pointer, F fd (or
 * AT_FDCWD), s path string, w bytes the call reads (length: the next
 * argument), r bytes the call wrote (length: the result), o open flags,
 * m mode, P mmap prot, M mmap flags, S signal, c clone flags, a AT_
 * flags, W lseek whence, v string array, f futex op, t struct stat the
 * call filled, T timespec, D socket domain, Y socket type, H sigprocmask
 * how.
 */
static const char *const spec[512] = {
    [__NR_read] = "Fru",
    [__NR_write] = "Fwu",
    [__NR_open] = "som",
    [__NR_close] = "F",
    [__NR_stat] = "st",
    [__NR_fstat] = "Ft",
    [__NR_lstat] = "st",
    [__NR_poll] = "pud",
    [__NR_lseek] = "FdW",
    [__NR_mmap] = "puPMFx",
    [__NR_mprotect] = "puP",
    [__NR_munmap] = "pu",
    [__NR_brk] = "p",
    [__NR_rt_sigaction] = "Sppu",
    [__NR_rt_sigprocmask] = "Hppu",
    [__NR_ioctl] = "Fxp",
    [__NR_pread64] = "Frud",
    [__NR_pwrite64] = "Fwud",
    [__NR_readv] = "Fpd",
    [__NR_writev] = "Fpd",
    [__NR_access] = "sd",
    [__NR_pipe] = "p",
    [__NR_pipe2] = "po",
    [__NR_select] = "dpppp",
    [__NR_mremap] = "puuxp",
    [__NR_msync] = "pux",
    [__NR_madvise] = "pud",
    [__NR_dup] = "F",
    [__NR_dup2] = "FF",
    [__NR_dup3] = "FFo",
    [__NR_nanosleep] = "Tp",
    [__NR_socket] = "DYd",
    [__NR_connect] = "Fpu",
    [__NR_accept] = "Fpp",
    [__NR_accept4] = "Fppo",
    [__NR_sendto] = "Fwuxpu",
    [__NR_recvfrom] = "Fruxpp",
    [__NR_sendmsg] = "Fpx",
    [__NR_recvmsg] = "Fpx",
    [__NR_shutdown] = "Fd",
    [__NR_bind] = "Fpu",
    [__NR_listen] = "Fd",
    [__NR_getsockname] = "Fpp",
    [__NR_getpeername] = "Fpp",
    [__NR_socketpair] = "DYdp",
    [__NR_setsockopt] = "Fddpu",
    [__NR_getsockopt] = "Fddpp",
    [__NR_clone] = "cpppp",
    [__NR_execve] = "svv",
    [__NR_exit] = "d",
    [__NR_wait4] = "dpdp",
    [__NR_kill] = "dS",
    [__NR_fcntl] = "Fdx",
    [__NR_flock] = "Fd",
    [__NR_fsync] = "F",
    [__NR_fdatasync] = "F",
    [__NR_truncate] = "sd",
    [__NR_ftruncate] = "Fd",
    [__NR_getdents64] = "Fpu",
    [__NR_getcwd] = "pu",
    [__NR_chdir] = "s",
    [__NR_fchdir] = "F",
    [__NR_rename] = "ss",
    [__NR_mkdir] = "sm",
    [__NR_rmdir] = "s",
    [__NR_creat] = "sm",
    [__NR_link] = "ss",
    [__NR_unlink] = "s",
    [__NR_symlink] = "ss",
    [__NR_readlink] = "sru",
    [__NR_chmod] = "sm",
    [__NR_fchmod] = "Fm",
    [__NR_chown] = "sdd",
    [__NR_fchown] = "Fdd",
    [__NR_umask] = "m",
    [__NR_sigaltstack] = "pp",
    [__NR_arch_prctl] = "dx",
    [__NR_tkill] = "dS",
    [__NR_tgkill] = "ddS",
    [__NR_futex] = "pfdppd",
    [__NR_set_tid_address] = "p",
    [__NR_clock_gettime] = "dp",
    [__NR_clock_nanosleep] = "ddTp",
    [__NR_exit_group] = "d",
    [__NR_epoll_wait] = "Fpdd",
    [__NR_epoll_ctl] = "FdFp",
    [__NR_epoll_pwait] = "Fpddpu",
    [__NR_epoll_create1] = "o",
    [__NR_openat] = "Fsom",
    [__NR_mkdirat] = "Fsm",
    [__NR_newfstatat] = "Fsta",
    [__NR_unlinkat] = "Fsa",
    [__NR_renameat] = "FsFs",
    [__NR_renameat2] = "FsFsx",
    [__NR_linkat] = "FsFsa",
    [__NR_symlinkat] = "sFs",
    [__NR_readlinkat] = "Fsru",
    [__NR_fchmodat] = "Fsm",
    [__NR_faccessat] = "Fsd",
    [__NR_faccessat2] = "Fsda",
    [__NR_utimensat] = "Fspa",
    [__NR_eventfd2] = "uo",
    [__NR_statx] = "Fsaxp",
    [__NR_prlimit64] = "ddpp",
    [__NR_setpgid] = "dd",
    [__NR_getpgid] = "d",
    [__NR_vfork] = "",
    [__NR_fork] = "",
    [__NR_sched_getaffinity] = "dup",
    [__NR_set_robust_list] = "pu",
    [__NR_rseq] = "pudx",
    [__NR_fallocate] = "Fddd",
    [__NR_getrandom] = "pux",
    [__NR_rt_sigsuspend] = "pu",
    [__NR_memfd_create] = "sx",
};

struct sbuf {
    char *p;
    size_t cap, n;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
    if (b->n >= b->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k > 0) b->n = b->n + (size_t)k < b->cap ? b->n + (size_t)k : b->cap - 1;
}

struct flag {
    unsigned long v;
    const char *name;
};

/* Named bits of v (each flag once, the rest in hex), or zero_name for 0. */
static void put_flags(struct sbuf *b, unsigned long v, const struct flag *f, size_t n,
                      const char *zero_name)
{
    if (v == 0) {
        put(b, "%s", zero_name);
        return;
    }
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (f[i].v && (v & f[i].v) == f[i].v) {
            put(b, "%s%s", any ? "|" : "", f[i].name);
            v &= ~f[i].v;
            any = true;
        }
    }
    if (v) put(b, "%s%#lx", any ? "|" : "", v);
}

#define F(x)                                                                                       \
    {                                                                                              \
        x, #x                                                                                      \
    }
static const struct flag open_flags[] = {
    /* multi-bit flags before their parts */
    F(O_SYNC),      F(O_TMPFILE),  F(O_WRONLY),
    F(O_RDWR),      F(O_CREAT),    F(O_EXCL),
    F(O_NOCTTY),    F(O_TRUNC),    F(O_APPEND),
    F(O_NONBLOCK),  F(O_DSYNC),    F(O_DIRECT),
    F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME),
    F(O_CLOEXEC),   F(O_PATH),     {0100000, "O_LARGEFILE"}, /* the kernel's value (libc's is 0) */
};
static const struct flag prot_flags[] = {F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC)};
static const struct flag map_flags[] = {
    F(MAP_SHARED),   F(MAP_PRIVATE),   F(MAP_FIXED),           F(MAP_ANONYMOUS),
    F(MAP_32BIT),    F(MAP_GROWSDOWN), F(MAP_DENYWRITE),       F(MAP_NORESERVE),
    F(MAP_POPULATE), F(MAP_STACK),     F(MAP_FIXED_NOREPLACE),
};
static const struct flag clone_flags[] = {
    F(CLONE_VM),
    F(CLONE_FS),
    F(CLONE_FILES),
    F(CLONE_SIGHAND),
    F(CLONE_PTRACE),
    F(CLONE_VFORK),
    F(CLONE_PARENT),
    F(CLONE_THREAD),
    F(CLONE_NEWNS),
    F(CLONE_SYSVSEM),
    F(CLONE_SETTLS),
    F(CLONE_PARENT_SETTID),
    F(CLONE_CHILD_CLEARTID),
    F(CLONE_CHILD_SETTID),
    F(CLONE_PIDFD),
};
static const struct flag at_flags[] = {
    F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR),  F(AT_SYMLINK_FOLLOW),
    F(AT_NO_AUTOMOUNT),     F(AT_EMPTY_PATH), F(AT_EACCESS),
};
static const struct flag sock_type_flags[] = {F(SOCK_NONBLOCK), F(SOCK_CLOEXEC)};
#undef F

static const char *const sock_types[] = {[SOCK_STREAM] = "SOCK_STREAM",
                                         [SOCK_DGRAM] = "SOCK_DGRAM",
                                         [SOCK_RAW] = "SOCK_RAW",
                                         [SOCK_SEQPACKET] = "SOCK_SEQPACKET"};
static const char *const domains[] = {[AF_UNIX] = "AF_UNIX",
                                      [AF_INET] = "AF_INET",
                                      [AF_INET6] = "AF_INET6",
                                      [AF_NETLINK] = "AF_NETLINK"};
static const char *const whences[] = {"SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"};
static const char *const hows[] = {"SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"};
static const char *const futex_ops[] = {
    [FUTEX_WAIT] = "FUTEX_WAIT",
    [FUTEX_WAKE] = "FUTEX_WAKE",
    [FUTEX_REQUEUE] = "FUTEX_REQUEUE",
    [FUTEX_CMP_REQUEUE] = "FUTEX_CMP_REQUEUE",
    [FUTEX_WAKE_OP] = "FUTEX_WAKE_OP",
    [FUTEX_LOCK_PI] = "FUTEX_LOCK_PI",
    [FUTEX_UNLOCK_PI] = "FUTEX_UNLOCK_PI",
    [FUTEX_WAIT_BITSET] = "FUTEX_WAIT_BITSET",
    [FUTEX_WAKE_BITSET] = "FUTEX_WAKE_BITSET",
};

static void put_name(struct sbuf *b, long v, const char *const *names, size_t n)
{
    if (v >= 0 && (size_t)v < n && names[v])
        put(b, "%s", names[v]);
    else
        put(b, "%ld", v);
}

/* Bytes of the application as a C string literal, at most 32 shown. */
static void put_bytes(struct sbuf *b, const void *user, long len)
{
    if (len < 0) len = 0;
    unsigned char tmp[32];
    size_t n = (size_t)len < sizeof(tmp) ? (size_t)len : sizeof(tmp);
    if (n && copy_from_user(tmp, user, n) < 0) {
        put(b, "%p", user);
        return;
    }
    put(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = tmp[i];
        if (c == '"' || c == '\\')
            put(b, "\\%c", c);
        else if (c == '\n')
            put(b, "\\n");
        else if (c == '\t')
            put(b, "\\t");
        else if (c >= 0x20 && c < 0x7f)
            put(b, "%c", c);
        else
            put(b, "\\x%02x", c);
    }
    put(b, "\"%s", (size_t)len > n ? "..." : "");
}

static void put_string(struct sbuf *b, const char *user)
{
    char s[256];
    long n = user ? strncpy_from_user(s, user, sizeof(s)) : -EFAULT;
    if (n < 0) {
        put(b, "%p", (const void *)user);
        return;
    }
    put(b, "\"%s\"%s", s, n >= (long)sizeof(s) - 1 ? "..." : "");
}

static void put_string_array(struct sbuf *b, const char *const *user)
{
    if (!user) {
        put(b, "NULL");
        return;
    }
    put(b, "[");
    int i = 0;
    for (; i < 8; i++) {
        const char *s;
        if (copy_from_user(&s, user + i, sizeof(s)) < 0) {
            put(b, "%s%p", i ? ", " : "", (const void *)(user + i));
            break;
        }
        if (!s) break;
        put(b, "%s", i ? ", " : "");
        put_string(b, s);
    }
    if (i == 8) put(b, ", ...");
    put(b, "]");
}

static void put_mode(struct sbuf *b, unsigned long m)
{
    static const struct {
        mode_t v;
        const char *name;
    } types[] = {{S_IFREG, "S_IFREG"},  {S_IFDIR, "S_IFDIR"}, {S_IFLNK, "S_IFLNK"},
                 {S_IFCHR, "S_IFCHR"},  {S_IFBLK, "S_IFBLK"}, {S_IFIFO, "S_IFIFO"},
                 {S_IFSOCK, "S_IFSOCK"}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if ((m & S_IFMT) == types[i].v) put(b, "%s|", types[i].name);
    put(b, "%#04lo", m & 07777);
}

static void put_arg(struct sbuf *b, char kind, const long *a, int i, long ret)
{
    long v = a[i];
    switch (kind) {
    case 'd':
        put(b, "%ld", v);
        break;
    case 'u':
        put(b, "%lu", (unsigned long)v);
        break;
    case 'F':
        (int)v == AT_FDCWD ? put(b, "AT_FDCWD") : put(b, "%d", (int)v);
        break;
    case 's':
        put_string(b, (const char *)v);
        break;
    case 'w':
        put_bytes(b, (const void *)v, a[i + 1]);
        break;
    case 'r':
        if (ret >= 0 && ret < 4096 * 1024)
            put_bytes(b, (const void *)v, ret);
        else
            put(b, "%p", (void *)v);
        break;
    case 'o': {
        bool rdonly = (v & O_ACCMODE) == O_RDONLY && !(v & O_PATH);
        if (rdonly) put(b, "O_RDONLY%s", v ? "|" : "");
        if (v || !rdonly)
            put_flags(b, (unsigned long)v, open_flags, sizeof(open_flags) / sizeof(open_flags[0]),
                      "0");
        break;
    }
    case 'm':
        put_mode(b, (unsigned long)v);
        break;
    case 'P':
        put_flags(b, (unsigned long)v, prot_flags, 3, "PROT_NONE");
        break;
    case 'M':
        put_flags(b, (unsigned long)v, map_flags, sizeof(map_flags) / sizeof(map_flags[0]), "0");
        break;
    case 'S':
        if (v > 0 && v < 65 && sigabbrev_np((int)v))
            put(b, "SIG%s", sigabbrev_np((int)v));
        else
            put(b, "%ld", v);
        break;
    case 'c': {
        unsigned long sig = (unsigned long)v & 0xff;
        put_flags(b, (unsigned long)v & ~0xffUL, clone_flags,
                  sizeof(clone_flags) / sizeof(clone_flags[0]), "0");
        if (sig && sigabbrev_np((int)sig)) put(b, "|SIG%s", sigabbrev_np((int)sig));
        break;
    }
    case 'a':
        put_flags(b, (unsigned long)v, at_flags, sizeof(at_flags) / sizeof(at_flags[0]), "0");
        break;
    case 'W':
        put_name(b, v, whences, 5);
        break;
    case 'H':
        put_name(b, v, hows, 3);
        break;
    case 'v':
        put_string_array(b, (const char *const *)v);
        break;
    case 'f': {
        long op = v & FUTEX_CMD_MASK;
        put_name(b, op, futex_ops, sizeof(futex_ops) / sizeof(futex_ops[0]));
        if (v & FUTEX_PRIVATE_FLAG) put(b, "_PRIVATE");
        if (v & FUTEX_CLOCK_REALTIME) put(b, "|FUTEX_CLOCK_REALTIME");
        break;
    }
    case 't': {
        struct stat st;
        if (ret < 0 || copy_from_user(&st, (const void *)v, sizeof(st)) < 0) {
            put(b, "%p", (void *)v);
            break;
        }
        put(b, "{st_mode=");
        put_mode(b, st.st_mode);
        put(b, ", st_size=%lld, ...}", (long long)st.st_size);
        break;
    }
    case 'T': {
        struct timespec ts;
        if (!v || copy_from_user(&ts, (const void *)v, sizeof(ts)) < 0)
            put(b, "%p", (void *)v);
        else
            put(b, "{tv_sec=%lld, tv_nsec=%ld}", (long long)ts.tv_sec, ts.tv_nsec);
        break;
    }
    case 'D':
        put_name(b, v, domains, sizeof(domains) / sizeof(domains[0]));
        break;
    case 'Y':
        put_name(b, v & 0xf, sock_types, sizeof(sock_types) / sizeof(sock_types[0]));
        if (v & ~0xfL) {
            put(b, "|");
            put_flags(b, (unsigned long)v & ~0xfUL, sock_type_flags, 2, "0");
        }
        break;
    case 'p':
        v ? put(b, "%p", (void *)v) : put(b, "NULL");
        break;
    default:
        put(b, "%#lx", v);
        break;
    }
}

/* The arguments (and, for calls that fill memory, what they filled: so
 * formatted after the call). */
static void put_call(struct sbuf *b, const struct syscall_regs *r, long ret, int nargs)
{
    const long a[6] = {r->a0, r->a1, r->a2, r->a3, r->a4, r->a5};
    const char *name = syscall_name(r->nr);
    struct thread *t = current_thread();
    put(b, "[pid %d tid %d] ", t->proc->pid, t->tid);
    if (name)
        put(b, "%s(", name);
    else
        put(b, "syscall_%ld(", r->nr);
    const char *s = r->nr >= 0 && r->nr < 512 ? spec[r->nr] : NULL;
    if (!s) s = &"xxxxxx"[6 - (nargs < 0 || nargs > 6 ? 6 : nargs)]; /* all in hex */
    for (int i = 0; s[i] && i < 6; i++) {
        /* open's mode only matters, and is only shown, with O_CREAT or O_TMPFILE */
        if (s[i] == 'm' && i && s[i - 1] == 'o' && !(a[i - 1] & (O_CREAT | O_TMPFILE))) break;
        if (i) put(b, ", ");
        put_arg(b, s[i], a, i, ret);
    }
    put(b, ")");
}

static bool fills_memory(long nr)
{
    const char *s = nr >= 0 && nr < 512 ? spec[nr] : NULL;
    return s && (strchr(s, 'r') || strchr(s, 't'));
}

static bool never_returns(long nr)
{
    return nr == __NR_exit || nr == __NR_exit_group;
}

static void emit(const char *line, size_t len)
{
    if (strace_fd >= 0)
        pal_host_write(strace_fd, line, len);
    else
        pal_log_write(line, len);
}

void strace_enter(struct strace_call *c, const struct syscall_regs *r)
{
    c->len = 0;
    c->done = false;
    if (fills_memory(r->nr)) return; /* all of it after the call */
    struct sbuf b = {c->line, sizeof(c->line) - 64, 0};
    c->line[0] = '\0';
    put_call(&b, r, 0, c->nargs);
    c->len = (int)b.n;
    if (never_returns(r->nr)) {
        struct sbuf e = {c->line, sizeof(c->line), b.n};
        put(&e, " = ?\n");
        emit(c->line, e.n);
        c->done = true;
    }
}

void strace_exit(struct strace_call *c, const struct syscall_regs *r, long ret)
{
    if (c->done) return;
    if (ret == -EINTR_NORESTART) ret = -EINTR; /* what the application sees */
    struct sbuf b = {c->line, sizeof(c->line) - 64, (size_t)c->len};
    if (!c->len) put_call(&b, r, ret, c->nargs); /* the calls that fill memory */
    b.cap = sizeof(c->line);
    if (ret < 0 && ret > -4096) {
        const char *en = strerrorname_np((int)-ret);
        put(&b, " = -1 %s (%s)\n", en ? en : "E?", strerror((int)-ret));
    } else if (r->nr == __NR_mmap || r->nr == __NR_brk || r->nr == __NR_mremap) {
        put(&b, " = %#lx\n", ret);
    } else {
        put(&b, " = %ld\n", ret);
    }
    emit(c->line, b.n);
}
