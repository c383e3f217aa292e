#!/usr/bin/env bash
# node: Debian's node added with `occlum add` evaluates a program given
# with -e (arrays, JSON, crypto's SHA-256, a resolved promise).
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
command -v node >/dev/null || fail "node is not installed (make deps)"
new_instance inst
occlum add node >/dev/null || fail "occlum add node failed"
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/node -e '
const crypto = require("crypto");
const sq = [1, 2, 3, 4].map((x) => x * x).reduce((a, b) => a + b);
Promise.resolve(JSON.parse("{\"k\":[7]}").k[0]).then((k) =>
  console.log(sq, k, crypto.createHash("sha256").update("occlum").digest("hex")));'
expect_status 0
[ "$OUT" = "30 7 $(printf occlum | sha256sum | cut -d' ' -f1)" ] || fail "node printed '$OUT'"
