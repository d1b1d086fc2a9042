#!/bin/sh
# The gtest protocol on a real GoogleTest binary: its listing (typed and
# parameterized tests, DISABLED_ ones ignored), one process per test, and
# verdicts that agree with what GoogleTest itself reports.
. "$(dirname "$0")/lib.sh"

gs=$BUILD/test/protocols/gtest_sample
[ -x "$gs" ] || skip "no GoogleTest binary (install g++ and libgtest-dev)"

rig list --protocol gtest --format oneline "$gs"
expect_rc 0
cat >"$T/want" <<LIST
$gs Arith.Adds
$gs Arith.Fails
$gs Arith.Skips
$gs Crash.Aborts
$gs Typed/0.ZeroIsZero
$gs Typed/1.ZeroIsZero
$gs Typed/2.ZeroIsZero
$gs Small/Param.Even/0
$gs Small/Param.Even/1
$gs Small/Param.Even/2
LIST
cmp -s "$T/want" "$T/out" && ok || fail "listing: $(cat "$T/out")"
rig list --protocol gtest --format oneline --run-ignored only "$gs"
expect_rc 0
printf '%s\n' "$gs Arith.DISABLED_Later" "$gs DISABLED_Whole.Suite" | cmp -s - "$T/out" &&
	ok || fail "ignored: $(cat "$T/out")"

# What GoogleTest says when it runs everything itself.
"$gs" --gtest_also_run_disabled_tests >"$T/direct" 2>&1
# Per-test result lines end with "(N ms)"; the closing lists do not.
sed -n 's/^\[       OK \] \([^ ,]*\).* ms)$/\1 PASS/p; s/^\[  FAILED  \] \([^ ,]*\).* ms)$/\1 FAIL/p; s/^\[  SKIPPED \] \([^ ,]*\).* ms)$/\1 SKIP/p' \
	"$T/direct" | sort -u >"$T/gtest.verdicts"

rig run --protocol gtest --run-ignored all --no-fail-fast --status-level all \
	--final-status-level none "$gs"
expect_rc 100
expect_summary "12 tests run: 9 passed, 2 failed, 1 skipped"
# (A skip's reason follows the name in parentheses.)
sed -n "s|^ *\\([A-Z]*\\) \\[.*\\] $gs \\([^ ]*\\).*\$|\\2 \\1|p" "$T/out" | sort -u >"$T/rig.verdicts"
cmp -s "$T/gtest.verdicts" "$T/rig.verdicts" && ok ||
	fail "verdicts differ: $(diff "$T/gtest.verdicts" "$T/rig.verdicts")"
# The failing test's output is GoogleTest's own message.
expect_out "arithmetic is broken"

# A crashing test is one process: only it dies.
GTEST_SAMPLE_CRASH=1 rig run --protocol gtest --no-fail-fast "$gs"
expect_rc 100
expect_status "$gs Crash.Aborts" SIGABRT
expect_summary "10 tests run: 6 passed, 3 failed, 3 skipped"

# A listing that fails stops the run before any test: 104, with its output.
printf '#!/bin/sh\necho "cannot start: no display" >&2\nexit 3\n' >"$T/broken"
chmod +x "$T/broken"
rig run --protocol gtest "$gs" "$T/broken"
expect_rc 104 "listing failed"
expect_err "listing the tests of $T/broken failed: exit status 3"
expect_err "cannot start: no display"
expect_no_out "PASS"

# Tests listed by the config: a gtest suite, filters on test names.
mkdir -p "$T/build"
cp "$gs" "$T/build/unit_sample"
ini '[suite.unit]
binaries = build/unit_*
protocol = gtest'
rig_in "$T" run -E 'test(/^Typed/)'
expect_rc 0
expect_summary "3 tests run: 3 passed, 9 skipped"
expect_line '^        PASS \[.*\] build/unit_sample Typed/1\.ZeroIsZero$'

finish
