#!/bin/sh
# Start-up and run-time resource limits (issue 23): a small open-file limit
# or process limit gives fewer workers, or a documented exit status with a
# message naming the limit; never exit 1, and a summary when tests ran.
. "$(dirname "$0")/lib.sh"

# under_limit LIMIT ARGS...: rig, with `ulimit LIMIT` applied in the
# subshell that execs testrig (the script's own shell keeps its fds and forks);
# 125 when the shell cannot apply it.
under_limit() {
	_l=$1
	shift
	owe_rc
	next_store
	# The files first: the shell may need descriptors of its own for them.
	(
		exec >"$T/out" 2>"$T/err" </dev/null
		ulimit $_l || exit 125
		# (An ASan build's leak check needs descriptors and /proc of its
		# own at exit, which the limit takes away: it is off here.)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec "$RIG" "$@"
	)
	rc=$?
	[ $rc -eq 125 ] && fail "cannot apply ulimit $_l here"
	ran_fg "$*"
}

# Exit statuses testrig(1) lists.
documented() {
	case $1 in 0 | 2 | 4 | 94 | 96 | 100 | 104 | 105 | 110) return 0 ;; esac
	return 1
}

mkdir -p "$T/bin"
for i in 1 2 3 4 5 6; do ln -s "$FIXTURE" "$T/bin/pass@$i"; done
pass=$(ls "$T"/bin/pass@*)

# ---- the open-file limit -------------------------------------------------
# Too small for even one test (the dynamic loader needs fd 3, so 4 is the
# least testrig can start with): 96, the limit named, no test reported.
for n in 4 5 6 8 10; do
	under_limit "-n $n" run -j 4 --junit "$T/j.xml" $pass
	expect_rc 96 "ulimit -n $n"
	expect_err "RLIMIT_NOFILE $n"
	expect_err "ulimit -n"
	expect_no_err "fatal"
	[ -e "$T/j.xml" ] && fail "ulimit -n $n: a JUnit report for a run that never started" || ok
done

# Between "cannot start" and "can run": whatever it does, it is documented,
# the limit is named if it fails, and a run that started prints its summary
# and writes its JUnit report.
for n in 12 14 16 20 32 64; do
	rm -f "$T/j.xml"
	under_limit "-n $n" run -j 4 --no-fail-fast --junit "$T/j.xml" $pass
	took_rc
	if documented $rc; then ok; else fail "ulimit -n $n: exit status $rc is not documented"; fi
	expect_no_err "fatal"
	case $rc in
	0)
		expect_summary "6 tests run: 6 passed, 0 skipped"
		;;
	96)
		expect_err "RLIMIT_NOFILE $n"
		;;
	100)
		expect_err "RLIMIT_NOFILE"
		expect_line "Summary \["
		expect_line "testrig could not start a test: too many open files \(RLIMIT_NOFILE $n\)"
		[ -s "$T/j.xml" ] && ok || fail "ulimit -n $n: no JUnit report"
		;;
	esac
done
# From some small limit on, the run is done with fewer workers, and passes.
under_limit "-n 20" run -j 4 $pass
expect_rc 0 "ulimit -n 20: one worker is enough"
expect_summary "6 tests run: 6 passed, 0 skipped"
expect_err "running at most 1 at a time"

# ---- the process limit, for a user other than root -----------------------
# RLIMIT_NPROC counts every process and thread of the real user; root's are
# not counted, so these run as nobody (65534), with the limit set just
# above what that user runs already.
nproc_checks() {
	id -u 2>/dev/null | grep -qx 0 || { lack root; return; }
	# (A TSan build runs a thread of its own in testrig and in its guardian:
	# the counts below would be off by those.)
	built_with tsan && { lack "process counts without TSan's threads"; return; }
	have setpriv || return
	have prlimit || return
	have ps || return
	chmod 755 "$T" "$T/bin"
	mkdir -m 777 "$T/u"
	# Each run's store, where nobody may write it.
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups "$T/bin/pass@1" >/dev/null 2>&1 </dev/null; then
		lack "a fixture user nobody can run"
		return
	fi
	base=$(ps -eLo ruid= | grep -cx ' *65534')

	# as_nobody NPROC ARGS...: rig as nobody with RLIMIT_NPROC base+NPROC.
	as_nobody() {
		_u=$((base + $1))
		shift
		owe_rc
		stores=$((stores + 1))
		(cd "$T" && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
			prlimit --nproc=$_u env TESTRIG_STATE_DIR="$T/u/store.$stores" \
			"$RIG" "$@" >"$T/out" 2>"$T/err" </dev/null)
		rc=$?
		ran_fg "$*"
	}

	# testrig, its guardian and one worker leave no room for a test: 96.
	as_nobody 3 run -j 4 $pass
	expect_rc 96 "nproc 3"
	expect_err "RLIMIT_NPROC"
	expect_err "ulimit -u"
	expect_no_err "fatal"
	# Too few for even the one worker: 96 as well.
	as_nobody 2 run -j 4 $pass
	expect_rc 96 "nproc 2"
	expect_err "RLIMIT_NPROC"

	# Room for some workers and their tests: fewer workers, said once, and
	# the run passes.
	for u in 4 5 6; do
		as_nobody $u run -j 4 $pass
		expect_rc 0 "nproc $u: fewer workers"
		expect_summary "6 tests run: 6 passed, 0 skipped"
		expect_err "test threads could be started"
		expect_err "RLIMIT_NPROC"
	done

	# A test's start fails for want of a process while another test's
	# children run: it waits for them to end and then runs.  b's first
	# attempt fails at once; while it waits to be retried, a forks a child
	# that takes the last process the limit allows (testrig, guardian, two
	# workers, a, a's child).
	# Only builtins but for a's child: a fork more would fail the test.
	# The waits are bounded in turns, as a shell without forks can.
	cat >"$T/bin/a" <<-'EOF'
	#!/bin/sh
	i=0
	until read b <"$M/b"; do i=$((i + 1)); [ $i -lt 200000 ] || exit 2; done 2>/dev/null
	i=0
	while kill -0 "$b" 2>/dev/null; do i=$((i + 1)); [ $i -lt 200000 ] || exit 3; done
	sleep 1 &
	wait
	EOF
	cat >"$T/bin/b" <<-'EOF'
	#!/bin/sh
	[ "$TESTRIG_ATTEMPT" = 1 ] || exit 0
	echo $$ >"$M/b"
	exit 1
	EOF
	chmod 755 "$T/bin/a" "$T/bin/b"
	mkdir -m 777 "$T/m"
	ini '[profile.default]
retries = 1
delay = 500ms'
	chmod 644 "$T/testrig.ini"
	M=$T/m
	export M
	as_nobody 6 run -j 2 "$T/bin/a" "$T/bin/b"
	expect_rc 0 "a test waits for a process to be free"
	expect_summary "2 tests run: 2 passed (1 flaky), 0 skipped"
	expect_line "TRY 2 PASS .*/bin/b\$"
	expect_status "$T/bin/a" PASS
	unset M
	rm -f "$T/testrig.ini"
}
nproc_checks

finish
