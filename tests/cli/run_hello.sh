#!/usr/bin/env bash
# run_hello: the walkthrough's core: a musl hello world prints its line and
# `occlum run` exits with the program's status (0, then 42).
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
add_hello
printf '#include <stdlib.h>\nint main(void) { exit(42); }\n' >"$WORK/exit42.c"
occlum-gcc "$WORK/exit42.c" -o image/bin/exit42 || fail "occlum-gcc failed"
run occlum build
expect_status 0
run occlum run /bin/hello_world
expect_status 0
[ "$OUT" = "Hello World!" ] || fail "stdout is '$OUT', want 'Hello World!'"
run occlum run /bin/exit42
expect_status 42
