#!/usr/bin/env bash
# demo.sh: the hello-world walkthrough (`make demo`), in tests/work/demo/.
#
# Builds a C hello world with occlum-gcc (musl), runs it natively, creates an
# instance, builds it and runs the program inside the LibOS; then does the
# same with a plain gcc (glibc) binary and an occlum-g++ (C++ iostream) one.
# Every command is echoed before it runs; any failure stops the demo with a
# non-zero exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/out/bin:$PATH"
DEMO="$ROOT/tests/work/demo"

step() {
    echo "+ $*"
    "$@"
}

# expect_run WANT PATH: `occlum run PATH` must print exactly WANT.
expect_run() {
    local want=$1 got
    shift
    echo "+ occlum run $*"
    local rc=0
    got=$(occlum run "$@") || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "demo: 'occlum run $*' failed with exit status $rc" >&2
        exit 1
    fi
    printf '%s\n' "$got"
    if [ "$got" != "$want" ]; then
        echo "demo: 'occlum run $*' printed '$got', expected '$want'" >&2
        exit 1
    fi
}

for tool in occlum occlum-gcc occlum-g++; do
    command -v "$tool" >/dev/null || { echo "demo: $tool not found; run 'make' first" >&2; exit 1; }
done

rm -rf "$DEMO"
mkdir -p "$DEMO"
step cd "$DEMO"

echo "+ cat > hello_world.c"
cat >hello_world.c <<'C'
#include <stdio.h>

int main(void)
{
    printf("Hello World!\n");
    return 0;
}
C
step occlum-gcc hello_world.c -o hello_world
step ./hello_world
step occlum new occlum_hello
step cd occlum_hello
step cp ../hello_world image/bin/
step occlum build
expect_run "Hello World!" /bin/hello_world

echo
echo "# The same program built with the host's gcc (glibc):"
step gcc ../hello_world.c -o image/bin/hello_world_glibc
step occlum build
expect_run "Hello World!" /bin/hello_world_glibc

echo
echo "# A C++ program (occlum-g++ builds against the host's glibc and libstdc++):"
echo "+ cat > ../hello_world.cc"
cat >../hello_world.cc <<'CXX'
#include <iostream>

int main()
{
    std::cout << "Hello World from C++!" << std::endl;
    return 0;
}
CXX
step occlum-g++ ../hello_world.cc -o image/bin/hello_world_cxx
step occlum build
expect_run "Hello World from C++!" /bin/hello_world_cxx

echo
echo "demo: all steps passed"
