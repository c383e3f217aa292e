#!/usr/bin/env bash
# server_ps_kill: `occlum ps` lists the processes of a started instance
# (pid, ppid, pgid, state, threads, command line); `occlum kill` signals one
# (default TERM, -s NAME, -NUM): the program dies of it and its `occlum
# exec` exits 128+N; an unknown pid, a bad signal and an instance that is
# not running each give one error line and status 1.
source "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/waiter.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc > 1 && fork() == 0) pause(); /* a child, for the tree */
    printf("%d\n", getpid());
    fflush(stdout);
    pause();
    return 0;
}
C
occlum-gcc "$WORK/waiter.c" -o image/bin/waiter || fail "occlum-gcc failed"
run occlum build
expect_status 0
run occlum ps
expect_status 1
expect_err_contains "the instance is not running; start it with 'occlum start'"
run occlum start
expect_status 0
occlum exec /bin/waiter tree marker-arg >"$WORK/w1.out" 2>&1 &
w1=$!
occlum exec /bin/waiter >"$WORK/w2.out" 2>&1 &
w2=$!
for _ in $(seq 1 100); do [ -s "$WORK/w1.out" ] && [ -s "$WORK/w2.out" ] && break; sleep 0.1; done
p1=$(cat "$WORK/w1.out")
p2=$(cat "$WORK/w2.out")
[ -n "$p1" ] && [ -n "$p2" ] || { occlum stop; fail "the programs did not start"; }
run occlum ps
expect_status 0
head -n 1 "$WORK/.stdout" | grep -qE '^ +PID +PPID +PGID S THREADS +COMMAND$' || fail "no header: $OUT"
grep -qE "^ *$p1 +[0-9]+ +$p1 S +1  /bin/waiter tree marker-arg\$" "$WORK/.stdout" ||
    fail "no line for $p1 with its command line: $OUT"
grep -qE "^ *[0-9]+ +$p1 +$p1 S +1  /bin/waiter tree marker-arg\$" "$WORK/.stdout" ||
    fail "no line for the forked child of $p1: $OUT"
grep -qE "^ *$p2 .* /bin/waiter\$" "$WORK/.stdout" || fail "no line for $p2: $OUT"
run occlum kill "$p2"
expect_status 0
status=0
wait "$w2" || status=$?
[ "$status" -eq 143 ] || fail "the killed program's occlum exec gave $status, want 143 (TERM)"
run occlum kill -s KILL "$p1"
expect_status 0
status=0
wait "$w1" || status=$?
[ "$status" -eq 137 ] || fail "occlum exec gave $status after kill -s KILL, want 137"
run occlum kill -9 "$p2"
expect_status 1
expect_err_contains "no process $p2 in the instance"
run occlum kill -s NOPE 1
expect_status 1
expect_err_contains "-s needs a signal"
run occlum kill
expect_status 1
expect_err_contains "expected one pid"
run occlum stop
expect_status 0
echo ok
