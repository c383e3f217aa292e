/*
 * permission: the one place where the LibOS's file systems decide whether
 * the calling process may do something to an inode, by its mode bits and
 * owners against the caller's file-system ids and groups, as Linux's
 * generic_permission, may_create/may_delete, inode_owner_or_capable and
 * chown_ok do (see man 7 path_resolution, man 2 access, chmod, chown).
 *
 * "Privileged" is an fs uid of 0: Linux gives CAP_DAC_OVERRIDE,
 * CAP_FOWNER, CAP_CHOWN and CAP_FSETID to exactly those processes (root's
 * capabilities go when it drops to another uid). A privileged caller may
 * read, write and search anything; executing a non-directory still needs
 * one x bit somewhere in its mode.
 *
 * Read-only mounts (EROFS) stay with the callers, which already check them
 * in Linux's order.
 */
#ifndef LIBOS_FS_PERMISSION_H
#define LIBOS_FS_PERMISSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct inode;

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/* The ids a check is made with: the caller's fs ids, or its real ones
 * (access(2) without AT_EACCESS). */
struct fs_ids {
    uint32_t uid, gid;
    int ngroups;
    const uint32_t *groups;
};

/* The calling process's fs ids (root when no application thread runs:
 * start-up, the FUSE server, unit tests). real: its real ids instead. */
void fs_current_ids(struct fs_ids *ids, bool real);

/* 0 or -EACCES: may ids do mask (MAY_*) to ino? */
int inode_permission_ids(const struct inode *ino, int mask, const struct fs_ids *ids);
/* The same for the calling process. */
int inode_permission(const struct inode *ino, int mask);

/* Is gid the caller's fs gid or one of its supplementary groups? */
bool fs_in_group(uint32_t gid);
/* Owner of ino, or privileged (chmod, utimes, the sticky bit). */
bool fs_owner_or_capable(const struct inode *ino);
/* Making a name in dir: write and search on it. */
int may_create(const struct inode *dir);
/* Removing (or renaming away) victim from dir: write and search on dir,
 * and the sticky-bit rule (EPERM). */
int may_delete(const struct inode *dir, const struct inode *victim);
/* A hard link to old (Linux's protected_hardlinks, on by default): the
 * owner, or a regular file that is not set-ID and that the caller may
 * read and write. 0 or -EPERM. */
int may_link(const struct inode *old);
/* chown(2) to uid/gid ((uid_t)-1: unchanged). 0 or -EPERM. */
int may_chown(const struct inode *ino, uid_t uid, gid_t gid);
/* chmod(2): 0 or -EPERM; *mode loses S_ISGID when the caller is not
 * privileged and not in the file's group. */
int may_chmod(const struct inode *ino, mode_t *mode);
/* utimensat(2): explicit times need the owner (EPERM); "now" needs the
 * owner or write permission (EACCES). */
int may_set_times(const struct inode *ino, bool explicit_times);

/* The owner of a new object in dir: the caller's fs uid, and the
 * directory's group when it is set-group-ID (a new directory inherits the
 * bit; a new file of a caller outside that group loses it). */
void fs_new_owner(const struct inode *dir, mode_t *mode, uid_t *uid, gid_t *gid);

/* After a write or truncate by an unprivileged caller: the set-ID bits a
 * regular file must lose (0: none), as Linux's file_remove_privs. */
mode_t fs_privs_to_kill(const struct inode *ino);

#endif
