#!/usr/bin/env bash
# bench/sefs.sh: sequential read throughput of one file on the sefs image
# layer (integrity-only and encrypted), on hostfs (/host) and natively, and
# the time `occlum build` takes to pack it. SEFS_BENCH_MB sets the file size
# (default 256; the design's target is stated for 1 GiB).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/out/bin:$PATH"
work="$root/tests/work/bench-sefs"
mb=${SEFS_BENCH_MB:-256}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
occlum-gcc -O2 "$root/bench/seqread.c" -o seqread
occlum new instance >/dev/null
cp seqread instance/image/bin/
head -c $((mb * 1000000)) /dev/urandom >instance/image/data.bin
cp instance/image/data.bin instance/hostdata.bin
occlum gen-image-key key

secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }
cd instance
b_int=$(secs occlum build -f)
r_int=$(occlum run /bin/seqread /data.bin)
r_host=$(occlum run /bin/seqread /host/hostdata.bin)
b_enc=$(secs occlum build -f --image-key ../key)
r_enc=$(occlum run --image-key ../key /bin/seqread /data.bin)
r_nat=$(../seqread hostdata.bin)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
printf 'sefs seq read %d MB (MB/s):   integrity %6s   encrypted %6s   hostfs %6s   native %6s   sefs-enc/hostfs %sx\n' \
    "$mb" "$r_int" "$r_enc" "$r_host" "$r_nat" "$(ratio "$r_enc" "$r_host")"
printf 'occlum build of a %d MB image (s): integrity %s   encrypted %s\n' "$mb" "$b_int" "$b_enc"
