#!/usr/bin/env bash
# sefs_deterministic: two builds of the same image/ (and key) give
# byte-identical image layers and the same root MAC, in both modes.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sefs.sh"
new_instance inst
add_hello
run occlum build
expect_status 0
mac1=$(image_mac)
sum1=$(sha256sum <"$IMG")
[ ${#mac1} -eq 64 ] || fail "no MAC in the protected config: '$mac1'"
run occlum build -f
expect_status 0
[ "$(image_mac)" = "$mac1" ] || fail "the root MAC changed between two builds"
[ "$(sha256sum <"$IMG")" = "$sum1" ] || fail "the image bytes changed between two builds"

run occlum gen-image-key "$WORK/key"
expect_status 0
run occlum build --image-key "$WORK/key"
expect_status 0
mac2=$(image_mac)
sum2=$(sha256sum <"$IMG")
[ "$mac2" != "$mac1" ] || fail "the encrypted image has the plain image's MAC"
run occlum build --image-key "$WORK/key"
expect_status 0
[ "$(image_mac)" = "$mac2" ] || fail "the encrypted root MAC changed between two builds"
[ "$(sha256sum <"$IMG")" = "$sum2" ] || fail "the encrypted image changed between two builds"
