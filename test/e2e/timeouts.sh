#!/bin/sh
# slow-timeout, terminate-after and grace-period: SLOW lines, TIMEOUT, and
# nothing of the test left afterwards, even when it ignores SIGTERM.
. "$(dirname "$0")/lib.sh"

hang=$(fx hang) stub=$(fx ignore-term) slp=$(fx sleep) pf=$(fx pidfile)
ini '[profile.default]
slow-timeout = 100ms
terminate-after = 3
grace-period = 200ms
fail-fast = false

[profile.nograce]
grace-period = 0

[profile.slowonly]
terminate-after = 0'

# A hanging test: SLOW at 100ms and 200ms, TIMEOUT at 300ms (SIGTERM).
rig_in "$T" run "$hang"
expect_rc 100 "hang times out"
expect_line "^        SLOW \\[> *0\\.1[0-9][0-9]s\\] $hang\$"
expect_line "^        SLOW \\[> *0\\.2[0-9][0-9]s\\] $hang\$"
expect_line "^ TERMINATING \\[> *0\\.3[0-9][0-9]s\\] $hang\$"
expect_final "$hang" TIMEOUT
expect_summary "1 test run: 0 passed, 1 timed out, 0 skipped"

# Ignoring SIGTERM does not help: SIGKILL after the grace period; its
# output so far is kept and shown.
rig_in "$T" run "$stub"
expect_rc 100 "ignores SIGTERM"
expect_final "$stub" TIMEOUT
block STDOUT "$stub"
grep -qx ready "$T/block" && ok || fail "output of the timed-out test lost"
dur=$(sed -n 's/^ *TIMEOUT \[ *\([0-9.]*\)s\].*/\1/p' "$T/out")
awk -v d="$dur" 'BEGIN { exit !(d >= 0.45) }' && ok || fail "killed before the grace period: $dur"
# Once it is being terminated, no more SLOW lines (only the two before).
[ "$(grep -c '^ *SLOW \[' "$T/out")" -eq 2 ] && ok || fail "SLOW lines during the grace period"

# grace-period = 0: SIGKILL at once.
rig_in "$T" run -P nograce "$stub"
expect_rc 100
expect_final "$stub" TIMEOUT
dur=$(sed -n 's/^ *TIMEOUT \[ *\([0-9.]*\)s\].*/\1/p' "$T/out")
awk -v d="$dur" 'BEGIN { exit !(d < 0.45) }' && ok || fail "grace-period 0 waited: $dur"

# Without terminate-after a slow test is only reported slow, and passes.
FX_SLEEP_MS=250 rig_in "$T" run -P slowonly "$slp"
expect_rc 0 "slow but not terminated"
expect_line "^        SLOW \\[> *0\\.1[0-9][0-9]s\\] $slp\$"
expect_final "$slp" PASS
# It is counted as slow; --status-level below slow hides the SLOW lines.
expect_summary "1 test run: 1 passed (1 slow), 0 skipped"
FX_SLEEP_MS=250 rig_in "$T" run -P slowonly --status-level fail "$slp"
expect_rc 0
expect_no_out "SLOW"

# The whole process group goes: a grandchild that ignores SIGTERM too.
printf '#!/bin/sh\n"%s" &\nexec "%s"\n' "$pf" "$pf" >"$T/bin/family"
chmod +x "$T/bin/family"
FX_PIDFILE="$T/pids" FX_THEN=ignore-term rig_in "$T" run "$T/bin/family"
expect_rc 100
expect_final "$T/bin/family" TIMEOUT
n=0
for p in $(cat "$T/pids"); do
	kill -0 "$p" 2>/dev/null && n=$((n + 1))
done
[ "$n" -eq 0 ] && ok || fail "$n processes of the timed-out test survive"
[ "$(wc -l <"$T/pids")" -eq 2 ] && ok || fail "expected two pids: $(cat "$T/pids")"
expect_no_leftovers

# The leader dies of SIGTERM at once, a grandchild ignores it: the grace
# period still holds for the group, so the grandchild is killed with the
# test, not left for the end of the run ("outlived"), whether it holds the
# test's output (mixed) or has let go of it (quiet).
printf '#!/bin/sh\nFX_THEN=ignore-term "%s" &\nFX_THEN=hang exec "%s"\n' "$pf" "$pf" \
	>"$T/bin/mixed"
printf '#!/bin/sh\nFX_THEN=ignore-term "%s" >/dev/null 2>&1 &\nFX_THEN=hang exec "%s"\n' \
	"$pf" "$pf" >"$T/bin/quiet"
chmod +x "$T/bin/mixed" "$T/bin/quiet"
for t in mixed quiet; do
	rm -f "$T/pids"
	FX_PIDFILE="$T/pids" rig_in "$T" run "$T/bin/$t"
	expect_rc 100
	expect_final "$T/bin/$t" TIMEOUT
	expect_no_err "outlived"
	expect_no_out "LEAK"
	# The grandchild had its grace period (the leader's TIMEOUT is at 0.3 s).
	dur=$(sed -n 's/^ *Summary \[ *\([0-9.]*\)s\].*/\1/p' "$T/out")
	awk -v d="$dur" 'BEGIN { exit !(d >= 0.45) }' && ok ||
		fail "$t: the group was killed before the grace period: $dur"
	expect_dead "$T/pids"
done

# A pipe held by a process outside the group (setsid) does not make a
# terminated test wait out its grace period: the group is empty, the leak
# window applies.
ini '[profile.default]
slow-timeout = 200ms
terminate-after = 1
grace-period = 20s
leak-timeout = 100ms'
printf '#!/bin/sh\nFX_THEN=hang setsid "%s" &\nFX_THEN=hang exec "%s"\n' "$pf" "$pf" >"$T/bin/setsid-holder"
chmod +x "$T/bin/setsid-holder"
rm -f "$T/pids"
start=$(date +%s)
FX_PIDFILE="$T/pids" rig_in "$T" run "$T/bin/setsid-holder"
expect_rc 100
expect_final "$T/bin/setsid-holder" TIMEOUT
[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "waited the grace period for a pipe held outside the group"
expect_dead "$T/pids"

# A test that leaves its process group for another one (setpgid) and
# ignores SIGTERM is still killed after the grace period.
if have python3; then
	cat >"$T/bin/pgleaver" <<EOF
#!/usr/bin/env python3
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.setpgid(0, os.getpgid(os.getppid()))
open("$T/pgpid", "w").write("%d\\n" % os.getpid())
while True:
    time.sleep(1)
EOF
	chmod +x "$T/bin/pgleaver"
	ini '[profile.default]
slow-timeout = 1s
terminate-after = 1
grace-period = 200ms'
	rm -f "$T/pgpid"
	start=$(date +%s)
	rig_in "$T" run "$T/bin/pgleaver"
	expect_rc 100
	expect_final "$T/bin/pgleaver" TIMEOUT
	[ $(($(date +%s) - start)) -lt 10 ] && ok || fail "a test outside its group was not killed"
	[ -s "$T/pgpid" ] && ok || fail "the test did not get to leave its group (too slow to start?)"
	expect_dead "$T/pgpid"
fi

finish
