#!/usr/bin/env bash
# tail_follow: Debian's coreutils tail follows files through inotify while
# other processes (busybox sh's children) write them: `tail -f` prints the
# lines appended to a file, `tail -F` notices a log rotation (the file
# renamed, a new one made) and follows the new file. Both run with a
# polling interval of 1000 s (-s), so only inotify's events can make them
# print within the run's time limit.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
BB=$(command -v busybox) || fail "busybox is not installed (make deps)"
new_instance inst
occlum add /usr/bin/tail >/dev/null || fail "occlum add /usr/bin/tail failed"
occlum add "$BB" >/dev/null || fail "occlum add busybox failed"
for a in sh grep sleep mv cat kill; do ln -sf busybox "image/bin/$a"; done
cat >image/bin/follow.sh <<'SH'
# wait_for TEXT FILE: until FILE holds TEXT (at most 60 s)
wait_for() {
    i=0
    while ! grep -qs "$1" "$2"; do
        sleep 0.1
        i=$((i + 1))
        [ $i -lt 600 ] || { echo "timed out waiting for $1 in $2"; cat "$2"; exit 1; }
    done
}
echo first > /tmp/log
/bin/tail -f -s 1000 /tmp/log > /tmp/out 2>/tmp/err &
t=$!
wait_for first /tmp/out
sh -c 'echo second >> /tmp/log'
sh -c 'echo third >> /tmp/log'
wait_for third /tmp/out
kill $t
cat /tmp/out
echo one > /tmp/app.log
/bin/tail -F -s 1000 /tmp/app.log > /tmp/out2 2>/tmp/err2 &
t=$!
wait_for one /tmp/out2
sh -c 'mv /tmp/app.log /tmp/app.log.1; echo two > /tmp/app.log'
wait_for two /tmp/out2
sh -c 'echo three >> /tmp/app.log'
wait_for three /tmp/out2
kill $t
cat /tmp/out2
cat /tmp/err /tmp/err2
SH
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/sh /bin/follow.sh
expect_status 0
[ "$(head -n 6 "$WORK/.stdout")" = "first
second
third
one
two
three" ] || fail "tail printed '$OUT'"
# tail -F's own words about the rotation (as on Linux: "has appeared" when
# it saw the name go before the new file came, "has been replaced" when the
# new file was already there); nothing about inotify being unusable
grep -Eq "'/tmp/app.log' has (appeared|been replaced);  following new file" "$WORK/.stdout" ||
    fail "tail -F did not report the rotation: $OUT"
grep -q "polling\|inotify" "$WORK/.stdout" && fail "tail could not use inotify"
expect_err_lines 0
