#!/usr/bin/env bash
# bench/rwlayer.sh: the writable layer (/root) against ramfs (/tmp), hostfs
# (/host) and native Linux, with bench/rwbench.c: sequential write and read
# of a big file, random 4 KiB reads, 4 KiB pwrite+fsync latency, and
# create/stat/unlink of many files. RW_BENCH_MB (default 1024), RW_BENCH_FILES
# (default 10000), RW_BENCH_FSYNC (default 200), RW_BENCH_WHERE (default
# "root tmp host native"), RW_BENCH_BIN (default out/bin).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${RW_BENCH_BIN:-$root/out/bin}:$PATH"
work=${RW_BENCH_WORK:-$root/tests/work/bench-rwlayer}
mb=${RW_BENCH_MB:-1024}
files=${RW_BENCH_FILES:-10000}
nfsync=${RW_BENCH_FSYNC:-200}
where=${RW_BENCH_WHERE:-root tmp host native}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export XDG_DATA_HOME="$work/xdg"
occlum-gcc -O2 "$root/bench/rwbench.c" -o rwbench.musl
gcc -O2 "$root/bench/rwbench.c" -o rwbench.native
occlum new instance >/dev/null
cp rwbench.musl instance/image/bin/rwbench
(cd instance && occlum build >/dev/null)
for w in $where; do
    echo "== $w"
    case $w in
    native) mkdir -p native && ./rwbench.native "$work/native/d" "$mb" 20000 "$nfsync" "$files" ;;
    host) (cd instance && occlum run /bin/rwbench /host/hostdir "$mb" 20000 "$nfsync" "$files") ;;
    *) (cd instance && occlum run /bin/rwbench "/$w/d" "$mb" 20000 "$nfsync" "$files") ;;
    esac
done
