/*
 * fs_core: what the rest of the LibOS needs from the file-system layer.
 *
 * The VFS (fs/vfs.h) has the full object model; process creation, the ELF
 * loader and mmap only use the calls below.
 */
#ifndef LIBOS_FS_CORE_H
#define LIBOS_FS_CORE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct occlum_config;
struct process;
struct file;
struct fdtable;
struct fs_struct;

/* Build the mount tree from cfg->mounts; instance_dir anchors relative
 * sources. Returns 0, or -1 with one line in err. */
int vfs_init(const struct occlum_config *cfg, const char *instance_dir, char *err, size_t errlen);

/* fs context: cwd, root, umask */
struct fs_struct *fs_struct_new(void); /* cwd "/", umask 022 */
struct fs_struct *fs_struct_clone(const struct fs_struct *fs);
void fs_struct_put(struct fs_struct *fs);
/* One more user of the same context (clone with CLONE_FS). */
struct fs_struct *fs_struct_share(struct fs_struct *fs);

/* fd tables */
/* fds 0,1,2 = the host's stdin/stdout/stderr, or the host fds given (owned). */
struct fdtable *fdtable_new_stdio(const int host_fds[3]);
struct fdtable *fdtable_clone(struct fdtable *t);
void fdtable_put(struct fdtable *t);
/* One more user of the same table (clone with CLONE_FILES). */
struct fdtable *fdtable_share(struct fdtable *t);
/* execve: a table shared with another process becomes the caller's own
 * copy (Linux's unshare_files), so that close-on-exec closes only its fds. */
int fdtable_unshare(struct fdtable **tp);
void fdtable_close_on_exec(struct fdtable *t);

/*
 * Open `path` (relative to p's cwd) for execution: it must be a regular
 * file with an execute bit, on a file system that allows exec (hostfs does
 * not). Returns 0, or -ENOENT, -ENOTDIR, -EACCES, -ELOOP, -ENAMETOOLONG.
 * abspath receives the resolved absolute LibOS path.
 */
int vfs_open_exec(struct process *p, const char *path, struct file **out, char *abspath,
                  size_t abslen);

/* Read into LibOS memory at an offset; short reads only at end of file. */
ssize_t file_pread(struct file *f, void *buf, size_t len, off_t off);
int file_fstat(struct file *f, struct stat *st);
/* O_ACCMODE bits the file was opened with. */
int file_access_mode(struct file *f);
void file_get(struct file *f);
void file_put(struct file *f);

/* The file behind fd in p's table, with a reference taken, or NULL. */
struct file *fd_get(struct process *p, int fd);

#endif
