#!/bin/sh
# The libtest protocol: a shim that speaks libtest's command line (always),
# and a real Rust test binary when rustc is installed, whose verdicts must
# agree with libtest's own.
. "$(dirname "$0")/lib.sh"

shim=$top/test/protocols/libtest-shim.sh
rig list --protocol libtest --format oneline --run-ignored all "$shim"
expect_rc 0
printf '%s\n' "$shim alpha" "$shim beta" "$shim slow" | cmp -s - "$T/out" && ok ||
	fail "shim listing: $(cat "$T/out")"
rig list --protocol libtest --format json --run-ignored all "$shim"
expect_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["binaries"][0]["tests"]; sys.exit(not ([x["ignored"] for x in t] == [False, False, True] and d["binaries"][0]["protocol"] == "libtest"))' "$T/out" &&
	ok || fail "json listing: $(cat "$T/out")"
rig run --protocol libtest --no-fail-fast "$shim"
expect_rc 100
expect_summary "2 tests run: 1 passed, 1 failed, 1 skipped"
expect_final "$shim beta" FAIL
rig run --protocol libtest --run-ignored only "$shim"
expect_rc 0 "ignored test runs with --ignored"
expect_summary "1 test run: 1 passed, 2 skipped"

lt=$BUILD/test/protocols/libtest_sample
if [ ! -x "$lt" ]; then
	echo "SKIPPED: real libtest binary (rustc is not installed); the shim was tested" >&2
	finish
fi
"$lt" --include-ignored --test-threads 1 >"$T/direct" 2>&1
sed -n 's/^test \([^ ]*\) \.\.\. ok$/\1 PASS/p; s/^test \([^ ]*\) - should panic \.\.\. ok$/\1 PASS/p; s/^test \([^ ]*\) \.\.\. FAILED$/\1 FAIL/p' \
	"$T/direct" | sort >"$T/lt.verdicts"
rig run --protocol libtest --run-ignored all --no-fail-fast --status-level all \
	--final-status-level none "$lt"
expect_rc 100
sed -n "s|^ *\\([A-Z]*\\) \\[.*\\] $lt \\(.*\\)\$|\\2 \\1|p" "$T/out" | sort >"$T/rig.verdicts"
cmp -s "$T/lt.verdicts" "$T/rig.verdicts" && ok ||
	fail "verdicts differ: $(diff "$T/lt.verdicts" "$T/rig.verdicts")"
expect_summary "6 tests run: 4 passed, 2 failed, 0 skipped"

finish
