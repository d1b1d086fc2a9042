#!/bin/sh
# 50 runs interrupted at random moments (setup script, tests starting,
# retry delays, leaks, grace periods, the end): no hang, no crash, the right
# exit status, and no process left behind.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
for m in pass fail sleep hang ignore-term grandchild flaky; do
	for i in 1 2; do ln -sf "$FIXTURE" "$T/bin/$m@$i"; done
done
ini '[suite.s]
binaries = bin/*

[profile.default]
fail-fast = false
retries = 1
delay = 50ms
slow-timeout = 100ms
terminate-after = 2
grace-period = 100ms
leak-timeout = 50ms

[script.setup]
command = sleep 0.05
teardown = sleep 0.02'
export FX_SLEEP_MS=150 FX_PASS_ON=2

seed=$$
runs=50
bad=0
i=1
while [ $i -le $runs ]; do
	# A pseudo-random delay of 0..400 ms and one of the signals.
	seed=$(((seed * 1103515245 + 12345) % 2147483648))
	ms=$((seed % 400))
	case $((seed / 7 % 3)) in 0) sig=INT ;; 1) sig=TERM ;; *) sig=HUP ;; esac
	start_rig run -j 2
	sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
	# An uninterrupted run takes about 1.5 s, so the signal (at most 0.4 s
	# in) comes mid-run; only on a machine slow enough to let the teardown
	# finish first may it come too late to be reported.
	late=false
	grep -q '^ *TEARDOWN ' "$T/out" && late=true
	kill -$sig $rigpid 2>/dev/null
	wait_rig
	# The status is judged below, with the report.
	took_rc
	# The suite has failing tests: no run may pass, interrupted or not.
	case $rc in
	100 | 105)
		# Exit 100 alone proves nothing (the failing tests give it too):
		# the summary must say the run was interrupted, by this signal.
		if grep -qE "^ *Cancelled [0-9]+ tests? did not run: the run was interrupted by SIG$sig\$" "$T/out"; then
			ok
		elif grep -q "interrupted by SIG" "$T/out"; then
			fail "run $i (SIG$sig after ${ms}ms): reported the wrong signal: $(grep "interrupted by SIG" "$T/out")"
			bad=$((bad + 1))
		elif $late; then
			ok
		else
			fail "run $i (SIG$sig after ${ms}ms): exit $rc but no report of the interruption"
			bad=$((bad + 1))
		fi ;;
	129 | 130 | 143)
		# Killed by the signal itself before it could set up its handling:
		# legitimate only if it had not started anything.
		if [ -s "$T/out" ]; then
			fail "run $i (SIG$sig after ${ms}ms): died by the signal mid-run"
			bad=$((bad + 1))
		else
			ok
		fi ;;
	*) fail "run $i (SIG$sig after ${ms}ms): exit status $rc"; bad=$((bad + 1)) ;;
	esac
	# (What testrig killed as it ended may take a moment to go.)
	_w=0
	while pgrep -f "$T/" >/dev/null 2>&1 && [ $_w -lt 100 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	if pgrep -f "$T/" >/dev/null 2>&1; then
		fail "run $i (SIG$sig after ${ms}ms) left: $(pgrep -af "$T/" | head -3)"
		pkill -KILL -f "$T/"
	fi
	i=$((i + 1))
done
echo "$runs interrupted runs, $bad bad"
finish
