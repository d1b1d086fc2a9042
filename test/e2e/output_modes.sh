#!/bin/sh
# --status-level, --final-status-level, --success-output, --failure-output.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass) fail=$(fx fail) skip=$(fx skip) env=$(fx env)

count() { grep -c -- "$1" "$T/out"; }

rig run --no-fail-fast -j 1 --failure-output never "$fail"
expect_rc 100
expect_no_out "fixture fail: stdout"
rig run --no-fail-fast -j 1 --failure-output final "$fail" "$pass"
expect_rc 100
expect_out "fixture fail: stdout"
# final: after the summary, not after the status line.
awk '/^ *Summary/ { s = 1 } /fixture fail: stdout/ { print s; exit }' "$T/out" | grep -q 1 &&
	ok || fail "final output printed before the summary"
# Final output does not depend on the final status level: the failing test
# is listed after the summary with its output even at level none, and
# success-output final shows a passing test's output (passes are not in the
# default final list).
rig run --no-fail-fast -j 1 --failure-output final --final-status-level none "$fail" "$pass"
expect_rc 100
expect_out "fixture fail: stdout"
awk '/^ *Summary/ { s = 1 } /fixture fail: stdout/ { print s; exit }' "$T/out" | grep -q 1 &&
	ok || fail "final output (level none) printed before the summary"
rig run -j 1 --success-output final "$env"
expect_rc 0
expect_out "TESTRIG=1"
awk '/^ *Summary/ { s = 1 } /TESTRIG=1/ { print s; exit }' "$T/out" | grep -q 1 &&
	ok || fail "success-output final printed before the summary"
[ "$(count "PASS \[")" -eq 2 ] && ok || fail "success-output final lists the pass after the summary"
rig run -j 1 --failure-output immediate-final "$fail"
expect_rc 100
[ "$(count 'fixture fail: stdout')" -eq 2 ] && ok || fail "immediate-final shows output twice"
rig run -j 1 --failure-output immediate "$fail"
expect_rc 100
[ "$(count 'fixture fail: stdout')" -eq 1 ] && ok || fail "immediate shows it once"

rig run --success-output immediate "$env"
expect_rc 0
expect_out "TESTRIG=1"
rig run "$env"
expect_rc 0
expect_no_out "TESTRIG=1"

rig run --status-level none --no-fail-fast "$pass" "$fail"
expect_rc 100
expect_no_out "PASS ["
expect_line '^ *Summary'
# Even with no status lines the failures are listed after the summary.
expect_line "^        FAIL \\[.*\\] $fail\$"
rig run --status-level fail --no-fail-fast "$pass" "$fail"
expect_rc 100
[ "$(count "PASS \[")" -eq 0 ] && ok || fail "status-level fail shows passes"
[ "$(count "FAIL \[")" -eq 2 ] && ok || fail "status-level fail shows the failure (and the final list)"
rig run --status-level all "$pass" "$skip"
expect_rc 0
expect_status "$skip" SKIP

rig run --final-status-level none --no-fail-fast "$fail"
expect_rc 100
[ "$(count "FAIL \[")" -eq 1 ] && ok || fail "final-status-level none lists failures again"
rig run --final-status-level all "$pass" "$skip"
expect_rc 0
# Each appears twice at level all (skip only in the final list).
[ "$(count "PASS \[")" -eq 2 ] && ok || fail "final-status-level all lists passes"
[ "$(count "SKIP \[")" -eq 1 ] && ok || fail "final-status-level all lists skips"

# --show-slowest N: after the summary, the N slowest tests, slowest first.
for ms in 300 100; do
	printf '#!/bin/sh\nsleep 0.%s\n' "$(echo $ms | sed 's/00$//')" >"$T/bin/s$ms"
	chmod +x "$T/bin/s$ms"
done
rig run -j 3 --show-slowest 2 "$T/bin/s100" "$pass" "$T/bin/s300"
expect_rc 0 "--show-slowest"
sed -n '/Slowest 2 tests by duration:/,$p' "$T/out" | sed -n 's/^ *PASS \[ *[0-9.]*s\] //p' >"$T/slowest"
printf '%s\n%s\n' "$T/bin/s300" "$T/bin/s100" | cmp -s - "$T/slowest" && ok ||
	fail "--show-slowest 2 listed: $(cat "$T/slowest")"
awk '/^ *Summary/ { s = 1 } /Slowest 2 tests/ { print s; exit }' "$T/out" | grep -q 1 &&
	ok || fail "--show-slowest printed before the summary"

finish
