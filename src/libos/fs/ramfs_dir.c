/*
 * ramfs_dir: a ramfs directory's entries: a list in insertion order (the
 * getdents64 cookies) with a hash index once a directory grows, added
 * and removed here only, so the persistence hooks see every change
 * (ramfs.c's header says why). All under the file system's lock.
 */
#include "fs/ramfs_int.h"

#include "fs/vfs.h"
#include "util/kheap.h"

#include <errno.h>
#include <string.h>

#define INDEX_FROM 32 /* entries before a directory gets a hash index */

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* (Re)build the index with nb buckets; on failure keep the old one (or
 * none: lookups then scan the list, as for small directories). */
static void index_build(struct rnode *n, size_t nb)
{
    struct rdirent **b = kcalloc(nb, sizeof(*b));
    if (!b) return;
    for (struct rdirent *d = n->head; d; d = d->next) {
        d->hnext = b[d->hash & (nb - 1)];
        b[d->hash & (nb - 1)] = d;
    }
    kfree(n->buckets);
    n->buckets = b;
    n->nbuckets = nb;
}

struct rdirent *ramfs_dir_find(struct inode *dir, const char *name)
{
    struct rnode *n = RN(dir);
    if (n->buckets) {
        uint32_t h = name_hash(name);
        for (struct rdirent *d = n->buckets[h & (n->nbuckets - 1)]; d; d = d->hnext)
            if (d->hash == h && strcmp(d->name, name) == 0) return d;
        return NULL;
    }
    for (struct rdirent *d = n->head; d; d = d->next)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

/* Tell the persistence hooks about an entry added or removed. */
void ramfs_note_dirent(struct inode *dir, const char *name, struct inode *ino, bool add)
{
    struct rnode *n = RN(dir);
    if (n->sb->persist && !n->evicting && !n->sb->loading)
        n->sb->persist->dirent(n->sb->pctx, dir, name, ino, add);
}

/* Adds an entry; takes over a reference on ino. */
int ramfs_dir_add(struct inode *dir, const char *name, struct inode *ino)
{
    struct rnode *n = RN(dir);
    size_t len = strlen(name);
    struct rdirent *d = kmalloc(sizeof(*d) + len + 1);
    if (!d) return -ENOSPC;
    memcpy(d->name, name, len + 1);
    d->hash = name_hash(name);
    d->inode = ino;
    d->cookie = n->next_cookie++;
    d->next = NULL;
    d->prev = n->tail;
    if (n->tail)
        n->tail->next = d;
    else
        n->head = d;
    n->tail = d;
    n->count++;
    if (n->buckets) {
        d->hnext = n->buckets[d->hash & (n->nbuckets - 1)];
        n->buckets[d->hash & (n->nbuckets - 1)] = d;
    }
    if (n->count > (n->buckets ? 2 * n->nbuckets : INDEX_FROM))
        index_build(n, n->buckets ? 2 * n->nbuckets : 64);
    dir->size += 20;
    ramfs_touch(dir, true);
    ramfs_note_dirent(dir, name, ino, true);
    return 0;
}

/* Unlinks an entry; returns its inode reference to the caller. */
struct inode *ramfs_dir_remove(struct inode *dir, struct rdirent *d)
{
    struct rnode *n = RN(dir);
    if (d->prev)
        d->prev->next = d->next;
    else
        n->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        n->tail = d->prev;
    if (n->buckets) {
        struct rdirent **pp = &n->buckets[d->hash & (n->nbuckets - 1)];
        while (*pp && *pp != d)
            pp = &(*pp)->hnext;
        if (*pp) *pp = d->hnext;
    }
    n->count--;
    struct inode *ino = d->inode;
    ramfs_note_dirent(dir, d->name, ino, false);
    kfree(d);
    dir->size -= 20;
    ramfs_touch(dir, true);
    return ino;
}

struct inode *ramfs_dir_del(struct inode *dir, const char *name, struct inode *ino)
{
    /* A rename over an existing name adds the new entry before it removes
     * the old one: the same name may be there twice for a moment. */
    struct rdirent *d = RN(dir)->head;
    if (RN(dir)->buckets) d = RN(dir)->buckets[name_hash(name) & (RN(dir)->nbuckets - 1)];
    for (; d; d = RN(dir)->buckets ? d->hnext : d->next)
        if (d->inode == ino && strcmp(d->name, name) == 0) return ramfs_dir_remove(dir, d);
    return NULL;
}
