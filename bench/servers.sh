#!/usr/bin/env bash
# bench/servers.sh: Debian's nginx, lighttpd and redis-server inside the LibOS
# against the same server run natively, each on its own free loopback port,
# both up at once and measured in alternating rounds (median of the rounds):
#   wrk -t2 -c32 -d<S>s  GET of a 1 KiB and a 1 MiB static file (req/s);
#   redis-benchmark -q -n 100000 -t set,get,lpush,lpop -P 1 and -P 16 (req/s).
# The instances are packaged as tests/apps/ does (occlum add, copy_bom).
# Every server is stopped on exit, however the script ends.
#   SERVER_BENCH_SECONDS  wrk's duration per run (default 5)
#   SERVER_BENCH_ROUNDS   alternating rounds (default 3)
#   SERVER_BENCH_REQUESTS redis-benchmark's -n (default 100000)
set -euo pipefail
export WORK_SUITE=bench
. "$(dirname "$0")/../tests/cli/_lib.sh" # free_port, await_http; cd into $WORK
secs=${SERVER_BENCH_SECONDS:-5}
rounds=${SERVER_BENCH_ROUNDS:-3}
requests=${SERVER_BENCH_REQUESTS:-100000}
for tool in wrk redis-benchmark redis-cli curl nginx lighttpd redis-server; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
        fail "$tool is not installed: run 'make deps'"
done

pids=() # every server started here (occlum run or native), stopped on exit
stop_all() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pids=()
    # a runtime's forked host processes end with it; make sure of it
    local left
    left=$(pgrep -f "occlum-libos $WORK/" || true)
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true # several pids
}
trap stop_all EXIT
trap 'exit 130' INT TERM

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a/b : 0}'; }
line() { # label libos native
    printf '%-52s libos %9.0f   native %9.0f   libos/native %sx\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

mkdir -p www
echo up >www/index.html # what await asks for
head -c 1024 /dev/urandom >www/1k.bin
head -c $((1 << 20)) /dev/urandom >www/1m.bin

# wrk's requests per second for URL; a run with failed requests says so
wrk_rps() {
    local out
    out=$(wrk -t2 -c32 -d"${secs}s" "$1")
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        echo "warning: $1: $(grep "Non-2xx\|Socket errors" <<<"$out" | tr -s ' ')" >&2
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

# web NAME LIBOS_PORT NATIVE_PORT: the wrk lines of one server pair
web() {
    local name=$1 lp=$2 np=$3 f
    for f in 1k 1m; do
        : >"rps.$f.libos" && : >"rps.$f.native"
    done
    for _ in $(seq "$rounds"); do
        for f in 1k 1m; do
            wrk_rps "http://127.0.0.1:$np/$f.bin" >>"rps.$f.native"
            wrk_rps "http://127.0.0.1:$lp/$f.bin" >>"rps.$f.libos"
        done
    done
    line "$name 1 KiB file, wrk -t2 -c32 -d${secs}s (req/s):" "$(median <rps.1k.libos)" \
        "$(median <rps.1k.native)"
    line "$name 1 MiB file, wrk -t2 -c32 -d${secs}s (req/s):" "$(median <rps.1m.libos)" \
        "$(median <rps.1m.native)"
}

# await URL PID: the server at PID answers URL, or the script stops
await() {
    [ -n "$(await_http "$1" "$2")" ] || fail "no answer from $1: $(tail -n 5 "$WORK"/*.log)"
}

# ---- nginx: a master and two workers, as Debian runs it ----
nginx_conf() { # port root tmpdir pidfile
    cat <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $4;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $3/body;
    proxy_temp_path $3/proxy;
    fastcgi_temp_path $3/fastcgi;
    uwsgi_temp_path $3/uwsgi;
    scgi_temp_path $3/scgi;
    server {
        listen 127.0.0.1:$1;
        root $2;
    }
}
EOF
}
rm -rf nginx && new_instance nginx
occlum add nginx >/dev/null || fail "occlum add nginx failed"
mkdir -p image/srv image/etc/nginx image/var/lib/nginx
cp -r ../www image/srv/www
lp=$(free_port)
nginx_conf "$lp" /srv/www /tmp /tmp/nginx.pid >image/etc/nginx/bench.conf
occlum build >/dev/null || fail "occlum build of the nginx instance failed"
occlum run /bin/nginx -c /etc/nginx/bench.conf >"$WORK/nginx-libos.log" 2>&1 &
pids+=($!)
cd "$WORK"
mkdir -p nginx-native/tmp
np=$(free_port)
nginx_conf "$np" "$WORK/www" "$WORK/nginx-native/tmp" "$WORK/nginx-native/nginx.pid" \
    >nginx-native/bench.conf
# as root natively, its workers run as nobody: let them read the files
chmod -R a+rX "$WORK/www"
/usr/sbin/nginx -e stderr -c "$WORK/nginx-native/bench.conf" -p "$WORK/nginx-native" \
    >"$WORK/nginx-native.log" 2>&1 &
pids+=($!)
await "http://127.0.0.1:$lp/index.html" "${pids[0]}"
await "http://127.0.0.1:$np/index.html" "${pids[1]}"
web nginx "$lp" "$np"
stop_all

# ---- lighttpd ----
lighttpd_conf() { # port root
    cat <<EOF
server.document-root = "$2"
server.bind = "127.0.0.1"
server.port = $1
server.modules = ("mod_staticfile")
mimetype.assign = (".bin" => "application/octet-stream")
server.errorlog = "/dev/stderr"
server.upload-dirs = ("/tmp")
EOF
}
rm -rf lighttpd && new_instance lighttpd
occlum add lighttpd >/dev/null || fail "occlum add lighttpd failed"
cat >"$WORK/modules.yaml" <<'YAML'
targets:
  - target: /usr/lib
    copy:
      - dirs: [/usr/lib/lighttpd]
YAML
copy_bom -f "$WORK/modules.yaml" --root image >/dev/null || fail "copy_bom of lighttpd's modules failed"
mkdir -p image/srv image/etc/lighttpd
cp -r ../www image/srv/www
lp=$(free_port)
lighttpd_conf "$lp" /srv/www >image/etc/lighttpd/bench.conf
occlum build >/dev/null || fail "occlum build of the lighttpd instance failed"
occlum run /bin/lighttpd -D -f /etc/lighttpd/bench.conf >"$WORK/lighttpd-libos.log" 2>&1 &
pids+=($!)
cd "$WORK"
np=$(free_port)
lighttpd_conf "$np" "$WORK/www" >lighttpd-native.conf
/usr/sbin/lighttpd -D -f "$WORK/lighttpd-native.conf" >"$WORK/lighttpd-native.log" 2>&1 &
pids+=($!)
await "http://127.0.0.1:$lp/index.html" "${pids[0]}"
await "http://127.0.0.1:$np/index.html" "${pids[1]}"
web lighttpd "$lp" "$np"
stop_all

# ---- redis ----
redis_up() { # port pid
    for _ in $(seq 100); do
        [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    fail "redis-server did not answer on port $1: $(tail -n 5 "$WORK"/redis-*.log)"
}
rm -rf redis && new_instance redis
occlum add "$(command -v redis-server)" >/dev/null || fail "occlum add redis-server failed"
occlum build >/dev/null || fail "occlum build of the redis instance failed"
lp=$(free_port)
occlum run /bin/redis-server --port "$lp" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no >"$WORK/redis-libos.log" 2>&1 &
pids+=($!)
cd "$WORK"
np=$(free_port)
redis-server --port "$np" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$WORK" >"$WORK/redis-native.log" 2>&1 &
pids+=($!)
redis_up "$lp" "${pids[0]}"
redis_up "$np" "${pids[1]}"
# "SET: 45045.04 requests per second, p50=0.567 msec" -> one file per test and side
for _ in $(seq "$rounds"); do
    for pl in 1 16; do
        for side in native libos; do
            port=$np
            [ "$side" = libos ] && port=$lp
            redis-benchmark -q -p "$port" -n "$requests" -t set,get,lpush,lpop -P "$pl" |
                tr '\r' '\n' | awk -F': ' '/requests per second/ {split($2, v, " "); print $1, v[1]}' |
                while read -r t v; do echo "$v" >>"redis.$t.$pl.$side"; done
        done
    done
done
for pl in 1 16; do
    for t in SET GET LPUSH LPOP; do
        if [ ! -s "redis.$t.$pl.libos" ] || [ ! -s "redis.$t.$pl.native" ]; then
            fail "redis-benchmark gave no $t figure (-P $pl)"
        fi
        line "redis $t, redis-benchmark -P $pl (req/s):" "$(median <"redis.$t.$pl.libos")" \
            "$(median <"redis.$t.$pl.native")"
    done
done
