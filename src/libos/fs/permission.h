/*
 * permission: the one place where the LibOS's file systems decide whether
 * the calling process may do something to an inode, by its mode bits and
 * owners against the caller's file-system ids and groups, as Linux's
 * generic_permission, may_create/may_delete, inode_owner_or_capable and
 * chown_ok do (see man 7 path_resolution, man 2 access, chmod, chown).
 *
 * Privilege is the caller's effective capabilities, where Linux asks
 * for them (process/caps.c): CAP_DAC_OVERRIDE (read, write and search
 * anything; executing a non-directory still needs one x bit somewhere in
 * its mode), CAP_DAC_READ_SEARCH (read files, read and search
 * directories), CAP_FOWNER (what the owner may do), CAP_CHOWN and
 * CAP_FSETID. A root process has them all; dropping to another fs uid
 * takes them away.
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
    uint64_t caps; /* effective capabilities (bit n: capability n) */
};

/* The calling process's fs ids (root when no application thread runs:
 * start-up, the FUSE server, unit tests). real: its real ids instead, with
 * the capabilities access(2) checks with (Linux's access_override_creds:
 * the permitted set for a real uid of 0, none otherwise). */
void fs_current_ids(struct fs_ids *ids, bool real);

/* 0 or -EACCES: may ids do mask (MAY_*) to ino? */
int inode_permission_ids(const struct inode *ino, int mask, const struct fs_ids *ids);
/* The same for the calling process. */
int inode_permission(const struct inode *ino, int mask);

/* Is gid the caller's fs gid or one of its supplementary groups, or has
 * it CAP_FSETID (Linux's in_group_or_capable)? */
bool fs_in_group(uint32_t gid);
/* Owner of ino, or CAP_FOWNER (chmod, utimes, the sticky bit). */
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
/* chmod(2): 0 or -EPERM; *mode loses S_ISGID when the caller is not in
 * the file's group and lacks CAP_FSETID. */
int may_chmod(const struct inode *ino, mode_t *mode);
/* utimensat(2): explicit times need the owner (EPERM); "now" needs the
 * owner or write permission (EACCES). */
int may_set_times(const struct inode *ino, bool explicit_times);

/* The owner of a new object in dir: the caller's fs uid, and the
 * directory's group when it is set-group-ID (a new directory inherits the
 * bit; a new file of a caller outside that group loses it). */
void fs_new_owner(const struct inode *dir, mode_t *mode, uid_t *uid, gid_t *gid);

/* After a write or truncate by a caller without CAP_FSETID: the set-ID bits a
 * regular file must lose (0: none), as Linux's file_remove_privs. */
mode_t fs_privs_to_kill(const struct inode *ino);

#endif
