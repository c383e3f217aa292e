#!/usr/bin/env bash
# sign_key_new: `occlum new` makes an RSA-3072 key with public exponent 3,
# mode 0600, outside image/; the private key never reaches build/; `occlum
# print` gives one line of hex, mrsigner is SHA-256 of the little-endian
# modulus, and identical rebuilds give the same mrenclave and signature file.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sign.sh"
new_instance inst
[ -f Occlum_sign_key.pem ] || fail "Occlum_sign_key.pem was not created"
[ "$(stat -c %a Occlum_sign_key.pem)" = 600 ] || fail "the key's mode is not 0600"
text=$(openssl rsa -in Occlum_sign_key.pem -text -noout) || fail "openssl cannot read the key"
grep -q 'Private-Key: (3072 bit' <<<"$text" || fail "the key is not 3072 bits"
grep -q 'publicExponent: 3 (0x3)' <<<"$text" || fail "the public exponent is not 3"

run occlum print mrenclave
expect_status 1
expect_err_contains "occlum print: "
expect_err_contains "run 'occlum build' first"
run occlum print
expect_status 1
expect_err_contains "expected 'mrenclave', 'mrsigner' or 'image-mac'"

add_hello
run occlum build
expect_status 0
[ "$(stat -c %s build/occlum.sig)" -eq 884 ] || fail "build/occlum.sig is not 884 bytes"
grep -rq 'PRIVATE KEY' build image && fail "a private key ended up in build/ or image/"

run occlum print mrenclave
expect_status 0
expect_hex64
mr1=$OUT
run occlum print mrsigner
expect_status 0
expect_hex64
[ "$OUT" = "$(mrsigner_of Occlum_sign_key.pem)" ] || fail "mrsigner is not SHA-256 of the LE modulus"

cp build/occlum.sig "$WORK/sig1"
run occlum build -f
expect_status 0
run occlum print mrenclave
[ "$OUT" = "$mr1" ] || fail "mrenclave changed across identical rebuilds"
cmp -s build/occlum.sig "$WORK/sig1" || fail "occlum.sig changed across identical rebuilds"

run occlum run /bin/hello_world
expect_status 0
expect_out_contains "Hello World!"

# A changed entry point changes the protected config, hence mrenclave.
sed -i 's|"/bin"|"/bin", "/opt"|' Occlum.json
run occlum build
expect_status 0
run occlum print mrenclave
[ "$OUT" != "$mr1" ] || fail "mrenclave did not change with the config"
