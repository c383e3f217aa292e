#!/usr/bin/env bash
# add_program: `occlum add` copies a program found on PATH with its loader
# and libraries so that it runs inside; --to puts it elsewhere and adds the
# directory to entry_points; bad input gets one error line.
. "$(dirname "$0")/_lib.sh"
need_runtime
command -v lua5.4 >/dev/null || fail "lua5.4 is not installed (make deps)"
new_instance inst
run occlum add lua5.4
expect_status 0
expect_out_contains "occlum add: "
cmp -s image/bin/lua5.4 "$(command -v lua5.4)" || fail "lua5.4 not copied to /bin"
# Again: nothing to copy.
run occlum add lua5.4
expect_out_contains "occlum add: 0 files copied"
run occlum add --to /usr/local/bin /usr/bin/sqlite3
expect_status 0
expect_out_contains "added it to entry_points"
grep -q '"/usr/local/bin"' Occlum.json || fail "entry_points does not list /usr/local/bin"
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/lua5.4 -e 'print(string.format("%d-%s", 6 * 7, ("ab"):rep(2)))'
expect_status 0
[ "$OUT" = "42-abab" ] || fail "lua printed '$OUT'"
run occlum run /usr/local/bin/sqlite3 :memory: 'select 6 * 7;'
expect_status 0
[ "$OUT" = 42 ] || fail "sqlite3 printed '$OUT'"
# Errors: one line each.
run occlum add no-such-program-anywhere
expect_status 1
expect_err_contains "occlum add: no-such-program-anywhere is not a program on PATH; install it or give its path"
expect_err_lines 1
run occlum add --to relative/dir lua5.4
expect_status 1
expect_err_contains "--to needs an absolute directory"
expect_err_lines 1
run occlum add
expect_status 1
expect_err_contains "no program given"
head -c 100 /usr/bin/sqlite3 >trunc
chmod +x trunc
run occlum add ./trunc
expect_status 1
expect_err_contains "trunc is a malformed ELF file"
expect_err_lines 1
cd "$WORK" || fail "cd"
run occlum add lua5.4
expect_status 1
expect_err_lines 1
