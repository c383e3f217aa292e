#!/usr/bin/env bash
# server_exec: `occlum start` runs the LibOS in the background; `occlum exec`
# runs programs in it (stdio, exit codes, 126/127, concurrent programs
# sharing one LibOS and its files, Ctrl-C forwarding); `occlum run` and a
# second start are refused while it runs; `occlum stop` ends running
# programs (137) and commits the writable layer, which a later run reads; a
# tampered writable layer keeps the server from starting, with the reason.
source "$(dirname "$0")/_lib.sh"

new_instance inst
cat >"$WORK/prog.c" <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on(int s) { got = s; }
int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "write")) {
        FILE *f = fopen(argv[2], "w");
        if (!f || fputs(argv[3], f) < 0 || fclose(f)) { perror(argv[2]); return 1; }
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "cat")) {
        char buf[256] = {0};
        FILE *f = fopen(argv[2], "r");
        if (!f) { perror(argv[2]); return 1; }
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fwrite(buf, 1, n, stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "stdin")) {
        int c;
        while ((c = getchar()) != EOF) putchar(c);
        fprintf(stderr, "to stderr\n");
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "spin")) {
        signal(SIGINT, on);
        puts("ready");
        fflush(stdout);
        while (!got) { }
        printf("handled %d\n", (int)got);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "sleep")) {
        puts("ready");
        fflush(stdout);
        for (;;) pause();
    }
    return 2;
}
C
occlum-gcc "$WORK/prog.c" -o image/bin/prog || fail "occlum-gcc failed"
occlum build >/dev/null || fail "occlum build failed"

run occlum exec /bin/prog exit 3
expect_status 1
expect_err_contains "the instance is not running; start it with 'occlum start'"
trap '(cd "$WORK/inst" && occlum stop >/dev/null 2>&1)' EXIT # a failed check leaves no server
run occlum start
expect_status 0
[ -S run/occlum.sock ] || fail "no socket after occlum start"

run occlum exec /bin/prog exit 7
expect_status 7
run occlum exec /bin/no_such_program
expect_status 127
expect_err_contains "no such file in the image"
run occlum exec prog
expect_status 127
expect_err_contains "must be absolute"
out=$(printf 'line one\nline two\n' | occlum exec /bin/prog stdin 2>"$WORK/err")
[ "$out" = "$(printf 'line one\nline two')" ] || fail "stdin/stdout not forwarded: '$out'"
grep -q "to stderr" "$WORK/err" || fail "stderr not forwarded"

# programs share the LibOS: files in ramfs (/tmp) and the writable layer
run occlum exec /bin/prog write /tmp/t "in ramfs"
expect_status 0
run occlum exec /bin/prog cat /tmp/t
expect_status 0
[ "$OUT" = "in ramfs" ] || fail "/tmp not shared between execs: '$OUT'"
pids=()
for i in 1 2 3 4; do
    occlum exec /bin/prog write "/root/f$i" "file $i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent exec failed"; done
run occlum exec /bin/prog cat /root/f3
[ "$OUT" = "file 3" ] || fail "concurrent write not visible: '$OUT'"

# malformed requests (junk, a huge length, a truncated payload) change nothing
python3 - run/occlum.sock <<'PY' || fail "could not send malformed requests"
import socket, struct, sys
for msg in [b"junk", b"EXEC" + struct.pack("<I", 1 << 30), b"EXEC" + struct.pack("<I", 64) + b"\x05\x00",
            b"EXEC" + struct.pack("<I", 12) + struct.pack("<II", 1, 0) + b"abcd"]:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    s.recv(64)
    s.close()
PY
run occlum exec /bin/prog exit 5
expect_status 5

# refusals while running
run occlum run /bin/prog exit 0
expect_status 1
expect_err_contains "the instance is running ('occlum start')"
run occlum start
expect_status 1
expect_err_contains "already running"

# Ctrl-C to `occlum exec` reaches the program
exec_bg() { # MODE: occlum exec in the background, waits for "ready"
    rm -f "$WORK/bg.out"
    occlum exec /bin/prog "$1" >"$WORK/bg.out" 2>&1 </dev/null &
    BG=$!
    for _ in $(seq 200); do grep -q ready "$WORK/bg.out" 2>/dev/null && break; sleep 0.05; done
    grep -q ready "$WORK/bg.out" || fail "the program did not start: $(cat "$WORK/bg.out")"
}
exec_bg spin
kill -INT "$BG"
wait "$BG"
status=$?
[ "$status" -eq 0 ] || fail "SIGINT with a handler: exit $status"
grep -q "handled 2" "$WORK/bg.out" || fail "the handler did not run: $(cat "$WORK/bg.out")"
exec_bg sleep
kill -INT "$BG"
wait "$BG"
status=$?
[ "$status" -eq 130 ] || fail "SIGINT to a sleeping program: exit $status, expected 130"

# stop ends a running program and commits the writable layer
exec_bg sleep
run occlum stop
expect_status 0
wait "$BG"
status=$?
[ "$status" -eq 137 ] || fail "a program running at stop: exit $status, expected 137"
[ ! -e run/occlum.sock ] || fail "the socket is left after stop"
run occlum stop
expect_status 0
expect_err_contains "not running"
run occlum run /bin/prog cat /root/f4
expect_status 0
[ "$OUT" = "file 4" ] || fail "the writable layer did not persist: '$OUT'"

# a tampered writable layer: the server refuses to start, saying why
meta=$(ls run/mount/__ROOT/meta)
printf 'X' | dd of="$meta" bs=1 seek=40 conv=notrunc 2>/dev/null
run occlum start
expect_status 1
expect_err_contains "the server did not start"
expect_err_contains "writable layer"
echo "ok"
