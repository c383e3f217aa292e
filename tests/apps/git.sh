#!/usr/bin/env bash
# git: Debian's git added with `occlum add` (with its exec-path and
# templates) keeps a repository on the writable layer: init, add, commit,
# log, branch, checkout, merge (a fork of git-merge), diff, status, a
# repository clone (git's own transport over pipes to a child git), and gc
# (repack runs git pack-objects); a second run finds the history again.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
add_programs /usr/bin/git /bin/grep /usr/bin/tr /usr/bin/cut /usr/bin/tail
occlum build >/dev/null || fail "occlum build failed"
script='set -e
export HOME=/root GIT_CONFIG_NOSYSTEM=1
git config --global user.email ci@example.com
git config --global user.name CI
git config --global init.defaultBranch main
cd /root && git init -q repo && cd repo
printf "one\n" >f && git add f && git commit -qm first
git checkout -qb topic && printf "two\n" >g && git add g && git commit -qm second
git checkout -q main && printf "one\nthree\n" >f && git commit -qam third
git merge -q --no-edit topic
echo "log $(git log --oneline | grep -c .)"
echo "files $(git ls-files | tr "\n" " ")"
echo "diff $(git diff --stat HEAD~2 HEAD | tail -n 1 | cut -d, -f1)"
printf "dirty\n" >>g && echo "status $(git status --porcelain)" && git checkout -q g
git clone -q /root/repo /tmp/copy && echo "clone $(git -C /tmp/copy log --oneline | grep -c .)"
git gc -q && echo "gc $(git count-objects -v | grep -c "^in-pack: [1-9]")"'
run occlum run /bin/sh -c "$script"
expect_status 0
want="log 4
files f g 
diff  2 files changed
status  M g
clone 4
gc 1"
[ "$OUT" = "$want" ] || fail "git printed: $OUT (stderr: $ERR)"
run occlum run /bin/sh -c 'cd /root/repo && git log --format=%s | tr "\n" " "'
expect_status 0
[ "$OUT" = "Merge branch 'topic' third second first " ] || fail "the second run's log: $OUT ($ERR)"
