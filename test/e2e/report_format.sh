#!/bin/sh
# The human report's shape: status lines, summary, colors, and a progress
# line on stderr only when stderr is a terminal.
. "$(dirname "$0")/lib.sh"

pass=$(fx pass) fail=$(fx fail) sl=$(fx sleep)

rig run --no-fail-fast -j 1 "$pass" "$fail"
expect_rc 100
# "        PASS [   0.001s] ID": status right-aligned in 12 columns.
expect_line "^        PASS \\[   0\\.[0-9]{3}s\\] $pass\$"
expect_line "^        FAIL \\[   0\\.[0-9]{3}s\\] $fail\$"
expect_line '^    Starting 2 tests on 1 thread$'
expect_line '^------------$'
expect_line '^     Summary \[   [0-9]\.[0-9]{3}s\] 2 tests run: 1 passed, 1 failed, 0 skipped$'
# The failing test's output follows its status line at once.
awk -v f="$fail" '$0 ~ "FAIL \\[" && index($0, f) { getline; print; exit }' "$T/out" >"$T/next"
grep -qF -- "--- STDOUT: $fail ---" "$T/next" && ok || fail "output not right after the status line"
# No colors and no progress when not on a terminal.
grep -q "$(printf '\033')" "$T/out" && fail "escape codes in a log" || ok
grep -q "Running" "$T/err" && fail "progress line in a log" || ok

rig run --color always "$pass"
expect_rc 0
grep -q "$(printf '\033')\\[32;1mPASS" "$T/out" && ok || fail "--color always has no color"
NO_COLOR=1 rig run --color always "$pass"
expect_rc 0
grep -q "$(printf '\033')" "$T/out" && ok || fail "--color always must beat NO_COLOR"
rig run --color never "$pass"
expect_rc 0
grep -q "$(printf '\033')" "$T/out" && fail "--color never has color" || ok

# On a terminal (script(1) gives one): colors by default, unless NO_COLOR;
# a progress line on stderr.
if have script; then
	FX_SLEEP_MS=400 script -qec "$RIG run $sl $pass" "$T/tty" >/dev/null 2>&1
	grep -q "Running" "$T/tty" && ok || fail "no progress line on a terminal"
	grep -q "$(printf '\033')\\[32;1mPASS" "$T/tty" && ok || fail "no color on a terminal"
	NO_COLOR=1 script -qec "$RIG run $pass" "$T/tty" >/dev/null 2>&1
	grep -q "$(printf '\033')\\[32;1mPASS" "$T/tty" && fail "color despite NO_COLOR" || ok
	# stdout to a file, stderr on the terminal: progress on stderr only.
	FX_SLEEP_MS=400 script -qec "$RIG run $sl >$T/file" "$T/tty" >/dev/null 2>&1
	grep -q "Running" "$T/file" && fail "progress reached stdout" || ok
	grep -q "PASS" "$T/file" && ok || fail "status line missing from stdout"
	# --progress never (a Makefile's choice): no progress line, even there;
	# --progress auto is the default.
	FX_SLEEP_MS=400 script -qec "$RIG run --progress never $sl" "$T/tty" >/dev/null 2>&1
	rc=$?
	expect_rc 0 "--progress never on a terminal"
	grep -q "Running" "$T/tty" && fail "a progress line with --progress never" || ok
	grep -q "PASS" "$T/tty" && ok || fail "--progress never: no status line"
	FX_SLEEP_MS=400 script -qec "$RIG run --progress auto $sl" "$T/tty" >/dev/null 2>&1
	rc=$?
	expect_rc 0 "--progress auto on a terminal"
	grep -q "Running" "$T/tty" && ok || fail "no progress line with --progress auto"
else
	echo "script(1) not available: terminal checks skipped" >&2
fi

# --progress takes auto or never, and is run's.
rig run --progress never "$pass"
expect_rc 0
rig run --progress always "$pass"
expect_rc 2
expect_err "--progress: invalid value 'always' (expected auto, never)"
rig list --progress never "$pass"
expect_rc 2
expect_err "--progress is not an option of 'testrig list'"

finish
