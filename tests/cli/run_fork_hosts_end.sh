#!/usr/bin/env bash
# run_fork_hosts_end: no host process of an instance outlives it. forked
# processes live in host processes of their own; when the runtime is
# killed with SIGKILL (nothing of it runs any more), or when the program
# exits while a forked child and grandchild still run, every one of them
# is gone within seconds. And a forked host process killed from the host
# (as the OOM killer would) stops the instance with one clear line and
# exit status 1, where its parent would otherwise wait forever.
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
# 3. a forked host process killed from the host while its parent waits
occlum run /bin/forks w >"$WORK/out3" 2>"$WORK/err3" &
root=$!
for _ in $(seq 1 100); do [ "$(hosts)" -ge 3 ] && break; sleep 0.1; done
child=$(pgrep -P "$root" -f "occlum-libos $inst_dir " | head -1)
[ -n "$child" ] || fail "no forked host process under the runtime"
kill -9 "$child"
status=0
for _ in $(seq 1 100); do kill -0 "$root" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$root" 2>/dev/null; then
    kill -9 "$root"
    fail "the runtime still waits 10 s after its forked host process was killed"
fi
wait "$root" || status=$?
[ "$status" -eq 1 ] || fail "exit status $status after a lost host process, want 1"
grep -qF "host process $child of this instance (the address space of a forked process) ended without the LibOS" \
    "$WORK/err3" || fail "no clear line about the lost host process: $(cat "$WORK/err3")"
for _ in $(seq 1 50); do [ "$(hosts)" -eq 0 ] && break; sleep 0.1; done
[ "$(hosts)" -eq 0 ] || fail "$(hosts) host process(es) outlived the stopped instance"
echo ok
