/*
 * mm_wrong_answers: memory calls that used to succeed where Linux fails:
 * mprotect(PROT_WRITE) of a shared mapping of a file opened read-only
 * (EACCES; a private one may become writable), msync of an unmapped
 * range (ENOMEM), mremap of an unmapped range (EFAULT).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "check.h"

int main(void)
{
    char path[4096];
    tmp_path(path, sizeof(path), "mmwrong");
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char buf[8192];
    memset(buf, 'a', sizeof(buf));
    CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
    close(fd);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char *s = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    CHECK_ERRNO(mprotect(s, 4096, PROT_READ | PROT_WRITE), EACCES);
    CHECK_EQ(mprotect(s, 4096, PROT_READ), 0);
    char *pv = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pv != MAP_FAILED);
    CHECK_EQ(mprotect(pv, 8192, PROT_READ | PROT_WRITE), 0);
    pv[0] = 'b';
    CHECK_EQ(s[0], 'a');
    munmap(pv, 8192);
    munmap(s, 8192);
    close(fd);
    unlink(path);

    char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    CHECK_EQ(munmap(a + 4096, 4096), 0);
    CHECK_ERRNO(msync(a, 3 * 4096, MS_SYNC), ENOMEM);
    CHECK_ERRNO(msync(a + 4096, 4096, MS_ASYNC), ENOMEM);
    CHECK_EQ(msync(a, 4096, MS_SYNC), 0);
    void *r = mremap(a + 4096, 4096, 8192, MREMAP_MAYMOVE);
    CHECK(r == MAP_FAILED && errno == EFAULT);
    munmap(a, 3 * 4096);
    puts("mm_wrong_answers ok");
    return 0;
}
