#!/usr/bin/env bash
# lua: Debian's lua5.4 added with `occlum add` runs a script from the image
# (closures, tables, string library, integer and float arithmetic).
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
new_instance inst
occlum add lua5.4 >/dev/null || fail "occlum add lua5.4 failed"
mkdir -p image/app
cat >image/app/main.lua <<'LUA'
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 1000 do t[#t + 1] = (i * 7919) % 1000 end
table.sort(t)
local words = {}
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w:upper() end
print(fib(20), t[1], t[1000], table.concat(words, "-"), math.type(2^53), 7 // 2)
LUA
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/lua5.4 /app/main.lua
expect_status 0
[ "$OUT" = "$(printf '6765\t0\t999\tTHE-QUICK-BROWN-FOX\tfloat\t3')" ] || fail "lua printed '$OUT'"
