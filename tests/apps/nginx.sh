#!/usr/bin/env bash
# nginx: Debian's nginx-light added with `occlum add`, in its usual shape: a
# master process (root) forking two workers that drop to nobody (set*id)
# and talk to it over a socketpair with O_ASYNC, serves a static file to
# curl over loopback and 404s a missing one; SIGTERM to `occlum run` stops
# master and workers, and no host process of the instance stays.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
[ -x /usr/sbin/nginx ] || fail "nginx is not installed (make deps)"
command -v curl >/dev/null || fail "curl is not installed (make deps)"
new_instance inst
occlum add nginx >/dev/null || fail "occlum add nginx failed"
port=$(free_port)
mkdir -p image/srv/www image/etc/nginx image/var/lib/nginx
echo "hello from nginx inside" >image/srv/www/index.html
cp /etc/nginx/mime.types image/etc/nginx/
cat >image/etc/nginx/test.conf <<EOF
daemon off;
master_process on;
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path /tmp/body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root /srv/www;
    }
}
EOF
occlum build >/dev/null || fail "occlum build failed"
inst_dir=$(pwd)
hosts() { pgrep -f "occlum-libos $inst_dir " | wc -l; }
occlum run /bin/nginx -c /etc/nginx/test.conf >"$WORK/server.out" 2>&1 &
server=$!
body=$(await_http "http://127.0.0.1:$port/index.html" "$server")
[ "$body" = "hello from nginx inside" ] ||
    { kill -9 "$server" 2>/dev/null; fail "GET /index.html gave '$body': $(cat "$WORK/server.out")"; }
for i in 1 2 3 4; do # a few requests, whichever worker takes them
    b=$(curl -s --max-time 5 "http://127.0.0.1:$port/index.html")
    [ "$b" = "hello from nginx inside" ] || { kill -9 "$server"; fail "request $i gave '$b'"; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/missing.html")
[ "$code" = 404 ] || { kill -9 "$server"; fail "GET /missing.html gave $code, want 404"; }
[ "$(hosts)" -eq 3 ] || { kill -9 "$server"; fail "expected the master and 2 workers (3 host processes), saw $(hosts)"; }
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" -eq 0 ] || fail "nginx ended with status $status after SIGTERM: $(cat "$WORK/server.out")"
for _ in $(seq 1 50); do [ "$(hosts)" -eq 0 ] && break; sleep 0.1; done
[ "$(hosts)" -eq 0 ] || fail "$(hosts) host process(es) of nginx stayed"
if grep -q "\[alert\]\|\[emerg\]" "$WORK/server.out"; then fail "nginx complained: $(cat "$WORK/server.out")"; fi
echo ok
