/* getrandom: 32 random bytes (not all zero, different each call), flags, EINVAL/EFAULT cases. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "check.h"

int main(void)
{
    unsigned char a[32], b[32], zero[32] = {0};
    CHECK_EQ(getrandom(a, sizeof(a), 0), 32);
    CHECK_EQ(getrandom(b, sizeof(b), 0), 32);
    CHECK(memcmp(a, zero, 32) != 0);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK_EQ(getrandom(a, sizeof(a), GRND_NONBLOCK), 32);
    CHECK_EQ(getrandom(a, 16, GRND_RANDOM), 16);
    CHECK_EQ(getrandom(a, 0, 0), 0);
    /* up to 256 bytes never come back short */
    unsigned char big[256];
    CHECK_EQ(getrandom(big, sizeof(big), 0), 256);
    /* larger requests return at least something */
    static unsigned char huge[1 << 20];
    long n = getrandom(huge, sizeof(huge), 0);
    CHECK(n > 0 && n <= (long)sizeof(huge));

    CHECK_ERRNO(syscall(SYS_getrandom, a, 16, 0x1000), EINVAL);
    CHECK_ERRNO(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT);
    return 0;
}
