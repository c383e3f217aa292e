/*
 * sock_ioctl: the ioctls of host sockets (AF_INET, AF_INET6, AF_NETLINK)
 * that programs use to look at the network: the interface queries
 * (SIOCGIFCONF, SIOCGIF{NAME,INDEX,FLAGS,ADDR,...}) and the queue sizes
 * (SIOCATMARK, SIOCOUTQ). The host answers them on the application's
 * memory, which is checked first (EFAULT, as Linux), SIOCGIFCONF's buffer
 * included. Changing an interface (SIOCSIF*, routes, ARP) would change the
 * host's network: EPERM, as for a process without CAP_NET_ADMIN.
 */
#include "net/socket.h"

#include "pal/pal.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>

long sock_host_ioctl(int hfd, unsigned long req, unsigned long arg)
{
    void *p = (void *)arg;
    switch (req) {
    case SIOCGIFCONF: {
        struct ifconf ifc;
        if (copy_from_user(&ifc, p, sizeof(ifc)) < 0 || !user_ok(p, sizeof(ifc), true))
            return -EFAULT;
        if (ifc.ifc_buf && ifc.ifc_len > 0 && !user_ok(ifc.ifc_buf, (size_t)ifc.ifc_len, true))
            return -EFAULT;
        return pal_host_ioctl(hfd, req, p);
    }
    case SIOCGIFNAME:
    case SIOCGIFINDEX:
    case SIOCGIFFLAGS:
    case SIOCGIFADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFNETMASK:
    case SIOCGIFMETRIC:
    case SIOCGIFMTU:
    case SIOCGIFHWADDR:
    case SIOCGIFTXQLEN:
    case SIOCGIFMAP:
        return user_ok(p, sizeof(struct ifreq), true) ? pal_host_ioctl(hfd, req, p) : -EFAULT;
    case SIOCATMARK:
    case SIOCOUTQ:
    case SIOCINQ:
        return user_ok(p, sizeof(int), true) ? pal_host_ioctl(hfd, req, p) : -EFAULT;
    case SIOCSIFFLAGS:
    case SIOCSIFADDR:
    case SIOCSIFDSTADDR:
    case SIOCSIFBRDADDR:
    case SIOCSIFNETMASK:
    case SIOCSIFMETRIC:
    case SIOCSIFMTU:
    case SIOCSIFHWADDR:
    case SIOCSIFTXQLEN:
    case SIOCSIFNAME:
    case SIOCSIFMAP:
    case SIOCADDRT:
    case SIOCDELRT:
    case SIOCSARP:
    case SIOCDARP:
        return -EPERM;
    default:
        return -ENOTTY;
    }
}
