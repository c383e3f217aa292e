/*
 * procfs: /proc. self, [pid]/{exe,cmdline,cwd,comm,status,stat,maps,
 * environ,fd/N,fdinfo/N,mounts,mountinfo}, cpuinfo, meminfo, stat, uptime, loadavg,
 * mounts, filesystems, version, System V IPC's sysvipc/{shm,sem,msg} (their
 * text comes from ipc/ipc_proc.c), and the sys/{fs,kernel,vm} tree. The
 * system-wide files' text (meminfo, cpuinfo, version, mounts, mountinfo,
 * filesystems, sys/) comes from procfs_sys.c.
 *
 * Inodes are made on lookup and name (kind, pid, fd); nothing is cached,
 * so a process that has gone simply stops resolving. Every look at a
 * process happens inside process_for_each(), under the process table
 * lock, so it cannot be reaped meanwhile. File contents are generated
 * when the file is opened (buf_file), listings when the directory is
 * (dir_snapshot). fd/N are magic links: opening one reaches the very
 * object behind the fd (its inode, or a proxy of the open file for
 * pipes and sockets).
 */
#include "fs/fdinfo.h"
#include "fs/permission.h"
#include "fs/procfs_pid.h"
#include "fs/procfs_sys.h"
#include "fs/vfs.h"
#include "util/text.h"
#include "ipc/ipc.h"
#include "pal/pal.h"
#include "process/process.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pkind {
    P_ROOT,
    P_SELF,
    P_CPUINFO,
    P_MEMINFO,
    P_UPTIME,
    P_MOUNTS, /* /proc */
    P_STAT,
    P_LOADAVG,
    P_FILESYSTEMS,
    P_MOUNTINFO,
    P_PIDDIR,
    P_EXE,
    P_CMDLINE,
    P_CWD,
    P_COMM,
    P_STATUS,
    P_PSTAT,
    P_MAPS,
    P_ENVIRON,
    P_FDDIR, /* /proc/[pid] */
    P_FD,    /* /proc/[pid]/fd/N */
    P_FDINFODIR,
    P_FDINFO, /* /proc/[pid]/fdinfo/N (fs/fdinfo.c) */
    P_SYSVIPC,
    P_SYSVIPC_FILE, /* /proc/sysvipc/<ipc_sysvipc_names[fd]> */
    P_SYS,
    P_SYS_DIR,     /* /proc/sys/<procfs_sys_dirs[fd]> */
    P_SYSCTL_FILE, /* /proc/sys/<dir>/<file>: fd = SYSCTL_FD(dir, file) */
    P_VERSION,
};
#define SYSCTL_FD(dir, i) ((dir)*256 + (i))

struct pent {
    const char *name;
    enum pkind kind;
    mode_t mode;
};

static const struct pent root_ents[] = {
    {"self", P_SELF, S_IFLNK | 0777},       {"cpuinfo", P_CPUINFO, S_IFREG | 0444},
    {"meminfo", P_MEMINFO, S_IFREG | 0444}, {"uptime", P_UPTIME, S_IFREG | 0444},
    {"mounts", P_MOUNTS, S_IFREG | 0444},   {"stat", P_STAT, S_IFREG | 0444},
    {"loadavg", P_LOADAVG, S_IFREG | 0444}, {"filesystems", P_FILESYSTEMS, S_IFREG | 0444},
    {"sysvipc", P_SYSVIPC, S_IFDIR | 0555}, {"sys", P_SYS, S_IFDIR | 0555},
    {"version", P_VERSION, S_IFREG | 0444},
};
static const struct pent pid_ents[] = {
    {"exe", P_EXE, S_IFLNK | 0777},         {"cmdline", P_CMDLINE, S_IFREG | 0444},
    {"cwd", P_CWD, S_IFLNK | 0777},         {"comm", P_COMM, S_IFREG | 0444},
    {"status", P_STATUS, S_IFREG | 0444},   {"fd", P_FDDIR, S_IFDIR | 0500},
    {"mounts", P_MOUNTS, S_IFREG | 0444},   {"mountinfo", P_MOUNTINFO, S_IFREG | 0444},
    {"stat", P_PSTAT, S_IFREG | 0444},      {"maps", P_MAPS, S_IFREG | 0444},
    {"environ", P_ENVIRON, S_IFREG | 0400}, {"fdinfo", P_FDINFODIR, S_IFDIR | 0500},
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct pnode {
    enum pkind kind;
    int pid;
    int fd;
};

static const struct inode_ops procfs_iops, fdlink_iops;

static uint64_t pino(enum pkind k, int pid, int fd)
{
    return ((uint64_t)(unsigned)pid << 24) | ((uint64_t)k << 16) | (uint64_t)(fd + 1);
}

static struct inode *pnode_new(struct mount *m, enum pkind k, mode_t mode, int pid, int fd)
{
    struct inode *ino = inode_new(m, k == P_FD ? &fdlink_iops : &procfs_iops, mode);
    struct pnode *n = kmalloc(sizeof(*n));
    if (!ino || !n) {
        kfree(ino);
        kfree(n);
        return NULL;
    }
    n->kind = k;
    n->pid = pid;
    n->fd = fd;
    ino->priv = n;
    ino->ino = pino(k, pid, fd);
    if (S_ISDIR(mode)) ino->nlink = 2;
    vfs_now(&ino->mtime);
    ino->atime = ino->ctime = ino->mtime;
    return ino;
}

static struct pnode *PN(struct inode *ino)
{
    return ino->priv;
}

static int owner_cb(struct process *p, void *arg)
{
    struct inode *ino = arg;
    /* as Linux: a process that is not dumpable has its /proc/[pid] owned by root */
    ino->uid = p->dumpable ? p->cred.euid : 0;
    ino->gid = p->dumpable ? p->cred.egid : 0;
    return 0;
}

static int with_process(int pid, int (*fn)(struct process *p, void *arg), void *arg);

/* A node of /proc/[pid] belongs to the process's effective ids, as Linux's
 * (so that a process that dropped root still reads its own fd/ and
 * environ); the rest of /proc is root's. */
static struct inode *pnode_owned(struct inode *ino)
{
    if (ino && PN(ino)->pid > 0) with_process(PN(ino)->pid, owner_cb, ino);
    return ino;
}

/* The calling process, when running on an application thread. */
static struct process *caller(void)
{
    struct thread *t = current_thread();
    return t ? t->proc : NULL;
}

/* Run fn on process pid under the table lock; -ENOENT when it is gone. */
struct with_arg {
    int pid;
    int (*fn)(struct process *p, void *arg);
    void *arg;
    int r;
};

static int with_cb(struct process *p, void *a)
{
    struct with_arg *w = a;
    if (p->pid != w->pid || p->zombie) return 0;
    w->r = w->fn(p, w->arg);
    return 1;
}

static int with_process(int pid, int (*fn)(struct process *p, void *arg), void *arg)
{
    struct with_arg w = {pid, fn, arg, -ENOENT};
    process_for_each(with_cb, &w);
    return w.r;
}

static int exists_cb(struct process *p, void *arg)
{
    return 0;
}

/* ---- lookup ---- */

static int parse_num(const char *s)
{
    long v = 0;
    if (!*s || (s[0] == '0' && s[1])) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000) return -1;
        v = v * 10 + (*s - '0');
    }
    return (int)v;
}

struct getlink_arg {
    int fd;
    struct file *f;
};

/* The file at fd in p, with a reference (dropped by the caller outside
 * the table lock: a release may need locks of its own). */
static int getlink_cb(struct process *p, void *arg)
{
    struct getlink_arg *g = arg;
    g->f = p->files ? fdtable_get(p->files, g->fd) : NULL;
    return g->f ? 0 : -ENOENT;
}

/* The mode of /proc/[pid]/fd/N: a link whose r/w bits show the access
 * mode, as Linux does; or a negative errno when fd is not open. */
static int fd_link_mode(int pid, int fd)
{
    struct getlink_arg g = {fd, NULL};
    int r = with_process(pid, getlink_cb, &g);
    if (r == 0)
        r = S_IFLNK | 0100 | ((g.f->fmode & FMODE_READ) ? 0400 : 0) |
            ((g.f->fmode & FMODE_WRITE) ? 0200 : 0);
    file_put(g.f);
    return r;
}

static int lookup_in(struct inode *dir, const struct pent *ents, size_t n, const char *name,
                     struct inode **out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ents[i].name, name) != 0) continue;
        int pid = PN(dir)->pid;
        if (ents[i].kind == P_SELF) {
            struct process *p = caller();
            if (!p) return -ENOENT;
            pid = p->pid;
        }
        *out = pnode_owned(pnode_new(dir->mnt, ents[i].kind, ents[i].mode, pid, -1));
        return *out ? 0 : -ENOMEM;
    }
    return -ENOENT;
}

static int procfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
    struct pnode *d = PN(dir);
    int num, r;
    switch (d->kind) {
    case P_ROOT:
        if ((num = parse_num(name)) < 0)
            return lookup_in(dir, root_ents, NELEM(root_ents), name, out);
        if ((r = with_process(num, exists_cb, NULL)) < 0) return r;
        *out = pnode_owned(pnode_new(dir->mnt, P_PIDDIR, S_IFDIR | 0555, num, -1));
        return *out ? 0 : -ENOMEM;
    case P_PIDDIR:
        if ((r = with_process(d->pid, exists_cb, NULL)) < 0) return r;
        return lookup_in(dir, pid_ents, NELEM(pid_ents), name, out);
    case P_SYSVIPC:
        for (int i = 0; ipc_sysvipc_names[i]; i++) {
            if (strcmp(ipc_sysvipc_names[i], name) != 0) continue;
            *out = pnode_new(dir->mnt, P_SYSVIPC_FILE, S_IFREG | 0444, 0, i);
            return *out ? 0 : -ENOMEM;
        }
        return -ENOENT;
    case P_SYS_DIR:
        for (int i = 0; procfs_sys_name(d->fd, i); i++) {
            if (strcmp(procfs_sys_name(d->fd, i), name) != 0) continue;
            *out = pnode_new(dir->mnt, P_SYSCTL_FILE, S_IFREG | 0444, 0, SYSCTL_FD(d->fd, i));
            return *out ? 0 : -ENOMEM;
        }
        /* its directories (fs/inotify...) */
        __attribute__((fallthrough));
    case P_SYS:
        for (int i = 0; procfs_sys_dirs[i]; i++) {
            const char *child = procfs_sys_child(d->kind == P_SYS ? -1 : d->fd, i);
            if (!child || strcmp(child, name) != 0) continue;
            *out = pnode_new(dir->mnt, P_SYS_DIR, S_IFDIR | 0555, 0, i);
            return *out ? 0 : -ENOMEM;
        }
        return -ENOENT;
    case P_FDDIR:
    case P_FDINFODIR:
        if ((num = parse_num(name)) < 0) return -ENOENT;
        if ((r = fd_link_mode(d->pid, num)) < 0) return r;
        if (d->kind == P_FDINFODIR) r = S_IFREG | 0444;
        *out = pnode_owned(
            pnode_new(dir->mnt, d->kind == P_FDDIR ? P_FD : P_FDINFO, (mode_t)r, d->pid, num));
        return *out ? 0 : -ENOMEM;
    default:
        return -ENOTDIR;
    }
}

/* ---- links ---- */

static int link_cb(struct process *p, void *arg)
{
    struct pnode *n = ((void **)arg)[0];
    struct text *t = ((void **)arg)[1];
    if (n->kind == P_EXE) {
        snprintf(t->buf, t->cap, "%s", p->exe_path);
    } else if (n->kind == P_CWD && p->fs) {
        mutex_lock(&p->fs->lock);
        snprintf(t->buf, t->cap, "%s", p->fs->cwd);
        mutex_unlock(&p->fs->lock);
    } else {
        return -ENOENT;
    }
    t->len = strlen(t->buf);
    return 0;
}

static ssize_t procfs_readlink(struct inode *ino, char *buf, size_t len)
{
    struct pnode *n = PN(ino);
    char *tmp = kmalloc(LIBOS_PATH_MAX);
    if (!tmp) return -ENOMEM;
    struct text t = {tmp, 0, LIBOS_PATH_MAX};
    int r;
    if (n->kind == P_SELF) {
        snprintf(tmp, LIBOS_PATH_MAX, "%d", n->pid);
        t.len = strlen(tmp);
        r = 0;
    } else if (n->kind == P_FD) {
        struct getlink_arg g = {n->fd, NULL};
        r = with_process(n->pid, getlink_cb, &g);
        if (r == 0) {
            snprintf(tmp, LIBOS_PATH_MAX, "%s", g.f->path);
            t.len = strlen(tmp);
        }
        file_put(g.f);
    } else {
        void *arg[2] = {n, &t};
        r = with_process(n->pid, link_cb, arg);
    }
    if (r == 0) {
        r = (int)(t.len < len ? t.len : len);
        memcpy(buf, tmp, (size_t)r);
    }
    kfree(tmp);
    return r;
}

/* A stand-in inode for an open file without one (pipe, socket): opening
 * it opens a new file that forwards to the original description. */
static const struct inode_ops proxy_iops;
#define PROXIED(f) ((struct file *)(f)->priv)

static ssize_t px_read(struct file *f, struct uio *to)
{
    return vfs_read_uio(PROXIED(f), to);
}
static ssize_t px_write(struct file *f, struct uio *from)
{
    return vfs_write_uio(PROXIED(f), from);
}
static off_t px_lseek(struct file *f, off_t o, int w)
{
    return vfs_lseek(PROXIED(f), o, w);
}
static long px_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    struct file *o = PROXIED(f);
    return o->fops->ioctl ? o->fops->ioctl(o, req, arg) : -ENOTTY;
}
static int px_fstat(struct file *f, struct stat *st)
{
    return file_fstat(PROXIED(f), st);
}
static void px_release(struct file *f)
{
    file_put(PROXIED(f));
}
static unsigned px_poll(struct file *f, struct poll_table *pt)
{
    return PROXIED(f)->fops->poll(PROXIED(f), pt);
}
static int px_host_fd(struct file *f)
{
    struct file *o = PROXIED(f);
    return o->fops->host_fd ? o->fops->host_fd(o) : -1;
}
/* poll.c asks fops->poll first and host_fd otherwise: keep that choice. */
static const struct file_ops proxy_fops = {
    .read = px_read,
    .write = px_write,
    .lseek = px_lseek,
    .ioctl = px_ioctl,
    .fstat = px_fstat,
    .host_fd = px_host_fd,
    .release = px_release,
};
static const struct file_ops proxy_poll_fops = {
    .read = px_read,
    .write = px_write,
    .lseek = px_lseek,
    .ioctl = px_ioctl,
    .fstat = px_fstat,
    .poll = px_poll,
    .release = px_release,
};

static int proxy_open(struct inode *ino, struct file *f)
{
    struct file *o = ino->priv;
    file_get(o);
    f->priv = o;
    f->fops = o->fops->poll ? &proxy_poll_fops : &proxy_fops;
    return 0;
}

static int proxy_getattr(struct inode *ino, struct stat *st)
{
    return file_fstat(ino->priv, st);
}

static void proxy_evict(struct inode *ino)
{
    file_put(ino->priv);
}

static const struct inode_ops proxy_iops = {
    .getattr = proxy_getattr,
    .open = proxy_open,
    .evict = proxy_evict,
};

static int procfs_get_link(struct inode *ino, struct inode **target, char **path)
{
    struct getlink_arg g = {PN(ino)->fd, NULL};
    int r = with_process(PN(ino)->pid, getlink_cb, &g);
    if (r < 0) return r;
    struct file *f = g.f;
    *path = kstrdup(f->path);
    if (f->inode) {
        inode_get(f->inode);
        *target = f->inode;
    } else {
        struct stat st;
        mode_t mode = file_fstat(f, &st) == 0 ? st.st_mode : (S_IFIFO | 0600);
        *target = inode_new(NULL, &proxy_iops, mode);
        /* Pipes, sockets and host stdio keep no owner of their own: the
         * proxy is the caller's, so its mode bits decide (Linux's pipe
         * belongs to its creator) */
        if (*target) fs_new_owner(NULL, &(*target)->mode, &(*target)->uid, &(*target)->gid);
        if (*target) {
            (*target)->priv = f;
            f = NULL; /* the proxy keeps the reference */
        }
    }
    file_put(f);
    if (!*path || !*target) {
        kfree(*path);
        if (*target) inode_put(*target);
        return -ENOMEM;
    }
    return 0;
}

/* ---- file contents (the per-process text: procfs_pid.c) ---- */

struct fdinfo_arg {
    struct getlink_arg g;
    int cloexec;
};

static int fdinfo_cb(struct process *p, void *arg)
{
    struct fdinfo_arg *a = arg;
    int r = getlink_cb(p, &a->g);
    if (r == 0) a->cloexec = fdtable_get_cloexec(p->files, a->g.fd);
    return r;
}

/* /proc/[pid]/fdinfo/N: the file at N, then its text outside the lock. */
static int gen_fdinfo(struct pnode *n, struct text *t)
{
    struct fdinfo_arg a = {{n->fd, NULL}, 0};
    int r = with_process(n->pid, fdinfo_cb, &a);
    if (r == 0) r = fdinfo_text(a.g.f, a.cloexec > 0, t);
    file_put(a.g.f);
    return r;
}

/* A System V IPC file: its text, made by ipc/ipc_proc.c. */
static int gen_ipc(struct pnode *n, struct text *t)
{
    char *buf;
    size_t len;
    int r = ipc_proc_sysvipc(ipc_sysvipc_names[n->fd], &buf, &len);
    if (r < 0) return r;
    r = text_printf(t, "%.*s", (int)len, buf);
    kfree(buf);
    return r;
}

static int gen_file(struct inode *ino, struct text *t)
{
    struct pnode *n = PN(ino);
    struct timespec now, boot;
    switch (n->kind) {
    case P_SYSVIPC_FILE:
        return gen_ipc(n, t);
    case P_FDINFO:
        return gen_fdinfo(n, t);
    case P_SYSCTL_FILE:
        return procfs_sys_gen(n->fd / 256, n->fd % 256, t);
    case P_VERSION:
        return procfs_version(t);
    case P_CPUINFO:
        return procfs_cpuinfo(t);
    case P_MEMINFO:
        return procfs_meminfo(t);
    case P_UPTIME:
        pal_clock_gettime(CLOCK_MONOTONIC, &now);
        vfs_boot_time(&boot);
        long ms = (now.tv_sec - boot.tv_sec) * 1000 + (now.tv_nsec - boot.tv_nsec) / 1000000;
        return text_printf(t, "%ld.%02ld 0.00\n", ms / 1000, (ms % 1000) / 10);
    case P_MOUNTS:
        return procfs_mounts(t);
    case P_MOUNTINFO:
        return procfs_mountinfo(t);
    case P_CMDLINE:
        return with_process(n->pid, procfs_pid_cmdline, t);
    case P_COMM:
        return with_process(n->pid, procfs_pid_comm, t);
    case P_STATUS:
        return with_process(n->pid, procfs_pid_status, t);
    case P_PSTAT:
        return with_process(n->pid, procfs_pid_stat, t);
    case P_MAPS:
        return with_process(n->pid, procfs_pid_maps, t);
    case P_ENVIRON:
        return with_process(n->pid, procfs_pid_environ, t);
    case P_STAT:
        return procfs_stat(t);
    case P_LOADAVG:
        return procfs_loadavg(t);
    case P_FILESYSTEMS:
        return procfs_filesystems(t);
    default:
        return -EINVAL;
    }
}

/* ---- directories ---- */

static int list_pid_cb(struct process *p, void *arg)
{
    char name[16];
    if (p->zombie || p->pid <= 0) return 0;
    snprintf(name, sizeof(name), "%d", p->pid);
    return dir_snapshot_add(arg, pino(P_PIDDIR, p->pid, -1), DT_DIR, name);
}

struct fdlist {
    int fds[FD_MAX];
    size_t n;
};

static int list_fd_cb(struct process *p, void *arg)
{
    struct fdlist *l = arg;
    l->n = p->files ? fdtable_list(p->files, l->fds, FD_MAX) : 0;
    return 0;
}

static int add_ents(struct dir_snapshot *s, const struct pent *e, size_t n, int pid)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++)
        r = dir_snapshot_add(s, pino(e[i].kind, pid, -1), IFTODT(e[i].mode), e[i].name);
    return r;
}

static int fill_dir(struct inode *ino, struct dir_snapshot *s)
{
    struct pnode *n = PN(ino);
    int r = dir_snapshot_add(s, ino->ino, DT_DIR, ".");
    int up = n->kind == P_SYS_DIR ? procfs_sys_parent(n->fd) : -1;
    uint64_t parent = n->kind == P_FDDIR || n->kind == P_FDINFODIR ? pino(P_PIDDIR, n->pid, -1)
                      : up >= 0                                    ? pino(P_SYS_DIR, 0, up)
                      : n->kind == P_SYS_DIR                       ? pino(P_SYS, 0, -1)
                                                                   : 1;
    if (r == 0) r = dir_snapshot_add(s, parent, DT_DIR, "..");
    if (r < 0) return r;
    if (n->kind == P_SYS || n->kind == P_SYS_DIR) {
        const char *name;
        for (int i = 0; r == 0 && n->kind == P_SYS_DIR && (name = procfs_sys_name(n->fd, i)); i++)
            r = dir_snapshot_add(s, pino(P_SYSCTL_FILE, 0, SYSCTL_FD(n->fd, i)), DT_REG, name);
        for (int i = 0; r == 0 && procfs_sys_dirs[i]; i++)
            if ((name = procfs_sys_child(n->kind == P_SYS ? -1 : n->fd, i)))
                r = dir_snapshot_add(s, pino(P_SYS_DIR, 0, i), DT_DIR, name);
        return r;
    }
    if (n->kind == P_SYSVIPC) {
        for (int i = 0; r == 0 && ipc_sysvipc_names[i]; i++)
            r = dir_snapshot_add(s, pino(P_SYSVIPC_FILE, 0, i), DT_REG, ipc_sysvipc_names[i]);
        return r;
    }
    if (n->kind == P_ROOT) {
        if ((r = add_ents(s, root_ents, NELEM(root_ents), 0)) < 0) return r;
        return process_for_each(list_pid_cb, s);
    }
    if (n->kind == P_PIDDIR) return add_ents(s, pid_ents, NELEM(pid_ents), n->pid);
    struct fdlist *l = kmalloc(sizeof(*l));
    if (!l) return -ENOMEM;
    l->n = 0;
    r = with_process(n->pid, list_fd_cb, l);
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "%d", l->fds[i]);
        r = n->kind == P_FDDIR
                ? dir_snapshot_add(s, pino(P_FD, n->pid, l->fds[i]), DT_LNK, name)
                : dir_snapshot_add(s, pino(P_FDINFO, n->pid, l->fds[i]), DT_REG, name);
    }
    kfree(l);
    return r;
}

static int procfs_open(struct inode *ino, struct file *f)
{
    if (S_ISDIR(ino->mode)) {
        struct dir_snapshot *s = kcalloc(1, sizeof(*s));
        if (!s) return -ENOMEM;
        f->priv = s;
        f->fops = &dir_snapshot_fops;
        return fill_dir(ino, s);
    }
    struct text t = {kmalloc(256), 0, 256};
    if (!t.buf) return -ENOMEM;
    t.buf[0] = 0;
    int r = gen_file(ino, &t);
    if (r < 0) {
        kfree(t.buf);
        return r;
    }
    return buf_file_open(f, t.buf, t.len);
}

static void procfs_evict(struct inode *ino)
{
    kfree(ino->priv);
}

static const struct inode_ops procfs_iops = {
    .lookup = procfs_lookup,
    .readlink = procfs_readlink,
    .open = procfs_open,
    .evict = procfs_evict,
};

static const struct inode_ops fdlink_iops = {
    .readlink = procfs_readlink,
    .get_link = procfs_get_link,
    .evict = procfs_evict,
};

struct inode *procfs_mount(struct mount *m)
{
    struct inode *root = pnode_new(m, P_ROOT, S_IFDIR | 0555, 0, -1);
    if (root) root->ino = 1;
    return root;
}
