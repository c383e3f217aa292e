#!/usr/bin/env bash
# rwlayer_idle: a run that changes nothing leaves the writable layer's host
# files (run/mount/__ROOT) as they were: no journal record, no rewrite.
# The first run after a build records the image root's attributes once;
# after a rebuild with another root mode, once again.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
need_runtime
new_instance inst
add_hello
run occlum build
expect_status 0
state() { find "$RW" -type f -printf '%P %s %T@\n' | sort; }
run occlum run /bin/hello_world
expect_status 0
before=$(state)
[ -n "$before" ] || fail "$RW holds no files after a run"
for i in 1 2 3; do
    run occlum run /bin/hello_world
    expect_status 0
    [ "$OUT" = "Hello World!" ] || fail "run $i printed '$OUT'"
    [ "$(state)" = "$before" ] || fail "run $i changed the writable layer: $(diff <(echo "$before") <(state))"
done
chmod 0750 image
run occlum build
expect_status 0
run occlum run /bin/hello_world
expect_status 0
[ "$(state)" != "$before" ] || fail "the image root's new mode was not recorded"
before=$(state)
run occlum run /bin/hello_world
[ "$(state)" = "$before" ] || fail "a run after the rebuild changed the writable layer again"
