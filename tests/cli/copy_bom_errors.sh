#!/usr/bin/env bash
# copy_bom_errors: each bad BOM or bad input file ends in one error line
# "copy_bom: <where>: <problem>; <fix>" and a non-zero exit, no crash.
. "$(dirname "$0")/_lib.sh"
bad() { # bad <expected text> <bom text>
    printf '%s\n' "$2" >bad.yaml
    run copy_bom -f bad.yaml --root image
    [ "$STATUS" -ne 0 ] || fail "accepted: $2"
    expect_err_contains "copy_bom: bad.yaml:"
    expect_err_contains "$1"
    expect_err_lines 1
}
bad "fix the YAML syntax" $'targets:\n  - target: [unclosed'
bad "targets must be a list" 'targets: 3'
bad "a target needs 'target:" $'targets:\n  - mkdirs: [a]'
bad "does-not-exist: No such file or directory" $'targets:\n  - target: /\n    copy:\n      - files: [/does-not-exist]'
bad "is not a directory" $'targets:\n  - target: /\n    copy:\n      - dirs: [/etc/hostname]'
bad "cannot find the included BOM file nope.yaml" 'includes: [nope.yaml]'
bad "\$NOT_SET_ANYWHERE is not set" $'targets:\n  - target: $NOT_SET_ANYWHERE'
bad "has SHA-256" $'targets:\n  - target: /\n    copy:\n      - files:\n          - name: /etc/hostname\n            hash: 00'
bad "autodep must be true or false" $'targets:\n  - target: /\n    copy:\n      - files:\n          - name: /etc/hostname\n            autodep: maybe'
bad "each link needs src and linkname" $'targets:\n  - target: /\n    createlinks:\n      - src: a'
bad "a copy entry needs from, dirs or files" $'targets:\n  - target: /\n    copy:\n      - {}'
# An include cycle.
printf 'includes: [b.yaml]\n' >a.yaml
printf 'includes: [a.yaml]\n' >b.yaml
run copy_bom -f a.yaml --root image
expect_status 1
expect_err_contains "includes itself"
expect_err_lines 1
# A malformed ELF listed with autodep: one error naming it.
head -c 100 /usr/bin/sqlite3 >trunc.elf
printf 'targets:\n  - target: /bin\n    copy:\n      - files: [%s/trunc.elf]\n' "$WORK" >elf.yaml
run copy_bom -f elf.yaml --root image
expect_status 1
expect_err_contains "trunc.elf is a malformed ELF file (its program headers lie outside the file); copy it with autodep: false"
expect_err_lines 1
# A misspelt key is a warning, not silence.
printf 'targets:\n  - target: /\n    mkdir: [x]\n' >typo.yaml
run copy_bom -f typo.yaml --root image
expect_status 0
expect_err_contains "unknown key 'mkdir'"
# Usage errors.
run copy_bom --root image
expect_status 2
expect_err_contains "the BOM file (-f) is missing"
run copy_bom -f missing.yaml --root image
expect_status 1
expect_err_contains "cannot read the BOM file missing.yaml"
expect_err_lines 1
