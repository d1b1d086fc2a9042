#!/bin/sh
# --stress-count and --stress-duration: the selection runs again and again,
# each run with its own summary; the first run that does not pass stops it
# and decides the exit status.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass)
# Fails on its third run (counts its runs in a file).
cat >"$T/bin/third" <<SH
#!/bin/sh
n=\$(cat "$T/count" 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >"$T/count"
[ \$n -ne 3 ]
SH
chmod +x "$T/bin/third"

rig run --stress-count 4 "$pass"
expect_rc 0 "four passing runs"
[ "$(grep -c '^ *Summary \[' "$T/out")" -eq 4 ] && ok || fail "expected four summaries"
expect_line '^ *Stress run 4 of 4$'
expect_line '^ *Stress \[ *[0-9.]*s\] 4 runs: 4 passed$'

rig run --stress-count 5 --junit "$T/j.xml" "$T/bin/third" "$pass"
expect_rc 100 "the third run fails"
[ "$(cat "$T/count")" -eq 3 ] && ok || fail "runs after the failing one: $(cat "$T/count")"
expect_line '^ *Stress \[ *[0-9.]*s\] 3 runs: 2 passed, run 3 did not pass$'
# The report is the last run's, the failing one.
grep -q '<failure' "$T/j.xml" && ok || fail "the JUnit report is not the failing run's"

# Each run has its own run id (JSON: three run-started events, distinct ids).
rig run --stress-count 3 --message-format json "$pass"
expect_rc 0 "stress with JSON"
[ "$(grep '"type":"run-started"' "$T/out" | sed 's/.*"run_id":"\([^"]*\)".*/\1/' | sort -u | wc -l)" -eq 3 ] &&
	ok || fail "run ids not distinct per stress run"

# For a duration: at least one run, and it stops.
rig run --stress-duration 300ms "$pass"
expect_rc 0 "stress for a duration"
expect_line '^ *Stress \[ *[0-9.]*s\] [1-9][0-9]* runs*: [1-9][0-9]* passed$'

rig run --stress-count 0 "$pass"
expect_rc 2 "--stress-count 0"
rig run --stress-count 2 --stress-duration 1s "$pass"
expect_rc 2 "both stress options"
expect_err "cannot be used together"

finish
