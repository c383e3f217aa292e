#!/usr/bin/env bash
# run-fuzz.sh: the fuzzers, for a chosen time each.
#
#   tests/run-fuzz.sh [--seconds N] [--syscall-seconds N] [--threads N]
#                     [--seed N] [--race] [TARGET...]
#
# TARGETs are the libFuzzer targets (tests/fuzz/fuzz_*.c, named without
# the fuzz_ prefix) and "syscall" (the system-call fuzzer inside the
# LibOS); default: all of them. Each prints one line:
#   PASS fuzz/<target> (runs, seconds)   or   FAIL fuzz/<target> (why)
#
# libFuzzer targets are built with clang -fsanitize=fuzzer,address,undefined
# into tests/work/fuzz/, run from their seed corpus tests/fuzz/corpus/<target>/
# (copied to a scratch corpus, so that the repository's stays small) with
# -seed=N for --seconds. A crash leaves its input in tests/work/fuzz/<target>/
# (crash-*, leak-*, timeout-*): reproduce with
#   tests/work/fuzz/fuzz_<target> tests/work/fuzz/<target>/crash-...
# and add it to tests/fuzz/corpus/<target>/ once fixed.
#
# The system-call fuzzer is built with occlum-gcc, packed into an instance
# (tests/work/fuzz/instance) and run with `occlum run` for
# --syscall-seconds. It fails when `occlum run` reports a LibOS internal
# error, dies of a host signal, or the fuzzer itself reports a failure
# (a hung call); its log of the last call per thread is
# tests/work/fuzz/instance/syscall_fuzz.log. --race adds its racer thread,
# which unmaps and mprotects the pages the other threads pass.
#
# The short pass of `make test` (the defaults) runs one worker thread and
# no racer, so that its fixed seed gives the same calls in the same order
# every time: a test that fails at random proves nothing. The races
# between threads (unmapping under a call, since the user copies are
# fault-safe) are `make fuzz`'s: 3 threads and the racer.
#
# FUZZ_WORK (default tests/work/fuzz) is where builds, corpora and logs go.
# OCCLUM (default out/bin/occlum) runs the system-call fuzzer: e.g.
# out-asan/bin/occlum after `make test-asan` built the runtime under ASan.
#
# Defaults make the short pass of `make test` (a few seconds each, fixed
# seed); `make fuzz FUZZ_SECONDS=600` runs longer.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
WORK=${FUZZ_WORK:-tests/work/fuzz}
case $WORK in /*) ;; *) WORK=$ROOT/$WORK ;; esac
SECONDS_EACH=3
SYSCALL_SECONDS=""
THREADS=1
SEED=1
RACE=--no-race
only=()
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --syscall-seconds) SYSCALL_SECONDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --race) RACE=""; shift ;;
    -h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
    esac
done
[ -n "$SYSCALL_SECONDS" ] || SYSCALL_SECONDS=$((SECONDS_EACH * 3))
mkdir -p "$WORK"

npass=0
nfail=0
pass() { echo "PASS fuzz/$1${2:+ ($2)}"; npass=$((npass + 1)); }
fail() {
    echo "FAIL fuzz/$1 ($2)"
    nfail=$((nfail + 1))
    if [ -n "${3:-}" ] && [ -f "$3" ]; then
        echo "    --- $3, last lines:"
        tail -n 40 "$3" | sed 's/^/    /'
    fi
}
wanted() {
    [ ${#only[@]} -eq 0 ] && return 0
    local t
    for t in "${only[@]}"; do [ "$t" = "$1" ] && return 0; done
    return 1
}

# ------------------------------------------------------ libFuzzer targets

# Each tests/fuzz/fuzz_<t>.c names the project sources it links with in
# its opening comment, like the unit tests: /* fuzz-sources: a.c b.c */
fuzz_sources() {
    awk 'NR == 1 && !/^\/\*[[:space:]]*fuzz-sources:/ { exit }
         { line = $0; sub(/^\/\*[[:space:]]*fuzz-sources:/, "", line); sub(/^[[:space:]]*\*[[:space:]]/, " ", line)
           done = sub(/\*\/.*$/, "", line); printf "%s ", line; if (done) exit }' "$1"
}

FUZZ_CFLAGS=(-std=gnu11 -D_GNU_SOURCE -Isrc -Isrc/libos -g -O1 -fno-omit-frame-pointer
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror
    -Wno-unused-parameter)

# True when exe is older than a file it was built from (clang's -MMD lists).
stale() {
    local exe=$1 dep
    [ -x "$exe" ] && [ -f "$exe.d" ] || return 0
    for dep in $(sed 's/\\$//; s/^[^:]*://' "$exe.d"); do
        [ "$dep" -nt "$exe" ] && return 0
    done
    return 1
}

# build_target T: tests/fuzz/fuzz_T.c and its fuzz-sources, one object each.
build_target() {
    local t=$1 src=tests/fuzz/fuzz_$1.c s o
    local obj=$WORK/obj/$t exe=$WORK/fuzz_$t
    rm -rf "$obj" "$exe.d"
    mkdir -p "$obj"
    # shellcheck disable=SC2046  # the source list is meant to split into words
    for s in "$src" $(fuzz_sources "$src"); do
        o=$obj/$(basename "$s" .c).o
        clang "${FUZZ_CFLAGS[@]}" -c "$s" -MMD -MF "$o.d" -o "$o" || return 1
    done
    clang "${FUZZ_CFLAGS[@]}" "$obj"/*.o -o "$exe" -ljansson -lcrypto -lZydis -lpthread || return 1
    cat "$obj"/*.d >"$exe.d"
}

run_libfuzzer() {
    local t=$1
    local exe=$WORK/fuzz_$t dir=$WORK/$t log=$WORK/$t.log
    if stale "$exe" && ! build_target "$t" >"$WORK/$t.build.log" 2>&1; then
        fail "$t" "does not build" "$WORK/$t.build.log"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir/corpus"
    [ -d "tests/fuzz/corpus/$t" ] && cp tests/fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null
    (cd "$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1 \
        timeout -k 10 $((SECONDS_EACH + 60)) "$exe" -seed="$SEED" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        corpus) >"$log" 2>&1
    local rc=$?
    local runs
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    if [ "$rc" -ne 0 ]; then
        local art
        art=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
            -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | head -n 1)
        fail "$t" "libFuzzer exited with $rc${art:+, input $art}" "$log"
    else
        pass "$t" "${runs:-?} runs in ${SECONDS_EACH}s"
    fi
}

shopt -s nullglob
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    t=${t#fuzz_}
    wanted "$t" && run_libfuzzer "$t"
done

# -------------------------------------------- the system-call fuzzer (LibOS)

run_syscall() {
    local inst=$WORK/instance log=$WORK/syscall.log
    local occlum=${OCCLUM:-$ROOT/out/bin/occlum}
    rm -rf "$inst"
    if ! out/bin/occlum-gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
        tests/fuzz/syscall_fuzz.c tests/fuzz/syscall_args.c tests/fuzz/syscall_table.c \
        -o "$WORK/syscall_fuzz" -lpthread >"$WORK/syscall.build.log" 2>&1; then
        fail syscall "does not build" "$WORK/syscall.build.log"
        return
    fi
    if ! "$occlum" new "$inst" >"$log" 2>&1 ||
        ! cp "$WORK/syscall_fuzz" "$inst/image/bin/syscall_fuzz" ||
        ! python3 - "$inst/Occlum.json" >>"$log" 2>&1 <<'EOF' ||
import json, sys
with open(sys.argv[1]) as f:
    cfg = json.load(f)
cfg["resource_limits"]["user_space_size"] = "1GB"
with open(sys.argv[1], "w") as f:
    json.dump(cfg, f, indent=4)
EOF
        ! (cd "$inst" && timeout -k 5 300 "$occlum" build) >>"$log" 2>&1; then
        fail syscall "could not make the instance" "$log"
        return
    fi
    mkdir -p "$inst/fz"
    : >"$inst/syscall_fuzz.log"
    # Scratch directories on the writable sefs layer (/root) and hostfs
    # (/host/fz, inside the instance). Not ramfs (/tmp): its files are one
    # contiguous buffer, so a write at a 4 GiB offset allocates and zeroes
    # 4 GiB (10 s, and the host's memory); docs/fuzzing.md, "Findings".
    (cd "$inst" && exec timeout -k 10 $((SYSCALL_SECONDS + 120)) "$occlum" run \
        /bin/syscall_fuzz --seed "$SEED" --seconds "$SYSCALL_SECONDS" --threads "$THREADS" \
        --calls 1000 $RACE --log /host/syscall_fuzz.log --dir /root/fz --dir /host/fz \
        </dev/null >"$log.out" 2>&1)
    local rc=$?
    cat "$log.out" >>"$log"
    local summary
    summary=$(grep -E '^syscall_fuzz: [0-9]+ children' "$log.out" | sed 's/^syscall_fuzz: //')
    if grep -q 'LibOS internal error' "$log.out"; then
        echo "    the LibOS died; the last call of each fuzzer thread:"
        sed 's/ *$//; /^$/d; s/^/      /' "$inst/syscall_fuzz.log"
        fail syscall "LibOS internal error, seed $SEED" "$log.out"
    elif [ "$rc" -ne 0 ]; then
        [ "$rc" -gt 128 ] && sed 's/ *$//; /^$/d; s/^/      /' "$inst/syscall_fuzz.log"
        fail syscall "occlum run exited with $rc, seed $SEED" "$log.out"
    elif ! grep -q '^syscall_fuzz: OK' "$log.out"; then
        fail syscall "no OK line from the fuzzer, seed $SEED" "$log.out"
    else
        pass syscall "${SYSCALL_SECONDS}s, $THREADS threads${RACE:+, no racer}: $summary"
    fi
}

wanted syscall && run_syscall

echo "fuzz: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
