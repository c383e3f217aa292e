/*
 * unix_name: the names of AF_UNIX sockets (bind, autobind, and finding the
 * socket a connect or sendto names), as Linux's af_unix.c.
 *
 * A path name is a socket node (S_IFSOCK, mode 0777 less the umask) that
 * bind makes with the file system's mknod in whatever file system holds
 * the directory (ramfs, the union's writable layer, hostfs), as
 * mkfifo makes a FIFO node. The node is only a name: the bound socket is
 * found from it through a LibOS-wide table keyed by the node's mount
 * (pointer and device number) and inode number, since one file can have
 * several inode objects (each union lookup makes its own), just as
 * fs/pipe.c finds the pipe of a FIFO node. The socket keeps a reference
 * to the node's inode while it lives (Linux keeps its path): unlinking
 * the name leaves the socket bound but unreachable, and a new socket can
 * bind the name again. Binding an existing name is EADDRINUSE; reaching a
 * name that is not a socket node, or one nobody is bound to, is
 * ECONNREFUSED. On hostfs the node is a host socket file, but nothing on
 * the host listens there: host processes cannot reach LibOS sockets.
 *
 * Abstract names (sun_path[0] == 0, any bytes, the length counts) live in
 * a LibOS-wide table; as on Linux, one name can be bound once per socket
 * type. Autobind gives "\0" and five hex digits.
 */
#include "fs/permission.h"
#include "fs/vfs.h"
#include "net/unix_int.h"
#include "pal/pal.h"
#include "process/process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#define NBUCKETS 64

static struct mutex names_lock = MUTEX_INIT; /* the tables and each socket's name_next/hashed */
static struct mutex bind_lock = MUTEX_INIT;  /* one bind or autobind at a time */
static struct unix_sock *by_node[NBUCKETS];
static struct unix_sock *by_abstract[NBUCKETS];
static uint32_t autobind_next; /* the last autobind number tried */

static unsigned node_hash(const struct mount *m, ino_t ino)
{
    return (unsigned)(((uintptr_t)m >> 4) ^ ino ^ (ino >> 16)) % NBUCKETS;
}

static unsigned abstract_hash(const struct unix_addr *a, int type)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (unsigned i = 0; i < a->len; i++)
        h = (h ^ (unsigned char)a->raw[i]) * 16777619u;
    return (h ^ (uint32_t)type) % NBUCKETS;
}

static bool is_abstract(const struct unix_addr *a)
{
    return a->sun.sun_path[0] == 0;
}

static struct unix_sock **bucket_of(struct unix_sock *u)
{
    return is_abstract(&u->addr) ? &by_abstract[abstract_hash(&u->addr, u->type)]
                                 : &by_node[node_hash(u->bound_mnt, u->bound_ino)];
}

/* The socket bound to an abstract name (names_lock held). */
static struct unix_sock *abstract_find(const struct unix_addr *a, int type)
{
    for (struct unix_sock *s = by_abstract[abstract_hash(a, type)]; s; s = s->name_next)
        if (s->type == type && s->addr.len == a->len && !memcmp(s->addr.raw, a->raw, a->len))
            return s;
    return NULL;
}

/* The socket bound to a node (names_lock held). */
static struct unix_sock *node_find(const struct mount *m, dev_t dev, ino_t ino)
{
    for (struct unix_sock *s = by_node[node_hash(m, ino)]; s; s = s->name_next)
        if (s->bound_mnt == m && s->bound_dev == dev && s->bound_ino == ino) return s;
    return NULL;
}

static void unhash(struct unix_sock *u)
{
    for (struct unix_sock **pp = bucket_of(u); *pp; pp = &(*pp)->name_next) {
        if (*pp == u) {
            *pp = u->name_next;
            break;
        }
    }
    u->name_next = NULL;
    u->hashed = false;
}

/* Enter u under its (now set) name (names_lock held). */
static void hash(struct unix_sock *u)
{
    struct unix_sock **b = bucket_of(u);
    u->name_next = *b;
    *b = u;
    u->hashed = true;
}

void unix_name_remove(struct unix_sock *u)
{
    mutex_lock(&names_lock);
    if (u->hashed) unhash(u);
    mutex_unlock(&names_lock);
}

int unix_addr_check(const struct sockaddr_storage *a, unsigned len)
{
    if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(struct sockaddr_un))
        return -EINVAL;
    return a->ss_family == AF_UNIX ? 0 : -EINVAL;
}

/* The path of a path-name address, NUL-terminated (Linux ends it at the
 * address's length: 108 bytes without a NUL are a valid name). */
static void path_of(const struct sockaddr_storage *a, unsigned len, char *path)
{
    size_t n = len - offsetof(struct sockaddr_un, sun_path);
    memcpy(path, ((const struct sockaddr_un *)a)->sun_path, n);
    path[n] = 0;
}

/* Set u's name (bind_lock held; u unbound). */
static void set_addr(struct unix_sock *u, const struct unix_addr *a)
{
    mutex_lock(&u->lock);
    u->addr = *a;
    mutex_unlock(&u->lock);
}

static long bind_path(struct unix_sock *u, const struct sockaddr_storage *a, unsigned len)
{
    struct unix_addr addr = {0};
    char path[sizeof(addr.sun.sun_path) + 1];
    path_of(a, len, path);
    size_t plen = strlen(path);
    addr.len = (unsigned)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
    addr.sun.sun_family = AF_UNIX;
    memcpy(addr.raw + offsetof(struct sockaddr_un, sun_path), path, plen + 1);

    struct process *p = current_process();
    struct nameidata nd = {0};
    long r = namei_at(p, AT_FDCWD, path, WALK_PARENT, &nd);
    if (r < 0) return r;
    struct inode *dir = nd.inode, *node = NULL;
    /* mknod's checks, in Linux's order: the name must not exist */
    if (nd.last_type != LAST_NORM) {
        r = -EEXIST;
    } else if ((r = nd_lookup_last(&nd, &node)) == 0) {
        inode_put(node);
        node = NULL;
        r = -EEXIST;
    } else if (r == -ENOENT) {
        if (nd.trailing)
            r = -ENOENT; /* a trailing slash only names directories */
        else if (inode_readonly(dir))
            r = -EROFS;
        else if (!dir->iops->mknod)
            r = -EPERM;
        else if ((r = may_create(dir)) == 0)
            r = dir->iops->mknod(dir, nd.last, S_IFSOCK | (0777 & ~p->fs->umask));
    }
    if (r < 0) {
        nd_release(&nd);
        return r == -EEXIST ? -EADDRINUSE : r;
    }
    mutex_lock(&bind_lock);
    if (u->addr.len) {
        r = -EINVAL; /* bound meanwhile (or before): the node goes again */
    } else if ((r = nd_lookup_last(&nd, &node)) == 0) {
        dev_t dev = node->mnt ? node->mnt->dev : 0;
        mutex_lock(&names_lock);
        struct unix_sock *old = node_find(node->mnt, dev, node->ino);
        if (old) unhash(old); /* a node the host deleted and numbered again */
        u->bound_mnt = node->mnt;
        u->bound_dev = dev;
        u->bound_ino = node->ino;
        u->bound_inode = node; /* the reference stays with the socket */
        set_addr(u, &addr);
        hash(u);
        mutex_unlock(&names_lock);
    }
    mutex_unlock(&bind_lock);
    if (r < 0 && dir->iops->unlink) dir->iops->unlink(dir, nd.last);
    nd_release(&nd);
    return r;
}

static long bind_abstract(struct unix_sock *u, const struct sockaddr_storage *a, unsigned len)
{
    struct unix_addr addr = {0};
    addr.len = len;
    memcpy(addr.raw, a, len);
    mutex_lock(&bind_lock);
    long r = 0;
    if (u->addr.len) {
        r = -EINVAL;
    } else {
        mutex_lock(&names_lock);
        if (abstract_find(&addr, u->type)) {
            r = -EADDRINUSE;
        } else {
            set_addr(u, &addr);
            hash(u);
        }
        mutex_unlock(&names_lock);
    }
    mutex_unlock(&bind_lock);
    return r;
}

long unix_name_autobind(struct unix_sock *u)
{
    mutex_lock(&bind_lock);
    long r = 0;
    if (u->addr.len) goto out; /* bound already: nothing to do */
    struct unix_addr addr = {0};
    addr.len = offsetof(struct sockaddr_un, sun_path) + 6;
    addr.sun.sun_family = AF_UNIX;
    mutex_lock(&names_lock);
    if (!autobind_next) { /* start somewhere unpredictable, as Linux */
        uint32_t seed = 0;
        pal_random(&seed, sizeof(seed));
        autobind_next = seed | 1;
    }
    r = -ENOSPC; /* all 2^20 names in use */
    for (uint32_t tries = 0; tries <= 0xfffff; tries++) {
        autobind_next = (autobind_next + 1) & 0xfffff;
        char digits[8];
        snprintf(digits, sizeof(digits), "%05x", (unsigned)autobind_next);
        memcpy(addr.sun.sun_path + 1, digits, 5);
        if (!abstract_find(&addr, u->type)) {
            set_addr(u, &addr);
            hash(u);
            r = 0;
            break;
        }
    }
    mutex_unlock(&names_lock);
out:
    mutex_unlock(&bind_lock);
    return r;
}

long unix_name_bind(struct unix_sock *u, struct sockaddr_storage *a, unsigned len)
{
    if (len == offsetof(struct sockaddr_un, sun_path) && a->ss_family == AF_UNIX)
        return unix_name_autobind(u);
    long r = unix_addr_check(a, len);
    if (r < 0) return r;
    if (((struct sockaddr_un *)a)->sun_path[0]) return bind_path(u, a, len);
    return bind_abstract(u, a, len);
}

struct unix_sock *unix_name_find(struct sockaddr_storage *a, unsigned len, int type, int *err)
{
    struct unix_sock *s = NULL;
    *err = unix_addr_check(a, len);
    if (*err) return NULL;
    if (((struct sockaddr_un *)a)->sun_path[0] == 0) {
        struct unix_addr addr = {0};
        addr.len = len;
        memcpy(addr.raw, a, len);
        mutex_lock(&names_lock);
        s = abstract_find(&addr, type);
        if (s) usock_get(s);
        mutex_unlock(&names_lock);
        if (!s) *err = -ECONNREFUSED;
        return s;
    }
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
    path_of(a, len, path);
    struct nameidata nd = {0};
    *err = namei_at(current_process(), AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (*err) return NULL;
    struct inode *node = nd.inode;
    /* connecting writes to the socket node (Linux: EACCES without w) */
    *err = inode_permission(node, MAY_WRITE);
    if (*err == 0) *err = -ECONNREFUSED; /* not a socket, or nobody bound to it */
    if (*err == -ECONNREFUSED && S_ISSOCK(node->mode)) {
        mutex_lock(&names_lock);
        s = node_find(node->mnt, node->mnt ? node->mnt->dev : 0, node->ino);
        if (s && s->type != type) {
            *err = -EPROTOTYPE;
            s = NULL;
        }
        if (s) {
            usock_get(s);
            *err = 0;
        }
        mutex_unlock(&names_lock);
    }
    nd_release(&nd);
    return s;
}
