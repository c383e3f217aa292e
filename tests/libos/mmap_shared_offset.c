/*
 * mmap_shared_offset: a MAP_SHARED mapping of a device at an offset past
 * 2^63, unmapped by the process and left behind by a child at its exit,
 * harms no one: the process and its parent carry on. The LibOS clamped
 * the write-back length with that offset as a negative off_t, and the
 * overflow made every page above the mapping (other processes' code
 * included) read-write and not executable: the parent died of SIGSEGV
 * after its child exited (found by tests/fuzz/syscall_fuzz).
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"

extern char **environ;

/* The mapping: whatever the kernel answers (Linux maps /dev/zero there). */
static void map_far(const char *dev, int prot)
{
    int fd = open(dev, O_RDWR);
    CHECK(fd >= 0);
    long r =
        syscall(SYS_mmap, 0, 4095UL, (long)prot, (long)MAP_SHARED, (long)fd, 0x8000000000000000UL);
    if (r != -1) {
        CHECK(syscall(SYS_munmap, r, 4095UL) == 0);
        r = syscall(SYS_mmap, 0, 4095UL, (long)prot, (long)MAP_SHARED, (long)fd,
                    0x8000000000000000UL);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* the child: map, then exit with the mapping in place */
        map_far("/dev/zero", PROT_NONE);
        map_far("/dev/null", PROT_NONE);
        return 7;
    }
    map_far("/dev/zero", PROT_READ);
    char *args[] = {argv[0], "child", NULL};
    pid_t pid;
    CHECK(posix_spawn(&pid, argv[0], NULL, NULL, args, environ) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    for (int i = 0; i < 3; i++) { /* run code on every page we have */
        struct timespec ts = {0, 1000000};
        CHECK(nanosleep(&ts, NULL) == 0);
    }
    puts("mmap_shared_offset: ok");
    return 0;
}
