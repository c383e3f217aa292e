#!/usr/bin/env bash
# run_strace_stats: `occlum run --strace` prints each system call of every
# process, strace style (names, decoded flags and strings, errno names,
# [pid P tid T]); --strace=FILE writes the same to a host file and nothing
# to standard error; --stats prints strace -c's table with the trapped
# column when the program exits; options before the program only.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/probe.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open("/tmp/strace_probe", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "hello\n", 6) != 6 || close(fd) != 0) return 1;
    if (open("/tmp/no_such_file", O_RDONLY) != -1) return 2;
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st;
    if (waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 7) return 3;
    printf("probe done %d\n", argc);
    return 0;
}
EOF
occlum-gcc "$WORK/probe.c" -o image/bin/probe || fail "occlum-gcc failed"
run occlum build
expect_status 0

run occlum run --strace /bin/probe --strace
expect_status 0
[ "$OUT" = "probe done 2" ] || fail "the program printed '$OUT' (its --strace argument is its own)"
# (musl's open adds the kernel's O_LARGEFILE, as strace shows too)
grep -qE '^\[pid 1 tid 1\] open\("/tmp/strace_probe", O_WRONLY\|O_CREAT\|O_TRUNC(\|O_LARGEFILE)?, 0600\) = 3$' \
    "$WORK/.stderr" || fail "no open line with decoded flags and mode"
expect_err_contains '[pid 1 tid 1] write(3, "hello\n", 6) = 6'
expect_err_contains '[pid 1 tid 1] close(3) = 0'
grep -qE 'open\("/tmp/no_such_file", O_RDONLY(\|O_LARGEFILE)?\) = -1 ENOENT \(No such file or directory\)$' \
    "$WORK/.stderr" || fail "no failed open line with its errno name"
expect_err_contains '[pid 2 tid 2] exit_group(7) = ?'
expect_err_contains 'fork() = 2'
grep -qE '^\[pid 1 tid 1\] wait4\(2, 0x[0-9a-f]+, 0, NULL\) = 2$' "$WORK/.stderr" ||
    fail "no wait4 line for the child"
if grep -q "% time" "$WORK/.stderr"; then fail "--strace alone printed the --stats table"; fi

run occlum run --strace="$WORK/trace.txt" --stats /bin/probe
expect_status 0
[ -f "$WORK/trace.txt" ] || fail "--strace=FILE did not create $WORK/trace.txt"
grep -qF 'write(3, "hello\n", 6) = 6' "$WORK/trace.txt" || fail "the trace file lacks the write"
grep -qF 'write(3,' "$WORK/.stderr" && fail "--strace=FILE also traced to standard error"
# the table goes where the trace goes
grep -qE '^% time +seconds +usecs/call +calls +errors +trapped syscall$' "$WORK/trace.txt" ||
    fail "no --stats header"
grep -qE '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +2 +1 +[0-9]+ open$' "$WORK/trace.txt" ||
    fail "the open row is not 2 calls, 1 error"
grep -qE '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +1 +0 +[0-9]+ fork$' "$WORK/trace.txt" ||
    fail "the fork row is not 1 call"
grep -qE '^100\.00 .* total \([0-9.]+% on the fast path\)$' "$WORK/trace.txt" || fail "no total line"

run occlum run --stats /bin/probe
expect_status 0
expect_err_contains 'total ('
grep -qF 'write(3,' "$WORK/.stderr" && fail "--stats alone traced the calls"

# occlum start --strace=FILE --stats: the programs exec'd are traced, the
# table comes at stop
run occlum start --strace="$WORK/server.txt" --stats
expect_status 0
run occlum exec /bin/probe
expect_status 0
run occlum stop
expect_status 0
grep -qF 'write(3, "hello\n", 6) = 6' "$WORK/server.txt" || fail "the server's trace lacks the write"
grep -qE '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +1 +0 +[0-9]+ fork$' "$WORK/server.txt" ||
    fail "the server's table has no fork row"

run occlum run --strace= /bin/probe
expect_status 1
expect_err_contains "--strace=FILE needs a file name"
echo ok
