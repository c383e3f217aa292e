#!/usr/bin/env bash
# run-unit.sh: builds and runs the host-side cmocka unit tests.
#
# Each tests/unit/test_*.c names the project sources it links with in its
# opening comment: /* unit-sources: src/common/config.c src/... */
# It is compiled with ASan and UBSan (no recovery) into tests/work/unit/ and
# run from the repository root. Prints one line per test case,
#   PASS unit/<binary>/<case>   or   FAIL unit/<binary>/<case>
# and closes with "unit: N passed, N failed". Exits non-zero if any failed.
#
# Verdicts come from cmocka's "[ RUN ]" / "[ OK ]" lines. A case that started
# but never reported OK (a crash, a sanitizer abort) fails; so does every case
# listed in the source that never started, and a binary that exits non-zero
# after all its cases passed (e.g. LeakSanitizer at exit) fails as
# "<binary>/exit-status". A test file that does not compile fails as
# "<binary>/build".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
WORK=tests/work/unit
mkdir -p "$WORK"

CFLAGS=(-std=gnu11 -D_GNU_SOURCE -Isrc -Isrc/libos -fsanitize=address,undefined
    -fno-sanitize-recover=all -g -Wall -Wextra -Wno-unused-parameter)
LIBS=(-lcmocka -ljansson -lcrypto -lyaml -lZydis -lpthread)

passed=0
failed=0
pass() { echo "PASS unit/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL unit/$1"; failed=$((failed + 1)); }

# Case names in the order the source registers them (cmocka_unit_test*(name...)).
source_cases() {
    grep -oE 'cmocka_unit_test[a-z_]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*' "$1" |
        sed -E 's/.*\([[:space:]]*//'
}

# The sources named by the comment that opens the file, "/* unit-sources:
# a.c b.c ... */", which may go on over several lines (clang-format wraps
# it), if any.
unit_sources() {
    awk 'NR == 1 && !/^\/\*[[:space:]]*unit-sources:/ { exit }
         { line = $0; sub(/^\/\*[[:space:]]*unit-sources:/, "", line); sub(/^[[:space:]]*\*[[:space:]]/, " ", line)
           done = sub(/\*\/.*$/, "", line); printf "%s ", line; if (done) exit }' "$1"
}

run_one() {
    local src=$1 bin
    bin=$(basename "$src" .c)
    local exe="$WORK/$bin" log="$WORK/$bin.log"
    # shellcheck disable=SC2046  # the source list is meant to split into words
    if ! gcc "${CFLAGS[@]}" "$src" $(unit_sources "$src") -o "$exe" "${LIBS[@]}" \
        >"$WORK/$bin.build.log" 2>&1; then
        fail "$bin/build"
        sed 's/^/    /' "$WORK/$bin.build.log" | head -n 30
        return
    fi
    # ASan's leak check needs no ptrace here; abort_on_error turns a report
    # into a non-zero exit we can see even if cmocka's handlers intervene.
    CMOCKA_MESSAGE_OUTPUT=stdout ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
        timeout 300 "$exe" >"$log" 2>&1
    local status=$?

    local -A started=() ok=() skipped=()
    local line name
    while IFS= read -r line; do
        case "$line" in
        "[ RUN      ] "*) started[${line#\[ RUN      \] }]=1 ;;
        "[       OK ] "*) ok[${line#\[       OK \] }]=1 ;;
        "[  SKIPPED ] "*) skipped[${line#\[  SKIPPED \] }]=1 ;;
        esac
    done <"$log"

    local any_fail=0 cases
    cases=$(source_cases "$src")
    # Cases seen at run time but not found in the source (e.g. generated names).
    for name in "${!started[@]}"; do
        grep -qxF -- "$name" <<<"$cases" || cases+=$'\n'"$name"
    done
    while IFS= read -r name; do
        [ -n "$name" ] || continue
        if [ -n "${ok[$name]:-}" ]; then
            pass "$bin/$name"
        elif [ -n "${skipped[$name]:-}" ]; then
            echo "SKIP unit/$bin/$name"
        else
            fail "$bin/$name"
            any_fail=1
        fi
    done <<<"$cases"
    if [ "$status" -ne 0 ] && [ "$any_fail" -eq 0 ]; then
        fail "$bin/exit-status"
        any_fail=1
    fi
    if [ "$any_fail" -ne 0 ]; then
        echo "    --- $log (exit status $status), last lines:"
        # Skip the passing cases and ASan's shadow-byte legend: noise here.
        awk '/^Shadow bytes around/ {skip = 1} /^\[ (RUN|      OK) / {next} !skip' "$log" |
            tail -n 40 | sed 's/^/    /'
    fi
}

shopt -s nullglob
tests=(tests/unit/test_*.c)
if [ ${#tests[@]} -eq 0 ]; then
    echo "unit: no tests/unit/test_*.c found"
fi
for t in "${tests[@]}"; do
    run_one "$t"
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
