#!/usr/bin/env bash
# sign_user_key: `occlum build --sign-key <pem>` signs with the user's key
# (mrsigner follows the key, mrenclave does not); a malformed, missing or
# wrongly shaped key is refused with one clear line and leaves the last
# build in place; an instance without its key says how to make one; `occlum
# init` keeps an existing key.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sign.sh"
new_instance inst
add_hello
run occlum build
expect_status 0
run occlum print mrenclave
mr=$OUT
run occlum print mrsigner
default_signer=$OUT

openssl genrsa -3 -out "$WORK/user.pem" 3072 2>/dev/null || fail "openssl genrsa failed"
run occlum build --sign-key "$WORK/user.pem"
expect_status 0
run occlum print mrsigner
expect_hex64
[ "$OUT" != "$default_signer" ] || fail "mrsigner did not change with --sign-key"
[ "$OUT" = "$(mrsigner_of "$WORK/user.pem")" ] || fail "mrsigner is not the user key's"
run occlum print mrenclave
[ "$OUT" = "$mr" ] || fail "mrenclave changed with the key"
run occlum run /bin/hello_world
expect_status 0

echo "not a key" >"$WORK/bad.pem"
run occlum build -f --sign-key "$WORK/bad.pem"
expect_status 1
expect_err_contains "occlum build: --sign-key $WORK/bad.pem: not a PEM private key"
expect_err_lines 1
run occlum build --sign-key "$WORK/missing.pem"
expect_status 1
expect_err_contains "No such file or directory"
openssl genrsa -out "$WORK/rsa2048.pem" 2048 2>/dev/null || fail "openssl genrsa failed"
run occlum build -f --sign-key "$WORK/rsa2048.pem"
expect_status 1
expect_err_contains "not an RSA-3072 key with public exponent 3"
expect_err_lines 1
# The refused builds left the user-key build in place.
run occlum print mrsigner
[ "$OUT" = "$(mrsigner_of "$WORK/user.pem")" ] || fail "a refused build changed the signature"
run occlum run /bin/hello_world
expect_status 0

mv Occlum_sign_key.pem "$WORK/"
run occlum build -f
expect_status 1
expect_err_contains "no signing key"
expect_err_contains "openssl genrsa -3"

# `occlum init` keeps a key that is already in the directory, and makes one
# when there is none.
mkdir "$WORK/with_key" "$WORK/without_key"
cp "$WORK/user.pem" "$WORK/with_key/Occlum_sign_key.pem"
cd "$WORK/with_key" || fail "cd"
run occlum init
expect_status 0
cmp -s Occlum_sign_key.pem "$WORK/user.pem" || fail "occlum init replaced the existing key"
cd "$WORK/without_key" || fail "cd"
run occlum init
expect_status 0
[ "$(stat -c %a Occlum_sign_key.pem)" = 600 ] || fail "occlum init made no 0600 key"
