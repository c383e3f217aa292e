/*
 * numa: the NUMA memory-policy calls, answered as a machine with one
 * node (node 0) answers them: every policy may name node 0 only, every
 * page is on node 0, and there is nothing to migrate. The LibOS region
 * is one host mapping; where the host puts its pages is the host's.
 */
#include "syscall/refuse.h"

#include "process/process.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/mempolicy.h>
#include <string.h>

#define PAGE 4096UL
#define MAX_NODES 1024UL /* the kernel's MAX_NUMNODES bound for maxnode */
#define MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)

/* Read a user nodemask of maxnode-1 bits (Linux's get_nodes): 0 and
 * *has_other when a node other than 0 is named, -EFAULT, -EINVAL. */
static int get_nodes(const unsigned long *nmask, unsigned long maxnode, bool *empty, bool *other)
{
    *empty = true;
    *other = false;
    if (!nmask || maxnode <= 1) return 0;
    maxnode--;
    if (maxnode > 8 * PAGE * 8) return -EINVAL;
    unsigned long words = (maxnode + 63) / 64;
    for (unsigned long i = 0; i < words; i++) {
        unsigned long w;
        if (copy_from_user(&w, nmask + i, sizeof(w))) return -EFAULT;
        unsigned long bits = maxnode - i * 64;
        if (bits < 64) w &= (1UL << bits) - 1;
        if (!w) continue;
        *empty = false;
        if (i || (w & ~1UL)) *other = true;
    }
    return 0;
}

/* A mode and its nodes as Linux's sanitize_mpol_flags + mpol_new check them. */
static int check_policy(unsigned long mode, const unsigned long *nmask, unsigned long maxnode)
{
    unsigned long flags = mode & MODE_FLAGS;
    mode &= ~(unsigned long)MODE_FLAGS;
    if (mode > MPOL_PREFERRED_MANY) return -EINVAL;
    if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES)) return -EINVAL;
    bool empty, other;
    int r = get_nodes(nmask, maxnode, &empty, &other);
    if (r < 0) return r;
    switch (mode) {
    case MPOL_DEFAULT:
    case MPOL_LOCAL:
        return empty ? 0 : -EINVAL;
    case MPOL_PREFERRED:
        if (empty) return 0; /* "local allocation" */
        break;
    default: /* BIND, INTERLEAVE, PREFERRED_MANY need nodes */
        if (empty) return -EINVAL;
    }
    /* nodes that do not exist leave no allowed node: EINVAL */
    if (other) {
        bool has0 = false;
        unsigned long w;
        if (copy_from_user(&w, nmask, sizeof(w))) return -EFAULT;
        has0 = w & 1;
        if (!has0) return -EINVAL;
    }
    return 0;
}

long sys_set_mempolicy(int mode, const unsigned long *nmask, unsigned long maxnode)
{
    return check_policy((unsigned long)(unsigned)mode, nmask, maxnode);
}

long sys_get_mempolicy(int *umode, unsigned long *nmask, unsigned long maxnode, unsigned long addr,
                       unsigned long flags)
{
    if (flags & ~(unsigned long)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) return -EINVAL;
    if (nmask && maxnode < 1) return -EINVAL; /* fewer bits than nodes */
    if (flags & MPOL_F_MEMS_ALLOWED) {
        if (flags & (MPOL_F_NODE | MPOL_F_ADDR)) return -EINVAL;
    } else if (flags & MPOL_F_ADDR) {
        if (!vm_check(current_process(), addr & ~(PAGE - 1), PAGE, 0)) return -EFAULT;
    } else if (addr) {
        return -EINVAL;
    }
    if (umode) {
        int mode = 0; /* MPOL_DEFAULT, or node 0 with MPOL_F_NODE */
        if (!(flags & MPOL_F_MEMS_ALLOWED) && copy_to_user(umode, &mode, sizeof(mode)))
            return -EFAULT;
    }
    if (nmask) {
        /* maxnode-1 bits, in whole longs: only MEMS_ALLOWED names node 0 */
        unsigned long words = (maxnode - 1 + 63) / 64;
        for (unsigned long i = 0; i < words; i++) {
            unsigned long w = (i == 0 && (flags & MPOL_F_MEMS_ALLOWED)) ? 1UL : 0UL;
            if (copy_to_user(nmask + i, &w, sizeof(w))) return -EFAULT;
        }
    }
    return 0;
}

long sys_mbind(unsigned long start, unsigned long len, unsigned long mode,
               const unsigned long *nmask, unsigned long maxnode, unsigned flags)
{
    if (flags & ~(unsigned)(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -EINVAL;
    if (flags & MPOL_MF_MOVE_ALL) return -EPERM; /* needs CAP_SYS_NICE */
    if (start & (PAGE - 1)) return -EINVAL;
    if ((mode & ~(unsigned long)MODE_FLAGS) == MPOL_DEFAULT && (mode & MODE_FLAGS)) return -EINVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (start + len < start) return -EINVAL;
    int r = check_policy(mode, nmask, maxnode);
    if (r < 0) return r;
    if (len && !vm_check(current_process(), start, len, 0)) return -EFAULT;
    return 0;
}

long sys_migrate_pages(int pid, unsigned long maxnode, const unsigned long *old_nodes,
                       const unsigned long *new_nodes)
{
    bool empty, other;
    int r = get_nodes(old_nodes, maxnode, &empty, &other);
    if (r == 0) r = get_nodes(new_nodes, maxnode, &empty, &other);
    if (r < 0) return r;
    if (other) return -EINVAL; /* a node that is not online */
    if (pid && !process_find(pid)) return -ESRCH;
    return 0; /* no page left unmoved */
}

long sys_move_pages(int pid, unsigned long count, void **pages, const int *nodes, int *status,
                    int flags)
{
    if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -EINVAL;
    if (flags & MPOL_MF_MOVE_ALL) return -EPERM;
    if (pid && pid != current_process()->pid) {
        if (!process_find(pid)) return -ESRCH;
        return -EPERM; /* another process: ptrace access, refused as ptrace is */
    }
    struct process *p = current_process();
    for (unsigned long i = 0; i < count; i++) {
        void *page;
        if (copy_from_user(&page, pages + i, sizeof(page))) return -EFAULT;
        if (nodes) {
            int n;
            if (copy_from_user(&n, nodes + i, sizeof(n))) return -EFAULT;
            if (n < 0 || n >= (int)MAX_NODES) return -ENODEV;
            if (n != 0) return -ENODEV; /* not an online node */
        }
        int st = vm_check(p, (unsigned long)page & ~(PAGE - 1), PAGE, 0) ? 0 : -EFAULT;
        if (copy_to_user(status + i, &st, sizeof(st))) return -EFAULT;
    }
    return 0;
}

long sys_set_mempolicy_home_node(unsigned long start, unsigned long len, unsigned long home_node,
                                 unsigned long flags)
{
    if (start & (PAGE - 1)) return -EINVAL;
    if (flags || home_node >= MAX_NODES || home_node != 0) return -EINVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (start + len < start) return -EINVAL;
    if (len && !vm_check(current_process(), start, len, 0)) return -ENOMEM;
    return 0;
}
