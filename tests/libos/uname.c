/* uname: sysname "Linux", machine "x86_64", a release >= 2.6, NUL-terminated fields. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/utsname.h>

#include "check.h"

int main(void)
{
    struct utsname u;
    memset(&u, 'X', sizeof(u));
    CHECK_EQ(uname(&u), 0);
    CHECK(memchr(u.sysname, 0, sizeof(u.sysname)) != NULL);
    CHECK(memchr(u.nodename, 0, sizeof(u.nodename)) != NULL);
    CHECK(memchr(u.release, 0, sizeof(u.release)) != NULL);
    CHECK(memchr(u.version, 0, sizeof(u.version)) != NULL);
    CHECK(memchr(u.machine, 0, sizeof(u.machine)) != NULL);
    CHECK_STR(u.sysname, "Linux");
    CHECK_STR(u.machine, "x86_64");
    int major = 0, minor = 0;
    CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2);
    CHECK(major > 2 || (major == 2 && minor >= 6));
    CHECK(strlen(u.version) > 0);
    /* gethostname agrees with nodename */
    char host[256];
    CHECK_EQ(gethostname(host, sizeof(host)), 0);
    CHECK_STR(host, u.nodename);
    return 0;
}
