/*
 * mount: the mount table, built by vfs_init() from Occlum.json's "mount"
 * list and changed at run time by mount(2) and umount2(2) (fs/sys_mount.c),
 * the mounts' device numbers, and statfs.
 *
 * Lookups take mounts_lock, since a mount or an umount may change the
 * table while a path walk reads it. The unionfs root (fs/unionfs.c) is the SEFS image
 * `occlum build` wrote in <instance>/build/mount/__ROOT, authenticated by
 * the layer's options.MAC, under the persistent encrypted writable layer
 * in <instance>/run/mount/__ROOT (fs/sefs_rw.c): writes to "/" outlive
 * the run.
 */
#include "fs/vfs.h"
#include "fs/sefs.h"
#include "fs/sefs_rw.h"
#include "common/config.h"
#include "pal/pal.h"
#include "util/log.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

/* statfs f_flags (the kernel's ST_* values) */
#define SF_RDONLY 0x0001
#define SF_NOEXEC 0x0008
#define SF_VALID 0x0020

#define MAX_MOUNTS (CONFIG_MAX_MOUNTS + 4)

/* statfs f_type values (linux/magic.h) */
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define HOSTFS_MAGIC 0x00c0ffee /* Linux's UML hostfs */

static struct mount *mounts[MAX_MOUNTS];
static size_t nmounts;
/* mount(2) and umount2(2) change the table while path walks read it. */
static struct mutex mounts_lock = MUTEX_INIT;

/*
 * Device numbers as Linux's get_anon_bdev gives them: major 0 and the
 * smallest free minor below 2^20, free again once the mount is gone, so
 * that no two live mounts share a st_dev (file locks are keyed by device
 * and inode). 0:12 and 0:13 are the LibOS's pipefs and anon_inodefs
 * (pipe.c, eventfd.c, epoll.c); minor 0 is never given. Under mounts_lock.
 */
#define ANON_MINORS (1u << 20)
static uint64_t anon_minors_used[ANON_MINORS / 64] = {1ull | 1ull << 12 | 1ull << 13};

static int anon_dev_get(dev_t *out)
{
    for (size_t w = 0; w < ANON_MINORS / 64; w++) {
        if (anon_minors_used[w] == ~0ull) continue;
        unsigned b = (unsigned)__builtin_ctzll(~anon_minors_used[w]);
        anon_minors_used[w] |= 1ull << b;
        *out = makedev(0, (unsigned)w * 64 + b);
        return 0;
    }
    return -EMFILE; /* as Linux, when all are taken */
}

static void anon_dev_put(dev_t dev)
{
    unsigned mi = minor(dev);
    if (major(dev) == 0 && mi > 0 && mi < ANON_MINORS)
        anon_minors_used[mi / 64] &= ~(1ull << (mi % 64));
}

static struct timespec boot_time;

struct mount *mount_find(const char *canon)
{
    struct mount *m = NULL;
    mutex_lock(&mounts_lock);
    for (size_t i = nmounts; i-- > 0;) {
        if (strcmp(mounts[i]->target, canon) == 0) {
            m = mounts[i];
            break;
        }
    }
    mutex_unlock(&mounts_lock);
    return m;
}

struct mount *mount_at(size_t i)
{
    mutex_lock(&mounts_lock);
    struct mount *m = i < nmounts ? mounts[i] : NULL;
    mutex_unlock(&mounts_lock);
    return m;
}

struct inode *vfs_root(void)
{
    struct mount *m = mount_find("/");
    return m ? m->root : NULL;
}

void vfs_boot_time(struct timespec *ts)
{
    *ts = boot_time;
}

int vfs_statfs(struct mount *m, struct statfs *st)
{
    memset(st, 0, sizeof(*st));
    st->f_type = m ? m->magic : TMPFS_MAGIC;
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_namelen = LIBOS_NAME_MAX;
    unsigned dev = m ? (unsigned)minor(m->dev) : 0;
    memcpy(&st->f_fsid, &dev, sizeof(dev));
    st->f_flags = SF_VALID | ((m && (m->flags & MNT_RDONLY)) ? SF_RDONLY : 0);
    if (m && (m->flags & MNT_NOEXEC)) st->f_flags |= SF_NOEXEC;
    if (!m) return 0;
    /* The sizes df shows: a host directory's (hostfs) or a layer's
     * (unionfs: what writes can use is the host file system under it) are
     * that host file system's; ramfs lives in the kernel heap, so its
     * size is the heap's limit and its free space the heap's, as tmpfs
     * reports its own; /proc and /dev have none, as on Linux. */
    char host[LIBOS_PATH_MAX];
    struct statfs hs;
    if (m->source && (!strcmp(m->type, "hostfs") || !strcmp(m->type, "unionfs")) &&
        mount_host_path(m->source, host, sizeof(host)) == 0 && pal_host_statfs(host, &hs) == 0) {
        uint64_t unit = hs.f_frsize ? (uint64_t)hs.f_frsize : (uint64_t)hs.f_bsize;
        st->f_blocks = hs.f_blocks * unit / 4096;
        st->f_bfree = hs.f_bfree * unit / 4096;
        st->f_bavail = hs.f_bavail * unit / 4096;
        st->f_files = hs.f_files;
        st->f_ffree = hs.f_ffree;
    } else if (!strcmp(m->type, "ramfs")) {
        uint64_t limit = kheap_limit(), used = kheap_used();
        st->f_blocks = limit / 4096;
        st->f_bfree = st->f_bavail = used < limit ? (limit - used) / 4096 : 0;
        st->f_files = limit / 1024; /* an inode costs about that much */
        st->f_ffree = st->f_bfree * 4;
    }
    return 0;
}

static int host_source(const char *instance_dir, const char *source, char *out, size_t outlen);

/* The image layer's options, from the unionfs config entry. */
static const char *image_mac;
static uint64_t image_cache_size;
/* The writable layer's host directory (<instance>/run/mount/__ROOT). */
static char rw_dir[LIBOS_PATH_MAX];
/* The instance directory: relative host paths of run-time mounts start there. */
static char instance_root[LIBOS_PATH_MAX] = ".";

/* The root of a unionfs mount: the image layer under the writable layer.
 * The layers sit on private mounts (not in the table) that give their
 * inodes their own flags: the image is read-only. */
static struct inode *union_root(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    struct mount *lm = kcalloc(1, sizeof(*lm)), *um = kcalloc(1, sizeof(*um));
    struct inode *lower = NULL, *upper = NULL, *root = NULL;
    if (lm && um) {
        *lm = *um = *m;
        lm->type = "sefs";
        lm->flags = MNT_RDONLY | MNT_IMMUTABLE;
        um->type = "sefs";
        um->flags = 0;
        lower = sefs_mount(lm, hostdir, image_mac, image_cache_size, err, errlen);
        upper = lower ? sefs_rw_mount(um, rw_dir, err, errlen) : NULL;
        if (lower && !upper) inode_put(lower);
        root = upper ? unionfs_mount(m, lower, upper) : NULL;
    }
    if (!root) { /* the layers' inodes are gone (or never made) */
        kfree(lm);
        kfree(um);
    }
    return root;
}

/* Add one mount; a later mount of the same target replaces the earlier. */
static int mount_add(const char *target, const char *type, const char *hostdir, int flags,
                     char *err, size_t errlen)
{
    struct mount *m = kcalloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "mount %s: out of memory", target);
        return -1;
    }
    if (target[0] != '/' || path_normalize(NULL, target, m->target, sizeof(m->target)) < 0) {
        snprintf(err, errlen, "mount %s: the target must be an absolute path", target);
        kfree(m);
        return -1;
    }
    m->type = type;
    m->flags = flags;
    if (strcmp(type, "unionfs") == 0) {
        m->magic = SEFS_STATFS_MAGIC;
        m->source = kstrdup(hostdir);
        m->root = m->source ? union_root(m, hostdir, err, errlen) : NULL;
        if (!m->root && !m->source) snprintf(err, errlen, "mount %s: out of memory", target);
    } else if (strcmp(type, "hostfs") == 0) {
        m->magic = HOSTFS_MAGIC;
        m->source = kstrdup(hostdir);
        m->root = m->source ? hostfs_mount(m, hostdir, err, errlen) : NULL;
        if (!m->root && !m->source) snprintf(err, errlen, "mount %s: out of memory", target);
    } else if (strcmp(type, "ramfs") == 0) {
        m->magic = TMPFS_MAGIC;
        m->root = ramfs_mount(m);
    } else if (strcmp(type, "devfs") == 0) {
        m->magic = TMPFS_MAGIC;
        m->root = devfs_mount(m);
    } else if (strcmp(type, "procfs") == 0) {
        m->magic = PROC_SUPER_MAGIC;
        m->root = procfs_mount(m);
    }
    if (!m->root) {
        if (!err[0]) snprintf(err, errlen, "mount %s (%s): out of memory", target, type);
        kfree(m->source);
        kfree(m);
        return -1;
    }
    mutex_lock(&mounts_lock);
    size_t i = 0;
    while (i < nmounts && strcmp(mounts[i]->target, m->target) != 0)
        i++;
    if (i == MAX_MOUNTS) {
        mutex_unlock(&mounts_lock);
        snprintf(err, errlen, "mount %s: too many mounts (at most %d)", target, MAX_MOUNTS);
        return -1;
    }
    if (anon_dev_get(&m->dev) < 0) {
        mutex_unlock(&mounts_lock);
        snprintf(err, errlen, "mount %s: no device number left", target);
        return -1;
    }
    /* Replaced mounts stay allocated, with their device number: inodes
     * may point at them. */
    mounts[i] = m;
    if (i == nmounts) nmounts++;
    mutex_unlock(&mounts_lock);
    return 0;
}

struct mount *mount_internal_ramfs(const char *name)
{
    struct mount *m = kcalloc(1, sizeof(*m));
    if (!m) return NULL;
    snprintf(m->target, sizeof(m->target), "%s", name);
    m->type = "tmpfs";
    m->magic = TMPFS_MAGIC;
    mutex_lock(&mounts_lock);
    int r = anon_dev_get(&m->dev);
    mutex_unlock(&mounts_lock);
    if (r == 0) m->root = ramfs_mount(m);
    if (!m->root) {
        if (r == 0) {
            mutex_lock(&mounts_lock);
            anon_dev_put(m->dev);
            mutex_unlock(&mounts_lock);
        }
        kfree(m);
        return NULL;
    }
    return m;
}

int mount_runtime_add(const char *canon_target, const char *type, const char *hostdir, int flags)
{
    char err[256] = "";
    if (mount_find(canon_target)) return -EBUSY; /* stacking mounts is not supported */
    return mount_add(canon_target, type, hostdir, flags, err, sizeof(err)) < 0 ? -ENOMEM : 0;
}

int mount_host_path(const char *source, char *out, size_t outlen)
{
    return host_source(instance_root, source, out, outlen) < 0 ? -ENAMETOOLONG : 0;
}

int mount_runtime_insert(struct mount *m)
{
    mutex_lock(&mounts_lock);
    int r = 0;
    for (size_t i = 0; i < nmounts && r == 0; i++)
        if (strcmp(mounts[i]->target, m->target) == 0) r = -EBUSY;
    if (r == 0 && nmounts == MAX_MOUNTS) r = -ENOMEM;
    if (r == 0) r = anon_dev_get(&m->dev);
    if (r == 0) mounts[nmounts++] = m;
    mutex_unlock(&mounts_lock);
    return r;
}

int mount_runtime_remove(struct mount *m, bool in_use)
{
    mutex_lock(&mounts_lock);
    int r = -EINVAL;
    for (size_t i = 0; i < nmounts; i++) {
        if (mounts[i] != m) continue;
        /* The entry goes; the object stays allocated: inodes may point at it. */
        memmove(&mounts[i], &mounts[i + 1], (nmounts - i - 1) * sizeof(mounts[0]));
        nmounts--;
        /* Nothing counts the users of a mount, so one detached while in
         * use keeps its number for good rather than share it later. */
        if (!in_use) anon_dev_put(m->dev);
        r = 0;
        break;
    }
    mutex_unlock(&mounts_lock);
    return r;
}

/* <instance_dir>/<source>; an absolute source stands alone. A relative
 * instance_dir stays relative to the host's cwd (it is not normalized then,
 * since ".." in it could not be resolved lexically). */
static int host_source(const char *instance_dir, const char *source, char *out, size_t outlen)
{
    if (source[0] == '/') return path_normalize(NULL, source, out, outlen);
    if (instance_dir[0] == '/') return path_normalize(instance_dir, source, out, outlen);
    return path_join(instance_dir, source, out, outlen);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The image layer of a unionfs mount: the one built into build/mount/__ROOT. */
static const struct config_mount *image_layer(const struct config_mount *u)
{
    for (size_t i = 0; i < u->nlayers; i++) {
        const char *s = u->layers[i].source;
        if (s && (ends_with(s, "build/mount/__ROOT") || ends_with(s, "build/mount/__ROOT/")))
            return &u->layers[i];
    }
    return u->nlayers ? &u->layers[0] : NULL; /* Occlum lists the image layer first */
}

static int mount_one(const struct config_mount *cm, const char *instance_dir, char *err,
                     size_t errlen)
{
    char src[LIBOS_PATH_MAX];
    const char *type = cm->type ? cm->type : "";
    const char *target = cm->target ? cm->target : "";
    if (strcmp(type, "unionfs") == 0) {
        const struct config_mount *img = image_layer(cm);
        if (!img || !img->source) {
            snprintf(err, errlen, "mount %s: unionfs has no image layer (source \"%s\")", target,
                     "./build/mount/__ROOT");
            return -1;
        }
        if (host_source(instance_dir, img->source, src, sizeof(src)) < 0) {
            snprintf(err, errlen, "mount %s: source path too long", target);
            return -1;
        }
        image_mac = img->mac;
        image_cache_size = img->cache_size;
        /* The other layer, when listed (Occlum: "./run/mount/__ROOT"), is
         * where the writable layer lives. */
        for (size_t i = 0; i < cm->nlayers; i++) {
            const struct config_mount *w = &cm->layers[i];
            if (w != img && w->source &&
                host_source(instance_dir, w->source, rw_dir, sizeof(rw_dir)) < 0) {
                snprintf(err, errlen, "mount %s: source path too long", target);
                return -1;
            }
            if (w != img) sefs_rw_set_cache_size(w->cache_size);
        }
        return mount_add(target, "unionfs", src, cm->readonly ? MNT_RDONLY : 0, err, errlen);
    }
    if (strcmp(type, "hostfs") == 0) {
        if (!cm->source) {
            snprintf(err, errlen, "mount %s: hostfs needs a \"source\" directory", target);
            return -1;
        }
        if (host_source(instance_dir, cm->source, src, sizeof(src)) < 0) {
            snprintf(err, errlen, "mount %s: source path too long", target);
            return -1;
        }
        int fl = MNT_NOEXEC | (cm->readonly ? MNT_RDONLY : 0);
        return mount_add(target, "hostfs", src, fl, err, errlen);
    }
    if (strcmp(type, "ramfs") == 0 || strcmp(type, "devfs") == 0 || strcmp(type, "procfs") == 0) {
        int fl = cm->readonly ? MNT_RDONLY : 0;
        return mount_add(target, type, NULL, fl, err, errlen);
    }
    snprintf(err, errlen,
             "mount %s: file system type \"%s\" is not supported yet (supported: unionfs for /, "
             "hostfs, ramfs, devfs, procfs)",
             target, type);
    return -1;
}

static const struct config_mount default_mounts[] = {
    {.target = "/host", .type = "hostfs", .source = "."},
    {.target = "/proc", .type = "procfs"},
    {.target = "/dev", .type = "devfs"},
};

int vfs_init(const struct occlum_config *cfg, const char *instance_dir, char *err, size_t errlen)
{
    if (errlen) err[0] = 0;
    pal_clock_gettime(CLOCK_MONOTONIC, &boot_time);
    if (!instance_dir) instance_dir = ".";
    snprintf(instance_root, sizeof(instance_root), "%s", instance_dir);
    if (host_source(instance_dir, "./run/mount/__ROOT", rw_dir, sizeof(rw_dir)) < 0) {
        snprintf(err, errlen, "mount /: instance directory path too long");
        return -1;
    }
    bool have_mounts = cfg && cfg->n_mounts > 0;
    if (!have_mounts) {
        char src[LIBOS_PATH_MAX];
        if (host_source(instance_dir, "./build/mount/__ROOT", src, sizeof(src)) < 0) {
            snprintf(err, errlen, "mount /: instance directory path too long");
            return -1;
        }
        if (mount_add("/", "unionfs", src, 0, err, errlen) < 0) return -1;
        for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++)
            if (mount_one(&default_mounts[i], instance_dir, err, errlen) < 0) return -1;
    } else {
        for (size_t i = 0; i < cfg->n_mounts; i++)
            if (mount_one(&cfg->mounts[i], instance_dir, err, errlen) < 0) return -1;
    }
    if (!mount_find("/")) {
        snprintf(err, errlen, "mount: no mount has target \"/\" (add the unionfs root mount)");
        return -1;
    }
    /* Occlum's template does not list /tmp; programs expect one. */
    if (!mount_find("/tmp") && mount_add("/tmp", "ramfs", NULL, 0, err, errlen) < 0) return -1;
    /* devfs's shm directory is a ramfs of its own. */
    for (size_t i = 0; i < nmounts; i++) {
        if (strcmp(mounts[i]->type, "devfs") != 0) continue;
        char shm[LIBOS_PATH_MAX];
        if (path_join(mounts[i]->target, "shm", shm, sizeof(shm)) < 0) continue;
        if (!mount_find(shm) && mount_add(shm, "ramfs", NULL, 0, err, errlen) < 0) return -1;
    }
    return 0;
}
