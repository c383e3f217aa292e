#!/usr/bin/env bash
# rwlayer_crash: SIGKILL `occlum run` while a program rewrites and fsyncs
# files in a loop; the next run mounts the layer and every file is whole,
# at the last fsynced generation or a later one (docs/sefs-format.md).
# Then the same for small pwrite+fsync calls into one 64 MiB file: every
# record whose fsync returned is there after the kill, nothing else moved.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_rwlayer.sh"
need_runtime
new_instance inst
add_fsutil
run occlum build
expect_status 0
for round in 1 2 3; do
    occlum run /bin/fsutil loop /root/crash 8 >"$WORK/loop.out" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 200); do
        [ "$(grep -c synced "$WORK/loop.out")" -ge 3 ] && break
        sleep 0.05
    done
    sleep 0.$((RANDOM % 5))
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    synced=$(grep synced "$WORK/loop.out" | tail -n 1 | awk '{print $2}')
    [ -n "$synced" ] || fail "round $round: the loop never synced: $(cat "$WORK/loop.out")"
    run occlum run /bin/fsutil check /root/crash 8
    expect_status 0
    low=${OUT#lowest }
    [ "$low" -ge "$synced" ] || fail "round $round: a file is at generation $low, older than the synced $synced"
    echo "round $round: killed after generation $synced; lowest on mount $low"
done
for round in 1 2; do
    occlum run /bin/fsutil big /root/big >"$WORK/big.out" 2>&1 </dev/null &
    pid=$!
    want=$((20 + RANDOM % 300))
    for _ in $(seq 1 1200); do
        n=$(grep -c synced "$WORK/big.out")
        [ "$n" -ge "$want" ] && break
        grep -q "^big:" "$WORK/big.out" && break
        sleep 0.05
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    synced=$(grep synced "$WORK/big.out" | tail -n 1 | awk '{print $2}')
    [ -n "$synced" ] || fail "big round $round: no record synced: $(cat "$WORK/big.out")"
    run occlum run /bin/fsutil bigcheck /root/big "$synced"
    expect_status 0
    [ "$OUT" = ok ] || fail "big round $round: $OUT"
    echo "big round $round: killed after record $synced; all there"
done
exit 0
