#!/bin/sh
# run.sh - the test suite (make check).
#
# 1. Independent verdicts: every unit test and end-to-end test is run by this
#    plain shell script (two at a time, through xargs), and its exit status
#    recorded.  testrig plays no part in deciding these.
# 2. Dogfood: testrig runs the same tests.
# 3. The two must agree test by test (exit 0 = PASS, 77 = SKIP, anything
#    else = a failure), and testrig's exit status must be 0 exactly when every
#    test passed.  A testrig that always said "pass" fails here twice: the
#    end-to-end tests check its verdicts on failing fixtures, and step 3
#    checks its verdicts on this suite.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
: "${RIG:=./testrig}"
: "${BUILD:=build}"
: "${JOBS:=2}"
# No test of this suite takes a minute; one that hangs (a broken testrig
# waiting on a test forever) is stopped after TEST_TIMEOUT seconds.
: "${TEST_TIMEOUT:=300}"
export RIG BUILD
R=$BUILD/test/results
rm -rf "$R"
mkdir -p "$R/log"

tests=$( { ls "$BUILD"/test/unit/test_* 2>/dev/null; ls test/e2e/*.sh | grep -v '/lib\.sh$'; } )
ntests=$(echo "$tests" | wc -l)
echo "== $ntests tests, run directly (independent verdicts)"
start=$(date +%s)
echo "$tests" | xargs -P "$JOBS" -I{} sh -c '
	log="$1/log/$(echo "$2" | tr / _).log"
	timeout -k 10 "$3" "$2" >"$log" 2>&1 </dev/null
	st=$?
	[ $st -eq 124 ] && echo "(killed after $3 s: timed out)" >>"$log"
	echo "$st $2" >>"$1/direct"
' sh "$R" {} "$TEST_TIMEOUT"
echo "   ($(($(date +%s) - start))s)"
sort -k2 "$R/direct" -o "$R/direct"
direct_failed=0
while read -r st id; do
	if [ "$st" -ne 0 ] && [ "$st" -ne 77 ]; then
		direct_failed=$((direct_failed + 1))
		echo "FAIL (exit $st) $id"
		sed 's/^/    /' "$R/log/$(echo "$id" | tr / _).log" | tail -40
	fi
done <"$R/direct"
echo "   $((ntests - direct_failed)) passed, $direct_failed failed"

echo "== the same tests under testrig (dogfood)"
start=$(date +%s)
# shellcheck disable=SC2086
# Status lines only: the failing tests' output (which holds reports of the
# testrig runs they made) would confuse the verdict parsing below; the
# direct run's logs show it.
"$RIG" run -j "$JOBS" --no-fail-fast --status-level all --final-status-level none \
	--failure-output never \
	--config test/dogfood.ini \
	--color never $tests >"$R/dogfood.out" 2>"$R/dogfood.err"
rig_rc=$?
echo "   ($(($(date +%s) - start))s)"
sed -n 's/^ *Summary/     Summary/p' "$R/dogfood.out"

echo "== comparing verdicts"
sed -n 's/^ *\([A-Z][A-Z0-9 -]*\) \[[ >0-9.]*s\] \(.*\)$/\1	\2/p' "$R/dogfood.out" |
	sort -t '	' -k2 >"$R/rig"
mismatch=0
while read -r st id; do
	got=$(awk -F '	' -v id="$id" '$2 == id { print $1 }' "$R/rig")
	case $st in
	0) want=PASS ;;
	77) want=SKIP ;;
	*) want=failure ;;
	esac
	case $want:$got in
	PASS:PASS | SKIP:SKIP) ;;
	failure:FAIL | failure:ERROR | failure:SIG*) ;;
	*)
		mismatch=$((mismatch + 1))
		echo "MISMATCH $id: exit $st directly, testrig says '${got:-nothing}'"
		;;
	esac
done <"$R/direct"
n=$(wc -l <"$R/rig")
if [ "$n" -ne "$ntests" ]; then
	mismatch=$((mismatch + 1))
	echo "MISMATCH: testrig reported $n results for $ntests tests"
fi
if [ "$direct_failed" -eq 0 ] && [ "$rig_rc" -ne 0 ]; then
	mismatch=$((mismatch + 1))
	echo "MISMATCH: every test passed but testrig exited $rig_rc"
	cat "$R/dogfood.err"
fi
if [ "$direct_failed" -ne 0 ] && [ "$rig_rc" -ne 100 ]; then
	mismatch=$((mismatch + 1))
	echo "MISMATCH: tests failed but testrig exited $rig_rc, not 100"
fi
[ "$mismatch" -eq 0 ] && echo "   testrig agrees on all $ntests tests"

if [ "$direct_failed" -ne 0 ] || [ "$mismatch" -ne 0 ]; then
	echo "$((ntests - direct_failed)) passed, $direct_failed failed ($mismatch verdict mismatches)"
	exit 1
fi
echo "$ntests passed, 0 failed"
exit 0
