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
rig run --no-capture -j 2 "$il"
expect_rc 100
expect_err "--no-capture: running one test at a time"
expect_out "o1"
expect_err "e1"
expect_no_out "--- STDOUT"

# A test's stdin is /dev/null: it reads end-of-file at once, never our input.
st=$(fx stdin)
echo "not for the test" | "$RIG" run "$st" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "stdin is /dev/null"

finish
