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
# Scripts that ran with less for want of an optional tool say so (lib.sh's
# have): the tally names what this machine lacks.
lacking=$(sed -n 's/.*; left out for want of: //p' "$R"/log/*.log | tr ' ' '\n' | sort -u |
	tr '\n' ' ')
[ -n "$lacking" ] && echo "   some checks left out, for want of: $lacking"

echo "== the same tests under testrig (dogfood)"
start=$(date +%s)
# shellcheck disable=SC2086
# The verdicts come from testrig's JSON events (standard output then holds
# nothing else); the report for people goes to standard error: status lines,
# then the output of what failed under testrig (shown below when testrig
# disagrees; what failed directly is in the direct run's logs).
"$RIG" run -j "$JOBS" --no-fail-fast --status-level all --final-status-level none \
	--failure-output final --message-format json --state-dir "$R/store" \
	--config test/dogfood.ini \
	--color never $tests >"$R/dogfood.json" 2>"$R/dogfood.err"
rig_rc=$?
echo "   ($(($(date +%s) - start))s)"

echo "== comparing verdicts"
mismatch=0
# Each test-finished event gives "binary_id<TAB>result" in $R/rig (the
# binary_id is the path as given, as in $R/direct); the run-finished event
# gives the summary.  The stream is documented to be one JSON object per
# line and nothing else: a line that is not one, a test-finished without
# those keys, or no run-finished is a mismatch too.
if ! python3 - "$R/dogfood.json" "$R/rig" <<'PY'
import json
import sys

bad = 0
done = None
with open(sys.argv[1], encoding='utf-8', errors='replace') as src, \
        open(sys.argv[2], 'w') as rig:
    for n, line in enumerate(src, 1):
        try:
            ev = json.loads(line)
        except ValueError:
            ev = None
        if not isinstance(ev, dict):
            print('MISMATCH: line %d of the JSON stream is not a JSON object: %.200r' % (n, line))
            bad += 1
        elif ev.get('type') == 'test-finished':
            if not isinstance(ev.get('binary_id'), str) or not isinstance(ev.get('result'), str):
                print('MISMATCH: line %d: test-finished without binary_id or result' % n)
                bad += 1
            else:
                rig.write('%s\t%s\n' % (ev['binary_id'], ev['result']))
        elif ev.get('type') == 'run-finished':
            done = ev
if done is None:
    print('MISMATCH: no run-finished event')
    sys.exit(1)
c = done['counts']
print('     Summary [%8.3fs] %d/%d tests run: %d passed, %d failed, %d exec failed, '
      '%d timed out, %d skipped%s' % (
          done['duration'], c['started'], c['scheduled'], c['passed'], c['failed'],
          c['exec_failed'], c['timed_out'], c['skipped'],
          ' (cancelled: %s)' % done['cancel_reason'] if done['cancelled'] else ''))
sys.exit(1 if bad else 0)
PY
then
	mismatch=$((mismatch + 1))
fi
while read -r st id; do
	got=$(awk -F '	' -v id="$id" '$1 == id { print $2 }' "$R/rig")
	case $st in
	0) want=pass ;;
	77) want=skip ;;
	*) want=failure ;;
	esac
	# Only pass agrees with exit 0: leak and flaky count as passed, but
	# here they would mean a test left a process behind or needed a retry
	# (the dogfood profile has none), which the direct run cannot see.
	case $want:$got in
	pass:pass | skip:skip) ;;
	failure:fail | failure:error | failure:signal | failure:timeout) ;;
	failure:leak-fail | failure:exec-fail) ;;
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
