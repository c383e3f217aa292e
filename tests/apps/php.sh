#!/usr/bin/env bash
# php: Debian's php (php8.2 CLI) added with `occlum add`, which brings its
# configuration, extensions and the UTC zone: json, hashing, dates,
# preg, proc_open of a shell, and PHP's built-in web server answering
# curl over loopback.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
add_programs /usr/bin/php
mkdir -p image/app
cat >image/app/main.php <<'PHP'
<?php
$doc = json_decode(json_encode(["n" => [1, 2, 3]]), true);
echo "json ", array_sum($doc["n"]), "\n";
echo "sha256 ", substr(hash("sha256", "occlum"), 0, 16), "\n";
echo "date ", date("Y-m-d", 86400 * 365), " ", date_default_timezone_get(), "\n";
echo "preg ", preg_replace('/(\w+) (\w+)/', '$2 $1', "hello world"), "\n";
$p = proc_open("read x; echo got-\$x; exit 4", [0 => ["pipe", "r"], 1 => ["pipe", "w"]], $pipes);
fwrite($pipes[0], "it\n"); fclose($pipes[0]);
$out = trim(stream_get_contents($pipes[1])); fclose($pipes[1]);
echo "proc_open ", $out, " ", proc_close($p), "\n";
PHP
echo '<?php echo "served ", $_SERVER["REQUEST_URI"], "\n";' >image/app/index.php
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/php /app/main.php
expect_status 0
want="json 6
sha256 $(printf occlum | sha256sum | cut -c1-16)
date 1971-01-01 UTC
preg world hello
proc_open got-it 4"
[ "$OUT" = "$want" ] || fail "php printed: $OUT (stderr: $ERR)"
port=$(free_port)
trap 'kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null' EXIT
occlum run /bin/php -S "127.0.0.1:$port" -t /app >"$WORK/server.log" 2>&1 &
srv=$!
body=$(await_http "http://127.0.0.1:$port/index.php?x=1" "$srv")
[ "$body" = "served /index.php?x=1" ] ||
    fail "php -S served '$body': $(cat "$WORK/server.log")"
kill -INT "$srv"
wait "$srv"
echo "php -S ended with $?"
