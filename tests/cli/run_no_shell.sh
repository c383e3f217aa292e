#!/usr/bin/env bash
# run_no_shell: a program that runs /bin/sh (system(3) here; popen, tar's
# compressors and make's recipes do the same) in an image without one gets
# what Linux gives (system returns 127) and one warning naming the fix;
# once `occlum add /bin/sh` has put the host's shell in, the same call works.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/sys.c" <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
int main(void)
{
    int st = system("echo from-the-shell");
    printf("status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
EOF2
gcc -O2 "$WORK/sys.c" -o "$WORK/sys" || fail "gcc failed"
run occlum add "$WORK/sys"
expect_status 0
[ ! -e image/bin/sh ] || fail "the new image already has /bin/sh"
run occlum build
expect_status 0
run occlum run /bin/sys
expect_status 0
[ "$OUT" = "status 127" ] || fail "without a shell, system() gave '$OUT', not 127 as on Linux"
expect_err_contains "ran /bin/sh, which the image does not have"
expect_err_contains "occlum add /bin/sh"

run occlum add /bin/sh
expect_status 0
run occlum build
expect_status 0
run occlum run /bin/sys
expect_status 0
[ "$OUT" = "from-the-shell
status 0" ] || fail "with the host's shell added, system() gave '$OUT'"
