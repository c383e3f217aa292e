#!/usr/bin/env bash
# mount_unionfs_runtime: mount(2) of a unionfs at run time, as Occlum allows
# ("lowerdir=<host dir>,upperdir=<host dir>,key=<key>[,mac=<root MAC>]"):
# files written there persist across runs, encrypted on the host (no
# plaintext, no names); the wrong key or a malformed request is EINVAL; an
# encrypted image built by `occlum build --image-key` serves as the lower
# layer (with or without its MAC pinned), an integrity-only one only with
# its MAC. (A LibOS behaviour: Linux has no such file system, so this is a
# CLI test rather than a tests/libos program.)
source "$(dirname "$0")/_lib.sh"

new_instance inst
cat >"$WORK/umnt.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #c, errno); return 1; } } while (0)
int main(int argc, char **argv)
{
    /* argv: mode, mount data */
    mkdir("/mnt", 0755);
    mkdir("/mnt/u", 0755);
    int r = mount("unionfs", "/mnt/u", "unionfs", 0, argv[2]);
    if (!strcmp(argv[1], "einval")) { CHECK(r == -1 && errno == EINVAL); return 0; }
    CHECK(r == 0);
    CHECK(mount("unionfs", "/mnt/u", "unionfs", 0, argv[2]) == -1 && errno == EBUSY);
    if (!strcmp(argv[1], "write")) {
        FILE *f = fopen("/mnt/u/secret.txt", "w");
        CHECK(f && fputs("top secret words", f) >= 0 && fclose(f) == 0);
        CHECK(mkdir("/mnt/u/dir", 0700) == 0);
    } else if (!strcmp(argv[1], "read")) {
        char buf[64] = {0};
        FILE *f = fopen("/mnt/u/secret.txt", "r");
        CHECK(f && fread(buf, 1, sizeof(buf) - 1, f) == 16 && fclose(f) == 0);
        CHECK(!strcmp(buf, "top secret words"));
        struct stat st;
        CHECK(stat("/mnt/u/dir", &st) == 0 && S_ISDIR(st.st_mode));
    } else if (!strcmp(argv[1], "image")) {
        struct stat st;
        CHECK(stat("/mnt/u/bin/umnt", &st) == 0 && S_ISREG(st.st_mode)); /* from the image */
        CHECK(unlink("/mnt/u/bin/umnt") == 0); /* a whiteout in the upper layer */
        CHECK(stat("/mnt/u/bin/umnt", &st) == -1 && errno == ENOENT);
    }
    CHECK(umount("/mnt/u") == 0);
    CHECK(access("/mnt/u/secret.txt", F_OK) == -1); /* gone with the mount */
    puts("ok");
    return 0;
}
C
occlum-gcc "$WORK/umnt.c" -o image/bin/umnt || fail "occlum-gcc failed"
occlum build >/dev/null || fail "occlum build failed"
KEY=00-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-ff
OTHER=ff-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-00
DATA="lowerdir=./ul,upperdir=./uu,key=$KEY"

run occlum run /bin/umnt write "$DATA"
expect_status 0
[ -d uu ] || fail "no upper layer directory on the host"
grep -rq "top secret" uu && fail "plaintext on the host"
find uu | grep -q secret && fail "a file name on the host"
run occlum run /bin/umnt read "$DATA"
expect_status 0
expect_out_contains "ok"

# the wrong key, missing options, a bad key: EINVAL (the log says why)
run env OCCLUM_LOG_LEVEL=warn occlum run /bin/umnt einval "lowerdir=./ul,upperdir=./uu,key=$OTHER"
expect_status 0
expect_err_contains "uu"
run occlum run /bin/umnt einval "lowerdir=./ul,upperdir=./uu"
expect_status 0
run occlum run /bin/umnt einval "lowerdir=./ul,upperdir=./uu,key=12-34"
expect_status 0
run occlum run /bin/umnt read "$DATA" # the failures changed nothing
expect_status 0

# an encrypted image as the lower layer: this instance's own, rebuilt encrypted
occlum gen-image-key "$WORK/ik" >/dev/null || fail "gen-image-key failed"
occlum build --image-key "$WORK/ik" >/dev/null || fail "occlum build --image-key failed"
IK=$(cat "$WORK/ik")
cp -r build/mount/__ROOT "$WORK/lower-enc"
mac=$(occlum print image-mac) || fail "occlum print image-mac failed"
[ ${#mac} -eq 64 ] || fail "occlum print image-mac: '$mac'"
run occlum run --image-key "$WORK/ik" /bin/umnt image "lowerdir=$WORK/lower-enc,upperdir=./up2,key=$IK"
expect_status 0
run occlum run --image-key "$WORK/ik" /bin/umnt image "lowerdir=$WORK/lower-enc,upperdir=./up3,key=$IK,mac=$mac"
expect_status 0
run occlum run --image-key "$WORK/ik" /bin/umnt einval "lowerdir=$WORK/lower-enc,upperdir=./up4,key=$OTHER"
expect_status 0
# an integrity-only image needs its MAC pinned
occlum build -f >/dev/null || fail "occlum build -f failed"
cp -r build/mount/__ROOT "$WORK/lower-int"
mac=$(occlum print image-mac) || fail "occlum print image-mac failed"
run occlum run /bin/umnt einval "lowerdir=$WORK/lower-int,upperdir=./up5,key=$KEY"
expect_status 0
run occlum run /bin/umnt image "lowerdir=$WORK/lower-int,upperdir=./up6,key=$KEY,mac=$mac"
expect_status 0
echo "ok"
