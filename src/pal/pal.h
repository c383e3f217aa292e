/*
 * pal.h: the Platform Adaptation Layer, the only door from the LibOS core
 * to the host.
 *
 * Every function here is a future OCALL of the SGX PAL, so this list is the
 * audit surface of the trusted computing base: keep it short, and keep
 * every argument plain data (no host pointers stored by the LibOS).
 *
 * Conventions: functions that can fail return a negative errno value
 * (-ENOENT, ...) and >= 0 on success, like raw Linux system calls. Host
 * file descriptors are plain ints owned by the LibOS object that opened
 * them. Paths passed to pal_host_* are host paths, already composed by
 * the LibOS (hostfs and the plain image layer).
 *
 * The sim PAL (src/pal/sim) runs the LibOS in an ordinary Linux process.
 */
#ifndef OCCLUM_PAL_H
#define OCCLUM_PAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>

struct statx;

/* ---- process-wide ---- */
_Noreturn void pal_exit(int status);
/* Raw write for logging; never fails visibly. */
void pal_log_write(const char *buf, size_t len);
/* Fill buf with len cryptographically random bytes. */
int pal_random(void *buf, size_t len);
/* The host kernel's release string (uname -r), NUL-terminated in buf. */
int pal_kernel_release(char *buf, size_t len);
/* A value of the host's auxiliary vector (AT_SYSINFO_EHDR, AT_HWCAP,
 * AT_HWCAP2, AT_MINSIGSTKSZ...), or 0. */
uint64_t pal_host_auxval(unsigned long type);
/* Number of online host CPUs. */
int pal_num_cpus(void);

/* ---- memory: the user region ---- */
/* Reserve `size` bytes of address space, inaccessible. Returns the base or NULL. */
void *pal_vm_reserve(size_t size);
/* Reserve exactly [addr, addr+size), inaccessible; -EEXIST when the host
 * uses any of it (never replaces a host mapping). */
int pal_vm_reserve_at(void *addr, size_t size);
/* Make [addr, addr+len) fresh zero-filled memory with protection `prot`. */
int pal_vm_commit(void *addr, size_t len, int prot);
/* Return [addr, addr+len) to the reserved, inaccessible state (content dropped). */
int pal_vm_decommit(void *addr, size_t len);
int pal_vm_protect(void *addr, size_t len, int prot);
/* Make [addr, addr+len) (already part of the user region) fresh zero-filled
 * memory that a fork's child shares with its parent (MAP_SHARED anonymous
 * memory: a host fork keeps it shared). */
int pal_vm_share(void *addr, size_t len, int prot);
/* A private, copy-on-write view of host fd's bytes [off, off+len) at addr
 * (which must already be part of the user region). */
int pal_vm_map_file(void *addr, size_t len, int prot, int fd, off_t off);
/* A shared view of host fd's bytes [off, off+len) at addr (part of the
 * user region): stores reach the fd, and every view of it in any host
 * process (MAP_SHARED files: vm/shared_map.c). */
int pal_vm_map_shared(void *addr, size_t len, int prot, int fd, off_t off);
/* An anonymous in-memory host file (for the loader's image cache). */
int pal_memfd_create(const char *name);

/* ---- memory: the LibOS's own ---- */
/* The kernel heap's region: `size` bytes of a memfd mapped MAP_SHARED and
 * sparse (memory only where touched), so that host processes forked from
 * this one share it at the same address. NULL on failure. */
void *pal_kheap_create(size_t size);
/* Give the pages of [addr, addr+len) of that region back to the host; they
 * read as zeros afterwards. */
int pal_kheap_discard(void *addr, size_t len);
/* Before any LibOS code runs: the LibOS core's globals (all but those
 * marked LIBOS_PRIVATE) become memory shared with the host processes
 * forked from this one. 0 or -errno. */
int pal_share_globals(void);
/* A LibOS global that holds state of this host process (a host fd, a
 * pointer into private memory) and so must not be shared. */
#define LIBOS_PRIVATE __attribute__((section(".libos_private")))
/* Private memory of this host process (a LibOS stack), with an
 * inaccessible guard page below it; NULL on failure. */
void *pal_private_stack_alloc(size_t size);
void pal_private_stack_free(void *stack, size_t size);

/* ---- host files (hostfs, the plain image layer, the standard streams) ---- */
int pal_host_open(const char *path, int flags, mode_t mode);
int pal_host_close(int fd);
ssize_t pal_host_read(int fd, void *buf, size_t len);
ssize_t pal_host_write(int fd, const void *buf, size_t len);
ssize_t pal_host_pread(int fd, void *buf, size_t len, off_t off);
ssize_t pal_host_pwrite(int fd, const void *buf, size_t len, off_t off);
off_t pal_host_lseek(int fd, off_t off, int whence);
int pal_host_fstat(int fd, struct stat *st);
int pal_host_lstat(const char *path, struct stat *st);
int pal_host_stat(const char *path, struct stat *st);
ssize_t pal_host_getdents64(int fd, void *buf, size_t len);
int pal_host_mkdir(const char *path, mode_t mode);
int pal_host_rmdir(const char *path);
int pal_host_unlink(const char *path);
int pal_host_rename(const char *from, const char *to);
/* renameat2(2) flags: RENAME_NOREPLACE, RENAME_EXCHANGE. */
int pal_host_rename2(const char *from, const char *to, unsigned flags);
/* A FIFO or socket node (no devices). */
int pal_host_mknod(const char *path, mode_t mode);
int pal_host_link(const char *from, const char *to);
int pal_host_symlink(const char *target, const char *path);
ssize_t pal_host_readlink(const char *path, char *buf, size_t len);
int pal_host_chmod(const char *path, mode_t mode);
int pal_host_ftruncate(int fd, off_t len);
/* statfs(2) of the host file system holding path. */
struct statfs;
int pal_host_statfs(const char *path, struct statfs *st);
int pal_host_fsync(int fd, int datasync);
/* sync(2) of the host: hostfs data reaches its disk. */
void pal_host_sync(void);
int pal_host_utimensat(const char *path, const struct timespec times[2], int flags);
int pal_host_fcntl(int fd, int cmd, long arg);
/* Host sockets (AF_INET, AF_INET6, AF_UNIX): the calls of the same names;
 * pointers are the caller's (checked) memory. 0 / a count / an fd, or -errno. */
struct sockaddr;
struct msghdr;
int pal_host_socket(int domain, int type, int protocol);
int pal_host_socketpair(int domain, int type, int protocol, int fds[2]);
int pal_host_bind(int fd, const struct sockaddr *addr, unsigned len);
int pal_host_listen(int fd, int backlog);
int pal_host_accept4(int fd, struct sockaddr *addr, unsigned *len, int flags);
int pal_host_connect(int fd, const struct sockaddr *addr, unsigned len);
int pal_host_getsockname(int fd, struct sockaddr *addr, unsigned *len);
int pal_host_getpeername(int fd, struct sockaddr *addr, unsigned *len);
int pal_host_setsockopt(int fd, int level, int name, const void *val, unsigned len);
int pal_host_getsockopt(int fd, int level, int name, void *val, unsigned *len);
int pal_host_shutdown(int fd, int how);
ssize_t pal_host_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                        unsigned alen);
ssize_t pal_host_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                          unsigned *alen);
ssize_t pal_host_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t pal_host_recvmsg(int fd, struct msghdr *msg, int flags);
/* Can the host wait for fd's readiness (epoll: not a regular file, /dev/null...)? */
bool pal_host_pollable(int fd);
int pal_host_ioctl(int fd, unsigned long req, void *arg);
int pal_host_isatty(int fd);
/* A non-blocking, close-on-exec host eventfd (counter 0). */
int pal_host_eventfd(void);
/* poll(2) on host fds; `fds` is a struct pollfd array. */
int pal_host_poll(void *fds, unsigned long nfds, int timeout_ms);
/* A host epoll instance for the readiness of host fds (net/epoll.c). It
 * is used only in the host process that made it: elsewhere ctl and wait
 * give -EXDEV (its registrations name that process's fds). ctl: op is
 * EPOLL_CTL_ADD/MOD/DEL of host fd fd with events and data; wait: the
 * ready ones now (no waiting) into `events` (struct epoll_event[max]).
 * 0 / a count, or -errno. */
int pal_host_epoll_create(void);
int pal_host_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t data);
int pal_host_epoll_ready(int ep, void *events, int max);
/* sendfile(2) between host fds: the host moves the bytes without a copy
 * through LibOS memory; off NULL: in's own position. A count, or -errno. */
ssize_t pal_host_sendfile(int out, int in, off_t *off, size_t count);

/* ---- time ---- */
int pal_clock_gettime(clockid_t clk, struct timespec *ts);
int pal_clock_getres(clockid_t clk, struct timespec *ts);
/* Sleep; returns 0, or -EINTR when interrupted (rem filled when non-NULL). */
int pal_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem);

/* ---- threads and synchronisation ---- */
/* Start a host thread running fn(arg) with a host stack of stack_size bytes. */
int pal_thread_create(void *(*fn)(void *), void *arg, size_t stack_size);
_Noreturn void pal_thread_exit(void);

/* ---- address spaces (sim: host processes; see docs/architecture.md) ---- */
/* A host fork of this host process: the child host process's pid in the
 * parent, 0 in the child (which runs on a copy of the calling thread
 * alone), or -errno. The child ends by itself when the instance's root
 * ends, or when *child_users (shared memory) stays 0. */
int pal_as_fork(const int *child_users);
/* End this (forked) host process. */
_Noreturn void pal_as_exit(void);
/* In a fork's child, the copy of the forking thread goes on as a host
 * thread of the new host process: on a fresh private stack of stack_size
 * bytes it runs fn(arg) (where the LibOS runs the child's thread: no
 * thread to create, on fork's critical path), then stays as the host
 * process's watcher. Nothing on the stack it leaves (the parent thread's
 * frames) is touched again. */
_Noreturn void pal_as_forked_run(void *(*fn)(void *), void *arg, size_t stack_size);
int pal_gettid(void);
/* Futex on any memory in this address space (LibOS or user). */
long pal_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3);
/* Sleep until *a != va or *b != vb (shared futex words: a FUTEX_WAKE of
 * either ends it) or until CLOCK_MONOTONIC reaches *deadline (NULL: no
 * deadline). -ENOSYS on a host without futex_waitv (Linux < 5.16). */
long pal_futex_wait2(uint32_t *a, uint32_t va, uint32_t *b, uint32_t vb,
                     const struct timespec *deadline);
int pal_sched_yield(void);
/* The calling host thread's policy: SCHED_BATCH (its wake-ups do not
 * preempt the task running on its CPU) or back to SCHED_OTHER. */
int pal_sched_batch(bool batch);
/* membarrier(2) over all host threads of the instance. */
int pal_membarrier(int cmd, unsigned flags);
int pal_sched_getaffinity(size_t len, void *mask);
/* Of the calling host thread. */
int pal_sched_setaffinity(size_t len, const void *mask);

/* ---- the trap machinery (sim: Syscall User Dispatch and host signals) ----
 *
 * Every host thread that runs application code has its %gs base pointing at
 * a struct pal_tcb (the first member of the LibOS's struct thread). The
 * PAL's asm entry uses it to switch to the LibOS's %fs and to flip the
 * interception selector before any C runs, then calls libos_trap_handler.
 */
struct pal_tcb {
    uint64_t libos_fsbase; /* offset 0: %fs base of the host thread */
    char selector;         /* offset 8: 0 = syscalls allowed, 1 = intercepted */
    char pad[7];
    uint64_t stack_top;      /* offset 16: 64-aligned top of the LibOS stack (fast path) */
    uint64_t resume_rip;     /* offset 24: the fast path's exit when the app stack is gone */
    int host_tid;            /* for pal_thread_interrupt */
    int host_pid;            /* the host process it runs in (one of several after a fork) */
    uint32_t interrupt_sent; /* offset 40: an interrupt is on its way (pal_thread_interrupt) */
    int retry_timer;         /* host timer id + 1 of pal_thread_interrupt_soon, or 0 */
};

/* The general registers of an application context (what a new thread,
 * a vfork child or a fresh image starts with). */
struct pal_user_regs {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    uint64_t fsbase;
};

/* The context the trap entry saved: the interrupted %fs base and selector,
 * restored on return. The LibOS edits fsbase (arch_prctl). */
struct pal_trap_frame {
    uint64_t fsbase;
    uint64_t selector;
};

/* Implemented by the LibOS, called by the PAL on every trap (a system call
 * of the application, a fault, a LibOS interrupt). `uc` is the interrupted
 * ucontext_t; frame is NULL on host threads without a pal_tcb. */
void libos_trap_handler(int sig, void *info, void *uc, struct pal_trap_frame *frame);
/* Whether the trap interrupted application code (rather than the LibOS):
 * interception was on, and the interrupted instruction is not one of
 * the first or last of the trap entry itself, which run with
 * interception still (or again) on, on the host's alternate stack inside
 * another trap's host frame. An application signal handler must never
 * run on such a context: its own system calls would trap onto that live
 * frame. */
bool pal_trap_from_app(const void *uc, const struct pal_trap_frame *frame);

/* Process-wide: install the host handlers for SIGSYS, the fault signals,
 * PAL_INTERRUPT_SIGNAL, and the signals a user sends to `occlum run`
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT), which the LibOS forwards. */
int pal_trap_install(void);
/* Per thread, before it first runs application code: %gs = tcb, an
 * alternate signal stack, and syscall interception with tcb->selector. */
int pal_thread_trap_init(struct pal_tcb *tcb, void *altstack, size_t altstack_size);
/* Undo pal_thread_trap_init before the host thread exits or runs another
 * thread; keep_altstack: it stays this host thread's alternate stack (a
 * pooled host thread, which frees it only after a fini without it). */
void pal_thread_trap_fini(bool keep_altstack);
/*
 * The fast path (docs/architecture.md, "Entering the LibOS"): a rewritten system call site jumps
 * to a per-site trampoline that calls pal_fast_syscall_entry, which saves
 * the application's registers and extended state into a ucontext_t on the
 * LibOS stack (exactly what a SIGSYS trap would have given, RIP after the
 * syscall instruction), switches %fs and the selector, and calls
 * libos_fast_syscall(uc, frame, site); on return it resumes the application
 * from that (possibly changed) ucontext. No host signal, no kernel round
 * trip.
 *
 * Trampoline contract: entered by `call *...` with %rsp = app %rsp - 136
 * (the red zone is never touched) and the pushed return address pointing
 * at two quadwords: the address right after the original syscall
 * instruction (the context's RIP), and where the call goes on when the
 * LibOS leaves that RIP as it was (the rest of the trampoline). That
 * pointer is `site`.
 */
void pal_fast_syscall_entry(void);
void libos_fast_syscall(void *uc, struct pal_trap_frame *frame, const uint64_t *site);
/*
 * Before saving anything, the entry offers the call to libos_fast_leaf(nr)
 * on the LibOS stack, with the application's %fs, extended state and
 * selector "allow": the answer, or PAL_FAST_LEAF_NONE to take the full
 * path above. Its code must never touch a vector register nor call out
 * (the LibOS builds it so and checks it), which is what lets the entry
 * skip the XSAVE; it must be free of side effects (it may be answered
 * again by the full path).
 */
#define PAL_FAST_LEAF_NONE (-0x7fffffffffffffffL - 1)
long libos_fast_leaf(long nr);
/* Whether [addr, addr+len) is writable application memory (the fast exit
 * leaves the return address below the application's stack pointer). */
bool libos_user_writable(uint64_t addr, size_t len);
/* Read the CPU's extended-state layout and size the fast path's frame
 * for it, once at boot. NULL, or why the fast path cannot save this
 * CPU's state safely (then every system call takes the trap path). */
const char *pal_fast_path_init(void);
/* Bytes of the whole extended state XCR0 enables (XSAVE standard format,
 * AMX tile data included), and XCR0 itself. */
uint32_t pal_xsave_size(void);
uint64_t pal_xsave_features(void);
/* Dynamically enabled state (AMX tile data), arch_prctl(2)'s
 * ARCH_GET_XCOMP_SUPP and ARCH_REQ_XCOMP_PERM of the host process: the
 * features the host supports; ask the host for permission to use feature
 * idx (0 or the host's -errno), after which the fast path saves it too. */
int pal_xcomp_supported(uint64_t *mask);
/* Make an XSAVE area that holds `features` acceptable to XRSTOR (reserved
 * header bits, MXCSR bits): what an application's sigreturn copied in is
 * reset to the initial state instead of faulting on the way out. */
void pal_xstate_sanitize(void *area, uint64_t features);
/* The extended state of a trapped context (its uc_mcontext.fpregs),
 * complete: a fast-path context may hold only what LibOS code can change
 * until this fills in the rest (fast.c, "manual vectors"). Whoever reads
 * or writes a context's extended state calls it first. */
struct _libc_fpstate *pal_uc_fpstate(void *uc);
int pal_xcomp_request(unsigned long idx, bool guest);

/* Where PAL code that a fault on application memory may stop (its
 * writes to the application's stack on the way into application code)
 * resumes, for a fault at rip; 0 when rip is not such an instruction. */
uint64_t pal_fault_fixup(uint64_t rip);

/* Jump to application code with these registers (%fs base included),
 * interception on, a clean FPU state. Never returns. */
_Noreturn void pal_enter_user(struct pal_tcb *tcb, const struct pal_user_regs *regs);

/* The LibOS's own interrupt: a host signal to one thread (by tcb) that
 * enters libos_trap_handler with sig == PAL_INTERRUPT_SIGNAL, making a
 * blocking host call in that thread return -EINTR. One at a time: while
 * one is on its way (sent, its handler not yet entered), another
 * pal_thread_interrupt sends nothing, since the handler has not yet
 * looked at what the sender changed. The host would queue every one
 * (a real-time signal), and a thread flooded with them would do nothing
 * but take them. */
#define PAL_INTERRUPT_SIGNAL 64
int pal_thread_interrupt(struct pal_tcb *tcb);
/* From the calling thread's own trap handler: have its interrupt arrive
 * again in about 50 us (a host timer of the thread's, made on first use,
 * gone with pal_thread_trap_fini). For an interrupt that came after the
 * thread's last look for signals and before it was back in application
 * code, which cannot be taken where it landed: by then the thread runs
 * application code, or is in another call, whose own look sees it. */
void pal_thread_interrupt_soon(void);
/* Host waits that an interrupt cannot slip past: -EINTR without waiting
 * when *cancel is non-zero, and -EINTR when an interrupt comes at any
 * point after that check (a plain host call misses one that arrives
 * just before it starts). The interrupted thread's handler must call
 * pal_interrupt_fixup(uc) for PAL_INTERRUPT_SIGNAL. */
long pal_futex_interruptible(const uint32_t *cancel, uint32_t *uaddr, int op, uint32_t val,
                             const struct timespec *timeout, uint32_t *uaddr2, uint32_t val3);
int pal_nanosleep_interruptible(const uint32_t *cancel, clockid_t clk, int flags,
                                const struct timespec *req, struct timespec *rem);
void pal_interrupt_fixup(void *uc);

#endif
