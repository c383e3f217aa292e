/* truncate_huge: a sparse file far larger than memory, on each file
 * system given: ftruncate and pwrite at 512 GiB either work (a sparse
 * file: zeros read back, the size is exact) or fail cleanly, leaving the
 * file as it was, with EFBIG (past the file system's maximum file size)
 * or ENOSPC (a memory file system that cannot hold it: the LibOS's
 * ramfs keeps a file in one piece); shrinking works either way. The LibOS's writable layer used to
 * build a 3 GiB block map for it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/stat.h>
#include "check.h"

static void try_fs(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/huge", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "head", 4, 0) == 4);
    off_t big = (512LL << 30) + 0x5683;
    struct stat st;
    errno = 0;
    int r = ftruncate(fd, big);
    CHECK(r == 0 || errno == EFBIG || errno == ENOSPC);
    CHECK(fstat(fd, &st) == 0);
    if (r == 0) {
        CHECK(st.st_size == big);
        char c = 1;
        CHECK(pread(fd, &c, 1, big - 4097) == 1 && c == 0);
    } else {
        CHECK(st.st_size == 4);
    }
    errno = 0;
    ssize_t w = pwrite(fd, "tail", 4, 513LL << 30);
    CHECK(w == 4 || (w == -1 && (errno == EFBIG || errno == ENOSPC)));
    CHECK(ftruncate(fd, 2) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 2);
    char buf[8];
    CHECK(pread(fd, buf, sizeof(buf), 0) == 2 && memcmp(buf, "he", 2) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        try_fs(argv[i]);
    return 0;
}
