/* cred: see cred.h. The rules are those of man 2 setuid, setreuid,
 * setresuid, setfsuid and setgroups, "privileged" meaning CAP_SETUID (uid
 * calls) or CAP_SETGID (gid calls and setgroups) in the effective set. A
 * change of the uids updates the capability sets (process/caps.c). */
#include "process/cred.h"

#include "process/caps.h"

#include "process/process.h"
#include "syscall/list_core.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#define NOCHANGE 0xffffffffu /* -1: leave that id as it is */

/* One of the three ids (or -1). */
static int one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
    return id == NOCHANGE || id == a || id == b || id == c;
}

/* The credentials are the process's, changed under its sig_lock (its
 * threads may read them meanwhile: each field is one word). */
static struct cred *cred_lock(void)
{
    struct process *p = current_process();
    mutex_lock(&p->sig_lock);
    return &p->cred;
}

static void cred_unlock(void)
{
    mutex_unlock(&current_process()->sig_lock);
}

/* Under the cred lock: a change of the effective or file-system ids makes
 * the process non-dumpable, as Linux's commit_creds (suid_dumpable 0):
 * PR_GET_DUMPABLE answers 0 and its /proc/[pid] belongs to root. */
static void ids_changed(const struct cred *was, const struct cred *c)
{
    if (was->euid != c->euid || was->egid != c->egid || was->fsuid != c->fsuid ||
        was->fsgid != c->fsgid)
        current_process()->dumpable = 0;
}

/* setresuid's core, shared by setuid and setreuid: ids already checked. */
static void set_uids(struct cred *c, uint32_t r, uint32_t e, uint32_t s)
{
    struct cred old = *c;
    if (r != NOCHANGE) c->ruid = r;
    if (e != NOCHANGE) c->euid = e;
    if (s != NOCHANGE) c->suid = s;
    c->fsuid = c->euid;
    caps_fix_setuid(c, &old);
    ids_changed(&old, c);
}

static void set_gids(struct cred *c, uint32_t r, uint32_t e, uint32_t s)
{
    struct cred old = *c;
    if (r != NOCHANGE) c->rgid = r;
    if (e != NOCHANGE) c->egid = e;
    if (s != NOCHANGE) c->sgid = s;
    c->fsgid = c->egid;
    ids_changed(&old, c);
}

long sys_setuid(unsigned uid)
{
    if (uid == NOCHANGE) return -EINVAL;
    struct cred *c = cred_lock();
    long r = 0;
    if (cred_capable(c, CAP_SETUID))
        set_uids(c, uid, uid, uid);
    else if (uid == c->ruid || uid == c->suid)
        set_uids(c, NOCHANGE, uid, NOCHANGE);
    else
        r = -EPERM;
    cred_unlock();
    return r;
}

long sys_setgid(unsigned gid)
{
    if (gid == NOCHANGE) return -EINVAL;
    struct cred *c = cred_lock();
    long r = 0;
    if (cred_capable(c, CAP_SETGID))
        set_gids(c, gid, gid, gid);
    else if (gid == c->rgid || gid == c->sgid)
        set_gids(c, NOCHANGE, gid, NOCHANGE);
    else
        r = -EPERM;
    cred_unlock();
    return r;
}

long sys_setreuid(unsigned ruid, unsigned euid)
{
    struct cred *c = cred_lock();
    long r = 0;
    if (!cred_capable(c, CAP_SETUID) &&
        (!one_of(ruid, c->ruid, c->euid, c->euid) || !one_of(euid, c->ruid, c->euid, c->suid))) {
        r = -EPERM;
    } else {
        uint32_t old_ruid = c->ruid;
        /* the saved id follows the effective one when the real one is set,
         * or the effective one is set to anything but the old real one */
        uint32_t neweuid = euid != NOCHANGE ? euid : c->euid;
        bool save = ruid != NOCHANGE || (euid != NOCHANGE && euid != old_ruid);
        set_uids(c, ruid, euid, save ? neweuid : NOCHANGE);
    }
    cred_unlock();
    return r;
}

long sys_setregid(unsigned rgid, unsigned egid)
{
    struct cred *c = cred_lock();
    long r = 0;
    if (!cred_capable(c, CAP_SETGID) &&
        (!one_of(rgid, c->rgid, c->egid, c->egid) || !one_of(egid, c->rgid, c->egid, c->sgid))) {
        r = -EPERM;
    } else {
        uint32_t old_rgid = c->rgid;
        uint32_t newegid = egid != NOCHANGE ? egid : c->egid;
        bool save = rgid != NOCHANGE || (egid != NOCHANGE && egid != old_rgid);
        set_gids(c, rgid, egid, save ? newegid : NOCHANGE);
    }
    cred_unlock();
    return r;
}

long sys_setresuid(unsigned ruid, unsigned euid, unsigned suid)
{
    struct cred *c = cred_lock();
    long r = 0;
    if (!cred_capable(c, CAP_SETUID) &&
        (!one_of(ruid, c->ruid, c->euid, c->suid) || !one_of(euid, c->ruid, c->euid, c->suid) ||
         !one_of(suid, c->ruid, c->euid, c->suid)))
        r = -EPERM;
    else
        set_uids(c, ruid, euid, suid);
    cred_unlock();
    return r;
}

long sys_setresgid(unsigned rgid, unsigned egid, unsigned sgid)
{
    struct cred *c = cred_lock();
    long r = 0;
    if (!cred_capable(c, CAP_SETGID) &&
        (!one_of(rgid, c->rgid, c->egid, c->sgid) || !one_of(egid, c->rgid, c->egid, c->sgid) ||
         !one_of(sgid, c->rgid, c->egid, c->sgid)))
        r = -EPERM;
    else
        set_gids(c, rgid, egid, sgid);
    cred_unlock();
    return r;
}

/* setfsuid answers the old value whether or not it changed anything. */
long sys_setfsuid(unsigned fsuid)
{
    struct cred *c = cred_lock();
    struct cred was = *c;
    uint32_t old = c->fsuid;
    if (fsuid != NOCHANGE && (cred_capable(c, CAP_SETUID) || fsuid == c->ruid || fsuid == c->euid ||
                              fsuid == c->suid || fsuid == c->fsuid)) {
        c->fsuid = fsuid;
        caps_fix_setuid(c, &was);
        ids_changed(&was, c);
    }
    cred_unlock();
    return old;
}

long sys_setfsgid(unsigned fsgid)
{
    struct cred *c = cred_lock();
    struct cred was = *c;
    uint32_t old = c->fsgid;
    if (fsgid != NOCHANGE && (cred_capable(c, CAP_SETGID) || fsgid == c->rgid || fsgid == c->egid ||
                              fsgid == c->sgid || fsgid == c->fsgid)) {
        c->fsgid = fsgid;
        ids_changed(&was, c);
    }
    cred_unlock();
    return old;
}

long sys_setgroups(int size, const unsigned *list)
{
    if (size < 0 || size > 65536) return -EINVAL;
    if (size > CRED_MAX_GROUPS) return -EINVAL; /* the LibOS's own limit (cred.h) */
    uint32_t g[CRED_MAX_GROUPS];
    if (size && copy_from_user(g, list, (size_t)size * sizeof(g[0])) < 0) return -EFAULT;
    struct cred *c = cred_lock();
    long r = 0;
    if (!cred_capable(c, CAP_SETGID)) {
        r = -EPERM;
    } else {
        memcpy(c->groups, g, (size_t)size * sizeof(g[0]));
        c->ngroups = size;
    }
    cred_unlock();
    return r;
}

static long put3(unsigned *a, unsigned *b, unsigned *c, uint32_t x, uint32_t y, uint32_t z)
{
    if (copy_to_user(a, &x, 4) || copy_to_user(b, &y, 4) || copy_to_user(c, &z, 4)) return -EFAULT;
    return 0;
}

long sys_getresuid(unsigned *r, unsigned *e, unsigned *s)
{
    struct cred c = current_process()->cred;
    return put3(r, e, s, c.ruid, c.euid, c.suid);
}

long sys_getresgid(unsigned *r, unsigned *e, unsigned *s)
{
    struct cred c = current_process()->cred;
    return put3(r, e, s, c.rgid, c.egid, c.sgid);
}

long sys_getgroups(int size, unsigned *list)
{
    if (size < 0) return -EINVAL;
    struct cred *c = cred_lock();
    int n = c->ngroups;
    uint32_t g[CRED_MAX_GROUPS];
    memcpy(g, c->groups, (size_t)n * sizeof(g[0]));
    cred_unlock();
    if (size == 0) return n;
    if (size < n) return -EINVAL;
    return n && copy_to_user(list, g, (size_t)n * sizeof(g[0])) ? -EFAULT : n;
}

bool cred_may_signal(const struct process *from, const struct process *to, int sig)
{
    const struct cred *s = &from->cred, *t = &to->cred;
    if (from == to || s->euid == t->suid || s->euid == t->ruid || s->ruid == t->suid ||
        s->ruid == t->ruid || cred_capable(s, CAP_KILL))
        return true;
    return sig == SIGCONT && from->sid == to->sid;
}

bool cred_may_ptrace(const struct process *from, const struct process *to)
{
    const struct cred *s = &from->cred, *t = &to->cred;
    if (from == to) return true;
    if (s->ruid == t->ruid && s->ruid == t->euid && s->ruid == t->suid && s->rgid == t->rgid &&
        s->rgid == t->egid && s->rgid == t->sgid)
        return true;
    return cred_capable(s, CAP_SYS_PTRACE);
}
