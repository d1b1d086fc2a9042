#!/bin/sh
# testrig automake-driver (SPEC section 11), checked against Automake's own
# drivers where they are installed: the same result lines on stdout and the
# same .trs (test-driver for exit statuses, tap-driver for TAP streams); then
# what only testrig adds (one result per gtest case, retries, timeouts from a
# profile, the log's account), signals (both files removed, 128+signal, no
# process left), and the driver's command line.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
amdir=$(automake --print-libdir 2>/dev/null)
[ -n "$amdir" ] && [ -f "$amdir/test-driver" ] || amdir=

# drive NAME ARGS... -- COMMAND: the driver; stdout $T/out, stderr $T/err, status $rc
drive() {
	_n=$1
	shift
	next_store
	"$RIG" automake-driver --test-name "$_n" --log-file "$T/$_n.log" --trs-file "$T/$_n.trs" \
		"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}
# expect_trs NAME LINE: the .trs holds LINE
expect_trs() {
	if grep -qxF -- "$2" "$T/$1.trs" 2>/dev/null; then ok
	else fail "$1.trs lacks '$2': $(cat "$T/$1.trs" 2>&1)"; fi
}
# expect_log NAME TEXT: the .log holds TEXT
expect_log() {
	if grep -qF -- "$2" "$T/$1.log" 2>/dev/null; then ok
	else fail "$1.log lacks '$2': $(head -c 2000 "$T/$1.log" 2>&1)"; fi
}
# results NAME: the .trs's :test-result: words, one per line
results() { sed -n 's/^:test-result: //p' "$T/$1.trs" | tr '\n' ' '; }
expect_results() {
	got=$(results "$1")
	if [ "$got" = "$2" ]; then ok; else fail "$1 results '$got', expected '$2'"; fi
}

# --- exit statuses, each option combination, against test-driver ---
cat >"$T/st.sh" <<'EOF'
#!/bin/sh
echo "to stdout $1"
echo "to stderr $1" >&2
[ "$1" = sig ] && kill -SEGV $$
exit "$1"
EOF
chmod +x "$T/st.sh"
for st in 0 1 77 99 sig; do
	for xf in no yes; do
		for he in yes no; do
			for col in no yes; do
				opts="--color-tests $col --expect-failure $xf --enable-hard-errors $he"
				drive "s$st" $opts -- ./st.sh $st
				expect_rc 0 "exit $st $opts"
				cp "$T/out" "$T/ours.out"
				[ -f "$T/s$st.log" ] && [ -f "$T/s$st.trs" ] && ok ||
					fail "exit $st $opts: no .log or .trs"
				expect_log "s$st" "to stderr $st"
				[ -n "$amdir" ] || continue
				sh "$amdir/test-driver" --test-name "s$st" --log-file "$T/a.log" \
					--trs-file "$T/a.trs" $opts -- ./st.sh $st >"$T/am.out" 2>&1
				cmp -s "$T/am.out" "$T/ours.out" && ok ||
					fail "exit $st $opts: stdout differs: $(diff "$T/am.out" "$T/ours.out")"
				sort "$T/a.trs" >"$T/a.sorted"
				sort "$T/s$st.trs" | cmp -s "$T/a.sorted" - && ok ||
					fail "exit $st $opts: .trs differs: $(sort "$T/s$st.trs" | diff "$T/a.sorted" -)"
			done
		done
	done
done
# Without Automake installed, the mapping is still checked, by hand.
drive m0 -- ./st.sh 0
expect_out "PASS: m0"
expect_trs m0 ":recheck: no"
expect_trs m0 ":copy-in-global-log: no"
drive m1 --expect-failure yes -- ./st.sh 1
expect_out "XFAIL: m1"
expect_trs m1 ":global-test-result: XFAIL"
expect_trs m1 ":recheck: no"
drive m99 --enable-hard-errors no -- ./st.sh 99
expect_trs m99 ":test-result: FAIL"
drive m99 --expect-failure yes -- ./st.sh 99
expect_trs m99 ":test-result: ERROR"
drive m77 -- ./st.sh 77
expect_trs m77 ":test-result: SKIP"
expect_trs m77 ":copy-in-global-log: yes"
drive m77 --collect-skipped-logs no -- ./st.sh 77
expect_trs m77 ":copy-in-global-log: no"
expect_trs m77 ":recheck: no"
drive msig -- ./st.sh sig
expect_trs msig ":test-result: FAIL"
expect_log msig "testrig: SIGSEGV"
drive mcolor --color-tests yes -- ./st.sh 0
printf '\033[0;32mPASS\033[m: mcolor\n' | cmp -s - "$T/out" && ok || fail "colored PASS line: $(od -c "$T/out")"
# The log: the output, the result line, then testrig's account.
drive acct -- ./st.sh 1
expect_log acct "to stdout 1"
expect_log acct "FAIL: acct"
expect_log acct "testrig: FAIL (exit status 1) in "
expect_log acct ", attempt 1 of 1, CPU "
expect_log acct "peak RSS "
ls "$T" | grep -q '\.tmp\.' && fail "temporary files left: $(ls "$T" | grep '\.tmp\.')" || ok

# --- TAP, against tap-driver ---
tapgen() { # NAME BODY: a TAP producer script that prints BODY (printf format)
	printf '#!/bin/sh\nprintf %s\n%s\n' "'$2'" "${3:-exit 0}" >"$T/$1"
	chmod +x "$T/$1"
}
tapgen t-pass '1..3\nok 1 - one\nok 2 - two # SKIP no disk\nnot ok 3 three # TODO later\n'
tapgen t-fail '1..3\nok 1\nnot ok 2 - broken\nok 3 # todo done early\n'
tapgen t-notok-skip '1..2\nnot ok 1 # SKIP but failing\nok 2\n'
tapgen t-skipall '1..0 # SKIP no network here\n'
tapgen t-skipall-bare '1..0\n'
tapgen t-bail '1..3\nok 1\nBail out! database gone\nok 2\n' 'exit 3'
tapgen t-short '1..4\nok 1\nok 2\n'
tapgen t-many '1..1\nok 1\nok 2\n'
tapgen t-noplan 'ok 1\nok 2\n'
tapgen t-late 'ok 1\nok 2\n1..2\n'
tapgen t-after-late 'ok 1\n1..2\nok 2\n'
tapgen t-order '1..3\nok 1\nok 3\nok 2\n'
tapgen t-twice '1..2\nok 1\n1..2\nok 2\n'
tapgen t-exit '1..1\nok 1 - fine\n' 'exit 5'
tapgen t-desc '1..2\nok 1 - escaped \\\\# hash\nok 2 a plain description\n'
for f in t-pass t-fail t-notok-skip t-skipall t-skipall-bare t-bail t-short t-many t-noplan \
	t-late t-after-late t-order t-twice t-exit t-desc; do
	for xf in no yes; do
		opts="--color-tests no --expect-failure $xf --enable-hard-errors yes"
		drive "$f" $opts --protocol tap -- "./$f"
		expect_rc 0 "$f"
		cp "$T/out" "$T/ours.out"
		[ -n "$amdir" ] || continue
		sh "$amdir/tap-driver.sh" --test-name "$f" --log-file "$T/a.log" --trs-file "$T/a.trs" \
			$opts -- "./$f" >"$T/am.out" 2>&1
		cmp -s "$T/am.out" "$T/ours.out" && ok ||
			fail "$f (expect-failure $xf): stdout differs: $(diff "$T/am.out" "$T/ours.out")"
		sort "$T/a.trs" >"$T/a.sorted"
		sort "$T/$f.trs" | cmp -s "$T/a.sorted" - && ok ||
			fail "$f (expect-failure $xf): .trs differs: $(sort "$T/$f.trs" | diff "$T/a.sorted" -)"
	done
done
drive t-pass --protocol tap -- ./t-pass
expect_results t-pass "PASS SKIP XFAIL "
expect_out "SKIP: t-pass 2 - two # SKIP no disk"
expect_trs t-pass ":global-test-result: PASS"
drive t-fail --protocol tap -- ./t-fail
expect_results t-fail "PASS FAIL XPASS "
expect_trs t-fail ":global-test-result: FAIL"
drive t-bail --protocol tap -- ./t-bail
expect_out "ERROR: t-bail - Bail out! database gone"
expect_results t-bail "PASS ERROR "
drive t-skipall --protocol tap -- ./t-skipall
expect_out "SKIP: t-skipall - no network here"
drive t-exit --protocol tap -- ./t-exit
expect_out "ERROR: t-exit - exited with status 5"
expect_log t-exit "ok 1 - fine"
# A TAP producer killed by a signal: its points, then the signal, named.
tapgen t-segv '1..2\nok 1\n' 'kill -SEGV $$'
drive t-segv --protocol tap -- ./t-segv
expect_out "ERROR: t-segv - terminated by signal SIGSEGV"
expect_results t-segv "PASS ERROR ERROR "

# --- a command with arguments, and one that cannot run ---
drive args -- ./st.sh 77
expect_trs args ":test-result: SKIP"
drive nosuch -- ./no-such-test
expect_rc 0
expect_trs nosuch ":test-result: FAIL"
expect_log nosuch "EXEC-FAIL"
drive nosuch-tap --protocol tap -- ./no-such-test
expect_trs nosuch-tap ":test-result: ERROR"
expect_out "ERROR: nosuch-tap - EXEC-FAIL"
# A command without a '/' is found in $PATH, as the shell finds it for
# test-driver (LOG_COMPILER = sh, or env): its arguments and variables go along.
drive viash -- sh ./st.sh 77
expect_rc 0
expect_trs viash ":test-result: SKIP"
expect_log viash "to stdout 77"
fx exit-n >/dev/null
drive viaenv -- env FX_EXIT=77 ./bin/exit-n
expect_rc 0
expect_trs viaenv ":test-result: SKIP"
drive viaenv -- env FX_EXIT=0 ./bin/exit-n
expect_trs viaenv ":test-result: PASS"
expect_out "PASS: viaenv"
drive nosuch-word -- no-such-program-anywhere
expect_trs nosuch-word ":test-result: FAIL"
expect_log nosuch-word "could not run no-such-program-anywhere: not found"

# --- GoogleTest: one result per case ---
gs=$BUILD/test/protocols/gtest_sample
if [ -x "$gs" ] || lack gtest_sample; then
	drive gt --protocol gtest -- "$gs"
	expect_rc 0
	expect_out "PASS: gt Arith.Adds"
	expect_out "FAIL: gt Arith.Fails"
	expect_out "SKIP: gt Arith.Skips"
	[ "$(grep -c '^:test-result:' "$T/gt.trs")" -eq 10 ] && ok || fail "gtest: $(cat "$T/gt.trs")"
	expect_trs gt ":global-test-result: FAIL"
	expect_log gt "=== Arith.Fails ==="
	expect_log gt "arithmetic is broken"
	# LOG_DRIVER_FLAGS select cases as `run` would.
	drive gt1 --protocol gtest -E 'test(Arith.Adds)' -- "$gs"
	expect_results gt1 "PASS "
	# Nothing selected: FAIL (the default --no-tests fail), SKIP with --no-tests pass.
	drive gt0 --protocol gtest -E 'test(nothing)' -- "$gs"
	expect_results gt0 "FAIL "
	expect_log gt0 "no test case of gt0 was selected"
	drive gt0 --protocol gtest --no-tests pass -E 'test(nothing)' -- "$gs"
	expect_results gt0 "SKIP "
else
	echo "(no GoogleTest binary: its cases are not checked)" >&2
fi
# A binary whose listing fails: one ERROR, its output in the log.
drive listfail --protocol gtest -- ./st.sh 1
expect_rc 0
expect_results listfail "ERROR "
expect_log listfail "to stderr 1"

# --- retries and timeouts from the config, the test's name as binary id ---
flaky=$(fx flaky)
ini '[profile.default]
retries = 2

[profile.default.override.slow]
filter = binary(slow)
slow-timeout = 200ms
terminate-after = 2
grace-period = 100ms'
drive flaky -- "$flaky"
expect_results flaky "PASS "
expect_log flaky "=== attempt 1 of 3 ==="
expect_log flaky "testrig: FAIL (exit status 1)"
expect_log flaky "attempt 3 of 3"
hang=$(fx hang)
drive slow -- "$hang"
expect_rc 0
expect_results slow "FAIL "
expect_log slow "testrig: TIMEOUT"
expect_no_leftovers
# --retries on the driver's command line wins over the config.
drive flaky --retries 0 -- "$flaky"
expect_results flaky "FAIL "

# --- a test that leaves a process behind (setsid): found and killed, by a
# search that reads the driver's own children, not every process on the
# machine (one driver per test: a search per machine process was 8 ms a
# test with a hundred processes, 24 ms with a thousand) ---
if have strace && { strace -o /dev/null true 2>/dev/null || lack ptrace; }; then
	# (LeakSanitizer cannot work under ptrace: an ASan build's leak check is off here.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	FX_ESCAPE_MS=20000 strace -f -qq -e trace=openat -o "$T/strace" "$RIG" automake-driver \
		--test-name esc --log-file "$T/esc.log" --trs-file "$T/esc.trs" -- "$(fx escape)" \
		>"$T/out" 2>"$T/err" </dev/null
	rc=$?
	expect_rc 0 "the driver under strace"
	expect_log esc "left its test's process group and outlived it: killed"
	n=$(grep -cE 'open(at)?\(.*"/proc/[0-9]+/stat"' "$T/strace")
	[ "$n" -le 4 ] && ok || fail "the escapee search opened $n /proc/PID/stat files ($(ls /proc | grep -c '^[0-9]') processes here)"
fi

# --- signals: both files removed, no result line (test-driver prints none),
# 128+signal, nothing left running ---
pidf=$T/pids
for sig in TERM INT HUP PIPE; do
	rm -f "$pidf"
	: >"$T/sig.log"
	: >"$T/sig.trs"
	(cd "$T" && FX_PIDFILE=$pidf FX_THEN=hang exec env --default-signal=INT "$RIG" \
		automake-driver --test-name sig --log-file sig.log --trs-file sig.trs \
		-- "$(fx pidfile)" >"$T/out" 2>"$T/err" </dev/null) &
	rigpid=$!
	_i=0
	while [ ! -s "$pidf" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	kill -"$sig" "$rigpid"
	wait_rig
	case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; PIPE) want=141 ;; esac
	expect_rc "$want" "SIG$sig"
	[ ! -e "$T/sig.log" ] && [ ! -e "$T/sig.trs" ] && ok || fail "SIG$sig: .log or .trs left"
	[ ! -s "$T/out" ] && ok || fail "SIG$sig: a result line on stdout: $(cat "$T/out")"
	ls "$T" | grep -q '^sig\..*\.tmp\.' && fail "SIG$sig: temporary file left" || ok
	expect_dead "$pidf"
done

# --- the command line ---
drive opts --future-option 3 -- ./st.sh 0
expect_rc 0
expect_err "ignoring unknown option --future-option 3"
expect_trs opts ":test-result: PASS"
drive opts --another=1 -- ./st.sh 0
expect_rc 0
expect_err "ignoring unknown option --another=1"
expect_log opts "testrig: automake-driver: ignoring unknown option --another=1"
# An option in Automake's own form (--name yes|no), as a newer Automake
# passes to every test: said in each test's log, not on stderr once per test.
drive opts --future-switch yes --color-tests no -- ./st.sh 0
expect_rc 0
expect_no_err "ignoring unknown option"
expect_log opts "testrig: automake-driver: ignoring unknown option --future-switch yes"
expect_trs opts ":test-result: PASS"
"$RIG" automake-driver --log-file x.log --trs-file x.trs -- ./st.sh 0 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 2
expect_err "needs --test-name"
drive bad --color-tests maybe -- ./st.sh 0
expect_rc 2
expect_err "--color-tests: invalid value 'maybe' (expected yes or no)"
drive bad ./st.sh 0
expect_rc 2
expect_err "'./st.sh' before '--'"
drive bad --junit x.xml -- ./st.sh 0
expect_rc 2
expect_err "--junit is not an option of 'testrig automake-driver'"
drive bad --
expect_rc 2
expect_err "no test command after '--'"
# A log that cannot be written is the driver's error (110), not the test's.
"$RIG" automake-driver --test-name w --log-file "$T/nodir/w.log" --trs-file "$T/nodir/w.trs" \
	-- ./st.sh 0 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 110
expect_err "cannot write the test log"
finish
