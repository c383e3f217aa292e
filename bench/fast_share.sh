#!/usr/bin/env bash
# bench/fast_share.sh [APP...]: the share of system calls on the fast path
# (`occlum run --stats`) for real programs, each with a short workload:
# busybox python3 sqlite3 lua redis nginx lighttpd go java node (default:
# all). Prints one line per program: calls, trapped, fast-path share. With
# OCCLUM_REWRITE_LOG=1 the sites left trapping are in tests/work/fast_share/APP.err.
# OCCLUM_BIN_DIR=DIR takes the occlum of another build (a before/after).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${OCCLUM_BIN_DIR:-$root/out/bin}:$PATH"
D=$root/tests/work/fast_share
mkdir -p "$D"
[ $# -gt 0 ] || set -- busybox python3 sqlite3 lua redis nginx lighttpd go java node
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for i in $(seq 100); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
summ() { # the --stats tables of every process in $1, summed
    grep "total (" "$1" | awk '{c+=$4; t+=$6} END {printf "calls %d trapped %d fast %.2f%%\n", c, t, c ? 100*(c-t)/c : 0}'; }
new() { rm -rf $D/$1; mkdir -p $D/$1; cd $D/$1; occlum new inst >/dev/null; cd inst; }
for app in "$@"; do
case $app in
python3)
    new python3; occlum add /usr/bin/python3 >/dev/null; mkdir -p image/app
    cat >image/app/m.py <<'PY'
import hashlib, json, os, threading, time
for i in range(300):
    with open("/tmp/f%d" % (i % 10), "w") as f: f.write(json.dumps({"i": i}))
    with open("/tmp/f%d" % (i % 10)) as f: json.loads(f.read())
    os.stat("/tmp"); os.listdir("/tmp"); time.time(); os.getpid()
def w():
    for i in range(2000): hashlib.sha256(b"x").hexdigest(); os.getppid()
ts = [threading.Thread(target=w) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("done")
PY
    occlum build >/dev/null; occlum run --stats /bin/python3 /app/m.py >$D/python3.out 2>$D/python3.err ;;
sqlite3)
    new sqlite3; occlum add sqlite3 >/dev/null; mkdir -p image/data; occlum build >/dev/null
    occlum run --stats /bin/sqlite3 /data/t.db "create table t(id integer primary key, v text);
begin; with recursive c(i) as (select 1 union all select i + 1 from c where i < 10000)
insert into t(v) select 'row-' || i from c; commit; select count(*) from t;" >$D/sqlite3.out 2>$D/sqlite3.err ;;
lua)
    new lua; occlum add lua5.4 >/dev/null; mkdir -p image/app
    cat >image/app/m.lua <<'LUA'
for i = 1, 2000 do
  local f = io.open("/tmp/x" .. (i % 10), "w"); f:write("line " .. i .. "\n"); f:close()
  f = io.open("/tmp/x" .. (i % 10)); f:read("a"); f:close(); os.time(); os.clock()
end
print("done")
LUA
    occlum build >/dev/null; occlum run --stats /bin/lua5.4 /app/m.lua >$D/lua.out 2>$D/lua.err ;;
busybox)
    new busybox; occlum add /usr/bin/busybox >/dev/null; for l in sh ls cat wc echo seq sort; do ln -sf busybox image/bin/$l; done
    mkdir -p image/app; cat >image/app/s.sh <<'SH'
i=0
while [ $i -lt 200 ]; do echo "line $i" >> /tmp/f; i=$((i+1)); done
for j in 1 2 3 4 5 6 7 8 9 10; do cat /tmp/f | wc -l >/dev/null; ls / >/dev/null; seq 100 | sort -r >/dev/null; done
echo done
SH
    occlum build >/dev/null; occlum run --stats /bin/sh /app/s.sh >$D/busybox.out 2>$D/busybox.err ;;
redis)
    new redis; occlum add "$(command -v redis-server)" >/dev/null; occlum build >/dev/null; p=$(port)
    occlum run --stats /bin/redis-server --port $p --bind 127.0.0.1 --dir /root --save "" --daemonize no >$D/redis.out 2>$D/redis.err &
    for i in $(seq 100); do [ "$(redis-cli -p $p ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
    redis-benchmark -q -p $p -n 20000 -t set,get,lpush,lpop >$D/redis.bench 2>&1
    redis-cli -p $p shutdown nosave >/dev/null 2>&1; wait ;;
nginx|lighttpd)
    new $app; occlum add $app >/dev/null; p=$(port); mkdir -p image/srv/www; echo hello >image/srv/www/index.html
    if [ $app = nginx ]; then
        mkdir -p image/etc/nginx image/var/lib/nginx; cp /etc/nginx/mime.types image/etc/nginx/
        cat >image/etc/nginx/t.conf <<EOF
daemon off; master_process on; worker_processes 2; pid /tmp/nginx.pid; error_log stderr warn;
events { worker_connections 64; }
http { include /etc/nginx/mime.types; access_log off; client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi; uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;
  server { listen 127.0.0.1:$p; root /srv/www; } }
EOF
        occlum build >/dev/null; occlum run --stats /bin/nginx -c /etc/nginx/t.conf >$D/$app.out 2>$D/$app.err &
    else
        printf 'targets:\n  - target: /usr/lib\n    copy:\n      - dirs: [/usr/lib/lighttpd]\n' >m.yaml; copy_bom -f m.yaml --root image >/dev/null
        mkdir -p image/etc/lighttpd; cat >image/etc/lighttpd/t.conf <<EOF
server.document-root = "/srv/www"
server.bind = "127.0.0.1"
server.port = $p
server.modules = ("mod_indexfile", "mod_staticfile")
index-file.names = ("index.html")
server.errorlog = "/dev/stderr"
server.upload-dirs = ("/tmp")
EOF
        occlum build >/dev/null; occlum run --stats /bin/lighttpd -D -f /etc/lighttpd/t.conf >$D/$app.out 2>$D/$app.err &
    fi
    srv=$!; wait_http http://127.0.0.1:$p/index.html
    wrk -t2 -c16 -d3s http://127.0.0.1:$p/index.html >$D/$app.bench 2>&1
    kill -INT $srv; wait $srv ;;
go)
    new go; mkdir -p src; cat >src/main.go <<'GO'
package main
import ("fmt"; "io"; "net"; "net/http")
func main() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	n := 0
	for i := 0; i < 2000; i++ {
		r, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil { b, _ := io.ReadAll(r.Body); r.Body.Close(); n += len(b) }
	}
	fmt.Println("bytes", n)
}
GO
    (cd src && GOCACHE=$root/out/go/cache GOPATH=$root/out/go/path GO111MODULE=off CGO_ENABLED=0 go build -o ../srv main.go)
    mkdir -p image/bin; cp srv image/bin/srv; occlum build >/dev/null; occlum run --stats /bin/srv >$D/go.out 2>$D/go.err ;;
java)
    new java; occlum add java >/dev/null 2>&1; occlum build >/dev/null; occlum run --stats /bin/java -version >$D/java.out 2>$D/java.err ;;
node)
    new node; occlum add node >/dev/null 2>&1; occlum build >/dev/null
    occlum run --stats /bin/node -e 'const fs=require("fs"); for (let i=0;i<2000;i++){fs.writeFileSync("/tmp/x"+(i%10),"a"+i); fs.readFileSync("/tmp/x"+(i%10));} console.log("done")' >$D/node.out 2>$D/node.err ;;
esac
printf "%-9s %s\n" "$app" "$(summ $D/$app.err)"
done
