#!/bin/sh
# No test outlives a testrig killed by SIGKILL (issue 16): each test's
# leader has PR_SET_PDEATHSIG tied to the worker thread that started it, so
# the kernel kills it when testrig dies, whatever killed testrig.  (What
# this cannot cover, processes that left the test's group and outlive their
# leader, is said in the man page; the test cleans them up itself.)
. "$(dirname "$0")/lib.sh"

[ "$(uname -s)" = Linux ] || skip "PR_SET_PDEATHSIG is Linux's"
pf=$(fx pidfile)
for i in 1 2 3 4; do ln -sf "$FIXTURE" "$T/bin/pidfile@$i"; done
export FX_PIDFILE="$T/pids" FX_THEN=hang
for j in 1 4; do
	rm -f "$FX_PIDFILE"
	start_rig run -j $j --no-fail-fast "$T"/bin/pidfile@1 "$T"/bin/pidfile@2 "$T"/bin/pidfile@3 "$T"/bin/pidfile@4
	wait_lines "$FX_PIDFILE" "$j"
	kill -KILL "$rigpid"
	wait "$rigpid" 2>/dev/null
	# The kernel sends each leader SIGKILL as testrig's threads go.
	_i=0
	for p in $(cat "$FX_PIDFILE"); do
		while alive "$p" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	done
	expect_dead "$FX_PIDFILE"
done
# Commands found through $PATH (a setup script, a custom run command) too.
cat >"$T/bin/cmdtest" <<EOF2
#!/bin/sh
echo \$\$ >>$T/cmdpids
exec sleep 60
EOF2
chmod +x "$T/bin/cmdtest"
ini "[suite.c]
binaries = bin/pass
protocol = custom
list-command = echo one
run-command = cmdtest {test}"
fx pass >/dev/null
rm -f "$T/cmdpids"
(cd "$T" && PATH="$T/bin:$PATH" exec "$RIG" run >"$T/out" 2>"$T/err" </dev/null) &
rigpid=$!
wait_lines "$T/cmdpids" 1
kill -KILL "$rigpid"
wait "$rigpid" 2>/dev/null
_i=0
while alive "$(cat "$T/cmdpids")" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
expect_dead "$T/cmdpids"
finish
