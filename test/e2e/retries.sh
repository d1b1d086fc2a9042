#!/bin/sh
# Retries: each failed attempt reported, FLAKY when a retry passes, the
# attempt number in the environment, fixed and exponential backoff.
. "$(dirname "$0")/lib.sh"

fl=$(fx flaky) fail=$(fx fail) pass=$(fx pass)
ini '[profile.default]
retries = 2
fail-fast = false

[profile.once]
retries = 1

[profile.strict]
flaky-result = fail

[profile.slow]
delay = 200ms

[profile.exp]
retries = 3
backoff = exponential
delay = 100ms
max-delay = 150ms'

# Fails twice, passes on the third attempt: flaky, counted as passed.
FX_PASS_ON=3 rig_in "$T" run "$fl"
expect_rc 0 "flaky passes"
expect_status "$fl" "TRY 1 FAIL"
expect_line "^  TRY 2 FAIL \\[.*\\] $fl\$"
expect_line "^  TRY 3 PASS \\[.*\\] $fl\$"
expect_out "--- TRY 1 STDOUT: $fl ---"
expect_out "attempt 1 of 3"
expect_out "attempt 2 of 3"
expect_summary "1 test run: 1 passed (1 flaky), 0 skipped"
expect_line "^   FLAKY 3/3 \\[.*\\] $fl\$"

# One retry is not enough.
FX_PASS_ON=3 rig_in "$T" run -P once "$fl"
expect_rc 100 "retries exhausted"
expect_line "^  TRY 2 FAIL \\[.*\\] $fl\$"
expect_summary "1 test run: 0 passed, 1 failed, 0 skipped"

# flaky-result = fail.
FX_PASS_ON=2 rig_in "$T" run -P strict "$fl"
expect_rc 100 "flaky-result = fail"
expect_summary "1 test run: 0 passed, 1 failed, 0 skipped"

# --retries beats the config; a passing test runs once.
FX_PASS_ON=2 rig_in "$T" run --retries 0 "$fl" "$pass"
expect_rc 100 "--retries 0"
n=$(grep -c "^ *PASS \\[.*\\] $pass\$" "$T/out")
[ "$n" -eq 1 ] && ok || fail "a passing test ran $n times"

# Fixed delay: two retries of 200ms each.
start=$(date +%s%N)
FX_PASS_ON=3 rig_in "$T" run -P slow "$fl"
ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0
[ "$ms" -ge 400 ] && ok || fail "fixed delay: the run took ${ms}ms"

# Exponential: 100ms, then 200ms capped at 150ms, then 150ms: >= 400ms.
start=$(date +%s%N)
FX_PASS_ON=4 rig_in "$T" run -P exp "$fl"
ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0
[ "$ms" -ge 400 ] && ok || fail "exponential delay: the run took ${ms}ms"

# While one test waits to retry, the other worker keeps running tests
# (-j 2): the delay does not block the run.
FX_PASS_ON=3 FX_SLEEP_MS=50 rig_in "$T" run -P slow -j 2 "$fl" "$pass" "$(fx sleep)"
expect_rc 0

finish
