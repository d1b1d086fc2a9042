#!/bin/sh
# The tap protocol: producers in C and shell; plans first and last, SKIP and
# TODO, skip-all, Bail out!, subtests, and the exit status; the failing
# points are shown.  Verdicts are compared with prove's where it exists.
. "$(dirname "$0")/lib.sh"

td=$BUILD/test/protocols/tap
sh_tap=$top/test/protocols/tap-shell.sh

run_one() { rig run --protocol tap --no-fail-fast "$td/$1"; }

run_one tap-pass
expect_rc 0
expect_final "$td/tap-pass" PASS
run_one tap-late
expect_rc 0 "plan at the end"
run_one tap-todo
expect_rc 0 "TODO does not fail"
run_one tap-subtest
expect_rc 0 "subtests"
run_one tap-skipall
expect_rc 0 "skip all"
expect_summary "1 test run: 0 passed, 1 skipped"
run_one tap-fail
expect_rc 100
expect_final "$td/tap-fail" FAIL
expect_out "not ok 2 - second"
run_one tap-bail
expect_rc 100
expect_out "Bail out! the database is gone"
run_one tap-short
expect_rc 100 "plan not kept"
expect_out "planned 4 tests but 3 ran"
run_one tap-exit
expect_rc 100 "non-zero exit"
expect_out "exit status 3"
rig run --protocol tap "$sh_tap"
expect_rc 0 "shell producer"

# Agreement with prove, test by test.
if have prove; then
	# (not tap-subtest: Debian 12's prove rejects "TAP version 14")
	for m in tap-pass tap-late tap-todo tap-skipall tap-fail tap-bail tap-short tap-exit; do
		prove --exec '' "$td/$m" >/dev/null 2>&1
		p=$?
		rig run --protocol tap "$td/$m"
		took_rc
		if { [ $p -eq 0 ] && [ $rc -eq 0 ]; } || { [ $p -ne 0 ] && [ $rc -ne 0 ]; }; then
			ok
		else
			fail "$m: prove exit $p, testrig exit $rc"
		fi
	done
fi

# A suite in the config.
mkdir -p "$T/t"
cp "$sh_tap" "$T/t/a.t"
ln -s "$td/tap-fail" "$T/t/b.t"
ini '[suite.tap]
binaries = t/*.t
protocol = tap'
rig_in "$T" run --no-fail-fast
expect_rc 100
expect_summary "2 tests run: 1 passed, 1 failed, 0 skipped"

finish
