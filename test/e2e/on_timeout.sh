#!/bin/sh
# on-timeout (SPEC section 13): the hook runs when a test reaches its
# terminate timeout, before it is signalled, with the test's pid; its output
# reaches the human report, JUnit, JSON and the run record; a hook that hangs
# is cut at on-timeout-limit; no hook for a cancelled run; one per timed-out
# attempt; builtin reads /proc; gdb gets a backtrace through the ptracer
# permission.
. "$(dirname "$0")/lib.sh"

hd=$(fx hang-deep)
export FX_PIDFILE="$T/test.pid"
mkdir -p "$T/work"
conf() { # EXTRA-KEYS: a profile with short timeouts and the keys given
	ini "[suite.h]
binaries = bin/hang-deep
cwd = work

[profile.default]
slow-timeout = 200ms
terminate-after = 2
grace-period = 100ms
$1"
}

# --- the hook sees the test: pid, pgid, names, environment, directory ---
cat >"$T/hook.sh" <<EOF
echo "hook pid=\$1 pgid=\$2 binary=\$3 test=\$4 env=\$TESTRIG_PID/\$TESTRIG_PGID/\$TESTRIG_BINARY_ID/\$TESTRIG_TEST_NAME cwd=\$(pwd)"
echo \$TESTRIG_PID >>$T/hooks
kill -0 \$1 && echo "the test is alive"
EOF
conf "on-timeout = sh $T/hook.sh {pid} {pgid} {binary} {test}"
rm -f "$FX_PIDFILE" "$T/hooks"
rig_in "$T" run --junit "$T/junit.xml" --color never
expect_rc 100
expect_final bin/hang-deep TIMEOUT
pid=$(cat "$FX_PIDFILE" 2>/dev/null)
[ -n "$pid" ] && ok || fail "the fixture wrote no pid"
expect_out "--- ON-TIMEOUT: bin/hang-deep ---"
expect_out "hook pid=$pid pgid=$pid binary=bin/hang-deep test=hang-deep env=$pid/$pid/bin/hang-deep/hang-deep cwd=$T/work"
expect_line '^\[on-timeout: exit status 0 after [0-9.]+s\]$'
[ "$(cat "$T/hooks")" = "$pid" ] && ok || fail "the hook ran $(wc -l <"$T/hooks") times"
# The hook ran before the test was signalled: the test was still alive then.
expect_out "the test is alive"
python3 - "$T/junit.xml" "$pid" >"$T/check" 2>&1 <<'PY'
import sys, xml.etree.ElementTree as ET
tc = ET.parse(sys.argv[1]).getroot().find('.//testcase')
err = tc.find('system-err').text
assert '--- ON-TIMEOUT ---' in err and 'hook pid=%s ' % sys.argv[2] in err, err
print('ok')
PY
grep -qx ok "$T/check" && ok || fail "JUnit: $(cat "$T/check")"
# JSON, and the run record replayed.
SHARED_STORE=1
rig_in "$T" run --message-format json
expect_rc 100
python3 - "$T/out" >"$T/check" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fin = [e for e in ev if e['type'] == 'test-finished'][0]
assert fin['on_timeout'].startswith('hook pid='), fin
assert '[on-timeout: exit status 0 after' in fin['on_timeout']
print('ok')
PY
grep -qx ok "$T/check" && ok || fail "JSON: $(cat "$T/check")"
rig_in "$T" replay --color never
expect_rc 100
expect_out "--- ON-TIMEOUT: bin/hang-deep ---"
expect_out "hook pid="
unset SHARED_STORE
expect_no_leftovers

# --- a hook that hangs is cut at its limit, and the test still ends ---
conf "on-timeout = sh -c 'echo started >>$T/slowhook; exec sleep 30'
on-timeout-limit = 300ms"
rm -f "$T/slowhook"
rig_in "$T" run --color never
expect_rc 100
expect_final bin/hang-deep TIMEOUT
expect_line '^\[on-timeout: killed at on-timeout-limit after 0\.[0-9]+s\]$'
expect_no_leftovers

# --- retries: one hook per timed-out attempt ---
conf "retries = 1
on-timeout = sh -c 'echo \$TESTRIG_PID >>$T/hooks2'"
rm -f "$T/hooks2" "$FX_PIDFILE"
rig_in "$T" run --color never
expect_rc 100
[ "$(wc -l <"$T/hooks2")" -eq 2 ] && ok || fail "hooks for two attempts: $(cat "$T/hooks2")"
cmp -s "$T/hooks2" "$FX_PIDFILE" && ok || fail "the hooks' pids are not the attempts' pids"
expect_out "--- TRY 1 ON-TIMEOUT: bin/hang-deep ---"

# --- no hook for a cancelled run: SIGINT while the test hangs ---
# The test ignores SIGINT and SIGTERM (testrig passes the user's signal on)
# and its grace period (3.5 s) outlasts its timeout (2 s): it is alive past
# the moment its hook would run, had the run not been cancelled first.  The
# SIGINT goes as soon as the test runs.  Only when it went within a second of
# testrig's start (so a second before the test's timeout, whose clock starts
# later) are the checks sound; a machine too loaded for that is named in the
# tally instead.
printf '#!/bin/sh\ntrap "" INT TERM\necho $$ >"$FX_PIDFILE"\nexec sleep 30\n' >"$T/bin/deaf"
chmod +x "$T/bin/deaf"
ini "[suite.h]
binaries = bin/deaf

[profile.default]
slow-timeout = 2s
terminate-after = 1
grace-period = 3500ms
on-timeout = sh -c 'echo ran >>$T/cancelhook'"
rm -f "$T/cancelhook" "$FX_PIDFILE"
t0=$(date +%s%N)
start_rig run --color never
_i=0
while [ ! -s "$FX_PIDFILE" ] && [ $_i -lt 200 ]; do sleep 0.02; _i=$((_i + 1)); done
kill -INT "$rigpid"
t1=$(date +%s%N)
wait_rig
expect_rc 100
expect_out "interrupted by SIGINT"
if [ $(((t1 - t0) / 1000000)) -lt 1000 ]; then
	# Killed at the end of its grace period, past its timeout, and no hook.
	expect_line 'SIGKILL \[ *[3-9]\.[0-9]+s\] bin/deaf'
	[ ! -e "$T/cancelhook" ] && ok || fail "the hook ran for a cancelled run"
else
	lack quiet-machine
fi
# ... nor when fail-fast cancelled the run while the hanging test ran on.
ini "[suite.h]
binaries = bin/hang-deep bin/fail

[profile.default]
fail-fast = true
slow-timeout = 300ms
terminate-after = 2
grace-period = 100ms
on-timeout = sh -c 'echo ran >>$T/ffhook'"
fx fail >/dev/null
rm -f "$T/ffhook"
rig_in "$T" run -j 2 --color never
expect_rc 100
expect_final bin/hang-deep TIMEOUT
expect_out "bin/fail"
[ ! -e "$T/ffhook" ] && ok || fail "the hook ran after fail-fast had cancelled the run"
# ... and SIGINT while a hook runs cuts the hook short.
conf "on-timeout = sh -c 'echo started >>$T/hookrun; exec sleep 30'"
rm -f "$T/hookrun"
start_rig run --color never
wait_file "$T/hookrun" "started" 10
kill -INT "$rigpid"
wait_rig
expect_rc 100
expect_out "[on-timeout: killed: the run was cancelled after"
expect_no_leftovers

# --- builtin: the processes of the group from /proc ---
conf "on-timeout = builtin"
rm -f "$FX_PIDFILE"
rig_in "$T" run --color never
expect_rc 100
pid=$(cat "$FX_PIDFILE" 2>/dev/null)
expect_out "on-timeout builtin: the processes of process group $pid"
expect_out "pid $pid (hang-deep), parent "
expect_out "  command: $hd"
expect_out "  state: S (sleeping)"
expect_line '^  syscall: (pause|rt_sigsuspend|.*[0-9]+)'
expect_out "  thread $pid (hang-deep):"

# --- config errors name the key ---
conf "on-timeout-limit = 0"
rig_in "$T" run
expect_rc 96
expect_err "on-timeout-limit"
conf "on-timeout = gdb -p '{pid}"
rig_in "$T" run
expect_rc 96
expect_err "on-timeout: "

# --- gdb: the hook attaches to the test and prints its backtrace ---
if have gdb; then
	conf "on-timeout = gdb -p {pid} -batch -nx -ex 'thread apply all bt'
on-timeout-limit = 60s"
	rig_in "$T" run --color never
	expect_rc 100
	expect_line '#[0-9]+ .* fixture_stuck_here \(\) at .*fixture\.c:[0-9]+'
	expect_no_leftovers
else
	echo "(gdb is not installed: the backtrace check is skipped; .ci/deps installs it)" >&2
fi
finish
