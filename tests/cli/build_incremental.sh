#!/usr/bin/env bash
# build_incremental: an unchanged instance is not rebuilt; -f forces it; the
# build holds the image layer, the config and the writable layer directory.
. "$(dirname "$0")/_lib.sh"
new_instance inst
add_hello
ln -s hello_world image/bin/hello_link
chmod 0750 image/opt
run occlum build
expect_status 0
expect_out_contains "Built the Occlum instance in $WORK/inst/build"
# the image layer is one SEFS file (docs/sefs-format.md; tests/cli/sefs_*.sh)
[ -s build/mount/__ROOT/sefs.img ] || fail "image layer build/mount/__ROOT/sefs.img not written"
python3 - <<'PY' || fail "build/Occlum.json.protected differs from Occlum.json beyond the image MAC"
import json
cfg = json.load(open("Occlum.json"))
prot = json.load(open("build/Occlum.json.protected"))
layer = prot["mount"][0]["options"]["layers"][0]["options"]
assert len(layer.pop("MAC")) == 64
cfg["mount"][0]["options"]["layers"][0]["options"].pop("MAC")
assert cfg == prot
PY
[ -d run/mount/__ROOT ] || fail "run/mount/__ROOT missing"
echo data >run/mount/__ROOT/kept
run occlum build
expect_status 0
expect_out_contains "occlum build: up to date"
run occlum build -f
expect_status 0
expect_out_contains "Built the Occlum instance"
[ -f run/mount/__ROOT/kept ] || fail "the writable layer was wiped by a rebuild"
run occlum build --bogus
expect_status 1
expect_err_contains "unknown option '--bogus'"
