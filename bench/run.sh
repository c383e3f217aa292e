#!/usr/bin/env bash
# bench/run.sh: every benchmark prints the LibOS figure, the native Linux
# figure from the same run, and their ratio. Figures are medians of a few
# runs; no thresholds (machines are shared and noisy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/out/bin:$PATH"
work="$root/tests/work/bench"
rm -rf "$work" && mkdir -p "$work"
cd "$work"

for b in getpid hello spawn pipe_tput thread fork; do
    occlum-gcc -O2 "$root/bench/$b.c" -o "$work/$b" -lpthread
done
gcc -O2 "$root/bench/getpid.c" -o "$work/getpid-glibc"
# Go's runtime makes its system calls from its own assembly (a stock
# CGO_ENABLED=0 build: static, not position-independent)
(cd "$work" && env HOME="$work" GOCACHE="$root/out/go/cache" GOPATH="$root/out/go/path" GOFLAGS= \
    GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off CGO_ENABLED=0 \
    go build -o getpid-go "$root/bench/getpid.go")
# spawn targets: a small static-pie hello and ~1 MB / ~10 MB binaries
occlum-gcc -O2 -static-pie "$root/bench/spawn_child.c" -o child_small
occlum-gcc -O2 -static-pie -DPAD_BYTES=1000000 "$root/bench/spawn_child.c" -o child_1m
occlum-gcc -O2 -static-pie -DPAD_BYTES=10000000 "$root/bench/spawn_child.c" -o child_10m
occlum new instance >/dev/null
cp getpid getpid-glibc getpid-go hello spawn pipe_tput thread fork child_small child_1m child_10m instance/image/bin/
# 10 MB binaries x a few processes need more than the default user space
python3 - instance/Occlum.json <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["resource_limits"]["user_space_size"] = "1GB"
json.dump(c, open(p, "w"), indent=4)
PY
(cd instance && occlum build >/dev/null)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# getpid and umask on the fast path (rewritten sites): getpid is a leaf
# call (no XSAVE), umask takes the full path. Median of 5 runs each.
column() { awk -v c="$1" '{print $c}'; }
for libc in musl glibc; do
    bin=getpid
    [ "$libc" = glibc ] && bin=getpid-glibc
    native=$(for i in 1 2 3 4 5; do ./$bin; done)
    libos=$(cd instance && for i in 1 2 3 4 5; do occlum run /bin/$bin; done)
    col=1
    for what in "getpid()" "syscall(SYS_getpid)" "umask (full path)"; do
        n=$(echo "$native" | column $col | median)
        l=$(echo "$libos" | column $col | median)
        printf '%-5s %-20s (ns/call):  libos %8.1f   native %8.1f   libos/native %sx\n' \
            "$libc" "$what" "$l" "$n" "$(ratio "$l" "$n")"
        col=$((col + 1))
    done
done
native=$(for i in 1 2 3 4 5; do ./getpid-go; done | median)
libos=$(cd instance && for i in 1 2 3 4 5; do occlum run /bin/getpid-go; done | median)
printf 'go    syscall.Getpid()     (ns/call):  libos %8.1f   native %8.1f   libos/native %sx\n' \
    "$libos" "$native" "$(ratio "$libos" "$native")"

# whole-command wall time of `occlum run /bin/hello` vs ./hello (median of 20, ms)
wall() { # command... -> median ms over 20 runs
    for i in $(seq 20); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        echo $(((e - s) / 1000))
    done | median | awk '{printf "%.2f", $1/1000}'
}
native=$(wall ./hello)
libos=$(cd instance && wall occlum run /bin/hello)
printf 'hello wall time (ms, median 20): libos %8s   native %8s   libos/native %sx\n' \
    "$libos" "$native" "$(ratio "$libos" "$native")"
# the same through a started instance (occlum start; occlum exec)
(cd instance && occlum start)
libos=$(cd instance && wall occlum exec /bin/hello)
(cd instance && occlum stop)
printf 'hello wall time, occlum exec (ms): libos %8s   native %8s   libos/native %sx\n' \
    "$libos" "$native" "$(ratio "$libos" "$native")"

# start-up of dynamic glibc programs: occlum run and occlum exec (bench/startup.sh)
bash "$root/bench/startup.sh"

# spawn + wait latency (median of 1000, us), per binary size
for c in child_small child_1m child_10m; do
    size=$(stat -c %s "$c")
    native=$(./spawn "./$c" 1000)
    libos=$(cd instance && occlum run /bin/spawn "/bin/$c" 1000)
    printf 'spawn+wait %-11s %8s B (us):  libos %8s   native %8s   libos/native %sx\n' \
        "$c" "$size" "$libos" "$native" "$(ratio "$libos" "$native")"
done

# fork + _exit + wait (median, us) of a process with 1 MB and 100 MB touched
for mb in 1 100; do
    iters=200
    [ "$mb" = 100 ] && iters=50
    native=$(./fork "$mb" "$iters")
    libos=$(cd instance && occlum run /bin/fork "$mb" "$iters")
    printf 'fork+exit+wait %4s MB (us):     libos %8s   native %8s   libos/native %sx
' \
        "$mb" "$libos" "$native" "$(ratio "$libos" "$native")"
done
# what bounds the 1 MB row: a bare host fork of a host process shaped like
# the runtime (kernel heap, user region, its threads, libcrypto), no LibOS
cc -O2 "$root/bench/fork_shape.c" -o fork_shape -lcrypto -lpthread
printf 'host fork, runtime shape, 1 MB (us): %8s   (bench/fork_shape.c, no LibOS)\n' \
    "$(./fork_shape krtc 200)"
# pipe throughput between two processes (MB/s)
for bs in 16 4096 65536 131072; do
    total=$((1 << 30))
    [ "$bs" = 16 ] && total=$((16 << 20)) # 16-byte writes: 16 MiB keeps the run short
    native=$(./pipe_tput ./pipe_tput "$bs" "$total")
    libos=$(cd instance && occlum run /bin/pipe_tput /bin/pipe_tput "$bs" "$total")
    printf 'pipe throughput %6s B writes, %5s MiB (MB/s): libos %8s   native %8s   libos/native %sx\n' \
        "$bs" "$((total >> 20))" "$libos" "$native" "$(ratio "$libos" "$native")"
done
# the same with a forked reader: inside, another address space (host process)
for bs in 16 4096 65536 131072; do
    total=$((1 << 30))
    [ "$bs" = 16 ] && total=$((16 << 20))
    native=$(./pipe_tput ./pipe_tput "$bs" "$total" fork)
    libos=$(cd instance && occlum run /bin/pipe_tput /bin/pipe_tput "$bs" "$total" fork)
    printf 'pipe throughput, forked reader %6s B (MB/s):    libos %8s   native %8s   libos/native %sx\n' \
        "$bs" "$libos" "$native" "$(ratio "$libos" "$native")"
done

# thread create + join (median of 2000, us)
native=$(./thread)
libos=$(cd instance && occlum run /bin/thread)
printf 'thread create+join (us):        libos %8s   native %8s   libos/native %sx\n' \
    "$libos" "$native" "$(ratio "$libos" "$native")"

# file I/O on every file system: sefs layers, ramfs, hostfs, native (bench/fileio.sh)
bash "$root/bench/fileio.sh"
# the writable layer: fsync latency in a big file, metadata (bench/rwlayer.sh)
bash "$root/bench/rwlayer.sh"
# servers: nginx and lighttpd under wrk, redis under redis-benchmark (bench/servers.sh)
bash "$root/bench/servers.sh"
