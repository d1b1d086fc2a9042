#!/bin/sh
# Each way a test can end gets the right status label, count and exit code.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass) fail=$(fx fail) skip=$(fx skip) err=$(fx error)
segv=$(fx segv) abrt=$(fx abort)
printf 'not a program\n' >"$T/bin/noexec"
printf '\177ELF garbage' >"$T/bin/badformat"
chmod +x "$T/bin/badformat"

# One at a time, every outcome.
for t in pass fail skip err segv abrt; do
	eval "path=\$$t"
	rig run --no-fail-fast "$path"
	case $t in
	pass) expect_rc 0 pass; expect_status "$path" PASS
	      expect_summary "1 test run: 1 passed, 0 skipped" ;;
	fail) expect_rc 100 fail; expect_status "$path" FAIL
	      expect_summary "1 test run: 0 passed, 1 failed, 0 skipped" ;;
	skip) expect_rc 0 skip; expect_summary "1 test run: 0 passed, 1 skipped" ;;
	err) expect_rc 100 error; expect_status "$path" ERROR
	     expect_summary "1 test run: 0 passed, 1 failed, 0 skipped" ;;
	segv) expect_rc 100 segv; expect_status "$path" SIGSEGV ;;
	abrt) expect_rc 100 abort; expect_status "$path" SIGABRT ;;
	esac
done

# A skip is shown with --status-level skip, not by default.
rig run "$skip"
expect_rc 0
expect_no_out "SKIP"
rig run --status-level skip "$skip"
expect_rc 0
expect_status "$skip" SKIP

# Paths that cannot be run are EXEC-FAIL with the reason, not setup errors.
rig run --no-fail-fast "$T/bin/missing" "$T/bin/noexec" "$T/bin/badformat" "$T"
expect_rc 100 "exec failures"
expect_status "$T/bin/missing" EXEC-FAIL
expect_status "$T/bin/noexec" EXEC-FAIL
expect_status "$T/bin/badformat" EXEC-FAIL
expect_out "could not run $T/bin/missing: not found"
expect_out "could not run $T/bin/noexec: permission denied"
expect_out "could not run $T/bin/badformat: not an executable format"
expect_out "could not run $T: permission denied"
expect_summary "4 tests run: 0 passed, 4 exec failed, 0 skipped"

# Everything at once: the counts add up and the failures are listed after
# the summary, in the order they finished.
rig run --no-fail-fast -j 1 "$pass" "$fail" "$skip" "$err" "$segv" "$abrt" "$T/bin/missing"
expect_rc 100 mixed
expect_summary "7 tests run: 1 passed, 4 failed, 1 exec failed, 1 skipped"
sed -n '/^------------$/,$p' "$T/out" | sed 's/\x1b\[[0-9;]*m//g' |
	sed -n 's/^ *\([A-Z-]*\) \[.*\] \(.*\)$/\1 \2/p' >"$T/final"
printf '%s\n' "FAIL $fail" "ERROR $err" "SIGSEGV $segv" "SIGABRT $abrt" \
	"EXEC-FAIL $T/bin/missing" >"$T/final.want"
if cmp -s "$T/final" "$T/final.want"; then ok; else fail "final list: $(cat "$T/final")"; fi

# A passing run that includes a skip exits 0.
rig run "$pass" "$skip"
expect_rc 0 "pass and skip"
expect_summary "2 tests run: 1 passed, 1 skipped"

expect_no_leftovers
finish
