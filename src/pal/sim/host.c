/*
 * host: the sim PAL's host calls. The LibOS is an ordinary Linux process
 * here, so each PAL function is one raw system call; errors come back as
 * -errno, the convention of the whole LibOS. The fds the LibOS holds are
 * handles (handles.c), turned into this host process's fds here.
 */
#include "pal/pal.h"
#include "pal/sim/handles.h"

#include <errno.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RET(expr)                                                                                  \
    do {                                                                                           \
        long r_ = (long)(expr);                                                                    \
        return r_ < 0 ? -errno : r_;                                                               \
    } while (0)

_Noreturn void pal_exit(int status)
{
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}

void pal_log_write(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(2, buf, len);
        if (n <= 0) return;
        buf += n;
        len -= (size_t)n;
    }
}

int pal_kernel_release(char *buf, size_t len)
{
    struct utsname u;
    if (uname(&u) < 0) return -errno;
    snprintf(buf, len, "%s", u.release);
    return 0;
}

int pal_random(void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The kernel's auxv as given to this process. glibc's getauxval is not
 * enough: on x86-64 it answers AT_HWCAP with its own dl_hwcap value. */
uint64_t pal_host_auxval(unsigned long type)
{
    static uint64_t auxv[2 * 64];
    static int loaded;
    if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE)) {
        int fd = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, auxv, sizeof(auxv) - 2 * sizeof(uint64_t));
            (void)n;
            close(fd);
        }
        __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
    }
    for (size_t i = 0; i < 2 * 64 && auxv[i] != AT_NULL; i += 2)
        if (auxv[i] == type) return auxv[i + 1];
    return type == AT_SYSINFO_EHDR ? getauxval(type) : 0;
}

int pal_num_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void *pal_vm_reserve(size_t size)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int pal_vm_reserve_at(void *addr, size_t size)
{
    void *p = mmap(addr, size, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return -errno;
    if (p != addr) { /* a kernel before 4.17 takes the flag as a hint */
        munmap(p, size);
        return -EEXIST;
    }
    return 0;
}

int pal_vm_commit(void *addr, size_t len, int prot)
{
    void *p = mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    return p == MAP_FAILED ? -errno : 0;
}

int pal_vm_decommit(void *addr, size_t len)
{
    void *p =
        mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? -errno : 0;
}

int pal_vm_share(void *addr, size_t len, int prot)
{
    int fd = memfd_create("occlum-shared-anon", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int r = ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
    if (r == 0 && mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) r = -errno;
    close(fd); /* the mapping keeps the memory */
    return r;
}

int pal_vm_map_file(void *addr, size_t len, int prot, int fd, off_t off)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    void *p = mmap(addr, len, prot, MAP_PRIVATE | MAP_FIXED, fd, off);
    return p == MAP_FAILED ? -errno : 0;
}

int pal_vm_map_shared(void *addr, size_t len, int prot, int fd, off_t off)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    void *p = mmap(addr, len, prot, MAP_SHARED | MAP_FIXED, fd, off);
    return p == MAP_FAILED ? -errno : 0;
}

/* A new host fd as a handle. */
static int wrap(int fd)
{
    return handle_new(fd < 0 ? -errno : fd);
}

int pal_memfd_create(const char *name)
{
    return wrap(memfd_create(name, MFD_CLOEXEC));
}

/* The fd is not kept: the mapping holds the file, and a host fork inherits
 * the mapping itself. */
void *pal_kheap_create(size_t size)
{
    int fd = memfd_create("occlum-kheap", MFD_CLOEXEC);
    if (fd < 0) return NULL;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0)
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int pal_kheap_discard(void *addr, size_t len)
{
    RET(madvise(addr, len, MADV_REMOVE));
}

void *pal_private_stack_alloc(size_t size)
{
    size_t guard = 4096;
    char *p = mmap(NULL, size + guard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (mprotect(p, guard, PROT_NONE) < 0) {
        munmap(p, size + guard);
        return NULL;
    }
    return p + guard;
}

void pal_private_stack_free(void *stack, size_t size)
{
    if (stack) munmap((char *)stack - 4096, size + 4096);
}

int pal_vm_protect(void *addr, size_t len, int prot)
{
    RET(mprotect(addr, len, prot));
}

int pal_host_open(const char *path, int flags, mode_t mode)
{
    return wrap(open(path, flags, mode));
}

int pal_host_close(int fd)
{
    return handle_close(fd);
}

ssize_t pal_host_read(int fd, void *buf, size_t len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(read(fd, buf, len));
}

ssize_t pal_host_write(int fd, const void *buf, size_t len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(write(fd, buf, len));
}

ssize_t pal_host_pread(int fd, void *buf, size_t len, off_t off)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(pread(fd, buf, len, off));
}

ssize_t pal_host_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(pwrite(fd, buf, len, off));
}

off_t pal_host_lseek(int fd, off_t off, int whence)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(lseek(fd, off, whence));
}

int pal_host_fstat(int fd, struct stat *st)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(fstat(fd, st));
}

int pal_host_lstat(const char *path, struct stat *st)
{
    RET(lstat(path, st));
}

int pal_host_stat(const char *path, struct stat *st)
{
    RET(stat(path, st));
}

ssize_t pal_host_getdents64(int fd, void *buf, size_t len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(syscall(SYS_getdents64, fd, buf, len));
}

int pal_host_mkdir(const char *path, mode_t mode)
{
    RET(mkdir(path, mode));
}

int pal_host_rmdir(const char *path)
{
    RET(rmdir(path));
}

int pal_host_unlink(const char *path)
{
    RET(unlink(path));
}

int pal_host_rename(const char *from, const char *to)
{
    RET(rename(from, to));
}

bool pal_host_pollable(int fd)
{
    fd = handle_fd(fd);
    if (fd < 0) return false;
    /* The host's own answer: its epoll refuses (EPERM) what cannot be polled. */
    static int probe = -1;
    int ep = __atomic_load_n(&probe, __ATOMIC_ACQUIRE);
    if (ep < 0) {
        int e = epoll_create1(EPOLL_CLOEXEC), none = -1;
        if (e < 0) return false;
        if (!__atomic_compare_exchange_n(&probe, &none, e, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE)) {
            close(e);
            e = none;
        }
        ep = e;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) return errno == EEXIST;
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    return true;
}

int pal_host_rename2(const char *from, const char *to, unsigned flags)
{
    RET(syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags));
}

int pal_host_mknod(const char *path, mode_t mode)
{
    RET(mknod(path, mode, 0));
}

int pal_host_link(const char *from, const char *to)
{
    RET(link(from, to));
}

int pal_host_symlink(const char *target, const char *path)
{
    RET(symlink(target, path));
}

ssize_t pal_host_readlink(const char *path, char *buf, size_t len)
{
    RET(readlink(path, buf, len));
}

int pal_host_chmod(const char *path, mode_t mode)
{
    RET(chmod(path, mode));
}

int pal_host_statfs(const char *path, struct statfs *st)
{
    RET(statfs(path, st));
}

int pal_host_ftruncate(int fd, off_t len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(ftruncate(fd, len));
}

int pal_host_fsync(int fd, int datasync)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(datasync ? fdatasync(fd) : fsync(fd));
}

void pal_host_sync(void)
{
    sync();
}

int pal_host_utimensat(const char *path, const struct timespec times[2], int flags)
{
    RET(utimensat(AT_FDCWD, path, times, flags));
}

int pal_host_fcntl(int fd, int cmd, long arg)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(fcntl(fd, cmd, arg));
}

int pal_host_ioctl(int fd, unsigned long req, void *arg)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(ioctl(fd, req, arg));
}

int pal_host_isatty(int fd)
{
    fd = handle_fd(fd);
    if (fd < 0) return 0;
    return isatty(fd);
}

int pal_host_eventfd(void)
{
    return wrap(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

int pal_host_poll(void *fds, unsigned long nfds, int timeout_ms)
{
    /* The handles become this process's fds for the call and come back
     * after; one that names nothing is POLLNVAL, as a bad fd on Linux. */
    struct pollfd *p = fds;
    int on_stack[64];
    int *handles = nfds <= 64 ? on_stack : malloc(nfds * sizeof(int));
    if (!handles) return -ENOMEM;
    int bad = 0;
    for (unsigned long i = 0; i < nfds; i++) {
        handles[i] = p[i].fd;
        if (p[i].fd < 0) continue;
        p[i].fd = handle_fd(p[i].fd);
        if (p[i].fd < 0) {
            p[i].fd = -1; /* poll skips it */
            bad++;
        }
    }
    int r = poll(fds, nfds, bad ? 0 : timeout_ms);
    int e = errno;
    for (unsigned long i = 0; i < nfds; i++) {
        if (r >= 0 && p[i].fd < 0 && handles[i] >= 0) {
            p[i].revents = POLLNVAL;
            r++;
        }
        p[i].fd = handles[i];
    }
    if (handles != on_stack) free(handles);
    return r < 0 ? -e : r;
}

int pal_host_epoll_create(void)
{
    return wrap(epoll_create1(EPOLL_CLOEXEC));
}

int pal_host_epoll_ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
    if (!handle_owned_here(ep)) return -EXDEV;
    ep = handle_fd(ep);
    fd = handle_fd(fd);
    if (ep < 0 || fd < 0) return -EBADF;
    struct epoll_event ev = {.events = events, .data.u64 = data};
    RET(epoll_ctl(ep, op, fd, &ev));
}

int pal_host_epoll_ready(int ep, void *events, int max)
{
    if (!handle_owned_here(ep)) return -EXDEV;
    ep = handle_fd(ep);
    if (ep < 0) return -EBADF;
    RET(epoll_wait(ep, events, max, 0));
}

ssize_t pal_host_sendfile(int out, int in, off_t *off, size_t count)
{
    out = handle_fd(out);
    in = handle_fd(in);
    if (out < 0 || in < 0) return -EBADF;
    RET(sendfile(out, in, off, count));
}

int pal_clock_gettime(clockid_t clk, struct timespec *ts)
{
    /* The vDSO answers CPU-time clocks only by making the system call:
     * straight to it, without first touching libc's and the vDSO's code
     * (page faults in a fork's child, which reads its thread's clock
     * first thing). */
    if (clk == CLOCK_THREAD_CPUTIME_ID || clk == CLOCK_PROCESS_CPUTIME_ID || clk < 0) {
        long r = syscall(SYS_clock_gettime, clk, ts);
        return r < 0 ? -errno : 0;
    }
    RET(clock_gettime(clk, ts));
}

int pal_clock_getres(clockid_t clk, struct timespec *ts)
{
    RET(clock_getres(clk, ts));
}

int pal_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
    /* clock_nanosleep returns the error number instead of setting errno */
    return -clock_nanosleep(clk, flags, req, rem);
}

int pal_gettid(void)
{
    return (int)syscall(SYS_gettid);
}

long pal_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3)
{
    RET(syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3));
}

long pal_futex_wait2(uint32_t *a, uint32_t va, uint32_t *b, uint32_t vb,
                     const struct timespec *deadline)
{
    struct futex_waitv w[2] = {
        {.val = va, .uaddr = (uintptr_t)a, .flags = FUTEX_32},
        {.val = vb, .uaddr = (uintptr_t)b, .flags = FUTEX_32},
    };
    RET(syscall(SYS_futex_waitv, w, 2, 0, deadline, CLOCK_MONOTONIC));
}

int pal_sched_yield(void)
{
    RET(sched_yield());
}

int pal_sched_batch(bool batch)
{
    struct sched_param sp = {0};
    RET(syscall(SYS_sched_setscheduler, 0, batch ? SCHED_BATCH : SCHED_OTHER, &sp));
}

int pal_membarrier(int cmd, unsigned flags)
{
    RET(syscall(SYS_membarrier, cmd, flags, 0));
}

int pal_sched_getaffinity(size_t len, void *mask)
{
    RET(syscall(SYS_sched_getaffinity, 0, len, mask));
}

int pal_sched_setaffinity(size_t len, const void *mask)
{
    RET(syscall(SYS_sched_setaffinity, 0, len, mask));
}

/* ---- sockets ---- */

int pal_host_socket(int domain, int type, int protocol)
{
    return wrap(socket(domain, type, protocol));
}

int pal_host_socketpair(int domain, int type, int protocol, int fds[2])
{
    int host[2];
    if (socketpair(domain, type, protocol, host) < 0) return -errno;
    fds[0] = handle_new(host[0]);
    fds[1] = handle_new(host[1]);
    if (fds[0] >= 0 && fds[1] >= 0) return 0;
    if (fds[0] >= 0) handle_close(fds[0]);
    if (fds[1] >= 0) handle_close(fds[1]);
    return -EMFILE;
}

int pal_host_bind(int fd, const struct sockaddr *addr, unsigned len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(bind(fd, addr, len));
}

int pal_host_listen(int fd, int backlog)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(listen(fd, backlog));
}

int pal_host_accept4(int fd, struct sockaddr *addr, unsigned *len, int flags)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    return wrap(accept4(fd, addr, len, flags));
}

int pal_host_connect(int fd, const struct sockaddr *addr, unsigned len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(connect(fd, addr, len));
}

int pal_host_getsockname(int fd, struct sockaddr *addr, unsigned *len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(getsockname(fd, addr, len));
}

int pal_host_getpeername(int fd, struct sockaddr *addr, unsigned *len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(getpeername(fd, addr, len));
}

int pal_host_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(setsockopt(fd, level, name, val, len));
}

int pal_host_getsockopt(int fd, int level, int name, void *val, unsigned *len)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(getsockopt(fd, level, name, val, len));
}

int pal_host_shutdown(int fd, int how)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(shutdown(fd, how));
}

ssize_t pal_host_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                        unsigned alen)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(sendto(fd, buf, len, flags | MSG_NOSIGNAL, addr, alen));
}

ssize_t pal_host_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                          unsigned *alen)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(recvfrom(fd, buf, len, flags, addr, alen));
}

ssize_t pal_host_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(sendmsg(fd, msg, flags | MSG_NOSIGNAL));
}

ssize_t pal_host_recvmsg(int fd, struct msghdr *msg, int flags)
{
    fd = handle_fd(fd);
    if (fd < 0) return fd;
    RET(recvmsg(fd, msg, flags));
}
