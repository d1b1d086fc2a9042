#!/bin/sh
# Test names, binary ids and the other strings a test hands testrig are shown
# to people with control characters escaped (testrig(1), OUTPUT): a name
# with a CR, an escape sequence or a byte that is not UTF-8 cannot rewrite a
# status line (a FAIL shown as PASS), in status lines, the final list,
# testrig list, the SIGUSR1 answer, skip reasons and EXEC-FAIL reasons.
# The captured output of a test is printed as it came.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/suite"
# --list prints the names (one a line: a name cannot hold a newline);
# --run NAME fails, but "ok..." passes, "skip..." skips with a reason that
# holds a C1 control and a byte that is not UTF-8 (C0 controls become '?'
# there), and "wait..." waits for $T/go.
cat >"$T/suite/runner" <<'SH'
#!/bin/sh
case $1 in
--list)
	printf 'evil\r        PASS [   0.001s] fake\n'
	printf 'esc\033[31mred\033[0m\n'
	printf 'byte\377ff\n'
	printf 'back\\slash\n'
	printf 'tab\there\n'
	printf 'del\177c1\302\233x\n'
	printf 'ok caf\303\251\n'
	printf 'skip me\n'
	;;
--run)
	case $2 in
	ok*) exit 0 ;;
	skip*) printf 'reason \302\233x \377y\n' >&2; exit 77 ;;
	wait*)
		: >"$3/started"
		i=0
		while [ ! -f "$3/go" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		exit 0 ;;
	*) echo "plain output"; exit 1 ;;
	esac ;;
esac
SH
chmod +x "$T/suite/runner"
ini "[suite.c]
binaries = suite/runner
protocol = custom
list-command = sh {binary} --list
run-command = sh {binary} --run {test} $T"

# shown FILE: FILE's lines with the duration of a status line made "[T]".
shown() { sed 's/^\( *[A-Z][A-Z0-9 /-]*\) \[ *[0-9.]*s\]/\1 [T]/' "$1"; }
# expect_lines FILE LINE...: each LINE is a whole line of FILE (durations as [T]).
expect_lines() {
	_f=$1
	shift
	for _l in "$@"; do
		if shown "$_f" | grep -qxF -- "$_l"; then ok; else fail "$_f lacks the line: $_l"; fi
	done
}
# expect_count FILE LINE N: LINE is N whole lines of FILE.
expect_count() {
	_c=$(shown "$1" | grep -cxF -- "$2")
	if [ "$_c" -eq "$3" ]; then ok; else fail "$1 has '$2' $_c times, expected $3"; fi
}
# expect_clean FILE: no control character (but newline), no C1 control and
# no byte that is not UTF-8 in FILE.
expect_clean() {
	have python3 || return 0
	if python3 - "$1" <<'PY'; then ok; else fail "$1 holds raw control characters or bytes"; fi
import re, sys
data = open(sys.argv[1], 'rb').read()
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    print('not UTF-8 at %d: %r' % (e.start, data[e.start - 20:e.start + 20]))
    sys.exit(1)
m = re.search('[\x00-\x09\x0b-\x1f\x7f-\x9f]', text)
if m:
    print('control at %d: %r' % (m.start(), text[m.start() - 20:m.start() + 20]))
    sys.exit(1)
PY
}

r='suite/runner'
evil="$r evil\\r        PASS [   0.001s] fake"
esc="$r esc\\e[31mred\\e[0m"
byte="$r byte\\xffff"
back="$r back\\\\slash"
tab="$r tab\\there"
del="$r del\\x7fc1\\xc2\\x9bx"
cafe="$r ok café"

rig_in "$T" run --no-fail-fast --final-status-level all --status-level all -E 'not test(/^wait/)'
expect_rc 100
expect_summary "8 tests run: 1 passed, 6 failed, 1 skipped"
for l in "$evil" "$esc" "$byte" "$back" "$tab" "$del"; do
	# Its status line, and again in the final list.
	expect_count "$T/out" "        FAIL [T] $l" 2
	expect_lines "$T/out" "--- STDOUT: $l ---"
done
expect_count "$T/out" "        PASS [T] $cafe" 2
# The skip reason, as the status line notes it.
expect_lines "$T/out" "        SKIP [T] $r skip me  (reason \\xc2\\x9bx \\xffy)"
# The test's own output is its business.
expect_lines "$T/out" "plain output"
expect_clean "$T/out"
expect_clean "$T/err"

# testrig list, both formats.
rig_in "$T" list --format oneline
expect_rc 0
printf '%s\n' "$evil" "$esc" "$byte" "$back" "$tab" "$del" "$cafe" "$r skip me" >"$T/want"
if cmp -s "$T/want" "$T/out"; then ok; else fail "list --format oneline: $(cat -v "$T/out")"; fi
rig_in "$T" list
expect_rc 0
expect_lines "$T/out" "$r:" "    esc\\e[31mred\\e[0m" "    byte\\xffff" "    back\\\\slash"
expect_clean "$T/out"

# The answer to SIGUSR1 names the running test escaped.
cat >>"$T/suite/runner" <<'SH'
[ "$1" = --list ] && printf 'wait\033]0;title\007here\n'
SH
start_rig run -E 'test(/^wait/)'
until_true 10 test -f "$T/started" || fail "the test never started"
kill -USR1 "$rigpid"
wait_file "$T/err" "1 unit running"
: >"$T/go"
wait_rig
expect_rc 0
expect_err "  $r wait\\e]0;title\\x07here: running"
expect_clean "$T/err"

# A binary id from a path: an exec test whose file name holds an escape
# sequence, a CR and a newline, and one that cannot be run (EXEC-FAIL names
# it in its reason).
mkdir -p "$T/bin"
odd="$T/bin/pass@$(printf 'a\033[1mb\rc\nd')"
ln -s "$FIXTURE" "$odd"
gone="$T/bin/gone$(printf '\033[1m')"
rig run --no-fail-fast "$odd" "$gone"
expect_rc 100
expect_lines "$T/out" "        PASS [T] $T/bin/pass@a\\e[1mb\\rc\\nd" \
	"   EXEC-FAIL [T] $T/bin/gone\\e[1m" \
	"    could not run $T/bin/gone\\e[1m: not found"
expect_clean "$T/out"
expect_clean "$T/err"

# The lines board farms read: ptest's name lines (a LAVA id is sanitized).
rig run --message-format ptest "$odd"
expect_rc 0
expect_lines "$T/out" "BEGIN: testrig/$T/bin/pass@a\\e[1mb\\rc\\nd/ptest" "PASS: pass@a\\e[1mb\\rc\\nd"
expect_clean "$T/out"
rig_in "$T" run --no-fail-fast --message-format ptest -E 'test(/^(esc|back|byte)/)'
expect_rc 100
expect_lines "$T/out" "FAIL: esc\\e[31mred\\e[0m" "FAIL: byte\\xffff" "FAIL: back\\slash"
expect_clean "$T/out"

# The Automake driver's lines: a case's name escaped as tap-driver would not
# (but a backslash stays itself, as Automake's drivers print it).
cat >"$T/gt" <<'SH'
#!/bin/sh
case $1 in
--gtest_list_tests) printf 'S.\n  esc\033[1mx\n  cr\rPASS\n  back\\slash\n' ;;
*) exit 1 ;;
esac
SH
chmod +x "$T/gt"
next_store
"$RIG" automake-driver --test-name gt --log-file "$T/gt.log" --trs-file "$T/gt.trs" \
	--protocol gtest -- "$T/gt" >"$T/out" 2>"$T/err" </dev/null
rc=$?
expect_rc 0
expect_lines "$T/out" "FAIL: gt S.esc\\e[1mx" "FAIL: gt S.cr\\rPASS" "FAIL: gt S.back\\slash"
expect_clean "$T/out"

finish
