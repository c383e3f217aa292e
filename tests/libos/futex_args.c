/*
 * futex_args: the futex pointers the kernel touches are checked as Linux
 * checks them: FUTEX_WAKE_OP writes *uaddr2 (EFAULT when it is unmapped or
 * read-only, the word unchanged), a wait reads its timeout (EFAULT for a
 * bad one), and FUTEX_REQUEUE and a private FUTEX_WAKE only use their
 * addresses as keys (no EFAULT). The LibOS passes
 * futexes to the host kernel, which would write to the LibOS's own memory
 * as readily (tests/fuzz/syscall_fuzz found the unchecked uaddr2).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "check.h"

static long futex(uint32_t *uaddr, int op, uint32_t val, void *timeout_or_val2, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

int main(void)
{
    uint32_t word = 7, other = 1;
    uint32_t *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);
    ro[0] = 42;
    CHECK(mprotect(ro, 4096, PROT_READ) == 0);
    uint32_t *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(gone != MAP_FAILED);
    CHECK(munmap(gone, 4096) == 0);

    /* FUTEX_WAKE_OP: *uaddr2 = 5 (FUTEX_OP_SET), wake if old == 1 */
    uint32_t op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 1);
    CHECK(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &other, op) == 0);
    CHECK(other == 5);
    CHECK_ERRNO(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, NULL, op), EFAULT);
    CHECK_ERRNO(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, gone, op), EFAULT);
    CHECK_ERRNO(futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, ro, op), EFAULT);
    CHECK(ro[0] == 42);
    CHECK_ERRNO(
        futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (uint32_t *)0xffffffff81000000ul, op),
        EFAULT);

    /* a wait reads its timeout */
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 7, (void *)1, NULL, 0), EFAULT);
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 7, gone, NULL, 0), EFAULT);
    struct timespec ts = {0, 1000000};
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 7, &ts, NULL, 0), ETIMEDOUT);
    /* the timeout is copied before the word is compared */
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 8, (void *)1, NULL, 0), EFAULT);
    CHECK_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 8, &ts, NULL, 0), EAGAIN);

    /* requeue: uaddr2 is a key, never read, so no EFAULT for it */
    CHECK(futex(&word, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, gone, 0) == 0);
    CHECK(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, gone, 7) == 0);
    CHECK_ERRNO(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, gone, 8), EAGAIN);

    /* the word itself: read by a wait, only a key for a private wake */
    CHECK(futex(gone, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
    CHECK_ERRNO(futex(gone, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), EFAULT);
    CHECK_ERRNO(futex(NULL, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), EFAULT);
    CHECK_ERRNO(futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);
    puts("futex_args: ok");
    return 0;
}
