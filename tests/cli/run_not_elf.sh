#!/usr/bin/env bash
# run_not_elf: an executable text file without '#!' is not an ELF: 126 (the
# shell's code for ENOEXEC) and one line naming it.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
printf 'this is not a program\n' >image/bin/notelf
chmod 0755 image/bin/notelf
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/notelf
expect_status 126
expect_err_contains "/bin/notelf"
expect_err_lines 1
