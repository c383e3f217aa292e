/* caps: see caps.h. The sets are the process's (Linux keeps them per
 * thread; the LibOS's credentials are per process), changed under its
 * sig_lock like the ids. */
#include "process/caps.h"

#include "process/process.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/securebits.h>
#include <string.h>

#define BIT(cap) (1ULL << (cap))
/* What a change of the fs uid from or to 0 takes away or gives back. */
#define CAPS_FS_SET                                                                                \
    (BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_FOWNER) |         \
     BIT(CAP_FSETID) | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_MAC_OVERRIDE) | BIT(CAP_MKNOD))

void cred_init(struct cred *c, uint32_t uid, uint32_t gid)
{
    memset(c, 0, sizeof(*c));
    c->ruid = c->euid = c->suid = c->fsuid = uid;
    c->rgid = c->egid = c->sgid = c->fsgid = gid;
    c->cap_bnd = CAPS_ALL;
    if (uid == 0) c->cap_prm = c->cap_eff = CAPS_ALL;
}

bool capable(int cap)
{
    struct thread *t = current_thread();
    return !t || !t->proc || cred_capable(&t->proc->cred, cap);
}

void caps_fix_setuid(struct cred *c, const struct cred *old)
{
    if (c->securebits & SECBIT_NO_SETUID_FIXUP) return;
    bool was_root = old->ruid == 0 || old->euid == 0 || old->suid == 0;
    bool is_root = c->ruid == 0 || c->euid == 0 || c->suid == 0;
    if (was_root && !is_root) {
        if (!(c->securebits & SECBIT_KEEP_CAPS)) c->cap_prm = c->cap_eff = 0;
        c->cap_amb = 0;
    }
    if (old->euid == 0 && c->euid != 0) c->cap_eff = 0;
    if (old->euid != 0 && c->euid == 0) c->cap_eff = c->cap_prm;
    if (old->fsuid == 0 && c->fsuid != 0) c->cap_eff &= ~CAPS_FS_SET;
    if (old->fsuid != 0 && c->fsuid == 0) c->cap_eff |= c->cap_prm & CAPS_FS_SET;
}

/* Linux's cap_bprm_creds_from_file for a file with no capabilities and
 * no set-ID bits: root (unless SECBIT_NOROOT) gets its bounding and
 * inheritable sets, effective only when its effective uid is 0; anyone
 * else keeps only the ambient set. */
void caps_exec(struct cred *c)
{
    bool noroot = c->securebits & SECBIT_NOROOT;
    c->cap_prm = 0;
    if (!noroot && (c->euid == 0 || c->ruid == 0)) c->cap_prm = c->cap_bnd | c->cap_inh;
    c->cap_prm |= c->cap_amb;
    c->cap_eff = !noroot && c->euid == 0 ? c->cap_prm : c->cap_amb;
    c->securebits &= ~(unsigned)SECBIT_KEEP_CAPS;
    c->suid = c->fsuid = c->euid;
    c->sgid = c->fsgid = c->egid;
}

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

/* The number of cap_data a header's version asks for, or -EINVAL after
 * writing the version the LibOS prefers into the header. */
static int cap_words(struct cap_header *uh)
{
    uint32_t v;
    if (copy_from_user(&v, &uh->version, 4)) return -EFAULT;
    switch (v) {
    case _LINUX_CAPABILITY_VERSION_1:
        return 1;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3:
        return 2;
    default:
        v = _LINUX_CAPABILITY_VERSION_3;
        return copy_to_user(&uh->version, &v, 4) ? -EFAULT : -EINVAL;
    }
}

long sys_capget(void *header, void *data)
{
    struct cap_header *uh = header;
    int words = cap_words(uh);
    if (words == -EINVAL && !data) return 0; /* a probe for the version */
    if (words < 0) return words;
    if (!data) return 0;
    int pid;
    if (copy_from_user(&pid, &uh->pid, 4)) return -EFAULT;
    if (pid < 0) return -EINVAL;
    struct process *p = pid ? process_of_tid(pid) : current_process();
    if (!p) return -ESRCH;
    mutex_lock(&p->sig_lock);
    struct cred c = p->cred;
    mutex_unlock(&p->sig_lock);
    struct cap_data d[2];
    for (int i = 0; i < 2; i++) {
        d[i].effective = (uint32_t)(c.cap_eff >> (32 * i));
        d[i].permitted = (uint32_t)(c.cap_prm >> (32 * i));
        d[i].inheritable = (uint32_t)(c.cap_inh >> (32 * i));
    }
    return copy_to_user(data, d, (size_t)words * sizeof(d[0])) ? -EFAULT : 0;
}

static bool subset(uint64_t a, uint64_t b)
{
    return (a & ~b) == 0;
}

long sys_capset(void *header, const void *data)
{
    struct cap_header *uh = header;
    int words = cap_words(uh);
    if (words < 0) return words;
    int pid;
    if (copy_from_user(&pid, &uh->pid, 4)) return -EFAULT;
    struct process *self = current_process();
    if (pid != 0 && pid != self->pid) return -EPERM; /* only one's own */
    struct cap_data d[2];
    memset(d, 0, sizeof(d));
    if (copy_from_user(d, data, (size_t)words * sizeof(d[0]))) return -EFAULT;
    uint64_t eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAPS_ALL;
    uint64_t prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAPS_ALL;
    uint64_t inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAPS_ALL;
    mutex_lock(&self->sig_lock);
    struct cred *c = &self->cred;
    long r = 0;
    /* cap_capset's rules: a new inheritable capability must be permitted
     * (unless CAP_SETPCAP) and in the bounding set; permitted only
     * shrinks; effective within the new permitted */
    if ((!cred_capable(c, CAP_SETPCAP) && !subset(inh, c->cap_inh | c->cap_prm)) ||
        !subset(inh, c->cap_inh | c->cap_bnd) || !subset(prm, c->cap_prm) || !subset(eff, prm)) {
        r = -EPERM;
    } else {
        c->cap_eff = eff;
        c->cap_prm = prm;
        c->cap_inh = inh;
        c->cap_amb &= prm & inh;
    }
    mutex_unlock(&self->sig_lock);
    return r;
}

/* PR_CAP_AMBIENT: c locked. */
static long ambient(struct cred *c, unsigned long op, unsigned long cap, unsigned long a4,
                    unsigned long a5)
{
    if (a4 || a5) return -EINVAL;
    if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
        if (cap) return -EINVAL;
        c->cap_amb = 0;
        return 0;
    }
    if (cap > CAPS_LAST) return -EINVAL;
    switch (op) {
    case PR_CAP_AMBIENT_IS_SET:
        return (c->cap_amb >> cap) & 1;
    case PR_CAP_AMBIENT_RAISE:
        if (!((c->cap_prm & c->cap_inh) >> cap & 1) ||
            (c->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
            return -EPERM;
        c->cap_amb |= BIT(cap);
        return 0;
    case PR_CAP_AMBIENT_LOWER:
        c->cap_amb &= ~BIT(cap);
        return 0;
    default:
        return -EINVAL;
    }
}

/* PR_SET_SECUREBITS: c locked. A locked bit cannot change, a lock cannot
 * be released, no unknown bit set (all EPERM), and it takes CAP_SETPCAP. */
static long set_securebits(struct cred *c, unsigned long bits)
{
    unsigned old = c->securebits;
    unsigned locked = (old & SECURE_ALL_LOCKS) >> 1;
    if (((old ^ (unsigned)bits) & locked) || (old & ~(unsigned)bits & SECURE_ALL_LOCKS) ||
        (bits & ~(unsigned long)(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) ||
        !cred_capable(c, CAP_SETPCAP))
        return -EPERM;
    c->securebits = (unsigned)bits;
    return 0;
}

long caps_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
    struct process *p = current_process();
    struct cred *c = &p->cred;
    if (option == PR_CAPBSET_READ) return a2 > CAPS_LAST ? -EINVAL : (long)((c->cap_bnd >> a2) & 1);
    if (option == PR_GET_KEEPCAPS) return !!(c->securebits & SECBIT_KEEP_CAPS);
    if (option == PR_GET_SECUREBITS) return c->securebits;
    long r = -EINVAL;
    mutex_lock(&p->sig_lock);
    switch (option) {
    case PR_CAPBSET_DROP:
        if (!cred_capable(c, CAP_SETPCAP))
            r = -EPERM;
        else if (a2 <= CAPS_LAST) {
            c->cap_bnd &= ~BIT(a2);
            r = 0;
        }
        break;
    case PR_SET_KEEPCAPS:
        if (a2 > 1) break;
        if (c->securebits & SECBIT_KEEP_CAPS_LOCKED) {
            r = -EPERM;
            break;
        }
        c->securebits = a2 ? c->securebits | SECBIT_KEEP_CAPS : c->securebits & ~SECBIT_KEEP_CAPS;
        r = 0;
        break;
    case PR_SET_SECUREBITS:
        r = set_securebits(c, a2);
        break;
    case PR_CAP_AMBIENT:
        r = ambient(c, a2, a3, a4, a5);
        break;
    }
    mutex_unlock(&p->sig_lock);
    return r;
}
