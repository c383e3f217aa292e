#!/usr/bin/env bash
# run_rewrite_share: the system call sites of the image's code are proven
# once per instance and patched in before a process runs them
# (docs/architecture.md, "Entering the LibOS"): the program and its loader
# at load, glibc's libc at its first trapped site, every later process at
# load. So a glibc program that runs itself again and again (fork and
# execv) traps as often as when it runs once (one trap: libc's first site).
# (posix_spawn would add traps of its own: its child runs in the parent's
# memory, where no site is patched, and glibc's clone3 has no FDE over its
# syscall.) A proof whose bytes
# no longer match the code (OCCLUM_REWRITE_SHARE_STALE=1) patches nothing
# and the programs still run right, through the trap path.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/again.c" <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0, sum = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execv(argv[0], (char *[]){argv[0], NULL});
            _exit(127);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return 2;
        sum += WEXITSTATUS(st);
    }
    FILE *f = fopen("/tmp/again", "w");
    if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) return 3;
    if (n) printf("again %d\n", sum);
    return n ? 0 : 1;
}
EOF2
gcc -O2 "$WORK/again.c" -o "$WORK/again" || fail "gcc failed"
run occlum add "$WORK/again"
expect_status 0
run occlum build
expect_status 0

trapped() { grep -E ' total \(' "$WORK/.stderr" | awk '{print $6}'; }
run occlum run --stats /bin/again 0
expect_status 1
[ -z "$OUT" ] || fail "one process printed '$OUT'"
once=$(trapped)
[ "$once" = 1 ] || fail "one glibc process trapped $once times, not once (libc's first site)"
run occlum run --stats /bin/again 5
expect_status 0
[ "$OUT" = "again 5" ] || fail "six processes printed '$OUT'"
[ "$(trapped)" = "$once" ] ||
    fail "six processes trapped $(trapped) times, one trapped $once: later processes did not get the proven sites"

OCCLUM_REWRITE_SHARE_STALE=1 run occlum run --stats /bin/again 5
expect_status 0
[ "$OUT" = "again 5" ] || fail "with stale proofs, six processes printed '$OUT'"
stale=$(trapped)
[ "$stale" -gt $((6 * 3)) ] ||
    fail "with stale proofs six processes trapped only $stale times: a proof patched code it did not match"

