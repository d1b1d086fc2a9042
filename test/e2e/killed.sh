#!/bin/sh
# No test outlives a testrig killed by SIGKILL (issue 16): each test's
# leader has PR_SET_PDEATHSIG tied to the worker thread that started it, so
# the kernel kills it when testrig dies, whatever killed testrig.  Nor do
# their descendants (issue 23): the guardian kills the run's cgroup, or
# without one the tests' process groups and whatever carries the run's
# TESTRIG_RUN_ID; only a process that left its group and dropped its
# environment escapes it then, as the man page says.
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

# --- descendants: grandchildren, a double fork, setsid, a bare escapee ---
# Each test leaves behind: two children in its group, an orphan in its
# group (a double fork), a setsid child, an orphan in a new session, and one
# in a new session with an empty environment (marker-less: only a cgroup
# catches it).
cat >"$T/bin/family" <<EOF2
#!/bin/sh
f=\$1
sleep 600 & echo \$! >>\$f
sleep 600 & echo \$! >>\$f
(sleep 600 & echo \$! >>\$f) &
setsid sleep 600 </dev/null >/dev/null 2>&1 & echo \$! >>\$f
setsid sh -c 'sleep 600 & echo \$! >>'"\$f" </dev/null >/dev/null 2>&1 &
env -i setsid sleep 601 </dev/null >/dev/null 2>&1 & echo \$! >>\$f.bare
echo \$\$ >>\$f
exec sleep 600
EOF2
chmod +x "$T/bin/family"
ini "[suite.f]
binaries = bin/family
protocol = custom
list-command = printf 'a\\nb\\nc\\nd\\n'
run-command = family $T/fam"
no_dir() { [ ! -d "$1" ]; }
cgroup_ok=false
cg=$(sed -n 's/^0:://p' /proc/self/cgroup 2>/dev/null)
mnt=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo 2>/dev/null)
if [ -n "$cg" ] && [ -n "$mnt" ] && mkdir "${mnt%/}$cg/testrig-probe-$$" 2>/dev/null; then
	rmdir "${mnt%/}$cg/testrig-probe-$$"
	cgroup_ok=true
fi
# SIGKILL at a random moment after the run started; then every descendant
# the fixtures wrote down must be gone once the guardian is done (bounded).
killed_family() {
	rm -f "$T/fam" "$T/fam.bare"
	(cd "$T" && PATH="$T/bin:$PATH" TESTRIG_CGROUP=$1 exec "$RIG" run -j 4 --no-record \
		>"$T/out" 2>"$T/err" </dev/null) &
	rigpid=$!
	wait_lines "$T/fam" 1
	sleep "0.$(awk -v s="$2" 'BEGIN { srand(s); printf "%03d", rand() * 400 }')"
	kill -KILL "$rigpid"
	wait "$rigpid" 2>/dev/null
	_i=0
	for p in $(cat "$T/fam"); do
		while alive "$p" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	done
}
for i in $(seq 1 20); do
	killed_family off "$i"
	expect_dead "$T/fam"
	# Without a cgroup the bare escapee outlives testrig, as documented.
	if [ -s "$T/fam.bare" ]; then
		for p in $(cat "$T/fam.bare"); do
			if alive "$p"; then ok; else fail "run $i: the bare escapee $p died (off)"; fi
			kill -KILL "$p" 2>/dev/null
		done
	fi
done
if $cgroup_ok; then
	# The cgroup named (entered before the first test; with auto the first
	# tests may start while testrig is still moving into it).
	for i in $(seq 1 20); do
		killed_family "${mnt%/}$cg" "$i"
		cat "$T/fam.bare" >>"$T/fam" 2>/dev/null
		expect_dead "$T/fam"
		# The run's cgroup is gone (the guardian's last act).
		until_true 5 no_dir "${mnt%/}$cg/testrig-$rigpid" && ok ||
			fail "run $i: its cgroup testrig-$rigpid is left"
	done
	# By default (auto) a run moves into a cgroup of its own while it
	# starts: a test started a moment later is born in it, and the cgroup
	# is gone once testrig is.
	cat >"$T/bin/cgtest" <<EOF2
#!/bin/sh
sleep 0.3
sed -n 's/^0:://p' /proc/self/cgroup >"$T/cg.\$1"
EOF2
	chmod +x "$T/bin/cgtest"
	ini "[suite.c]
binaries = bin/cgtest
protocol = custom
list-command = printf 'one\\ntwo\\n'
run-command = cgtest {test}"
	(cd "$T" && PATH="$T/bin:$PATH" exec "$RIG" run -j 1 --no-record >"$T/out" 2>"$T/err" </dev/null) &
	rigpid=$!
	wait "$rigpid"
	rc=$?
	expect_rc 0 "a run in its own cgroup"
	if grep -q "/testrig-$rigpid\$" "$T/cg.two" 2>/dev/null; then ok; else
		fail "the second test ran in $(cat "$T/cg.two" 2>/dev/null), not in testrig-$rigpid"
	fi
	until_true 5 no_dir "${mnt%/}$cg/testrig-$rigpid" && ok ||
		fail "testrig-$rigpid is left after the run"
else
	lack "a writable cgroup v2"
fi
finish
