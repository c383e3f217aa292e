#!/usr/bin/env bash
# run_signals_from_host: Ctrl-C (SIGINT) and kill (SIGTERM) sent to `occlum
# run` reach the program inside: a busy-looping program without handlers
# dies of the signal (exit 128+N), one with a handler runs it and exits
# normally, and a program blocked in a read is interrupted.
source "$(dirname "$0")/_lib.sh"

new_instance inst
cat >"$WORK/sig.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on(int s) { got = s; }
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "handle") == 0) {
        signal(SIGINT, on);
        signal(SIGTERM, on);
    }
    if (argc > 1 && strcmp(argv[1], "read") == 0) {
        char c;
        struct sigaction sa = {0};
        sa.sa_handler = on; /* no SA_RESTART: the read must fail with EINTR */
        sigaction(SIGTERM, &sa, NULL);
        puts("ready");
        fflush(stdout);
        ssize_t n = read(0, &c, 1); /* a pipe with no writer data: blocks */
        printf("read returned %zd, got %d\n", n, (int)got);
        return 0;
    }
    puts("ready");
    fflush(stdout);
    while (!got) { /* spin in application code, no system calls */ }
    printf("handled %d\n", (int)got);
    return 0;
}
C
occlum-gcc "$WORK/sig.c" -o image/bin/sig || fail "occlum-gcc failed"
occlum build >/dev/null || fail "occlum build failed"

# start `occlum run` in the background, wait for "ready", send SIG, collect
send_when_ready() { # SIG MODE
    rm -f "$WORK/out"
    mkfifo "$WORK/in" 2>/dev/null || true
    occlum run /bin/sig "$2" >"$WORK/out" 2>"$WORK/err" <"$WORK/in" &
    local pid=$!
    exec 9>"$WORK/in" # keep the fifo open for writing, send nothing
    for _ in $(seq 200); do grep -q ready "$WORK/out" 2>/dev/null && break; sleep 0.05; done
    grep -q ready "$WORK/out" || fail "the program did not start: $(cat "$WORK/err")"
    kill -s "$1" "$pid"
    wait "$pid"
    STATUS=$?
    exec 9>&-
    rm -f "$WORK/in"
}

send_when_ready INT spin
[ "$STATUS" -eq 130 ] || fail "SIGINT to a spinning program: exit $STATUS, expected 130"
send_when_ready TERM spin
[ "$STATUS" -eq 143 ] || fail "SIGTERM to a spinning program: exit $STATUS, expected 143"
send_when_ready INT handle
[ "$STATUS" -eq 0 ] || fail "SIGINT with a handler: exit $STATUS, expected 0"
grep -q "handled 2" "$WORK/out" || fail "the handler did not run: $(cat "$WORK/out")"
send_when_ready TERM read
[ "$STATUS" -eq 0 ] || fail "SIGTERM during read: exit $STATUS, expected 0"
grep -q "read returned -1, got 15" "$WORK/out" || fail "read was not interrupted: $(cat "$WORK/out")"
echo "ok"
