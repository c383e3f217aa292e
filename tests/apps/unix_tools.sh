#!/usr/bin/env bash
# unix_tools: a bash script of Debian's everyday tools, each `occlum add`ed
# as a user would: pipelines, subshells and $(...), background jobs and
# wait, kill's and timeout's statuses, tar with gzip (tar runs it through
# /bin/sh), xz, bzip2, diff and patch, bc, jq, make running its recipes,
# openssl, file with its magic database, ps; every line checked against
# the same script run natively.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
# (kill, echo and printf are bash's own; add_programs brings /bin/sh)
tools="bash sort uniq wc tr sed grep mawk find xargs cut cat head tail md5sum gzip tar xz bzip2
       diff patch bc jq make openssl file ps timeout sleep mkdir mktemp rm ln touch stat seq"
paths=
for t in $tools; do
    p=$(type -P "$t") || fail "$t is not on the host (make deps installs it)"
    paths="$paths $p"
done
add_programs $paths
ln -sf mawk image/bin/awk
mkdir -p image/app
cat >image/app/tools.sh <<'SH'
set -u
dir=$(mktemp -d 2>/dev/null || echo /tmp/tools) && mkdir -p "$dir" && cd "$dir"
seq 1 2000 | sort -rn | head -3 | tr '\n' ' '; echo
for i in 1 2 3 4 5; do echo "line $i"; done | tr a-z A-Z | sed 's/LINE/row/' | grep -c row
x=$( (echo sub; exit 3) || echo "status $?"); echo $x
mkdir -p d/e && echo hi >d/e/x && tar czf a.tgz d && rm -rf d && tar xzf a.tgz && cat d/e/x
echo data | xz | xz -d; echo data | bzip2 | bzip2 -d
printf 'a\nb\n' >1; printf 'a\nc\n' >2; diff 1 2 >p.diff; echo "diff $?"; patch -s 1 <p.diff && cat 1 | tr '\n' ' '; echo
echo '2^20' | bc
echo '{"a":[1,2]}' | jq -c '.a | map(.+1)'
printf 'all: out\nout: in\n\tsort in > out\n' >Makefile; printf 'b\na\n' >in; make -s && cat out | tr '\n' ' '; echo
echo hi | openssl dgst -sha256 -r | cut -c1-16
file -b a.tgz | cut -d, -f1
echo "a b c" | awk '{print $3 $2 $1}'
find . -name '*.diff' | xargs wc -l
sleep 10 & p=$!; kill $p; wait $p; echo "killed $?"
timeout 1 sleep 5; echo "timeout $?"
( sleep 0.1; echo bg ) & wait
ps -o comm= -p $$
touch t; ln -s t l; stat -c '%F' t l | tr '\n' ' '; echo
cd / && rm -rf "$dir"
SH
occlum build >/dev/null || fail "occlum build failed"
script=$PWD/image/app/tools.sh
want=$(cd "$WORK" && PATH=/usr/bin:/bin bash "$script" 2>&1)
run occlum run /bin/bash /app/tools.sh
expect_status 0
[ "$OUT" = "$want" ] || fail "the script printed:
$OUT
natively:
$want"
[ -z "$ERR" ] || fail "the script wrote to stderr: $ERR"
