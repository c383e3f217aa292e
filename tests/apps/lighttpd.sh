#!/usr/bin/env bash
# lighttpd: Debian's lighttpd (added with `occlum add`, its modules, which it
# dlopens, with a BOM file and copy_bom) serves a static file to curl over
# loopback, answers 404 for a missing one, and stops on SIGTERM sent to
# `occlum run` (the runtime forwards it) with status 0.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
[ -x /usr/sbin/lighttpd ] || fail "lighttpd is not installed (make deps)"
command -v curl >/dev/null || fail "curl is not installed (make deps)"
new_instance inst
occlum add lighttpd >/dev/null || fail "occlum add lighttpd failed"
cat >"$WORK/modules.yaml" <<'YAML'
targets:
  - target: /usr/lib
    copy:
      - dirs: [/usr/lib/lighttpd]
YAML
copy_bom -f "$WORK/modules.yaml" --root image >/dev/null || fail "copy_bom of the modules failed"
port=$(free_port)
mkdir -p image/srv/www image/etc/lighttpd
echo "hello from lighttpd inside" >image/srv/www/index.html
cat >image/etc/lighttpd/test.conf <<EOF
server.document-root = "/srv/www"
server.bind = "127.0.0.1"
server.port = $port
server.modules = ("mod_indexfile", "mod_staticfile")
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
server.errorlog = "/dev/stderr"
server.upload-dirs = ("/tmp")
EOF
occlum build >/dev/null || fail "occlum build failed"
occlum run /bin/lighttpd -D -f /etc/lighttpd/test.conf >"$WORK/server.out" 2>&1 &
server=$!
body=$(await_http "http://127.0.0.1:$port/index.html" "$server")
[ "$body" = "hello from lighttpd inside" ] ||
    { kill -9 "$server" 2>/dev/null; fail "GET /index.html gave '$body': $(cat "$WORK/server.out")"; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/missing.html")
[ "$code" = 404 ] || { kill -9 "$server"; fail "GET /missing.html gave $code, want 404"; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/")
[ "$code" = 200 ] || { kill -9 "$server"; fail "GET / gave $code, want 200 (index.html)"; }
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" -eq 0 ] || fail "lighttpd ended with status $status after SIGTERM: $(cat "$WORK/server.out")"
grep -q "server stopped" "$WORK/server.out" || fail "lighttpd did not say it stopped: $(cat "$WORK/server.out")"
echo ok
