/*
 * nodes: the FUSE server's table of node ids.
 *
 * The kernel names every object it looked up by a node id and counts its
 * lookups; it says how many it forgets. A union lookup makes a fresh union
 * inode each time (as each path walk inside the LibOS does), so the table
 * keys nodes by the union's inode number, which unionfs keeps stable for
 * an object (also across copy-up): the kernel then sees one inode per
 * object, as it must for its page cache and for hard links. Requests are
 * served one at a time (fuse_session_loop), so the table needs no lock.
 */
#include "fuse/fuse_fs.h"

#include "fs/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096

static struct fnode *buckets[BUCKETS];
static struct fnode root_node;

int nodes_init(struct inode *root)
{
    struct stat st;
    int r = inode_stat(root, &st);
    if (r < 0) return r;
    inode_get(root);
    root_node.ino = root;
    root_node.st_ino = st.st_ino;
    root_node.nlookup = 1;
    root_node.path = strdup("/");
    return root_node.path ? 0 : -ENOMEM;
}

struct fnode *node_of(fuse_ino_t id)
{
    return id == FUSE_ROOT_ID ? &root_node : (struct fnode *)(uintptr_t)id;
}

fuse_ino_t node_id(const struct fnode *n)
{
    return n == &root_node ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

static char *child_path(const struct fnode *dir, const char *name)
{
    size_t dl = strlen(dir->path), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p) return NULL;
    memcpy(p, dir->path, dl);
    if (dl > 1) p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

struct fnode *node_add(struct fnode *dir, const char *name, struct inode *ino, uint64_t st_ino)
{
    char *path = child_path(dir, name);
    if (!path) {
        inode_put(ino);
        return NULL;
    }
    if (st_ino == root_node.st_ino) { /* ".." of a top-level directory, say */
        free(path);
        inode_put(ino);
        root_node.nlookup++;
        return &root_node;
    }
    struct fnode **b = &buckets[st_ino % BUCKETS], *n;
    for (n = *b; n; n = n->next) {
        if (n->st_ino != st_ino) continue;
        /* The fresh inode knows its current parent and name (copy-up). */
        inode_put(n->ino);
        n->ino = ino;
        free(n->path);
        n->path = path;
        n->nlookup++;
        return n;
    }
    n = calloc(1, sizeof(*n));
    if (!n) {
        free(path);
        inode_put(ino);
        return NULL;
    }
    n->st_ino = st_ino;
    n->ino = ino;
    n->path = path;
    n->nlookup = 1;
    n->next = *b;
    *b = n;
    return n;
}

void node_forget(struct fnode *n, uint64_t nlookup)
{
    if (n == &root_node) return;
    n->nlookup = n->nlookup > nlookup ? n->nlookup - nlookup : 0;
    if (n->nlookup) return;
    struct fnode **pp = &buckets[n->st_ino % BUCKETS];
    while (*pp && *pp != n)
        pp = &(*pp)->next;
    if (*pp) *pp = n->next;
    inode_put(n->ino);
    free(n->path);
    free(n);
}
