#!/bin/sh
# Capture modes: split keeps the streams apart, combined keeps their order,
# --no-capture passes them straight through.
. "$(dirname "$0")/lib.sh"

il=$(fx interleave)

rig run "$il"
expect_rc 100
block STDOUT "$il"
printf 'o1\no2\no3\n' | cmp -s - "$T/block" && ok || fail "split stdout: $(cat "$T/block")"
block STDERR "$il"
printf 'e1\ne2\ne3\n' | cmp -s - "$T/block" && ok || fail "split stderr: $(cat "$T/block")"

rig run --capture combined "$il"
expect_rc 100
block OUTPUT "$il"
printf 'o1\ne1\no2\ne2\no3\ne3\n' | cmp -s - "$T/block" && ok || fail "combined: $(cat "$T/block")"
expect_no_out "--- STDERR"

# --no-capture: the test writes straight to our stdout/stderr; one thread.
rig run --no-capture -j 2 "$il" "$(fx pass)"
expect_rc 100
expect_err "--no-capture: running one test at a time"
expect_out "o1"
expect_err "e1"
expect_no_out "--- STDOUT"
# Into a file, each test's output comes before its own status line and
# after the previous test's one (testrig's buffered lines are flushed first).
e1=$(fx env@1) e2=$(fx env@2)
rig run --no-capture "$e1" "$e2"
expect_rc 0 "--no-capture to a file"
grep -nE "TESTRIG_BINARY_ID=|PASS \[|Starting" "$T/out" | sed 's/:.*BINARY_ID=/ out /; s/:.*PASS.*\] / pass /; s/:.*Starting.*/ start/' |
	awk '{ print $2, $3 }' >"$T/order"
printf 'start \nout %s\npass %s\nout %s\npass %s\n' "$e1" "$e1" "$e2" "$e2" |
	cmp -s - "$T/order" && ok || fail "--no-capture output out of order: $(cat "$T/order")"

# A test's stdin is /dev/null: it reads end-of-file at once, never our input.
st=$(fx stdin)
echo "not for the test" | "$RIG" run "$st" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "stdin is /dev/null"

finish
