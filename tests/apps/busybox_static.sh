#!/usr/bin/env bash
# busybox_static: Debian's busybox-static (a static, non-PIE executable;
# `make deps` fetches it into out/deps/, since it conflicts with the
# busybox package) runs a script with its own sh: pipelines, a subshell,
# $(...), find -exec, xargs, background jobs with wait. Pipelines,
# subshells and jobs are forks of the non-PIE image; applets that cannot
# run inside the shell's process (sort, find, xargs, ...) execute busybox
# again through /proc/self/exe.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
BB="$ROOT/out/deps/busybox-static/bin/busybox"
[ -x "$BB" ] || fail "$BB is missing: run 'make deps' (it fetches busybox-static there)"
readelf -h "$BB" | grep -q 'Type:[[:space:]]*EXEC' || fail "$BB is not a non-PIE executable"
readelf -l "$BB" | grep -q INTERP && fail "$BB is not static"
new_instance inst
cp "$BB" image/bin/busybox
ln -s busybox image/bin/sh
mkdir -p image/srv/sub
printf 'alpha\nbeta\ngamma\n' >image/srv/words.txt
printf 'one\n' >image/srv/sub/one.txt
printf 'x\ny\n' >image/srv/two.txt
cat >image/srv/script.sh <<'SH'
ls /srv | sort -r | head -n 2
cat /srv/words.txt | sort -r | head -n 2 | tr a-z A-Z
n=$(ls /srv | wc -l)
echo "entries $n, words $(cat /srv/words.txt | wc -l)"
( cd /tmp && pwd )
echo "still in $(pwd)"
(cd /srv/sub && echo "in $(pwd)"; exit 4)
echo "subshell $?"
find /srv -name '*.txt' -exec wc -l {} \; | sort
echo /srv/words.txt /srv/sub/one.txt | xargs cat | wc -l
find /srv -name '*.txt' | sort | xargs -n 1 head -n 1
echo first >/tmp/a & a=$!
(echo second >/tmp/b; exit 7) & b=$!
wait $a
echo "wait a $?"
wait $b
echo "wait b $?"
cat /tmp/a /tmp/b
for i in 1 2 3; do (echo "job $i" >/tmp/job$i) & done
wait
cat /tmp/job1 /tmp/job2 /tmp/job3
echo "sum $((1 + 2 * 3))"
SH
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/sh /srv/script.sh
expect_status 0
want="words.txt
two.txt
GAMMA
BETA
entries 4, words 3
/tmp
still in /
in /srv/sub
subshell 4
1 /srv/sub/one.txt
2 /srv/two.txt
3 /srv/words.txt
4
one
x
alpha
wait a 0
wait b 7
first
second
job 1
job 2
job 3
sum 7"
[ "$OUT" = "$want" ] || fail "the script printed: $OUT"
