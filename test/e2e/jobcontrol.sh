#!/bin/sh
# SIGTSTP stops the tests and testrig and pauses every clock; SIGCONT
# resumes them.  SIGUSR1 and the 't' key ask what is running.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
ln -sf "$FIXTURE" "$T/bin/pidfile@1"
ln -sf "$FIXTURE" "$T/bin/pidfile@2"

# A test that takes 600ms under a 400ms slow timeout with terminate-after 1:
# stopped for 1.5 s in the middle, it must still pass (the pause does not
# count), and it must really be stopped meanwhile.
ini '[profile.default]
slow-timeout = 400ms
terminate-after = 1
grace-period = 100ms'
rm -f "$T/pids"
FX_PIDFILE="$T/pids" FX_THEN=sleep FX_SLEEP_MS=600 start_rig run "$T/bin/pidfile@1"
wait_lines "$T/pids" 1
kill -TSTP $rigpid
# (testrig stops itself once its workers have stopped their tests, which may
# take them a while on a busy machine: wait for the states, then stay
# stopped 1 s.)
wait_state $rigpid T && ok
wait_state "$(cat "$T/pids")" T && ok
sleep 1
kill -CONT $rigpid
wait_rig
expect_rc 0 "paused clocks"
expect_final "$T/bin/pidfile@1" PASS
expect_no_out "TIMEOUT"
dur=$(sed -n 's/^ *PASS \[ *\([0-9.]*\)s\].*/\1/p' "$T/out")
awk -v d="$dur" 'BEGIN { exit !(d < 1.2) }' && ok || fail "the stopped time was counted: $dur"
dur=$(sed -n 's/^ *Summary \[ *\([0-9.]*\)s\].*/\1/p' "$T/out")
awk -v d="$dur" 'BEGIN { exit !(d < 1.2) }' && ok || fail "the run's duration counts the stopped time: $dur"

# The retry delay is a clock too.
fl=$(fx flaky)
ini '[profile.default]
retries = 1
delay = 700ms'
start=$(date +%s%N)
FX_PASS_ON=2 start_rig run "$fl"
wait_file "$T/out" "TRY 1 FAIL"
kill -TSTP $rigpid
wait_state $rigpid T
sleep 1
kill -CONT $rigpid
wait_rig
ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 0 "retry after a pause"
[ "$ms" -ge 1500 ] && ok || fail "the retry delay ran on while stopped (${ms}ms)"

# A SIGCONT that comes while testrig is still stopping its tests ends the
# stop: testrig must not stop itself after it and wait for a second one.
# Here the stop takes long for sure: the only worker is running an
# on-timeout hook (1 s) and answers the pause only after it.
hang=$(fx hang)
ini "[profile.default]
slow-timeout = 200ms
terminate-after = 1
grace-period = 100ms
on-timeout = sh -c 'echo started >$T/hook; sleep 1'"
rm -f "$T/hook"
start_rig run "$hang"
wait_file "$T/hook" started
kill -TSTP $rigpid
# testrig has read the SIGTSTP (a SIGCONT would discard one still pending).
wait_taken $rigpid TSTP
kill -CONT $rigpid
# The hook ends, the worker answers the pause: then testrig either goes on to
# its end or (wrongly) stops itself.
i=0
while alive $rigpid && [ "$(state_of $rigpid)" != T ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ "$(state_of $rigpid)" != T ] && ok || { fail "testrig stopped after its SIGCONT"; kill -CONT $rigpid; }
wait_rig
expect_rc 100 "SIGCONT before the stop"
expect_final "$hang" TIMEOUT

# SIGUSR1: state, pid, time, attempt and the tail of the output of each unit.
ini '[profile.default]
grace-period = 100ms'
rm -f "$T/pids"
FX_PIDFILE="$T/pids" FX_THEN=ignore-term start_rig run -j 2 "$T/bin/pidfile@1" "$T/bin/pidfile@2"
wait_lines "$T/pids" 2
# Each test prints 'ready' just after its pid; the tails show it once the
# workers have read it: ask again, one query per answer, until one does.
q=0
while [ $q -lt 40 ] && ! grep -qF "    | ready" "$T/err"; do
	kill -USR1 $rigpid
	q=$((q + 1))
	wait_count "$T/err" "2 units running" $q || break
	grep -qF "    | ready" "$T/err" || sleep 0.2
done
for p in $(cat "$T/pids"); do
	expect_err "running, pid $p, "
done
expect_err "attempt 1"
expect_err "    | ready"
kill -INT $rigpid
wait_rig
expect_rc 100

# The 't' key on a terminal does the same (script(1) gives us one).
if have script; then
	rm -f "$T/pids"
	# 't' once the test runs (testrig reads keys by then); the input stays
	# open until the test is over.
	( wait_lines "$T/pids" 1; printf t
	  i=0; while alive "$(cat "$T/pids")" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	) | FX_PIDFILE="$T/pids" FX_THEN=sleep FX_SLEEP_MS=2000 \
		script -qec "$RIG run $T/bin/pidfile@1" "$T/tty" >/dev/null 2>&1
	grep -q "1 unit running" "$T/tty" && ok || fail "'t' gave no info: $(cat "$T/tty")"
else
	echo "script(1) not available: 't' key not checked" >&2
fi

# ... and after testrig was started in the background and brought to the
# foreground (fg: its group takes the terminal, SIGCONT).
cat >"$T/fg.py" <<'PY'
import fcntl, os, pty, select, signal, sys, termios, time
rig, test = sys.argv[1], sys.argv[2]
master, slave = pty.openpty()
ready_r, ready_w = os.pipe()
shell = os.fork()
if shell == 0:
    # A shell with job control: the session, the terminal, testrig as a background job.
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    go_r, go_w = os.pipe()
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        os.read(go_r, 1)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execv(rig, [rig, 'run', test])
    os.setpgid(job, job)
    os.write(go_w, b'x')
    # it runs in the background a while: until its test has started
    t_end = time.time() + 20
    while time.time() < t_end and not (os.path.exists(os.environ['FX_PIDFILE'])
                                        and os.path.getsize(os.environ['FX_PIDFILE'])):
        time.sleep(0.05)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(slave, job)            # fg
    os.kill(-job, signal.SIGCONT)
    os.write(ready_w, str(job).encode())
    os.waitpid(job, 0)
    os._exit(0)
os.close(slave)
out, job, next_t = b'', 0, 0
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([master, ready_r], [], [], 0.1)
    if ready_r in r:
        job = int(os.read(ready_r, 32))
        next_t = time.time() + 0.2
    if job > 0 and b'unit running' not in out and time.time() >= next_t:
        os.write(master, b't')          # until the info query answers
        next_t = time.time() + 0.5
    if job > 0 and b'unit running' in out:
        os.killpg(job, signal.SIGINT)
        job = -1
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if os.waitpid(shell, os.WNOHANG) != (0, 0):
        break
sys.stdout.write(out.decode('utf-8', 'replace'))
PY
rm -f "$T/pids"
FX_PIDFILE="$T/pids" FX_THEN=hang python3 "$T/fg.py" "$RIG" "$T/bin/pidfile@1" >"$T/fg.out" 2>&1
grep -q "1 unit running" "$T/fg.out" && ok || fail "'t' after fg gave no info: $(cat "$T/fg.out")"
expect_dead "$T/pids"

expect_no_leftovers
finish
