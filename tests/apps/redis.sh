#!/usr/bin/env bash
# redis: Debian's redis-server added with `occlum add` serves redis-cli
# (run natively, over loopback); BGSAVE forks a child that writes the
# snapshot on the writable layer; `SHUTDOWN SAVE` saves again from the
# parent (a file the forked child created); a second run reads it back.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    fail "redis-server and redis-cli are not installed (make deps)"
new_instance inst
occlum add "$(command -v redis-server)" >/dev/null || fail "occlum add redis-server failed"
occlum build >/dev/null || fail "occlum build failed"
port=$((20000 + $$ % 20000))
server_pid=
start_server() {
    occlum run /bin/redis-server --port "$port" --bind 127.0.0.1 --dir /root --save "" \
        --daemonize no >"$WORK/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null
    fail "redis-server did not answer on port $port: $(tail -n 5 "$WORK/server.log")"
}
stop_server() { # $1: save or nosave
    redis-cli -p "$port" shutdown "$1" >/dev/null 2>&1
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2>/dev/null || { wait "$server_pid"; return $?; }
        sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null
    fail "redis-server did not exit: $(tail -n 5 "$WORK/server.log")"
}
start_server
run redis-cli -p "$port" set greeting "hello from the enclave"
[ "$OUT" = OK ] || fail "SET answered '$OUT'"
run redis-cli -p "$port" bgsave
[ "$OUT" = "Background saving started" ] || fail "BGSAVE answered '$OUT'"
status=
for _ in $(seq 100); do
    status=$(redis-cli -p "$port" info persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p')
    inprogress=$(redis-cli -p "$port" info persistence | tr -d '\r' | sed -n 's/^rdb_bgsave_in_progress://p')
    [ "$inprogress" = 0 ] && break
    sleep 0.1
done
[ "$status" = ok ] || fail "BGSAVE ended with '$status': $(tail -n 5 "$WORK/server.log")"
run redis-cli -p "$port" set after "the fork"
stop_server save || fail "redis-server exited with $? after SHUTDOWN SAVE: $(tail -n 5 "$WORK/server.log")"
grep -q "DB saved on disk" "$WORK/server.log" || fail "no save at shutdown: $(tail -n 5 "$WORK/server.log")"
start_server
run redis-cli -p "$port" get greeting
[ "$OUT" = "hello from the enclave" ] || fail "GET greeting after restart answered '$OUT'"
run redis-cli -p "$port" get after
[ "$OUT" = "the fork" ] || fail "GET after answered '$OUT'"
stop_server nosave
