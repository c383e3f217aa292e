# shellcheck shell=bash
# _sign.sh: helpers for the signing tests (sourced after _lib.sh).

# mrsigner_of PEM: SHA-256 of the key's modulus as 384 little-endian bytes,
# computed with openssl and coreutils only, to check `occlum print mrsigner`.
mrsigner_of() {
    openssl rsa -in "$1" -noout -modulus | sed 's/^Modulus=//' | fold -w2 | tac | tr -d '\n' |
        xxd -r -p | sha256sum | cut -d' ' -f1
}

# expect_hex64: stdout is exactly one line of 64 lowercase hex digits.
expect_hex64() {
    [[ "$OUT" =~ ^[0-9a-f]{64}$ ]] || fail "expected 64 lowercase hex digits, got '$OUT'"
    [ "$(grep -c '' "$WORK/.stdout")" -eq 1 ] || fail "expected exactly one line on stdout"
}

# flip_byte FILE OFFSET: xors one byte of FILE with 0x01, in place.
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# private_prefix DIR: a copy of the installation (occlum, the runtime, the
# template) in DIR, so a test can change the runtime without touching out/.
private_prefix() {
    mkdir -p "$1/bin" "$1/lib/occlum" "$1/share/occlum"
    cp "$ROOT/out/bin/occlum" "$1/bin/"
    cp "$ROOT/out/lib/occlum/occlum-libos" "$1/lib/occlum/"
    cp "$ROOT/out/share/occlum/Occlum.json" "$1/share/occlum/"
}
