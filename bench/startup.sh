#!/usr/bin/env bash
# bench/startup.sh: start-up of dynamic glibc programs, whole command:
# `occlum run` of Debian's lua5.4 and sqlite3 (added with `occlum add`) and
# `occlum exec` of lua5.4 into a started instance, against the same program
# run natively. hyperfine -N (no shell), medians in ms; the median of
# STARTUP_BENCH_ROUNDS (default 3) alternating rounds of 10 runs each.
set -euo pipefail
export WORK_SUITE=bench
. "$(dirname "$0")/../tests/cli/_lib.sh" # cd into $WORK
rounds=${STARTUP_BENCH_ROUNDS:-3}
command -v hyperfine >/dev/null || fail "hyperfine is not installed: run 'make deps'"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
# hf CMD: hyperfine's median of 10 runs of CMD (a command line), in ms
hf() {
    hyperfine -N --warmup 3 -r 10 --export-json "$WORK/hf.json" "$1" >/dev/null 2>&1 ||
        fail "hyperfine '$1' failed"
    python3 -c 'import json, sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1e3))' \
        "$WORK/hf.json"
}
# pair LABEL LIBOS_CMD NATIVE_CMD: alternating rounds, one line
pair() {
    local l=() n=()
    for _ in $(seq "$rounds"); do
        n+=("$(hf "$3")")
        l+=("$(hf "$2")")
    done
    local lm nm
    lm=$(printf '%s\n' "${l[@]}" | median)
    nm=$(printf '%s\n' "${n[@]}" | median)
    printf '%-40s libos %8.2f   native %8.2f   libos/native %sx\n' "$1" "$lm" "$nm" \
        "$(ratio "$lm" "$nm")"
}

new_instance inst
occlum add lua5.4 sqlite3 >/dev/null || fail "occlum add lua5.4 sqlite3 failed"
occlum build >/dev/null || fail "occlum build failed"
lua=$(command -v lua5.4)
sqlite=$(command -v sqlite3)
pair "occlum run lua5.4 -e '' (ms):" "occlum run /bin/lua5.4 -e ''" "$lua -e ''"
pair "occlum run sqlite3 -version (ms):" "occlum run /bin/sqlite3 -version" "$sqlite -version"
occlum start >/dev/null || fail "occlum start failed"
trap 'occlum stop >/dev/null 2>&1 || true' EXIT
pair "occlum exec lua5.4 -e '' (ms):" "occlum exec /bin/lua5.4 -e ''" "$lua -e ''"
