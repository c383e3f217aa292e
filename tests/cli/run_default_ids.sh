#!/usr/bin/env bash
# run_default_ids: Occlum.json's process.default_uid/default_gid give the
# first process its ids (root when absent), what it creates is owned by
# them, the LibOS enforces file modes against them, and a chown made by
# root in the writable layer outlives the run (and a rebuild). A bad id is
# one error line at build time.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
need_runtime
new_instance inst
cat >"$WORK/ids.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    struct stat st;
    if (argc == 1) {
        gid_t g[8];
        int n = getgroups(8, g);
        printf("uid=%u euid=%u gid=%u egid=%u groups=%d\n", getuid(), geteuid(), getgid(),
               getegid(), n);
    } else if (argc == 5 && !strcmp(argv[1], "chown")) {
        int fd = open(argv[2], O_CREAT | O_WRONLY, 0640);
        if (fd < 0 || close(fd) || chown(argv[2], atoi(argv[3]), atoi(argv[4]))) {
            printf("chown: %s\n", strerror(errno));
            return 1;
        }
    } else if (argc == 3 && !strcmp(argv[1], "stat")) {
        if (stat(argv[2], &st)) {
            printf("stat: %s\n", strerror(errno));
            return 1;
        }
        printf("%u:%u %o\n", st.st_uid, st.st_gid, st.st_mode & 07777);
    } else if (argc == 3 && !strcmp(argv[1], "read")) {
        int fd = open(argv[2], O_RDONLY);
        printf("read: %s\n", fd < 0 ? strerror(errno) : "ok");
        return fd < 0;
    } else {
        return 2;
    }
    return 0;
}
C
occlum-gcc "$WORK/ids.c" -o image/bin/ids || fail "occlum-gcc ids failed"
run occlum build
expect_status 0

# the default: root
run occlum run /bin/ids
expect_status 0
[ "$OUT" = "uid=0 euid=0 gid=0 egid=0 groups=0" ] || fail "default ids: '$OUT'"
run occlum run /bin/ids chown /root/owned 1234 2345
expect_status 0
run occlum run /bin/ids stat /root/owned
expect_status 0
[ "$OUT" = "1234:2345 640" ] || fail "the chown did not persist: '$OUT'"

# uid 1000, gid 1001
sed -i 's/"default_stack_size": "4MB",/"default_stack_size": "4MB",\n        "default_uid": 1000, "default_gid": 1001,/' Occlum.json
run occlum build
expect_status 0
run occlum run /bin/ids
expect_status 0
[ "$OUT" = "uid=1000 euid=1000 gid=1001 egid=1001 groups=0" ] || fail "configured ids: '$OUT'"
run occlum run /bin/ids stat /root/owned
[ "$OUT" = "1234:2345 640" ] || fail "after a rebuild: '$OUT'"
run occlum run /bin/ids read /root/owned
expect_status 1
[ "$OUT" = "read: Permission denied" ] || fail "uid 1000 read a 0640 file of 1234:2345: '$OUT'"
run occlum run /bin/ids chown /tmp/mine 1000 1001
expect_status 0
run occlum run /bin/ids chown /tmp/mine 0 0
expect_status 1
[ "$OUT" = "chown: Operation not permitted" ] || fail "uid 1000 gave a file to root: '$OUT'"

# a bad id: one line naming the field and the range
sed -i 's/"default_uid": 1000/"default_uid": -5/' Occlum.json
run occlum build
expect_status 1
expect_err_contains "Occlum.json: process.default_uid: -5 is negative (use a number >= 0)"
expect_err_lines 1
sed -i 's/"default_uid": -5/"default_uid": 4294967295/' Occlum.json
run occlum build
expect_status 1
expect_err_contains "Occlum.json: process.default_uid: 4294967295 is not a user or group id (use 0 to 4294967294)"
expect_err_lines 1
exit 0
