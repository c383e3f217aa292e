/*
 * sys_info: what the system looks like from inside (uname, sysinfo) and
 * randomness.
 */
#include "syscall/list_core.h"

#include "common/config.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

extern struct occlum_config libos_config;

long sys_uname(void *buf)
{
    struct utsname u;
    memset(&u, 0, sizeof(u));
    strcpy(u.sysname, "Linux");
    strcpy(u.nodename, "occlum-node");
    /* the host's release: the LibOS answers as that kernel would for what
     * it implements, and programs that check the version for a feature
     * (glibc, musl, runtimes) must not turn it off */
    if (pal_kernel_release(u.release, sizeof(u.release)) < 0) strcpy(u.release, "5.15.0");
    strcpy(u.version, "#1 SMP Occlum LibOS");
    strcpy(u.machine, "x86_64");
    strcpy(u.domainname, "(none)");
    return copy_to_user(buf, &u, sizeof(u));
}

long sys_sysinfo(void *info)
{
    struct sysinfo si;
    memset(&si, 0, sizeof(si));
    /* up since the LibOS started, as /proc/uptime says */
    struct timespec now, boot;
    pal_clock_gettime(CLOCK_MONOTONIC, &now);
    vfs_boot_time(&boot);
    si.uptime = now.tv_sec - boot.tv_sec - (now.tv_nsec < boot.tv_nsec);
    si.totalram = vm_region_size();
    si.freeram = vm_region_size() - vm_used_bytes();
    si.procs = 1;
    si.mem_unit = 1;
    return copy_to_user(info, &si, sizeof(si));
}

long sys_getrandom(void *buf, size_t len, unsigned flags)
{
    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
    if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE)) return -EINVAL;
    if (len > 33554431) len = 33554431; /* Linux caps one call at 32 MiB - 1 */
    if (!user_ok(buf, len, true)) return -EFAULT;
    int r = pal_random(buf, len);
    return r < 0 ? r : (long)len;
}
