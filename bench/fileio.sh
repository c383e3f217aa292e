#!/usr/bin/env bash
# bench/fileio.sh: file I/O on every kind of file system, side by side in
# one run: sequential write (1 MiB writes + fsync) and read of one file,
# and random 4 KiB reads, on the sefs image layer (integrity-only and
# encrypted; read-only), the union's writable encrypted layer (/root),
# ramfs (/tmp), hostfs (/host) and natively on the host's file system;
# then the time `occlum build` takes to pack the image.
#   FILEIO_BENCH_MB     file size in MiB (default 1024)
#   FILEIO_BENCH_READS  random reads (default 20000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/out/bin:$PATH"
work="$root/tests/work/bench-fileio"
mb=${FILEIO_BENCH_MB:-1024}
nreads=${FILEIO_BENCH_READS:-20000}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
occlum-gcc -O2 "$root/bench/fileio.c" -o fileio
occlum new instance >/dev/null
cp fileio instance/image/bin/
head -c $((mb << 20)) /dev/urandom >instance/image/data.bin
occlum gen-image-key key

secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }
cd instance
b_int=$(secs occlum build -f)
# Each read-write case runs twice and keeps its better write figure: the
# host's writeback (the file systems' own flushes after a large delete)
# makes one run of either side now and then several times slower.
best() { # two "W R X" lines -> the one with the larger W
    sort -n -r -k1,1 | head -n 1
}
declare -A res
twice() { for i in 1 2; do sync; "$@"; done | best; }
res[native]=$(twice sh -c "../fileio rw '$work/native.bin' $mb $nreads; rm -f '$work/native.bin'")
res[hostfs]=$(twice sh -c "occlum run /bin/fileio rw /host/hostfs.bin $mb $nreads; rm -f hostfs.bin")
res[ramfs]=$(twice occlum run /bin/fileio rw /tmp/f.bin "$mb" "$nreads")
res[writable]=$(twice sh -c "occlum run /bin/fileio rw /root/f.bin $mb $nreads; rm -rf run/mount/__ROOT")
sync
res[image-int]=$(occlum run /bin/fileio ro /data.bin "$nreads")
b_enc=$(secs occlum build -f --image-key ../key)
sync
res[image-enc]=$(occlum run --image-key ../key /bin/fileio ro /data.bin "$nreads")
cd .. && rm -rf instance/image/data.bin instance/build/mount

read -r _ host_read _ <<<"${res[hostfs]}"
printf 'file I/O, one %d MiB file (write/read MB/s, random 4 KiB read us; read vs hostfs):\n' "$mb"
for k in native hostfs ramfs writable image-int image-enc; do
    read -r w r x <<<"${res[$k]}"
    case $k in
    native) label="native (host fs)" ;;
    hostfs) label="libos hostfs /host" ;;
    ramfs) label="libos ramfs /tmp" ;;
    writable) label="libos sefs writable /root" ;;
    image-int) label="libos sefs image (integrity)" ;;
    image-enc) label="libos sefs image (encrypted)" ;;
    esac
    printf '    %-30s write %7s   read %7s   rand4k %7s us   read/hostfs %sx\n' "$label" "$w" "$r" "$x" \
        "$(awk -v a="$r" -v b="$host_read" 'BEGIN {printf "%.2f", a/b}')"
done
printf 'occlum build of a %d MiB image (s): integrity %s   encrypted %s\n' "$mb" "$b_int" "$b_enc"
