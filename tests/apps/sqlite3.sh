#!/usr/bin/env bash
# sqlite3: Debian's sqlite3 added with `occlum add` writes 10,000 rows in
# one transaction to a database on the writable layer; a second run
# reopens it and reads them back.
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
occlum add sqlite3 >/dev/null || fail "occlum add sqlite3 failed"
mkdir -p image/data
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/sqlite3 /data/t.db "create table t(id integer primary key, v text);
begin;
with recursive c(i) as (select 1 union all select i + 1 from c where i < 10000)
insert into t(v) select 'row-' || i from c;
commit;
select count(*), sum(id), max(v) from t;"
expect_status 0
[ "$OUT" = "10000|50005000|row-9999" ] || fail "first run printed '$OUT'"
[ ! -e image/data/t.db ] || fail "the database landed in image/, not in the writable layer"
run occlum run /bin/sqlite3 /data/t.db "select count(*), min(v), (select v from t where id = 4321) from t;"
expect_status 0
[ "$OUT" = "10000|row-1|row-4321" ] || fail "second run printed '$OUT'"
