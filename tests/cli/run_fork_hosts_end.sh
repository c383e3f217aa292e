#!/usr/bin/env bash
# run_fork_hosts_end: no host process of an instance outlives it. forked
# processes live in host processes of their own; when the runtime is
# killed with SIGKILL (nothing of it runs any more), or when the program
# exits while a forked child and grandchild still run, every one of them
# is gone within seconds.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/forks.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int wait_here = argc > 1 && argv[1][0] == 'w';
    if (fork() == 0) {           /* a child, */
        if (fork() == 0) pause(); /* a grandchild */
        pause();
    }
    printf("forked\n");
    fflush(stdout);
    if (wait_here) pause();
    return 0;
}
EOF
occlum-gcc "$WORK/forks.c" -o image/bin/forks || fail "occlum-gcc failed"
run occlum build
expect_status 0
inst_dir=$(pwd)
hosts() { pgrep -f "occlum-libos $inst_dir " | wc -l; }

# 1. the runtime killed with SIGKILL
occlum run /bin/forks w >"$WORK/out1" 2>&1 &
root=$!
for _ in $(seq 1 100); do [ "$(hosts)" -ge 3 ] && break; sleep 0.1; done
[ "$(hosts)" -ge 3 ] || fail "expected 3 host processes (root, child, grandchild), saw $(hosts)"
kill -9 "$root"
wait "$root" 2>/dev/null
for _ in $(seq 1 50); do [ "$(hosts)" -eq 0 ] && break; sleep 0.1; done
[ "$(hosts)" -eq 0 ] || fail "$(hosts) host process(es) outlived the killed runtime"

# 2. the program exits, its forked child and grandchild still running
run timeout 30 occlum run /bin/forks
expect_status 0
[ "$OUT" = "forked" ] || fail "the program printed '$OUT'"
for _ in $(seq 1 50); do [ "$(hosts)" -eq 0 ] && break; sleep 0.1; done
[ "$(hosts)" -eq 0 ] || fail "$(hosts) host process(es) outlived the run"
echo ok
