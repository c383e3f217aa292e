/*
 * efault_out: results written to memory that cannot take them are EFAULT,
 * with what Linux leaves behind: pipe2 installs no descriptors, wait4 has
 * reaped the child all the same, epoll_wait reports the fault. The LibOS
 * stored these through the pointer after checking it, which a thread
 * unmapping the page in between turned into a LibOS crash
 * (tests/fuzz/syscall_fuzz).
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"

static int lowest_free_fd(void)
{
    int fd = dup(0);
    CHECK(fd >= 0);
    close(fd);
    return fd;
}

int main(void)
{
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);

    int before = lowest_free_fd();
    CHECK_ERRNO(syscall(SYS_pipe2, ro, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_pipe, ro), EFAULT);
    CHECK(lowest_free_fd() == before);

    int ep = epoll_create1(0), ev = eventfd(1, 0);
    CHECK(ep >= 0 && ev >= 0);
    struct epoll_event e = {.events = EPOLLIN};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) == 0);
    CHECK_ERRNO(syscall(SYS_epoll_wait, ep, ro, 1, 0), EFAULT);
    struct epoll_event out;
    CHECK(epoll_wait(ep, &out, 1, 0) == 1 && (out.events & EPOLLIN));

    pid_t pid = vfork();
    if (pid == 0) _exit(3);
    CHECK(pid > 0);
    CHECK_ERRNO(syscall(SYS_wait4, pid, ro, 0, NULL), EFAULT);
    CHECK_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD); /* reaped all the same */
    puts("efault_out: ok");
    return 0;
}
