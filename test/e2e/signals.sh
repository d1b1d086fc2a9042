#!/bin/sh
# SIGINT, SIGTERM, SIGHUP: no new tests, the signal forwarded, SIGKILL after
# the grace period, a second signal kills at once; the summary says so, the
# exit status is 100 (105 during setup scripts), and no process survives.
. "$(dirname "$0")/lib.sh"

pf=$(fx pidfile)
for i in 1 2 3 4; do ln -sf "$FIXTURE" "$T/bin/pidfile@$i"; done
printf '#!/bin/sh\n"%s" &\nexec "%s"\n' "$pf" "$pf" >"$T/bin/family"
chmod +x "$T/bin/family"
ini '[profile.default]
grace-period = 300ms
fail-fast = false

[profile.patient]
grace-period = 30s'
export FX_PIDFILE="$T/pids" FX_THEN=hang

for sig in INT TERM HUP; do
	rm -f "$T/pids"
	start_rig run -j 2 "$T"/bin/pidfile@*
	wait_lines "$T/pids" 2
	kill -$sig $rigpid
	wait_rig
	expect_rc 100 "SIG$sig"
	expect_summary "2/4 tests run: 0 passed, 2 failed, 0 skipped"
	expect_out "   Cancelled 2 tests did not run: the run was interrupted by SIG$sig"
	[ "$(grep -c "^ *SIG$sig \\[" "$T/out")" -ge 2 ] && ok || fail "interrupted tests not shown as SIG$sig"
	expect_dead "$T/pids"
done

# Tests that ignore the forwarded signal get SIGKILL after the grace period;
# their grandchildren too.
rm -f "$T/pids"
FX_THEN=ignore-term start_rig run -j 2 "$T/bin/family" "$T/bin/pidfile@1"
wait_lines "$T/pids" 3
kill -TERM $rigpid
wait_rig
expect_rc 100 "ignored SIGTERM"
[ "$(grep -c '^ *SIGKILL \[' "$T/out")" -ge 2 ] && ok || fail "not SIGKILLed after the grace period"
expect_dead "$T/pids"

# A second signal kills at once (the grace period here is 30 s).
rm -f "$T/pids"
start=$(date +%s)
# SIGTERM both times: the tests ignore it, so only the SIGKILL the second one
# brings can end them before the grace period.
FX_THEN=ignore-term start_rig run -P patient -j 2 "$T/bin/pidfile@1" "$T/bin/pidfile@2"
wait_lines "$T/pids" 2
kill -TERM $rigpid
# (Two sent before testrig reads the first would be one.)
wait_taken $rigpid TERM
kill -TERM $rigpid
wait_rig
expect_rc 100 "second signal"
[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "the second signal did not kill at once"
expect_dead "$T/pids"

# During a retry delay: the run ends without waiting for the delay.
fl=$(fx flaky)
ini '[profile.default]
retries = 3
delay = 20s'
start=$(date +%s)
FX_PASS_ON=9 start_rig run "$fl"
wait_file "$T/out" "TRY 1 FAIL"
kill -INT $rigpid
wait_rig
expect_rc 100 "signal during a retry delay"
[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "waited for the retry delay"
expect_final "$fl" "FAIL"
expect_out "interrupted by SIGINT"

# During the grace period of a timed-out test: the signal cuts it short.
ini '[profile.default]
slow-timeout = 100ms
terminate-after = 1
grace-period = 30s'
rm -f "$T/pids"
start=$(date +%s)
FX_THEN=ignore-term start_rig run "$T/bin/pidfile@1"
wait_file "$T/out" "TERMINATING"
kill -TERM $rigpid
wait_taken $rigpid TERM
kill -TERM $rigpid
wait_rig
expect_rc 100 "signal during the grace period"
[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "waited out the grace period"
expect_dead "$T/pids"

# While tests are being listed: the listing stops, exit 100, nothing left.
ini '[suite.slowlist]
binaries = bin/pidfile@1
protocol = custom
list-command = sleep 30
run-command = {binary}'
start_rig run
wait_proc -P $rigpid "sleep 30"
kill -INT $rigpid
wait_rig
expect_rc 100 "signal while listing"
expect_err "interrupted by SIGINT while listing tests"
expect_no_leftovers

# During a setup script: exit 105, no tests run, its teardown still runs.
ini '[suite.s]
binaries = bin/pidfile@1

[script.slow]
command = sleep 30
teardown = sh -c "echo down >> teardown.log"
grace-period = 1s'
start_rig run
wait_file "$T/out" "Starting"
wait_proc -P $rigpid "sleep 30"
kill -HUP $rigpid
wait_rig
expect_rc 105 "signal during a setup script"
expect_out "interrupted by SIGHUP"
grep -q down "$T/teardown.log" 2>/dev/null && ok || fail "teardown did not run"
expect_no_leftovers

# After the last test: a leaked process that ignores SIGTERM is being given
# its grace period (30 s) at the end of the run; a first signal cancels and
# is forwarded, a second one kills it at once.
printf '#!/bin/sh\n"%s" &\nexit 0\n' "$pf" >"$T/bin/leaker"
chmod +x "$T/bin/leaker"
ini '[profile.default]
grace-period = 30s
leak-timeout = 100ms'
rm -f "$T/pids"
start=$(date +%s)
FX_THEN=ignore-term start_rig run "$T/bin/leaker"
wait_lines "$T/pids" 1
busy=$(threads $rigpid)
# The test is over (LEAK); then the run ends (its workers with it) and kills
# leftovers.
wait_file "$T/out" "LEAK"
wait_threads_below $rigpid "$busy"
kill -TERM $rigpid
wait_taken $rigpid TERM
kill -TERM $rigpid
wait_rig
expect_rc 100 "second signal while leftovers are killed"
[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "waited out the leftovers' grace period"
expect_err "SIGKILL to 1 at once"
expect_dead "$T/pids"

# SIGCHLD and SIGCONT inherited as ignored are not the caller's to take
# away: with SIGCHLD ignored the kernel would reap the tests itself.
ini '[profile.default]'
fxp=$(fx pass)
# (bash: dash keeps SIGCHLD for itself; no timeout(1) in between, which
# would install its own handler)
bash -c "trap '' CHLD CONT; exec \"\$0\" run \"\$1\"" "$RIG" "$fxp" >"$T/out" 2>"$T/err" &
rigpid=$!
wait_rig
expect_rc 0 "SIGCHLD and SIGCONT inherited as ignored"
expect_summary "1 test run: 1 passed, 0 skipped"

finish
