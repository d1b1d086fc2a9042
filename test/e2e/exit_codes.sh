#!/bin/sh
# Every exit code of SPEC section 9 that the command line can reach.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass) fail=$(fx fail)

rig run "$pass"
expect_rc 0 "all passed"

rig run "$pass" "$fail"
expect_rc 100 "a test failed"

# 2: bad command lines, each with a message naming what was wrong.
rig
expect_rc 2 "no command"
expect_err "no command given"
rig frobnicate
expect_rc 2 "unknown command"
expect_err "unknown command 'frobnicate'"
rig run --no-such-option "$pass"
expect_rc 2 "unknown option"
expect_err "unknown option '--no-such-option'"
rig run -j zero "$pass"
expect_rc 2 "bad -j"
expect_err "-j/--test-threads: invalid value 'zero'"
rig run -j 0 "$pass"
expect_rc 2 "-j 0"
rig run --color sometimes "$pass"
expect_rc 2 "bad --color"
expect_err "--color: invalid value 'sometimes' (expected auto, always, never)"
rig run --capture both "$pass"
expect_rc 2 "bad --capture"
expect_err "expected split, combined"
rig run --status-level loud "$pass"
expect_rc 2 "bad --status-level"
expect_err "none, fail, retry, slow, leak, pass, skip, all"
rig run --max-fail 2:later "$pass"
expect_rc 2 "bad --max-fail"
rig run --protocol smoke-signals "$pass"
expect_rc 2 "bad --protocol"
rig run --failure-output
expect_rc 2 "missing value"
expect_err "--failure-output needs a value"
expect_err "Try 'testrig --help'"
# A usage message built without a newline still ends its line: the hint
# starts a line of its own.
rig run --isolation binary
expect_rc 2 "--isolation without binaries"
if grep -q "^Try 'testrig --help'" "$T/err"; then ok; else fail "usage hint not on its own line"; fi

# 4: nothing selected; --no-tests decides.
rig run
expect_rc 4 "no tests"
expect_err "no tests to run"
rig run --no-tests warn
expect_rc 0 "--no-tests warn"
expect_err "warning: no tests to run"
rig run --no-tests pass
expect_rc 0 "--no-tests pass"
rig list
expect_rc 4 "list with no tests"
# A binary named on the command line whose listing is empty: said as such.
printf '#!/bin/sh\nexit 0\n' >"$T/empty-gtest"
chmod +x "$T/empty-gtest"
rig run --protocol gtest "$T/empty-gtest"
expect_rc 4 "empty listing"
expect_err "the test binary named on the command line lists no tests"
expect_no_err "name test binaries on the command line"

# 96: a setup error, here an unknown profile (there is no config file).
rig run -P nightly "$pass"
expect_rc 96 "unknown profile"
expect_err "unknown profile 'nightly'"
TESTRIG_PROFILE=nightly rig run "$pass"
expect_rc 96 "unknown profile from the environment"
expect_err "from \$TESTRIG_PROFILE"
# The hint ends the error's line, it is not a line of its own.
[ "$(wc -l <"$T/err")" -eq 1 ] && ok || fail "\$TESTRIG_PROFILE hint on its own line: $(cat "$T/err")"
TESTRIG_PROFILE=default rig run "$pass"
expect_rc 0 "the default profile by name"

# 110: the report cannot be written (stdout closed, or a reader gone).
"$RIG" run "$pass" >&- 2>"$T/err"
rc=$?
expect_rc 110 "stdout closed"
expect_err "cannot write to standard output: it is closed"
# ... and a full disk, for the report and for --help alike.
"$RIG" run "$pass" >/dev/full 2>"$T/err"
rc=$?
expect_rc 110 "stdout full"
expect_err "cannot write the report to standard output: No space left on device"
"$RIG" --help >/dev/full 2>"$T/err"
rc=$?
expect_rc 110 "--help to a full disk"
# A JUnit report that cannot be written is found before any test runs.
rig run --junit "$T/no-such-dir/j.xml" "$pass"
expect_rc 110 "JUnit directory missing"
expect_err "cannot write the JUnit report $T/no-such-dir/j.xml"
expect_no_out "Starting"
rig run --junit "" "$pass"
expect_rc 2 "empty --junit"
# A failure outranks the report error.
"$RIG" run "$fail" >&- 2>"$T/err"
rc=$?
expect_rc 100 "failure and stdout closed"

# --help and --version succeed and say something useful.
rig --help
expect_rc 0 "--help"
expect_out "usage: testrig run"
rig run --help
expect_rc 0 "run --help"
rig --version
expect_rc 0 "--version"
expect_line '^testrig [0-9]+\.[0-9]+\.[0-9]+$'

finish
