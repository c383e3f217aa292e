#!/usr/bin/env bash
# build_malformed_json: a syntax error in Occlum.json is reported with its
# line and column, exit 1, and the previous build/ is left untouched.
. "$(dirname "$0")/_lib.sh"
new_instance inst
run occlum build
expect_status 0
before=$(cd build && find . -printf '%p %m %s %T@\n' | sort; cat .stamp)
# Drop the comma after "user_space_size": "300MB" (line 5 of the template).
sed -i 's/"user_space_size": "300MB",/"user_space_size": "300MB"/' Occlum.json
grep -q '"300MB"$' Occlum.json || fail "the test could not break Occlum.json"
run occlum build
expect_status 1
expect_err_contains "occlum build: Occlum.json:6:"
expect_err_contains "expected near"
expect_err_lines 1
after=$(cd build && find . -printf '%p %m %s %T@\n' | sort; cat .stamp)
[ "$before" = "$after" ] || fail "build/ changed after a failed build"
[ ! -e build.new ] || fail "build.new/ left behind"
