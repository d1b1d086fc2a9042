#!/bin/sh
# Rough edges closed in issue 16: commands continued over indented lines,
# show-config with -E and binaries, output that is no listing (104), and a
# user's signal during a test's grace period (forwarded; a second one kills
# at once).  The 't' key after fg is in jobcontrol.sh.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass)
fail=$(fx fail)

# --- a command longer than libinih's line, over continuation lines ---
cat >"$T/runner.sh" <<'EOF'
#!/bin/sh
# a target runner: says its own arguments, then runs the test
echo "runner got: $1 $2 $3"
shift 3
exec "$@"
EOF
chmod +x "$T/runner.sh"
long=$(printf 'x%.0s' $(seq 1 150))
ini "[profile.default]
target-runner = $T/runner.sh
  first-word-of-a-long-command
  $long
  last"
rig_in "$T" run --success-output immediate "$pass"
expect_rc 0
expect_out "runner got: first-word-of-a-long-command $long last"

# --- show-config honours -E and binaries ---
ini "[suite.s]
binaries = bin/pass bin/fail

[profile.default.override.slowfail]
filter = binary(bin/fail)
retries = 2
slow-timeout = 5s"
rig_in "$T" show-config -E 'binary(bin/fail)'
expect_rc 0
expect_out "; the 1 selected test: each one's settings where an override makes them differ from the profile"
expect_out "; bin/fail:"
expect_line "^;   retries +=  *2 +; $T/testrig.ini:6$"
expect_line "^;   slow-timeout +=  *5s +; $T/testrig.ini:7$"
expect_no_out "; bin/pass"
rig_in "$T" show-config "$pass"
expect_rc 0
expect_out "; $pass: as the profile"
rig_in "$T" show-config -E 'binary(('
expect_rc 94

# --- output that is no listing is a listing failure, not "no tests" ---
printf '#!/bin/sh\necho "usage: tool [--verbose]"\n' >"$T/notalisting"
chmod +x "$T/notalisting"
for p in gtest libtest; do
	rig run --protocol $p "$T/notalisting"
	expect_rc 104 "$p"
	expect_err "its output is not a $p listing (no test in it; it begins 'usage: tool [--verbose]')"
done
# An empty listing is still a binary without tests.
printf '#!/bin/sh\nexit 0\n' >"$T/empty"
chmod +x "$T/empty"
rig run --protocol gtest "$T/empty"
expect_rc 4
# gtest_main's own first line alone is an empty listing too.
printf '#!/bin/sh\necho "Running main() from gtest_main.cc"\n' >"$T/gtestmain"
chmod +x "$T/gtestmain"
rig run --protocol gtest "$T/gtestmain"
expect_rc 4

# --- the open-file limit: raised to the hard limit, and the pool fits ---
for i in $(seq 1 20); do ln -sf "$FIXTURE" "$T/bin/pass@$i"; done
(ulimit -n 100 && exec "$RIG" run --no-record -j 64 "$T"/bin/pass@* >"$T/out" 2>"$T/err" </dev/null)
rc=$?
expect_rc 0
expect_err "64 test threads need more open files than the limit allows (RLIMIT_NOFILE 100): running at most 4 at a time"
expect_out "Starting 20 tests on 4 threads"
if (ulimit -H -n 4096 && ulimit -S -n 40) 2>/dev/null; then
	(ulimit -H -n 4096 && ulimit -S -n 40 && exec "$RIG" run --no-record -j 16 "$T"/bin/pass@* \
		>"$T/out" 2>"$T/err" </dev/null)
	rc=$?
	expect_rc 0
	expect_no_err "open files"
	expect_out "Starting 20 tests on 16 threads"
fi
# Never more workers than tests.
rig run --no-record -j 64 "$pass"
expect_rc 0
expect_out "Starting 1 test on 1 thread"

# --- a signal while a test is in its grace period ---
sr=$(fx sigrecord)
ini "[profile.default]
slow-timeout = 200ms
terminate-after = 1
grace-period = 30s"
export FX_SIGLOG="$T/siglog"
rm -f "$FX_SIGLOG"
start_rig run --color never "$sr"
wait_file "$FX_SIGLOG" "TERM" 10
kill -INT "$rigpid"
wait_file "$FX_SIGLOG" "INT" 10
# Forwarded, and the grace period goes on: the test is still alive.
kill -0 "$rigpid" 2>/dev/null && ok || fail "testrig ended at the first signal"
kill -INT "$rigpid"
wait_rig
expect_rc 100
printf 'TERM\nINT\n' | cmp -s - "$FX_SIGLOG" && ok || fail "signals the test got: $(cat "$FX_SIGLOG")"
expect_final "$sr" TIMEOUT
expect_no_leftovers
finish
