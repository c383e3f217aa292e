#!/usr/bin/env bash
# run_rewrite_share: a system call site of the image's code that one
# process patched is patched into every later process that maps that code,
# before it runs (docs/architecture.md, "Entering the LibOS"), and a site a
# process trapped at once is rewritten at its first trap in the next. So a
# glibc program that runs itself five more times (fork and execv) traps far
# less than six times as often as when it runs once: the first process pays
# its traps, the second the sites the first used once, the others only the
# sites no proof covers (glibc's clone3, a signal restorer). A noted site
# whose bytes no longer match the code (OCCLUM_REWRITE_SHARE_STALE=1)
# patches nothing, and the programs still run right, through the trap path.
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
[ "$once" -gt 0 ] || fail "one glibc process trapped $once times: --stats counts no traps"

run occlum run --stats /bin/again 5
expect_status 0
[ "$OUT" = "again 5" ] || fail "six processes printed '$OUT'"
six=$(trapped)
[ "$six" -lt $((3 * once)) ] ||
    fail "six processes trapped $six times, one trapped $once: later processes did not get the patched sites"

OCCLUM_REWRITE_SHARE_STALE=1 run occlum run --stats /bin/again 5
expect_status 0
[ "$OUT" = "again 5" ] || fail "with stale proofs, six processes printed '$OUT'"
stale=$(trapped)
[ "$stale" -gt "$six" ] ||
    fail "with stale proofs six processes trapped $stale times, not more than $six: a noted site patched code it did not match"

