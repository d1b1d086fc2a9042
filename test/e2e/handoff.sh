#!/bin/sh
# Tests queued ahead: a worker whose test passed starts the next queued one
# itself, on the same slot.  TESTRIG_SLOT stays in range and unique among
# running tests, every test runs once, the counts are what ran, and a
# failure (fail-fast) or a signal stops the queue: only what was queued
# when it came may still start, and the summary counts exactly what did.
# Checked on spans the tests record themselves.
. "$(dirname "$0")/lib.sh"

N=300
# q/NNN/span@1: sorted by path, so list order is NNN order.
i=1
while [ $i -le $N ]; do
	d=$T/q/$(printf %03d $i)
	mkdir -p "$d"
	ln -s "$FIXTURE" "$d/span@1"
	i=$((i + 1))
done
ini '[suite.q]
binaries = q/*/*'

export FX_SPANLOG="$T/spans" FX_SLEEP_MS=0
for j in 1 2 3; do
	rm -f "$T/spans"
	rig_in "$T" run -j $j --no-fail-fast
	expect_rc 0 "-j $j"
	expect_summary "$N tests run: $N passed, 0 skipped"
	set -- $(spans "$T/spans")
	[ "$1" -le "$j" ] && ok || fail "-j $j: $1 tests at once"
	[ "$2" -eq 0 ] && ok || fail "-j $j: a slot was shared $2 times"
	n=$(awk -v j=$j '$1 == "S" && ($3 !~ /^[0-9]+$/ || $3 >= j)' "$T/spans" | wc -l)
	[ "$n" -eq 0 ] && ok || fail "-j $j: $n tests had a TESTRIG_SLOT outside 0..$((j - 1))"
	n=$(awk '$1 == "S" { print $5 }' "$T/spans" | sort -u | wc -l)
	[ "$n" -eq $N ] && ok || fail "-j $j: $n distinct tests started, not $N"
	n=$(grep -c '^S ' "$T/spans")
	[ "$n" -eq $N ] && ok || fail "-j $j: $n starts for $N tests"
done

# Fail-fast: test 50 fails.  The tests running on the other workers finish,
# but none that was queued ahead starts (each takes 20 ms, time enough for
# the failure to reach the dispatcher); the summary counts what started,
# and the rest did not run.
rm "$T/q/050/span@1"
ln -s "$FIXTURE" "$T/q/050/fail@1"
for j in 2 3; do
	rm -f "$T/spans"
	FX_SLEEP_MS=20 rig_in "$T" run -j $j
	expect_rc 100 "fail-fast -j $j"
	started=$(grep -c '^S ' "$T/spans")
	limit=$((49 + j))
	[ "$started" -ge 49 ] && [ "$started" -le $limit ] && ok ||
		fail "fail-fast -j $j: $started passing tests started (49 to $limit expected)"
	expect_summary "$((started + 1))/$N tests run: $started passed, 1 failed, 0 skipped"
	expect_line "^   Cancelled $((N - started - 1)) tests did not run: the run stopped after a failure"
done

# A signal: the tests running get it, nothing queued starts afterwards,
# and the summary counts the tests that started: those that marked their
# start, and at most the two running, which the signal may have reached
# before they could.
rm "$T/q/050/fail@1"
ln -s "$FIXTURE" "$T/q/050/span@1"
rm -f "$T/spans"
FX_SLEEP_MS=20 start_rig run -j 2
wait_lines "$T/spans" 40
kill -INT $rigpid
wait_rig
expect_rc 100 "SIGINT"
marked=$(grep -c '^S ' "$T/spans")
run=$(sed -n 's|^ *Summary \[ *[0-9.]*s\] \([0-9]*\)/'"$N"' tests run: .*|\1|p' "$T/out")
[ -n "$run" ] && [ "$run" -ge "$marked" ] && [ "$run" -le $((marked + 2)) ] && ok ||
	fail "SIGINT: the summary says '$run' tests ran, $marked marked their start"
expect_line "^   Cancelled $((N - ${run:-0})) tests did not run: the run was interrupted by SIGINT"
expect_no_leftovers

finish
