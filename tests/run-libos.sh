#!/usr/bin/env bash
# run-libos.sh: build every tests/libos/*.c (and *.cc) twice -- with occlum-gcc
# (musl) and with gcc (glibc), dynamic PIE -- run each binary natively and
# inside the LibOS, and print one PASS/FAIL/SKIP line per case.
#
# Usage (from anywhere; paths are relative to the repo root):
#   tests/run-libos.sh [--native-only | --libos-only] [NAME...]
#
# Per-test files next to NAME.c (all optional):
#   NAME.args    arguments, one per line; @DATA@ becomes the data dir
#                (tests/libos/data natively, /data in the LibOS image);
#                @HOST@ an empty directory on the host's file system
#                (natively in the run's scratch dir; in the LibOS on hostfs,
#                /host/hostfs-scratch, made afresh for each run);
#                @UNION@ a directory of the union's writable layer (/root in
#                the LibOS, which each run starts empty; natively an empty
#                directory in the scratch dir)
#   NAME.env     "native: VAR=val"  environment of the native run (env -i)
#                "host: VAR=val"    added to the host environment of `occlum run`
#                "untrusted: VAR"   VAR is listed in env.untrusted of Occlum.json
#                "#" starts a comment
#   NAME.status  expected exit status (default 0)
#   NAME.stdout  expected stdout, compared byte for byte
#   NAME.flags   extra compiler flags for both variants (e.g. -static-pie);
#                a toolchain that cannot link an empty program with them makes
#                the variant SKIP, with the reason
#   NAME.root    the native run needs root (e.g. mount(2)): without it the
#                native cases SKIP, with that reason; the LibOS runs always run
#   NAME.script  run NAME as the interpreter of a script: the runner writes
#                "#!<binary> optarg" followed by this file and executes that
#                script (with NAME.args) instead of the binary
#
# tests/libos/support/ holds helpers, not tests: support/mini_sh.c is built
# and installed as the image's /bin/sh (for system() and popen()).
#
# Environment: MUSL_CC/MUSL_CXX (default out/bin/occlum-gcc, occlum-g++),
# GLIBC_CC/GLIBC_CXX (gcc, g++), OCCLUM (out/bin/occlum), LIBOS_TEST_TIMEOUT
# (seconds per run, default 20).

set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
SRC=tests/libos
WORK=tests/work/libos
DATA=$ROOT/$SRC/data
TIMEOUT=${LIBOS_TEST_TIMEOUT:-20}
CFLAGS=(-O2 -g -Wall)
MUSL_CC=${MUSL_CC:-out/bin/occlum-gcc}
MUSL_CXX=${MUSL_CXX:-out/bin/occlum-g++}
GLIBC_CC=${GLIBC_CC:-gcc}
GLIBC_CXX=${GLIBC_CXX:-g++}
OCCLUM=${OCCLUM:-out/bin/occlum}
case $OCCLUM in /*) ;; */*) OCCLUM=$ROOT/$OCCLUM ;; esac
VARIANTS=(musl glibc)

do_native=1
do_libos=1
only=()
for a in "$@"; do
    case $a in
    --native-only) do_libos=0 ;;
    --libos-only) do_native=0 ;;
    -h | --help)
        sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "run-libos.sh: unknown option $a" >&2
        exit 2
        ;;
    *) only+=("$a") ;;
    esac
done

# ---------------------------------------------------------------- helpers

npass=0
nfail=0
nskip=0

# indent FILE [LINES]: the last lines of FILE, indented, if it has any.
indent() {
    [ -s "$1" ] || return 0
    tail -n "${2:-15}" "$1" | sed 's/^/    /'
}

pass() {
    echo "PASS libos/$1"
    npass=$((npass + 1))
}
skip() {
    echo "SKIP libos/$1 ($2)"
    nskip=$((nskip + 1))
}
# fail CASE REASON [FILE...]: FILEs are shown indented (label: file pairs)
fail() {
    local c=$1 why=$2
    shift 2
    echo "FAIL libos/$c ($why)"
    while [ $# -ge 2 ]; do
        if [ -s "$2" ]; then
            echo "    --- $1:"
            indent "$2"
        fi
        shift 2
    done
    nfail=$((nfail + 1))
}

compiler_for() { # variant src
    case $1:$2 in
    musl:*.cc) echo "$MUSL_CXX" ;;
    musl:*) echo "$MUSL_CC" ;;
    glibc:*.cc) echo "$GLIBC_CXX" ;;
    glibc:*) echo "$GLIBC_CC" ;;
    esac
}

have_cmd() { # a command name or a path
    case $1 in
    */*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

# read_lines FILE: the non-empty lines of FILE into the array LINES
read_lines() {
    LINES=()
    [ -f "$1" ] || return 0
    local l
    while IFS= read -r l || [ -n "$l" ]; do
        [ -n "$l" ] && LINES+=("$l")
    done <"$1"
}

# env_lines NAME KIND: "KIND: VALUE" lines of NAME.env into the array LINES
env_lines() {
    LINES=()
    [ -f "$SRC/$1.env" ] || return 0
    local l
    while IFS= read -r l || [ -n "$l" ]; do
        case $l in
        "#"* | "") ;;
        "$2:"*)
            l=${l#"$2:"}
            l=${l#"${l%%[![:space:]]*}"}
            LINES+=("$l")
            ;;
        esac
    done <"$SRC/$1.env"
}

# args_for NAME DATADIR HOSTDIR UNIONDIR: the arguments of NAME into ARGS
args_for() {
    ARGS=()
    read_lines "$SRC/$1.args"
    local l
    for l in ${LINES[@]+"${LINES[@]}"}; do
        l=${l//@DATA@/$2}
        l=${l//@HOST@/$3}
        ARGS+=("${l//@UNION@/$4}")
    done
}

# ---------------------------------------------------------------- tests

names=()
declare -A srcof
for f in "$SRC"/*.c "$SRC"/*.cc; do
    [ -f "$f" ] || continue
    n=$(basename "$f")
    n=${n%.*}
    if [ ${#only[@]} -gt 0 ]; then
        keep=0
        for o in "${only[@]}"; do [ "$o" = "$n" ] && keep=1; done
        [ $keep = 1 ] || continue
    fi
    names+=("$n")
    srcof[$n]=$f
done
if [ ${#names[@]} -eq 0 ]; then
    echo "FAIL libos/build (no test programs found in $SRC)"
    echo "libos: 0 passed, 1 failed"
    exit 1
fi

# ---------------------------------------------------------------- build

# Each build writes $WORK/VARIANT/NAME.build: "ok", "skip REASON" or
# "fail REASON" (the compiler output is in NAME.log).
build_one() { # variant name
    local v=$1 n=$2 src=${srcof[$2]} out=$WORK/$1/$2
    local cc flags=() ext=${src##*.}
    cc=$(compiler_for "$v" "$src")
    rm -f "$out" "$out.build" "$out.log"
    if ! have_cmd "$cc"; then
        local hint=""
        [ "$v" = musl ] && hint="; build the tools (make all) or set MUSL_CC/MUSL_CXX"
        echo "fail compiler $cc not found$hint" >"$out.build"
        return
    fi
    if [ -f "$SRC/$n.flags" ]; then
        read -r -a flags <<<"$(tr '\n' ' ' <"$SRC/$n.flags")"
        # Can this toolchain link anything at all with these flags?
        local probe=$WORK/$v/.probe-$n
        printf 'int main(void) { return 0; }\n' >"$probe.$ext"
        if ! "$cc" "${CFLAGS[@]}" "${flags[@]}" "$probe.$ext" -o "$probe" >"$probe.log" 2>&1; then
            echo "skip $cc cannot link with ${flags[*]} on this machine: $(grep -m1 -iE 'error|cannot|not found' "$probe.log" || head -n1 "$probe.log")" >"$out.build"
            rm -f "$probe" "$probe.$ext"
            return
        fi
        rm -f "$probe" "$probe.$ext" "$probe.log"
    fi
    if "$cc" "${CFLAGS[@]}" ${flags[@]+"${flags[@]}"} -I"$SRC" "$src" -o "$out" >"$out.log" 2>&1; then
        echo ok >"$out.build"
    else
        echo "fail build with $cc failed" >"$out.build"
    fi
}

for v in "${VARIANTS[@]}"; do mkdir -p "$WORK/$v"; done
jobs_max=$(($(nproc 2>/dev/null || echo 2) * 2))
for v in "${VARIANTS[@]}"; do
    for n in "${names[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
        build_one "$v" "$n" &
    done
done
wait

# build_state VARIANT NAME: sets BSTATE (ok/skip/fail) and BWHY
build_state() {
    local s
    s=$(cat "$WORK/$1/$2.build" 2>/dev/null || echo "fail build did not run")
    BSTATE=${s%% *}
    BWHY=${s#* }
    [ "$BSTATE" = ok ] && BWHY=""
}

# Compiler warnings are shown (the tests are meant to be -Wall clean).
for v in "${VARIANTS[@]}"; do
    for n in "${names[@]}"; do
        build_state "$v" "$n"
        if [ "$BSTATE" = ok ] && [ -s "$WORK/$v/$n.log" ]; then
            echo "note: warnings building $v/$n:"
            indent "$WORK/$v/$n.log" 10
        fi
    done
done

# ---------------------------------------------------------------- checking a run

# check_run CASE NAME RC OUTFILE ERRFILE: compare with the expectations
check_run() {
    local c=$1 n=$2 rc=$3 out=$4 err=$5 want=0
    [ -f "$SRC/$n.status" ] && want=$(tr -d '[:space:]' <"$SRC/$n.status")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ] && [ "$want" != "$rc" ]; then
        fail "$c" "timed out after ${TIMEOUT}s" stderr "$err" stdout "$out"
        return
    fi
    if [ "$rc" != "$want" ]; then
        local why="exit status $rc, expected $want"
        [ "$rc" -gt 128 ] 2>/dev/null && why="$why; killed by signal $((rc - 128))?"
        fail "$c" "$why" stderr "$err" stdout "$out"
        return
    fi
    if [ -f "$SRC/$n.stdout" ] && ! cmp -s "$SRC/$n.stdout" "$out"; then
        diff -u "$SRC/$n.stdout" "$out" | tail -n +3 >"$out.diff"
        fail "$c" "stdout differs from $n.stdout" "diff (expected/actual)" "$out.diff" stderr "$err"
        return
    fi
    pass "$c"
}

# ---------------------------------------------------------------- native

if [ $do_native = 1 ]; then
    for v in "${VARIANTS[@]}"; do
        for n in "${names[@]}"; do
            c=native-$v/$n
            build_state "$v" "$n"
            case $BSTATE in
            skip)
                skip "$c" "$BWHY"
                continue
                ;;
            fail)
                fail "$c" "$BWHY" "compiler output" "$WORK/$v/$n.log"
                continue
                ;;
            esac
            if [ -f "$SRC/$n.root" ] && [ "$(id -u)" != 0 ]; then
                skip "$c" "the native run needs root: $(head -n1 "$SRC/$n.root")"
                continue
            fi
            exe=$ROOT/$WORK/$v/$n
            if [ -f "$SRC/$n.script" ]; then
                { echo "#!$exe optarg"; cat "$SRC/$n.script"; } >"$exe.sh"
                chmod +x "$exe.sh"
                exe=$exe.sh
            fi
            scratch=$WORK/scratch/native-$v-$n
            rm -rf "$scratch"
            mkdir -p "$scratch/hostdir" "$scratch/uniondir"
            args_for "$n" "$DATA" "$ROOT/$scratch/hostdir" "$ROOT/$scratch/uniondir"
            env_lines "$n" native
            (cd "$scratch" && exec timeout -k 5 "$TIMEOUT" env -i ${LINES[@]+"${LINES[@]}"} \
                "$exe" ${ARGS[@]+"${ARGS[@]}"} </dev/null >stdout 2>stderr)
            rc=$?
            check_run "$c" "$n" "$rc" "$scratch/stdout" "$scratch/stderr"
        done
    done
fi

# ---------------------------------------------------------------- LibOS

# libos_fail_all REASON LOG: every LibOS case fails for the same reason
libos_fail_all() {
    for v in "${VARIANTS[@]}"; do
        for n in "${names[@]}"; do
            build_state "$v" "$n"
            if [ "$BSTATE" = skip ]; then
                skip "libos-$v/$n" "$BWHY"
            else
                fail "libos-$v/$n" "$1" log "$2"
            fi
        done
    done
}

# host_libs BINARY: the interpreter and shared libraries BINARY loads on
# this host (absolute paths, as the binary refers to them)
host_libs() {
    local interp
    interp=$(readelf -lW "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [ -n "$interp" ] || return 0
    echo "$interp"
    case $interp in
    *ld-musl*) "$interp" --list "$1" 2>/dev/null ;;
    *) ldd "$1" 2>/dev/null ;;
    esac | sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p'
}

setup_instance() { # -> 0 on success; SETUP_WHY/SETUP_LOG on failure
    local inst=$WORK/instance log=$WORK/instance-setup.log
    SETUP_LOG=$log
    : >"$log"
    if [ ! -x "$OCCLUM" ]; then
        SETUP_WHY="$OCCLUM not built (make all)"
        return 1
    fi
    rm -rf "$inst"
    if ! (cd "$WORK" && timeout -k 5 120 "$OCCLUM" new instance) >>"$log" 2>&1; then
        SETUP_WHY="occlum new failed"
        return 1
    fi
    if [ ! -d "$inst/image" ] || [ ! -f "$inst/Occlum.json" ]; then
        SETUP_WHY="occlum new did not create image/ and Occlum.json"
        return 1
    fi
    mkdir -p "$inst/image/bin" "$inst/image/data"
    cp -R "$SRC/data/." "$inst/image/data/"
    local v n bins=()
    for v in "${VARIANTS[@]}"; do
        for n in "${names[@]}"; do
            build_state "$v" "$n"
            [ "$BSTATE" = ok ] || continue
            cp "$WORK/$v/$n" "$inst/image/bin/$v-$n"
            bins+=("$WORK/$v/$n")
            if [ -f "$SRC/$n.script" ]; then
                { echo "#!/bin/$v-$n optarg"; cat "$SRC/$n.script"; } >"$inst/image/bin/$v-$n.sh"
                chmod +x "$inst/image/bin/$v-$n.sh"
            fi
        done
    done
    # /bin/sh for system() and popen(): the image has no shell, so install
    # support/mini_sh.c (sh -c "cmd args" through posix_spawnp), built with
    # both compilers (both must be clean), the musl build copied.
    if [ -f "$SRC/support/mini_sh.c" ] && [ ! -e "$inst/image/bin/sh" ]; then
        local shv shok=1
        for shv in "${VARIANTS[@]}"; do
            if ! "$(compiler_for "$shv" mini_sh.c)" "${CFLAGS[@]}" "$SRC/support/mini_sh.c" \
                -o "$WORK/$shv/support-mini_sh" >"$WORK/$shv/support-mini_sh.log" 2>&1; then
                echo "note: building support/mini_sh.c ($shv) failed: $(head -n1 "$WORK/$shv/support-mini_sh.log")"
                shok=0
            fi
        done
        [ $shok = 1 ] && cp "$WORK/musl/support-mini_sh" "$inst/image/bin/sh"
    fi
    # Libraries the binaries need and the image lacks (what Occlum users do
    # with copy_bom): glibc's loader and libc, libstdc++ for C++ ...
    local lib copied=()
    while IFS= read -r lib; do
        [ -n "$lib" ] || continue
        if [ ! -e "$inst/image$lib" ]; then
            mkdir -p "$inst/image$(dirname "$lib")"
            cp -L "$lib" "$inst/image$lib" && copied+=("$lib")
        fi
    done < <(for b in ${bins[@]+"${bins[@]}"}; do host_libs "$b"; done | sort -u)
    [ ${#copied[@]} -gt 0 ] && echo "note: copied into the image: ${copied[*]}"
    # env.untrusted: every "untrusted:" name of every test
    UNTRUSTED=()
    for n in "${names[@]}"; do
        env_lines "$n" untrusted
        UNTRUSTED+=(${LINES[@]+"${LINES[@]}"})
    done
    if ! python3 - "$inst/Occlum.json" ${UNTRUSTED[@]+"${UNTRUSTED[@]}"} >>"$log" 2>&1 <<'EOF'; then
import json, sys
path, names = sys.argv[1], sys.argv[2:]
with open(path) as f:
    cfg = json.load(f)
env = cfg.setdefault("env", {})
env["untrusted"] = sorted(set(names))
# Some tests run 50+ processes at once (mt_spawn_concurrent), each with its
# own stack and libraries: like any Occlum user with such a program, raise
# the instance's thread and memory limits.
cfg.setdefault("resource_limits", {})["max_num_of_threads"] = 256
cfg["resource_limits"]["user_space_size"] = "1GB"
with open(path, "w") as f:
    json.dump(cfg, f, indent=4)
    f.write("\n")
EOF
        SETUP_WHY="could not edit Occlum.json"
        return 1
    fi
    if ! (cd "$inst" && timeout -k 5 300 "$OCCLUM" build) >>"$log" 2>&1; then
        SETUP_WHY="occlum build failed"
        return 1
    fi
    return 0
}

if [ $do_libos = 1 ]; then
    if ! setup_instance; then
        libos_fail_all "$SETUP_WHY" "$SETUP_LOG"
    else
        inst=$WORK/instance
        for v in "${VARIANTS[@]}"; do
            for n in "${names[@]}"; do
                c=libos-$v/$n
                build_state "$v" "$n"
                case $BSTATE in
                skip)
                    skip "$c" "$BWHY"
                    continue
                    ;;
                fail)
                    fail "$c" "$BWHY" "compiler output" "$WORK/$v/$n.log"
                    continue
                    ;;
                esac
                prog=/bin/$v-$n
                [ -f "$SRC/$n.script" ] && prog=$prog.sh
                args_for "$n" /data /host/hostfs-scratch /root
                # the host environment: ours, minus every untrusted name,
                # plus this test's host: variables
                unset_args=()
                for u in ${UNTRUSTED[@]+"${UNTRUSTED[@]}"}; do unset_args+=(-u "$u"); done
                env_lines "$n" host
                res=$WORK/results/$v-$n
                mkdir -p "$WORK/results"
                # Each program starts from the image alone: the writable
                # layer persists across runs (tests/cli/rwlayer_*.sh).
                rm -rf "$inst/run/mount/__ROOT" "$inst/hostfs-scratch"
                mkdir -p "$inst/hostfs-scratch"
                (cd "$inst" && exec timeout -k 5 "$TIMEOUT" env ${unset_args[@]+"${unset_args[@]}"} \
                    ${LINES[@]+"${LINES[@]}"} "$OCCLUM" run "$prog" ${ARGS[@]+"${ARGS[@]}"} \
                    </dev/null >"$ROOT/$res.stdout" 2>"$ROOT/$res.stderr")
                rc=$?
                check_run "$c" "$n" "$rc" "$res.stdout" "$res.stderr"
            done
        done
    fi
fi

# ---------------------------------------------------------------- summary

summary="libos: $npass passed, $nfail failed"
[ $nskip -gt 0 ] && summary="$summary, $nskip skipped"
echo "$summary"
[ $nfail -eq 0 ]
