/* permission: see permission.h. */
#include "fs/permission.h"

#include "fs/vfs.h"
#include "process/caps.h"
#include "process/process.h"

#include <errno.h>

static const struct cred *current_cred(void)
{
    struct thread *t = current_thread();
    return t && t->proc ? &t->proc->cred : NULL;
}

void fs_current_ids(struct fs_ids *ids, bool real)
{
    struct thread *t = current_thread();
    if (t && t->fs_ids_override) {
        *ids = *t->fs_ids_override;
        return;
    }
    const struct cred *c = current_cred();
    if (!c) {
        *ids = (struct fs_ids){0, 0, 0, NULL, ~0ULL};
        return;
    }
    ids->uid = real ? c->ruid : c->fsuid;
    ids->gid = real ? c->rgid : c->fsgid;
    ids->ngroups = c->ngroups;
    ids->groups = c->groups;
    ids->caps = !real ? c->cap_eff : c->ruid == 0 ? c->cap_prm : 0;
}

static bool has(const struct fs_ids *ids, int cap)
{
    return (ids->caps >> cap) & 1;
}

static bool ids_in_group(const struct fs_ids *ids, uint32_t gid)
{
    if (ids->gid == gid) return true;
    for (int i = 0; i < ids->ngroups; i++)
        if (ids->groups[i] == gid) return true;
    return false;
}

int inode_permission_ids(const struct inode *ino, int mask, const struct fs_ids *ids)
{
    mode_t m = ino->mode;
    mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
    mode_t bits;
    if (ids->uid == ino->uid)
        bits = m >> 6;
    else if (ids_in_group(ids, ino->gid))
        bits = m >> 3;
    else
        bits = m;
    if (!(mask & ~(int)(bits & 7))) return 0;
    /* the capabilities that override the mode, as generic_permission */
    if (S_ISDIR(m))
        return (!(mask & MAY_WRITE) && has(ids, CAP_DAC_READ_SEARCH)) || has(ids, CAP_DAC_OVERRIDE)
                   ? 0
                   : -EACCES;
    if (mask == MAY_READ && has(ids, CAP_DAC_READ_SEARCH)) return 0;
    return (!(mask & MAY_EXEC) || (m & 0111)) && has(ids, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
}

int inode_permission(const struct inode *ino, int mask)
{
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    return inode_permission_ids(ino, mask, &ids);
}

bool fs_in_group(uint32_t gid)
{
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    return has(&ids, CAP_FSETID) || ids_in_group(&ids, gid);
}

bool fs_owner_or_capable(const struct inode *ino)
{
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    return has(&ids, CAP_FOWNER) || ids.uid == ino->uid;
}

int may_create(const struct inode *dir)
{
    return inode_permission(dir, MAY_WRITE | MAY_EXEC);
}

int may_delete(const struct inode *dir, const struct inode *victim)
{
    int r = inode_permission(dir, MAY_WRITE | MAY_EXEC);
    if (r < 0) return r;
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    if ((dir->mode & S_ISVTX) && !has(&ids, CAP_FOWNER) && ids.uid != victim->uid &&
        ids.uid != dir->uid)
        return -EPERM;
    return 0;
}

int may_link(const struct inode *old)
{
    if (fs_owner_or_capable(old)) return 0;
    mode_t m = old->mode;
    if (!S_ISREG(m) || (m & S_ISUID) || ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)))
        return -EPERM;
    return inode_permission(old, MAY_READ | MAY_WRITE) < 0 ? -EPERM : 0;
}

int may_chown(const struct inode *ino, uid_t uid, gid_t gid)
{
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    if (has(&ids, CAP_CHOWN)) return 0;
    if (uid != (uid_t)-1 && (ids.uid != ino->uid || uid != ino->uid)) return -EPERM;
    if (gid != (gid_t)-1 && (ids.uid != ino->uid || (gid != ino->gid && !ids_in_group(&ids, gid))))
        return -EPERM;
    return 0;
}

int may_chmod(const struct inode *ino, mode_t *mode)
{
    if (!fs_owner_or_capable(ino)) return -EPERM;
    if ((*mode & S_ISGID) && !fs_in_group(ino->gid)) *mode &= ~(mode_t)S_ISGID;
    return 0;
}

int may_set_times(const struct inode *ino, bool explicit_times)
{
    if (fs_owner_or_capable(ino)) return 0;
    if (explicit_times) return -EPERM;
    return inode_permission(ino, MAY_WRITE);
}

void fs_new_owner(const struct inode *dir, mode_t *mode, uid_t *uid, gid_t *gid)
{
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    *uid = ids.uid;
    *gid = ids.gid;
    if (!dir || !(dir->mode & S_ISGID)) return;
    *gid = dir->gid;
    if (S_ISDIR(*mode))
        *mode |= S_ISGID;
    else if ((*mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && !has(&ids, CAP_FSETID) &&
             !ids_in_group(&ids, dir->gid))
        *mode &= ~(mode_t)S_ISGID;
}

mode_t fs_privs_to_kill(const struct inode *ino)
{
    mode_t m = ino->mode;
    if (!S_ISREG(m) || !(m & (S_ISUID | S_ISGID))) return 0;
    struct fs_ids ids;
    fs_current_ids(&ids, false);
    if (has(&ids, CAP_FSETID)) return 0;
    mode_t kill = m & S_ISUID;
    /* set-group-ID goes with g+x, or when the writer is not in the group
     * (Linux 6.2's setattr_should_drop_sgid); without g+x it marks
     * mandatory locking for the group's members */
    if ((m & S_ISGID) && ((m & S_IXGRP) || !ids_in_group(&ids, ino->gid))) kill |= S_ISGID;
    return kill;
}
