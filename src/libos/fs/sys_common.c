/*
 * sys_common: copying path names in from the application, and walking
 * them for the calling process (shared by the sys_*.c handlers).
 */
#include "fs/sys_common.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdlib.h>

long fs_getname(const char *upath, char **out)
{
    *out = NULL;
    if (!upath) return -EFAULT;
    char *k = kmalloc(LIBOS_PATH_MAX);
    if (!k) return -ENOMEM;
    long n = strncpy_from_user(k, upath, LIBOS_PATH_MAX);
    if (n < 0) {
        kfree(k);
        return n;
    }
    *out = k;
    return n;
}

long fs_walk_user(int dirfd, const char *upath, int flags, struct nameidata *nd)
{
    char *path;
    long r = fs_getname(upath, &path);
    if (r < 0) return r;
    if (r == 0 && !(flags & WALK_EMPTY))
        r = -ENOENT;
    else
        r = namei_at(fs_caller(), dirfd, path, flags, nd);
    kfree(path);
    return r;
}
