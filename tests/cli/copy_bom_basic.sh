#!/usr/bin/env bash
# copy_bom_basic: every field of Occlum's BOM format (includes, excludes,
# targets, mkdirs, createlinks, copy from/dirs/files with hash, rename and
# autodep) lands in the image as written; the libraries of an ELF listed in
# files and of one inside a copied directory (a dlopen'ed module found
# through RUNPATH $ORIGIN) come along; a second run copies nothing; a dry
# run prints the operations and changes nothing.
. "$(dirname "$0")/_lib.sh"
command -v copy_bom >/dev/null || fail "out/bin/copy_bom is missing"
mkdir -p src/app/sub src/app/.git src/plugins/lib src/tree inc
echo one >src/app/a.txt
echo two >src/app/sub/b.txt
echo secret >src/app/.git/config
echo three >src/tree/c.txt
ln -s a.txt src/app/a-link
echo outside >src/outside.txt
ln -s ../outside.txt src/app/out-link
# A module with its own library next to it, found through RUNPATH $ORIGIN/lib.
printf 'int foo(void) { return 42; }\n' >foo.c
gcc -shared -fPIC foo.c -o src/plugins/lib/libfoo.so || fail "gcc failed"
printf 'int foo(void);\nint plugin(void) { return foo(); }\n' >plugin.c
gcc -shared -fPIC plugin.c -o src/plugins/plugin.so -Lsrc/plugins/lib -lfoo -lz \
    -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib' || fail "gcc failed (zlib1g-dev?)"
HASH=$(sha256sum src/app/a.txt | cut -d' ' -f1 | tr a-f A-F)
cat >inc/base.yaml <<'YAML'
targets:
  - target: /
    mkdirs: [proc, tmp]
YAML
cat >bom.yaml <<YAML
includes:
  - base.yaml
excludes:
  - .git
targets:
  - target: /
    mkdirs:
      - data/deep
    createlinks:
      - src: /bin/sqlite3
        linkname: sqlite
  - target: /bin
    copy:
      - files:
          - /usr/bin/sqlite3
  - target: /opt
    copy:
      - from: src
        dirs:
          - app
          - tree/
          - plugins
        files:
          - name: app/a.txt
            hash: $HASH
            rename: renamed.txt
            autodep: false
      - from: src/tree
YAML
run copy_bom -f bom.yaml --root image --include-dir inc
expect_status 0
expect_out_contains "copy_bom:"
[ -d image/proc ] && [ -d image/tmp ] || fail "the included BOM's mkdirs are missing"
[ -d image/data/deep ] || fail "mkdirs: data/deep is missing"
[ "$(readlink image/sqlite)" = /bin/sqlite3 ] || fail "createlinks: image/sqlite is wrong"
cmp -s image/bin/sqlite3 /usr/bin/sqlite3 || fail "files: sqlite3 not copied"
# Its loader and libraries, at their host paths.
[ -e image/lib64/ld-linux-x86-64.so.2 ] || fail "autodep: the loader is missing"
ls image/lib/x86_64-linux-gnu/libsqlite3.so.0* image/usr/lib/x86_64-linux-gnu/libsqlite3.so.0* \
    2>/dev/null | grep -q . || fail "autodep: libsqlite3 is missing"
[ "$(cat image/opt/app/sub/b.txt)" = two ] || fail "dirs: app/sub/b.txt is missing"
[ ! -e image/opt/app/.git ] || fail "excludes: .git was copied"
[ "$(readlink image/opt/app/a-link)" = a.txt ] || fail "a link inside the tree lost its text"
[ "$(cat image/opt/app/out-link)" = outside ] || fail "a link out of the tree: its target was not pulled in"
[ "$(cat image/opt/c.txt)" = three ] || fail "dirs with a trailing slash: contents not copied"
[ "$(cat image/opt/renamed.txt)" = one ] || fail "files: rename did not apply"
[ -e image/opt/plugins/plugin.so ] && [ -e image/opt/plugins/lib/libfoo.so ] || fail "plugins not copied"
ls image/lib/x86_64-linux-gnu/libz.so.1* image/usr/lib/x86_64-linux-gnu/libz.so.1* 2>/dev/null |
    grep -q . || fail "autodep of a module in a copied directory: libz is missing"
# Incremental: nothing changed, nothing copied.
run copy_bom -f bom.yaml --root image --include-dir inc
expect_status 0
expect_out_contains "copy_bom: 0 files copied"
# A changed file is copied again, alone.
echo changed >src/tree/c.txt
run copy_bom -f bom.yaml --root image -i inc
expect_out_contains "copy_bom: 1 files copied"
[ "$(cat image/opt/c.txt)" = changed ] || fail "the changed file was not recopied"
# Dry run: the operations are printed, the image is left alone.
run copy_bom -f bom.yaml --root image2 -i inc --dry-run
expect_status 0
expect_out_contains "copy /usr/bin/sqlite3 /bin/sqlite3"
expect_out_contains "link /sqlite -> /bin/sqlite3"
[ ! -e image2 ] || fail "--dry-run created the image"
