#!/bin/sh
# --target-runner and the target-runner key: every test command is run
# through the runner (its words first), the runner's exit status is the
# test's, and a runner that cannot be split is a clear error.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass) fail=$(fx fail)
# The runner logs its arguments, one per line, then runs the test.
cat >"$T/runner" <<EOF
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done >>"$T/runner.log"
shift
exec "\$@"
EOF
chmod +x "$T/runner"

rig run --no-fail-fast --target-runner "$T/runner '--a flag'" "$pass" "$fail"
expect_rc 100 "through the runner"
expect_final "$pass" PASS
expect_final "$fail" FAIL
grep -qx -- "--a flag" "$T/runner.log" && ok || fail "runner words not split as by sh: $(cat "$T/runner.log")"
grep -qx -- "$pass" "$T/runner.log" && ok || fail "the runner did not run $pass"
grep -qx -- "$fail" "$T/runner.log" && ok || fail "the runner did not run $fail"

# The runner decides: one that fails makes a passing test fail.
rig run --target-runner false "$pass"
expect_rc 100 "a failing runner"
expect_final "$pass" FAIL

# From a profile, and the command line wins over it.
ini '[profile.default]
target-runner = false'
rig_in "$T" run "$pass"
expect_rc 100 "target-runner from the profile"
rm -f "$T/runner.log"
rig_in "$T" run --target-runner "$T/runner x" "$pass"
expect_rc 0 "--target-runner overrides the profile"
grep -qx -- "$pass" "$T/runner.log" && ok || fail "the command line's runner was not used"

# A runner that cannot be split: exit 2 on the command line, 96 in a file.
rig run --target-runner "valgrind 'unterminated" "$pass"
expect_rc 2 "bad --target-runner"
expect_err "--target-runner: unterminated single quote in"
ini '[profile.default]
target-runner = "x'
rig_in "$T" run "$pass"
expect_rc 96 "bad target-runner key"
expect_err "testrig.ini:2"

finish
