#!/usr/bin/env bash
# python3: Debian's own /usr/bin/python3 (a non-PIE executable) added with
# `occlum add`, which brings its standard library and lib-dynload modules,
# runs json, hashlib, threading, the sqlite3 module and an http.server
# answered over loopback from the same process; then fork and
# multiprocessing; then AF_UNIX sockets (the LibOS's own): a socketserver
# on a path, multiprocessing.connection's AF_UNIX Listener, socket.send_fds
# between processes, and the forkserver start method (which passes fds).
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
add_programs /usr/bin/python3
mkdir -p image/app
cat >image/app/main.py <<'PY'
import hashlib, http.server, json, sqlite3, threading, urllib.request

doc = json.loads(json.dumps({"n": [1, 2, 3], "s": "caf\u00e9"}))
print("json", doc["n"][2], doc["s"])
print("sha256", hashlib.sha256(b"occlum").hexdigest())

total = 0
lock = threading.Lock()
def work():
    global total
    for _ in range(10000):
        with lock:
            total += 1
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("threads", total)

db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(100)])
print("sqlite3", db.execute("select sum(x) from t").fetchone()[0])

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
with urllib.request.urlopen("http://127.0.0.1:%d/x" % srv.server_address[1], timeout=30) as r:
    print("http", r.status, r.read().decode())
srv.shutdown()
PY
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/python3 /app/main.py
expect_status 0
want="json 3 café
sha256 $(printf occlum | sha256sum | cut -d' ' -f1)
threads 40000
sqlite3 4950
http 200 hello /x"
[ "$OUT" = "$want" ] || fail "python printed: $OUT"

# fork: os.fork, multiprocessing's fork start method with a Pipe, a Pool,
# a Queue and a shared Value, and subprocess of python3 itself (non-PIE: it gets an address space of its own)
cat >image/app/procs.py <<'PY'
import multiprocessing as mp, os, subprocess, sys

def child(conn):
    conn.send(os.getpid())
    conn.close()

def square(x):
    return x * x

def add(v, q):
    with v.get_lock():
        v.value += 10
    q.put(os.getpid())

if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        os._exit(5)
    print("fork", os.waitpid(pid, 0)[1] >> 8)
    mp.set_start_method("fork")
    a, b = mp.Pipe()
    p = mp.Process(target=child, args=(b,))
    p.start()
    other = a.recv()
    p.join()
    print("process", other != os.getpid(), p.exitcode)
    # Pool, Queue and Value: semaphores and memory in mapped /dev/shm files
    with mp.Pool(2) as pool:
        print("pool", sum(pool.map(square, range(100))))
    q, v = mp.Queue(), mp.Value("i", 0)
    ps = [mp.Process(target=add, args=(v, q)) for _ in range(3)]
    for p in ps: p.start()
    pids = {q.get(timeout=60) for _ in ps}
    for p in ps: p.join()
    print("queue", len(pids), "value", v.value)
    r = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True)
    print("subprocess", r.returncode, r.stdout.strip())
    # dash, in this address space, execs python3 (a plain execve): the
    # LibOS moves that process to an address space of its own
    r = subprocess.run(f"exec {sys.executable} -c 'import os; print(os.getppid() == {os.getpid()})'",
                       shell=True, capture_output=True, text=True)
    print("shell exec", r.returncode, r.stdout.strip())
PY
# AF_UNIX (run after procs.py, built with it): a unix socketserver,
# multiprocessing.connection.Listener with family AF_UNIX,
# socket.send_fds/recv_fds from a forked child, and a Pool of the
# forkserver start method (fds passed over unix sockets to a server in an
# address space of its own)
cat >image/app/unix.py <<'PY'
import multiprocessing as mp, multiprocessing.connection as mpc, os, socket, socketserver, threading

class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"echo " + self.rfile.readline())

def client(addr):
    with mpc.Client(addr, family="AF_UNIX", authkey=b"k") as conn:
        conn.send({"pid": os.getpid()})

def fds(sock):
    r, w = os.pipe()
    socket.send_fds(sock, [b"fd"], [r])
    os.write(w, b"through a passed pipe")

if __name__ == "__main__":
    path = "/tmp/echo.sock"
    srv = socketserver.ThreadingUnixStreamServer(path, Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(path)
        c.sendall(b"hi\n")
        print("unix", c.makefile().readline().strip(), os.path.exists(path))
    srv.shutdown()
    srv.server_close()
    mp.set_start_method("fork")
    with mpc.Listener(family="AF_UNIX", authkey=b"k") as l:
        p = mp.Process(target=client, args=(l.address,))
        p.start()
        with l.accept() as conn:
            print("listener", conn.recv()["pid"] == p.pid)
        p.join()
    a, b = socket.socketpair()
    p = mp.Process(target=fds, args=(b,))
    p.start()
    msg, got, _, _ = socket.recv_fds(a, 16, 1)
    p.join()
    print("send_fds", msg.decode(), os.read(got[0], 64).decode())
    with mp.get_context("forkserver").Pool(2) as pool:
        print("forkserver", sum(pool.map(abs, range(-10, 0))))
PY

occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/python3 /app/procs.py
expect_status 0
want="fork 5
process True 0
pool 328350
queue 3 value 30
subprocess 0 42
shell exec 0 True"
[ "$OUT" = "$want" ] || fail "python (processes) printed: $OUT"
run occlum run /bin/python3 /app/unix.py
expect_status 0
want="unix echo hi True
listener True
send_fds fd through a passed pipe
forkserver 55"
[ "$OUT" = "$want" ] || fail "python (AF_UNIX) printed: $OUT"

# Two copies of python3 (non-PIE, one fixed range) started side by side by
# `occlum exec`: the second gets an address space of its own. The first
# waits until the second has written its file.
trap '(cd "$WORK/inst" && occlum stop >/dev/null 2>&1)' EXIT
run occlum start
expect_status 0
(occlum exec /bin/python3 -c "import os, time
for _ in range(1200):
    if os.path.exists('/tmp/second'): break
    time.sleep(0.05)
print('first sees', os.path.exists('/tmp/second'))" >"$WORK/first.out" 2>&1) &
first=$!
run occlum exec /bin/python3 -c "open('/tmp/second', 'w').close(); print('second')"
expect_status 0
[ "$OUT" = "second" ] || fail "the second python3 printed: $OUT"
wait "$first" || fail "the first python3 failed: $(cat "$WORK/first.out")"
[ "$(cat "$WORK/first.out")" = "first sees True" ] || fail "the first python3 printed: $(cat "$WORK/first.out")"
run occlum stop
expect_status 0
