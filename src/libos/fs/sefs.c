/*
 * sefs.c: the SEFS image layer as a read-only LibOS file system.
 *
 * The format and its verification live in src/image (shared with `occlum
 * build`); this file adapts them to the VFS: one inode per image inode,
 * reads through sefs_image_read (every block verified before a byte is
 * copied out), directories listed as snapshots. A block that does not
 * verify is EIO for the application and an error line naming the file.
 * One mutex per mount serialises access to the image and its cache.
 */
#include "fs/sefs.h"
#include "fs/vfs.h"
#include "image/sefs_format.h"
#include "pal/pal.h"
#include "util/log.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sefs_sb {
    struct mutex lock;
    struct sefs_image *img;
    int fd;
};

static const struct inode_ops sefs_iops;
static const struct file_ops sefs_fops;

static struct sefs_keys image_keys;
static bool have_image_key;

int sefs_set_image_key(const uint8_t *key, size_t len)
{
    if (sefs_keys_derive(&image_keys, key, len) < 0) return -1;
    have_image_key = true;
    return 0;
}

/* inode->priv points at this: the superblock and the image inode. */
struct snode {
    struct sefs_sb *sb;
    uint32_t ino;
};

static struct snode *SN(struct inode *ino)
{
    return ino->priv;
}

static int make_inode(struct mount *m, struct sefs_sb *sb, uint32_t n, struct inode **out)
{
    struct sefs_inode rec;
    mutex_lock(&sb->lock);
    int r = sefs_image_stat(sb->img, n, &rec);
    mutex_unlock(&sb->lock);
    if (r < 0) return r;
    struct snode *s = kmalloc(sizeof(*s));
    struct inode *ino = s ? inode_new(m, &sefs_iops, rec.mode) : NULL;
    if (!ino) {
        kfree(s);
        return -ENOMEM;
    }
    s->sb = sb;
    s->ino = n;
    ino->priv = s;
    ino->ino = n;
    ino->nlink = rec.nlink;
    ino->uid = rec.uid;
    ino->gid = rec.gid;
    ino->size = (off_t)rec.size;
    ino->mtime.tv_sec = rec.mtime_sec;
    ino->mtime.tv_nsec = rec.mtime_nsec;
    ino->atime = ino->ctime = ino->mtime;
    *out = ino;
    return 0;
}

static int sefs_lookup(struct inode *dir, const char *name, struct inode **out)
{
    struct sefs_sb *sb = SN(dir)->sb;
    uint32_t n;
    mutex_lock(&sb->lock);
    int r = sefs_image_lookup(sb->img, SN(dir)->ino, name, &n);
    mutex_unlock(&sb->lock);
    return r < 0 ? r : make_inode(dir->mnt, sb, n, out);
}

static ssize_t sefs_readlink(struct inode *ino, char *buf, size_t len)
{
    struct sefs_sb *sb = SN(ino)->sb;
    mutex_lock(&sb->lock);
    ssize_t r = sefs_image_readlink(sb->img, SN(ino)->ino, buf, len);
    mutex_unlock(&sb->lock);
    return r;
}

static int open_dir(struct inode *ino, struct file *f)
{
    struct sefs_sb *sb = SN(ino)->sb;
    struct dir_snapshot *s = kcalloc(1, sizeof(*s));
    if (!s) return -ENOMEM;
    f->priv = s;
    f->fops = &dir_snapshot_fops;
    int r = dir_snapshot_add(s, ino->ino, DT_DIR, ".");
    if (r == 0) r = dir_snapshot_add(s, ino->ino, DT_DIR, "..");
    char name[256];
    uint32_t child;
    mutex_lock(&sb->lock);
    for (uint64_t i = 0; r == 0; i++) {
        struct sefs_inode rec;
        int got = sefs_image_readdir(sb->img, SN(ino)->ino, i, name, &child);
        if (got <= 0) {
            r = got;
            break;
        }
        r = sefs_image_stat(sb->img, child, &rec);
        if (r == 0) r = dir_snapshot_add(s, child, IFTODT(rec.mode), name);
    }
    mutex_unlock(&sb->lock);
    return r;
}

static int sefs_vfs_open(struct inode *ino, struct file *f)
{
    if (S_ISDIR(ino->mode)) return open_dir(ino, f);
    f->fops = &sefs_fops;
    return 0;
}

static void sefs_evict(struct inode *ino)
{
    kfree(ino->priv);
}

static ssize_t sefs_pread(struct file *f, struct uio *to, off_t off)
{
    struct sefs_sb *sb = SN(f->inode)->sb;
    if (off < 0) return -EINVAL;
    mutex_lock(&sb->lock);
    /* piece by piece: the reader copies fault-safely (common/usercopy.h) */
    ssize_t r = 0;
    void *p;
    size_t n;
    while ((n = uio_piece(to, &p, SIZE_MAX))) {
        r = sefs_image_read(sb->img, SN(f->inode)->ino, p, n, (uint64_t)off + uio_moved(to));
        if (r == -EFAULT) to->faulted = true;
        if (r <= 0) break;
        uio_advance(to, (size_t)r);
        if ((size_t)r < n) break; /* the end of the file */
    }
    mutex_unlock(&sb->lock);
    r = uio_result(to, r);
    if (r == -EIO)
        log_error("sefs: %s: a block of the image layer failed authentication (the host "
                  "file was modified); the read gets EIO. Rebuild with 'occlum build -f'",
                  f->path ? f->path : "?");
    return r;
}

static const struct inode_ops sefs_iops = {
    .lookup = sefs_lookup,
    .readlink = sefs_readlink,
    .open = sefs_vfs_open,
    .evict = sefs_evict,
};

static const struct file_ops sefs_fops = {
    .pread = sefs_pread,
};

static ssize_t io_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
    struct sefs_sb *sb = ctx;
    size_t done = 0;
    while (done < len) {
        ssize_t r = pal_host_pread(sb->fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (r < 0 && r != -EINTR) return r;
        if (r == 0) break;
        if (r > 0) done += (size_t)r;
    }
    return (ssize_t)done;
}

static ssize_t io_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
    return -EROFS;
}

static int open_image(struct sefs_sb *sb, const char *hostdir, const uint8_t mac[SEFS_ENTRY],
                      const struct sefs_keys *keys, bool runtime, uint64_t cache_bytes, char *why,
                      size_t whylen)
{
    char path[LIBOS_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", hostdir, SEFS_IMAGE_FILE) >= (int)sizeof(path)) {
        snprintf(why, whylen, "path too long");
        return -ENAMETOOLONG;
    }
    sb->fd = pal_host_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (sb->fd < 0) {
        snprintf(why, whylen, "cannot open %s: %s; run 'occlum build'", path, strerror(-sb->fd));
        return sb->fd;
    }
    struct sefs_io io = {sb, io_pread, io_pwrite};
    char msg[200];
    int r = sefs_image_open(&io, keys, mac,
                            cache_bytes ? cache_bytes : kheap_cache_size(SEFS_DEFAULT_CACHE),
                            &sb->img, msg, sizeof(msg));
    if (r == -EKEYREJECTED && !runtime)
        snprintf(why, whylen,
                 "%s; pass the key it was built with: occlum run --image-key <file> "
                 "(or OCCLUM_IMAGE_KEY_FILE)",
                 msg);
    else if (r == -EKEYREJECTED)
        snprintf(why, whylen,
                 "%s; give the key it was built with (key=) and, for an "
                 "integrity-only image, its root MAC (mac=)",
                 msg);
    else if (r == -ENOMEM)
        snprintf(why, whylen,
                 "%s: out of LibOS memory; raise resource_limits.kernel_space_heap_size in "
                 "Occlum.json",
                 msg);
    else if (r < 0)
        snprintf(why, whylen, "%s: it was modified after the build; rebuild with 'occlum build -f'",
                 msg);
    return r;
}

static struct inode *mount_with(struct mount *m, const char *hostdir, const char *mac_hex,
                                const struct sefs_keys *keys, bool runtime, uint64_t cache_bytes,
                                char *err, size_t errlen);

struct inode *sefs_mount(struct mount *m, const char *hostdir, const char *mac_hex,
                         uint64_t cache_bytes, char *err, size_t errlen)
{
    uint8_t mac[SEFS_ENTRY];
    if (!mac_hex || sefs_unhex(mac_hex, mac, SEFS_ENTRY) < 0) {
        snprintf(err, errlen,
                 "mount %s: the image layer %s has no valid MAC in the build's "
                 "config; run 'occlum build'",
                 m->target, hostdir);
        return NULL;
    }
    return mount_with(m, hostdir, mac_hex, have_image_key ? &image_keys : NULL, false, cache_bytes,
                      err, errlen);
}

struct inode *sefs_mount_key(struct mount *m, const char *hostdir, const char *mac_hex,
                             const uint8_t *key, size_t keylen, char *err, size_t errlen)
{
    struct sefs_keys keys;
    if (key && sefs_keys_derive(&keys, key, keylen) < 0) {
        snprintf(err, errlen, "mount %s: the key must be 16 or 32 bytes", m->target);
        return NULL;
    }
    struct inode *root = mount_with(m, hostdir, mac_hex, key ? &keys : NULL, true, 0, err, errlen);
    OPENSSL_cleanse(&keys, sizeof(keys));
    return root;
}

static struct inode *mount_with(struct mount *m, const char *hostdir, const char *mac_hex,
                                const struct sefs_keys *keys, bool runtime, uint64_t cache_bytes,
                                char *err, size_t errlen)
{
    uint8_t mac[SEFS_ENTRY];
    char why[LIBOS_PATH_MAX + 256] = "";
    if (mac_hex && sefs_unhex(mac_hex, mac, SEFS_ENTRY) < 0) {
        snprintf(err, errlen, "mount %s: the image layer %s: the MAC is not %d hex bytes",
                 m->target, hostdir, SEFS_ENTRY);
        return NULL;
    }
    struct sefs_sb *sb = kcalloc(1, sizeof(*sb));
    struct inode *root = NULL;
    int r = sb ? open_image(sb, hostdir, mac_hex ? mac : NULL, keys, runtime, cache_bytes, why,
                            sizeof(why))
               : -ENOMEM;
    if (r == 0) r = make_inode(m, sb, SEFS_ROOT_INO, &root);
    if (r == 0 && !S_ISDIR(root->mode)) r = -ENOTDIR;
    if (r < 0) {
        snprintf(err, errlen, "mount %s: image layer %s: %s", m->target, hostdir,
                 why[0] ? why : strerror(-r));
        if (root) inode_put(root);
        if (sb && sb->img) sefs_image_close(sb->img);
        if (sb && sb->fd > 0) pal_host_close(sb->fd);
        kfree(sb);
        return NULL;
    }
    return root;
}
