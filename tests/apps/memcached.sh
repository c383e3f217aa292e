#!/usr/bin/env bash
# memcached: Debian's memcached (libevent, worker threads, epoll) added with
# `occlum add`, started as root and dropping to nobody (-u), answers the
# text protocol over loopback: set, get, incr, a multi-get, stats; SIGTERM
# ends it.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
[ -x /usr/bin/memcached ] || fail "/usr/bin/memcached is not installed (make deps)"
new_instance inst
occlum add /usr/bin/memcached >/dev/null || fail "occlum add /usr/bin/memcached failed"
occlum build >/dev/null || fail "occlum build failed"
port=$(free_port)
occlum run /bin/memcached -u nobody -l 127.0.0.1 -p "$port" -U 0 -t 4 >"$WORK/server.log" 2>&1 &
srv=$!
trap 'kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null' EXIT
OUT=$(python3 - "$port" "$srv" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        break
    except OSError:
        os.kill(pid, 0)  # the server died: fail at once
        time.sleep(0.2)
f = s.makefile("rwb")
def cmd(line, data=None):
    f.write(line.encode() + b"\r\n" + (data.encode() + b"\r\n" if data is not None else b""))
    f.flush()
def until(end):
    lines = []
    while True:
        l = f.readline().decode().rstrip("\r\n")
        lines.append(l)
        if l in end:
            return lines
cmd("set a 5 0 5", "hello"); print(until({"STORED", "ERROR"})[-1])
cmd("set n 0 0 2", "41"); until({"STORED"})
cmd("incr n 1"); print("incr", until({"42", "ERROR", "NOT_FOUND"})[-1])
cmd("get a n"); print(" ".join(until({"END"})))
cmd("stats"); st = dict(l.split()[1:3] for l in until({"END"}) if l.startswith("STAT "))
print("threads", st["threads"], "items", st["curr_items"])
PY
)
[ "$OUT" = "STORED
incr 42
VALUE a 5 5 hello VALUE n 0 2 42 END
threads 4 items 2" ] || fail "memcached answered: $OUT ($(cat "$WORK/server.log"))"
kill -TERM "$srv"
wait "$srv"
echo "memcached ended with $?"
