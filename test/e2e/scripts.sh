#!/bin/sh
# Setup scripts: run before the tests that match their filter, export
# variables through TESTRIG_ENV, stop the run when they fail (exit 105), and
# their teardowns run afterwards in reverse order, whatever happened.
. "$(dirname "$0")/lib.sh"

ge=$(fx getenv a) ge2=$(fx getenv b) fail=$(fx fail)
cat >"$T/setup.sh" <<'SH'
#!/bin/sh
echo "setup $1 ran" >>"$LOG"
echo "$1 output on stdout"
[ -n "$3" ] && printf '%s\n' "$3" >>"$TESTRIG_ENV"
exit "${2:-0}"
SH
chmod +x "$T/setup.sh"
export LOG="$T/log"

ini '[suite.s]
binaries = a/getenv b/getenv

[profile.default]
success-output = immediate
fail-fast = false

[script.db]
command = ./setup.sh db 0 PORT=5433
teardown = ./setup.sh db-down
filter = binary(a/*)

[script.cache]
command = ./setup.sh cache 0 CACHE=on
teardown = ./setup.sh cache-down'

rm -f "$LOG"
FX_VAR=PORT rig_in "$T" run
expect_rc 100 "b/getenv has no PORT"
expect_out "PORT=5433"
expect_status a/getenv PASS
expect_status b/getenv FAIL
expect_line "^       SETUP \\[.*\\] db: ./setup.sh db 0 PORT=5433\$"
printf 'setup db ran\nsetup cache ran\nsetup cache-down ran\nsetup db-down ran\n' |
	cmp -s - "$LOG" && ok || fail "order: $(cat "$LOG")"
FX_VAR=CACHE rig_in "$T" run
expect_rc 0 "cache applies to every test"

# A script whose filter matches no selected test does not run.
rm -f "$LOG"
FX_VAR=CACHE rig_in "$T" run -E 'binary(b/*)'
expect_rc 0
grep -q 'setup db' "$LOG" && fail "db ran for no test of its" || ok

# A failing script stops the run: 105, its output shown, no tests run,
# teardowns of the scripts that ran still run.
ini '[suite.s]
binaries = a/getenv

[script.one]
command = ./setup.sh one 0
teardown = ./setup.sh one-down

[script.two]
command = ./setup.sh two 3'
rm -f "$LOG"
rig_in "$T" run
expect_rc 105 "a script failed"
expect_line "^  SETUP-FAIL \\[.*\\] two: ./setup.sh two 3\$"
expect_out "exit status 3"
expect_out "two output on stdout"
expect_summary "0/1 tests run: 0 passed, 0 skipped"
expect_out "setup script 'two' failed"
printf 'setup one ran\nsetup two ran\nsetup one-down ran\n' | cmp -s - "$LOG" &&
	ok || fail "teardown after a failed setup: $(cat "$LOG")"

# A malformed TESTRIG_ENV line, or a TESTRIG name: 105, naming script and line.
ini '[suite.s]
binaries = a/getenv

[script.bad]
command = ./setup.sh bad 0 not-an-assignment'
rig_in "$T" run
expect_rc 105 "malformed export"
expect_out "line 1: 'not-an-assignment' is not KEY=VALUE"
expect_out "SETUP-FAIL"
ini '[suite.s]
binaries = a/getenv

[script.bad]
command = ./setup.sh bad 0 TESTRIG_X=1'
rig_in "$T" run
expect_rc 105 "TESTRIG export"
expect_out "TESTRIG_X"

# A script that hangs is terminated by its own timeout: 105.
ini '[suite.s]
binaries = a/getenv

[script.slow]
command = sleep 30
slow-timeout = 100ms
terminate-after = 2
grace-period = 100ms'
rig_in "$T" run
expect_rc 105 "script timed out"
expect_out "timed out"

# Teardowns run after fail-fast cancelled the run.
ini '[suite.s]
binaries = bin/fail a/getenv

[script.t]
command = ./setup.sh t 0
teardown = ./setup.sh t-down'
rm -f "$LOG"
rig_in "$T" run -j 1
expect_rc 100
grep -q 't-down' "$LOG" && ok || fail "no teardown after fail-fast"
expect_no_leftovers

# A request the dispatcher sent to a test that had just finished (its result
# still queued) must not reach the job the worker takes next: with
# max-fail 1:immediate, two failing tests and a slow teardown, the teardown
# used to be terminated now and then (TEARDOWN-FAIL, exit 105).
fx fail@1 >/dev/null
fx fail@2 >/dev/null
ini '[suite.s]
binaries = bin/fail@1 bin/fail@2

[script.t]
command = true
teardown = sleep 0.1'
bad=0
i=0
while [ $i -lt 40 ]; do
	rig_in "$T" run -j 2 --max-fail 1:immediate
	took_rc
	if [ "$rc" -ne 100 ] || ! grep -qE '^ *TEARDOWN \[ ' "$T/out"; then
		bad=$((bad + 1))
		cp "$T/out" "$T/out.bad"
	fi
	i=$((i + 1))
done
[ $bad -eq 0 ] && ok || { cp "$T/out.bad" "$T/out"; fail "teardown disturbed by a stale request in $bad of 40 runs"; }

# No writable temporary directory (a read-only root): TMPDIR a file or a
# directory that does not exist (root ignores permissions, not these).  A
# setup script still gets its TESTRIG_ENV, on Linux a memfd it opens as
# /proc/self/fd/N, and >> appends to it; a script that exports nothing runs
# all the same.
cat >"$T/envpath.sh" <<'SH'
#!/bin/sh
printf '%s\n' "$TESTRIG_ENV" >"$T_ENVPATH"
echo X=1 >>"$TESTRIG_ENV" && echo Y=2 >>"$TESTRIG_ENV"
SH
chmod +x "$T/envpath.sh"
export T_ENVPATH="$T/envpath"
ini '[suite.s]
binaries = a/getenv

[profile.default]
success-output = immediate

[script.e]
command = ./envpath.sh

[script.quiet]
command = true'
: >"$T/a-file"
if [ "$(uname -s)" = Linux ] && [ -d /proc/self/fd ]; then
	for tmp in "$T/a-file" "$T/no-such-dir"; do
		rm -f "$T_ENVPATH"
		FX_VAR=Y TMPDIR=$tmp rig_in "$T" run
		expect_rc 0 "TMPDIR=$tmp: the exports arrive"
		expect_out "Y=2"
		grep -qx '/proc/self/fd/[0-9]*' "$T_ENVPATH" 2>/dev/null && ok ||
			fail "TESTRIG_ENV without a temporary directory: $(cat "$T_ENVPATH" 2>&1)"
	done
	[ ! -e "$T/no-such-dir" ] && ok || fail "TMPDIR that did not exist was made"
	# With a temporary directory, a file there as before.
	mkdir -p "$T/tmp"
	FX_VAR=Y TMPDIR=$T/tmp rig_in "$T" run
	expect_rc 0
	grep -q "^$T/tmp/testrig-" "$T_ENVPATH" && ok || fail "TESTRIG_ENV: $(cat "$T_ENVPATH")"
	[ -z "$(ls -A "$T/tmp")" ] && ok || fail "left in TMPDIR: $(ls -A "$T/tmp")"
else
	lack "Linux with /proc"
fi

# At most 64 setup scripts (their exports are tracked in 64-bit masks): the
# 65th is refused with its file and line, exit 96; 64 run.
fx pass >/dev/null
for n in 64 65; do
	{
		printf '[suite.s]\nbinaries = bin/pass\n'
		i=1
		while [ $i -le $n ]; do
			printf '[script.s%d]\ncommand = true\n' $i
			i=$((i + 1))
		done
	} >"$T/testrig.ini"
	rig_in "$T" run
	if [ $n -eq 64 ]; then
		expect_rc 0 "64 setup scripts"
		[ "$(grep -c '^ *SETUP \[' "$T/out")" -eq 64 ] && ok || fail "not all 64 scripts ran"
	else
		expect_rc 96 "65 setup scripts"
		expect_err "testrig.ini:131: [script.s65]: too many setup scripts (at most 64)"
	fi
done

finish
