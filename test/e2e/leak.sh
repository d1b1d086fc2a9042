#!/bin/sh
# Leak detection: a descendant holding the test's output open past
# leak-timeout makes it LEAK (or LEAK-FAIL); the run does not wait for it,
# and kills it at the end.
. "$(dirname "$0")/lib.sh"

gc=$(fx grandchild) pass=$(fx pass)
ini '[profile.default]
leak-timeout = 100ms
grace-period = 500ms

[profile.strict]
leak-result = fail'

start=$(date +%s%N)
FX_SLEEP_MS=5000 rig_in "$T" run "$gc" "$pass"
end=$(date +%s%N)
expect_rc 0 "a leak passes"
expect_status "$gc" LEAK
expect_summary "2 tests run: 2 passed (1 leaky), 0 skipped"
[ $(((end - start) / 1000000)) -lt 4000 ] && ok || fail "the run waited for the leaked process"
expect_err "1 process group outlived its test or script: sent SIGTERM"
expect_no_leftovers

FX_SLEEP_MS=5000 rig_in "$T" run -P strict "$gc"
expect_rc 100 "leak-result = fail"
expect_status "$gc" LEAK-FAIL
expect_summary "1 test run: 0 passed, 1 failed, 0 skipped"
expect_no_leftovers

# A child that closes its copy of the output in time is no leak.
FX_SLEEP_MS=20 rig_in "$T" run "$gc"
expect_rc 0
expect_status "$gc" PASS

# A failing test that also leaks is still a plain failure.
FX_SLEEP_MS=5000 FX_EXIT=1 rig_in "$T" run "$gc"
expect_rc 100
expect_status "$gc" FAIL
expect_no_leftovers

finish
