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

for b in getpid hello; do
    occlum-gcc -O2 "$root/bench/$b.c" -o "$work/$b"
done
occlum new instance >/dev/null
cp getpid hello instance/image/bin/
(cd instance && occlum build >/dev/null)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# getpid through the catch-all (SIGSYS) path
native=$(for i in 1 2 3 4 5; do ./getpid; done | median)
libos=$(cd instance && for i in 1 2 3 4 5; do occlum run /bin/getpid; done | median)
printf 'getpid latency (ns/call):       libos %8.1f   native %8.1f   libos/native %sx\n' \
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
