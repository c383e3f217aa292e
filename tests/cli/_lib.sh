# shellcheck shell=bash disable=SC2034
# _lib.sh: shared setup for the CLI tests (sourced, not run by run-cli.sh).
#
# Each test runs in a fresh tests/work/cli/<name>/ with <repo>/out/bin first
# on PATH. `run` captures a command's stdout, stderr and exit status; the
# expect_* helpers stop the test with a message saying what differed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST_NAME=$(basename "$0" .sh)
# tests/run-apps.sh runs tests/apps/ with this same library (WORK_SUITE=apps).
WORK="$ROOT/tests/work/${WORK_SUITE:-cli}/$TEST_NAME"
export PATH="$ROOT/out/bin:$PATH"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
[ -x "$ROOT/out/bin/occlum" ] || { echo "out/bin/occlum is missing; run 'make' first"; exit 1; }

fail() {
    echo "FAILED: $*"
    if [ -f "$WORK/.stdout" ]; then
        echo "--- stdout:"; head -n 20 "$WORK/.stdout"
        echo "--- stderr:"; head -n 20 "$WORK/.stderr"
    fi
    exit 1
}

# run CMD...: sets STATUS, OUT (stdout) and ERR (stderr).
run() {
    "$@" >"$WORK/.stdout" 2>"$WORK/.stderr" </dev/null
    STATUS=$?
    OUT=$(cat "$WORK/.stdout")
    ERR=$(cat "$WORK/.stderr")
    echo "\$ $* -> exit $STATUS"
}

# skip REASON: the test cannot run on this machine; run-cli.sh reports
# "SKIP cli/<name> (REASON)".
skip() {
    echo "SKIP: $*"
    exit 77
}

expect_status() {
    [ "$STATUS" -eq "$1" ] || fail "expected exit status $1, got $STATUS"
}
expect_err_contains() {
    grep -qF -- "$1" "$WORK/.stderr" || fail "stderr does not contain: $1"
}
expect_out_contains() {
    grep -qF -- "$1" "$WORK/.stdout" || fail "stdout does not contain: $1"
}
expect_err_lines() {
    local n
    n=$(grep -c '' "$WORK/.stderr")
    [ "$n" -eq "$1" ] || fail "expected $1 line(s) on stderr, got $n"
}

# new_instance DIR: `occlum new DIR` and cd into it.
new_instance() {
    occlum new "$1" >/dev/null || fail "occlum new $1 failed"
    cd "$1" || fail "cannot cd into $1"
}

# add_programs PATH...: `occlum add` each installed host program (make
# deps installs them), and Debian's dash as /bin/sh (for system(),
# popen(), backticks and shell=True).
add_programs() {
    local p
    for p in "$@" /bin/dash; do
        [ -x "$p" ] || fail "$p is not installed (make deps)"
        occlum add "$p" >/dev/null || fail "occlum add $p failed"
    done
    ln -sf dash image/bin/sh
}

# A musl hello world in image/bin/hello_world, built with occlum-gcc.
add_hello() {
    printf '#include <stdio.h>\nint main(void) { printf("Hello World!\\n"); return 0; }\n' \
        >"$WORK/hello_world.c"
    occlum-gcc "$WORK/hello_world.c" -o image/bin/hello_world || fail "occlum-gcc failed"
}

# Tests that run programs need the LibOS runtime (out/lib/occlum/occlum-libos).
need_runtime() {
    [ -x "$ROOT/out/lib/occlum/occlum-libos" ] ||
        fail "the LibOS runtime out/lib/occlum/occlum-libos is not built yet ('make')"
}

# A free TCP port on the loopback (for a server inside the LibOS).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# await_http URL PID: the body of URL once a server (PID, started in the
# background) answers it, for up to 20 s; empty when PID died first.
await_http() {
    local body="" i
    for i in $(seq 1 100); do
        body=$(curl -s --max-time 2 "$1") && [ -n "$body" ] && break
        kill -0 "$2" 2>/dev/null || break
        sleep 0.2
    done
    printf '%s' "$body"
}
