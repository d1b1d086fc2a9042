#!/bin/sh
# A test that closes stdout and stderr early and keeps running is waited for
# (its exit status decides), and is not mistaken for a leak.
. "$(dirname "$0")/lib.sh"

cs=$(fx close-stdout)

FX_SLEEP_MS=400 rig run "$cs"
expect_rc 0 "closed stdout, exit 0"
expect_status "$cs" PASS
# It ran for its 400 ms: the duration shows at least 0.3 s.
dur=$(sed -n 's/^ *PASS \[ *\([0-9]*\.[0-9]*\)s\].*/\1/p' "$T/out")
awk -v d="$dur" 'BEGIN { exit !(d >= 0.3) }' && ok || fail "duration $dur"

FX_SLEEP_MS=200 FX_EXIT=3 rig run "$cs"
expect_rc 100 "closed stdout, exit 3"
expect_status "$cs" FAIL

expect_no_leftovers
finish
