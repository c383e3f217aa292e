/* mount_eloop: mount(2) and umount2(2) of a path through a symlink loop end
 * with ELOOP after Linux's 40 links (the walk's link count started from
 * whatever the stack held: a fuzzer run spun in umount2 for good); also a
 * connect of an AF_UNIX socket to a path there. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
    char loop[256], through[300];
    tmp_path(loop, sizeof(loop), "loop");
    CHECK_EQ(symlink(loop, loop), 0); /* points at itself */
    snprintf(through, sizeof(through), "%s/x", loop);
    for (int i = 0; i < 50; i++) { /* whatever the stack holds, every time */
        CHECK_ERRNO(umount2(loop, 0), ELOOP);
        CHECK_ERRNO(mount("none", loop, "ramfs", 0, NULL), ELOOP);
        CHECK_ERRNO(mount("none", through, "ramfs", 0, NULL), ELOOP);
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(s >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    CHECK(strlen(through) < sizeof(a.sun_path));
    memcpy(a.sun_path, through, strlen(through) + 1);
    CHECK_ERRNO(connect(s, (struct sockaddr *)&a, sizeof(a)), ELOOP);
    close(s);
    CHECK_EQ(unlink(loop), 0);
    puts("ELOOP");
    return 0;
}
