/*
 * sys_mount: mount(2) and umount2(2) at run time, for the file systems the
 * LibOS can create on the fly: ramfs ("ramfs" or "tmpfs", in memory),
 * hostfs (a host directory, unprotected as the /host mount is) and, as
 * Occlum allows, unionfs with data "lowerdir=<host dir>,upperdir=<host
 * dir>,key=<key>[,mac=<root MAC>]": an encrypted sefs image (or nothing)
 * below an encrypted writable layer, both keyed by <key> (Occlum's key
 * format: 16 or 32 hex bytes, '-' between them). Binds,
 * moves, remounts and propagation changes are not supported (EINVAL and
 * one warning), nor stacking a mount on a mount point (EBUSY).
 */
#include "fs/fsnotify.h"
#include "fs/sys_mount.h"

#include "fs/sys_common.h"
#include "fs/sefs.h"
#include "fs/sefs_rw.h"
#include "fs/unionfs.h"
#include "fs/vfs.h"
#include "image/sefs_format.h"
#include "pal/pal.h"
#include "process/caps.h"
#include "process/process.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define MS_KEPT                                                                                    \
    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT | MS_NOATIME | MS_NODIRATIME |       \
     MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK)

/*
 * A unionfs mounted at run time (Occlum's mount(2) with
 * "lowerdir=...,upperdir=...,key=..."): the lower layer is a sefs image
 * in host directory lower (verified with key, and with mac when given;
 * an empty or missing directory is an empty lower layer), the upper one a
 * writable layer in host directory upper, encrypted with a key derived
 * from key. Relative host paths start at the instance directory.
 */
static int union_mount_at(const char *canon_target, const char *lower, const char *upper,
                          const uint8_t *key, size_t keylen, const char *mac_hex, int flags)
{
    if (mount_find(canon_target)) return -EBUSY;
    /* 16 KiB of host paths: on the heap, the LibOS's stack is small */
    struct {
        char lo[LIBOS_PATH_MAX], up[LIBOS_PATH_MAX], img[LIBOS_PATH_MAX + 16],
            err[LIBOS_PATH_MAX + 256];
    } *h = kmalloc(sizeof(*h));
    uint8_t upper_key[32];
    static const char label[] = "occlum unionfs upper layer";
    struct mount *m = NULL, *lm = NULL, *um = NULL;
    struct inode *lo_root = NULL, *up_root = NULL;
    int r = -ENOMEM;
    if (!h) return -ENOMEM;
    char *lo = h->lo, *up = h->up, *img = h->img, *err = h->err;
    if (mount_host_path(lower, lo, sizeof(h->lo)) < 0 ||
        mount_host_path(upper, up, sizeof(h->up)) < 0) {
        kfree(h);
        return -ENAMETOOLONG;
    }
    if (sefs_hkdf_sha256((const uint8_t *)label, sizeof(label) - 1, key, keylen, NULL, 0, upper_key,
                         sizeof(upper_key)) < 0)
        goto fail;
    m = kcalloc(1, sizeof(*m));
    lm = kcalloc(1, sizeof(*lm));
    um = kcalloc(1, sizeof(*um));
    if (!m || !lm || !um) goto fail;
    snprintf(m->target, sizeof(m->target), "%s", canon_target);
    m->type = "unionfs";
    m->flags = flags;
    m->magic = SEFS_STATFS_MAGIC;
    m->source = kstrdup(up);
    if (!m->source) goto fail;
    *lm = *um = *m;
    lm->type = um->type = "sefs";
    lm->flags = MNT_RDONLY | MNT_IMMUTABLE;
    um->flags = 0;
    err[0] = 0;
    struct stat st;
    snprintf(img, sizeof(h->img), "%s/%s", lo, SEFS_IMAGE_FILE);
    if (pal_host_stat(img, &st) == 0)
        lo_root = sefs_mount_key(lm, lo, mac_hex, key, keylen, err, sizeof(h->err));
    else
        lo_root = ramfs_mount(lm); /* no image there: nothing below the upper layer */
    if (!lo_root) {
        log_warn("%s", err[0] ? err : "mount: out of memory");
        r = -EINVAL;
        goto fail;
    }
    up_root = sefs_rw_mount_key(um, up, upper_key, err, sizeof(h->err));
    if (!up_root) {
        log_warn("%s", err);
        r = -EINVAL;
        goto fail;
    }
    m->root = unionfs_mount(m, lo_root, up_root);
    lo_root = up_root = NULL; /* the union holds them (or released them) */
    if (!m->root) goto fail;
    OPENSSL_cleanse(upper_key, sizeof(upper_key));
    kfree(h);
    /* on failure the layers stay allocated, as replaced mounts do */
    r = mount_runtime_insert(m);
    if (r == 0) fsnotify_namespace_changed();
    return r;
fail:
    OPENSSL_cleanse(upper_key, sizeof(upper_key));
    if (up_root) sefs_rw_unmount(up_root);
    if (lo_root) inode_put(lo_root);
    if (m) kfree(m->source);
    kfree(m);
    kfree(lm);
    kfree(um);
    kfree(h);
    return r;
}

/* The value of option `name` in a comma-separated option string, copied
 * into out; false when absent or too long. */
static bool option(const char *opts, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    for (const char *p = opts; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            if (len - n - 1 >= outlen) return false;
            memcpy(out, p + n + 1, len - n - 1);
            out[len - n - 1] = 0;
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

static long mount_union(const char *target, unsigned long flags, const void *udata)
{
    /* 16 KiB of text: on the heap, the LibOS's stack is small */
    struct {
        char opts[2 * LIBOS_PATH_MAX + 256], lower[LIBOS_PATH_MAX], upper[LIBOS_PATH_MAX];
        char keytext[128], mac[80];
        uint8_t key[32];
    } * b;
    if (!udata) return -EINVAL;
    if (!(b = kmalloc(sizeof(*b)))) return -ENOMEM;
    long r = strncpy_from_user(b->opts, udata, sizeof(b->opts));
    if (r < 0) {
        if (r == -ENAMETOOLONG) r = -EINVAL;
        goto out;
    }
    r = -EINVAL;
    if (!option(b->opts, "lowerdir", b->lower, sizeof(b->lower)) ||
        !option(b->opts, "upperdir", b->upper, sizeof(b->upper)) ||
        !option(b->opts, "key", b->keytext, sizeof(b->keytext))) {
        log_warn("mount(%s, unionfs): the data must give lowerdir=, upperdir= and key=", target);
        goto out;
    }
    int keylen = sefs_key_parse(b->keytext, b->key);
    if (keylen < 0) {
        log_warn("mount(%s, unionfs): key= is not 16 or 32 hex bytes", target);
        goto out;
    }
    bool pinned = option(b->opts, "mac", b->mac, sizeof(b->mac));
    struct nameidata nd = {0};
    r = namei_at(current_process(), AT_FDCWD, target, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r == 0) {
        r = union_mount_at(nd.path, b->lower, b->upper, b->key, (size_t)keylen,
                           pinned ? b->mac : NULL, (flags & MS_RDONLY) ? MNT_RDONLY : 0);
        nd_release(&nd);
    }
out:
    OPENSSL_cleanse(b, sizeof(*b)); /* the key, as text and bytes */
    kfree(b);
    return r;
}

long sys_mount(const char *usource, const char *utarget, const char *ufstype, unsigned long flags,
               const void *data)
{
    char source[LIBOS_PATH_MAX] = "", target[LIBOS_PATH_MAX], fstype[64];
    long r = strncpy_from_user(target, utarget, sizeof(target));
    if (r < 0) return r;
    if (flags &
        (MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
        log_warn("mount(%s): bind, move, remount and propagation changes are not supported",
                 target);
        return -EINVAL;
    }
    r = ufstype ? strncpy_from_user(fstype, ufstype, sizeof(fstype)) : -EFAULT;
    if (r < 0) return r == -ENAMETOOLONG ? -ENODEV : r;
    if (usource && (r = strncpy_from_user(source, usource, sizeof(source))) < 0) return r;
    if (!capable(CAP_SYS_ADMIN)) return -EPERM;
    const char *type;
    if (strcmp(fstype, "ramfs") == 0 || strcmp(fstype, "tmpfs") == 0)
        type = "ramfs";
    else if (strcmp(fstype, "hostfs") == 0)
        type = "hostfs";
    else if (strcmp(fstype, "unionfs") == 0)
        return mount_union(target, flags, data);
    else
        return -ENODEV;
    if (strcmp(type, "hostfs") == 0 && source[0] != '/') return -EINVAL; /* a host path */

    struct nameidata nd = {0};
    r = namei_at(current_process(), AT_FDCWD, target, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r < 0) return r;
    int mflags = (flags & MS_RDONLY) ? MNT_RDONLY : 0;
    if (strcmp(type, "hostfs") == 0) mflags |= MNT_NOEXEC; /* as the configured /host */
    r = mount_runtime_add(nd.path, type, strcmp(type, "hostfs") == 0 ? source : NULL, mflags);
    nd_release(&nd);
    if (r == 0) fsnotify_namespace_changed();
    return r;
}

struct busy_scan {
    struct mount *m;
    bool busy;
    int *fds; /* FD_MAX of them: 16 KiB, too much for the LibOS's stack */
};

static int busy_in(struct process *p, void *arg)
{
    struct busy_scan *b = arg;
    if (!p->fs || !p->files) return 0;
    if (p->fs->cwd_inode && p->fs->cwd_inode->mnt == b->m) b->busy = true;
    size_t n = fdtable_list(p->files, b->fds, FD_MAX);
    for (size_t i = 0; i < n && !b->busy; i++) {
        struct file *f = fdtable_get(p->files, b->fds[i]);
        if (f && f->inode && f->inode->mnt == b->m) b->busy = true;
        file_put(f);
    }
    return b->busy;
}

/* A cwd in m or a file open on it. */
static long mount_in_use(struct mount *m, bool *busy)
{
    struct busy_scan b = {m, false, kmalloc(FD_MAX * sizeof(int))};
    if (!b.fds) return -ENOMEM;
    process_for_each(busy_in, &b);
    kfree(b.fds);
    *busy = b.busy;
    return 0;
}

static int remove_mount(struct mount *m, bool in_use)
{
    /* a unionfs's writable layer: what was written is durable once unmounted */
    if (strcmp(m->type, "unionfs") == 0 && sefs_rw_sync_all() < 0) return -EIO;
    dev_t dev = m->dev;
    int r = mount_runtime_remove(m, in_use);
    if (r == 0) fsnotify_unmount(dev);
    return r;
}

long sys_umount2(const char *utarget, int flags)
{
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) return -EINVAL;
    if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) return -EINVAL;
    char target[LIBOS_PATH_MAX];
    long r = strncpy_from_user(target, utarget, sizeof(target));
    if (r < 0) return r;
    struct nameidata nd = {0};
    r = namei_at(current_process(), AT_FDCWD, target, (flags & UMOUNT_NOFOLLOW) ? 0 : WALK_FOLLOW,
                 &nd);
    if (r < 0) return r;
    struct mount *m = mount_find(nd.path);
    bool is_root = m && m->root == nd.inode && strcmp(m->target, "/") == 0;
    bool is_mount = m && m->root == nd.inode;
    nd_release(&nd); /* our own walk holds the root */
    if (!capable(CAP_SYS_ADMIN)) return -EPERM;
    if (!is_mount) return -EINVAL; /* not a mount point */
    if (is_root) return -EBUSY;
    if (!(flags & MNT_DETACH)) {
        /* a mount below it */
        size_t len = strlen(m->target);
        struct mount *q;
        for (size_t i = 0; (q = mount_at(i)); i++)
            if (q != m && strncmp(q->target, m->target, len) == 0 && q->target[len] == '/')
                return -EBUSY;
    }
    bool busy;
    r = mount_in_use(m, &busy);
    if (r < 0) return r;
    if (busy && !(flags & MNT_DETACH)) return -EBUSY;
    return remove_mount(m, busy);
}
