# lib.sh - helpers for the end-to-end tests (sourced, POSIX sh).
#
# Each test script runs the built testrig on fixture programs in a private
# temporary directory $T and checks exit codes, report lines and leftover
# processes.  It exits 0 when every check held, 1 when one failed or none
# ran, 77 when it cannot run here (skip), so it is itself an exec test.  RIG
# (the testrig binary) and BUILD (where the fixtures are) come from the
# environment, defaulting to the normal build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=build}"
: "${RIG:=$top/testrig}"
case $RIG in /*) ;; *) RIG=$top/$RIG ;; esac
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
FIXTURE=$BUILD/test/fixtures/fixture
T=$(mktemp -d "${TMPDIR:-/tmp}/testrig-e2e.XXXXXX")
failures=0
checks=0
rc=0
# What the last testrig invocation was, while its exit status is unchecked.
rc_owed=
# The optional tools this machine lacks, for the tally (see have).
missing=
# The fixtures honour FX_*; start each test from a clean slate.
unset FX_EXIT FX_SLEEP_MS FX_FLOOD_MIB FX_PASS_ON FX_ALLOW_FDS FX_PIDFILE FX_THEN NO_COLOR

cleanup() {
	# KEEP=1 keeps $T for a look after a failure.
	[ -n "${KEEP:-}" ] && return
	# Kill anything a failed test left behind, so one failure is not many.
	pkill -KILL -f "$T/" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# fail MESSAGE: record a failed check (and show the report it was about).
fail() {
	failures=$((failures + 1))
	echo "FAILED: $*" >&2
	if [ -f "$T/out" ]; then
		echo "--- testrig stdout:" >&2
		head -c 4000 "$T/out" >&2
		echo "--- testrig stderr:" >&2
		head -c 2000 "$T/err" >&2
		echo "---" >&2
	fi
}

ok() { checks=$((checks + 1)); }

# fx MODE [DIR]: a fixture test program; prints its path ($T/DIR/MODE).
fx() {
	_fxd=$T/${2:-bin}
	mkdir -p "$_fxd"
	ln -sf "$FIXTURE" "$_fxd/$1"
	echo "$_fxd/$1"
}

# Run records go to a store in $T, never into the tree the tests run from;
# and each rig/rig_in/start_rig gets a store of its own (a shared history
# would add flake notes to the reports tests compare), unless a test sets
# SHARED_STORE=1 (then the store is where testrig would put it).
TESTRIG_STATE_DIR=$T/.store
export TESTRIG_STATE_DIR
stores=0
next_store() {
	stores=$((stores + 1))
	if [ -z "${SHARED_STORE:-}" ]; then
		TESTRIG_STATE_DIR=$T/.store.$stores
		export TESTRIG_STATE_DIR
	fi
}

# Every testrig invocation's exit status is checked: rig, rig_in and wait_rig
# leave it owed until expect_rc (or took_rc, for a test that decides on $rc
# itself) names it, and the next invocation or finish fails an unpaid one.
# A testrig that printed the right lines and then crashed fails so.
owe_rc() {
	[ -n "$rc_owed" ] && fail "exit status $rc of 'testrig $rc_owed' never checked"
	rc_owed=$*
	return 0
}
# ran_fg ARGS: a testrig run in the foreground ended; nothing in these tests
# signals one, so a death by a signal is a crash.
ran_fg() {
	owe_rc "$*"
	[ "$rc" -gt 128 ] && fail "testrig $* died by signal $((rc - 128))"
	return 0
}
took_rc() { rc_owed=; }

# rig ARGS...: runs testrig; stdout in $T/out, stderr in $T/err, status in $rc.
rig() {
	owe_rc
	next_store
	"$RIG" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	ran_fg "$*"
}

# rig_in DIR ARGS...: rig, run from directory DIR.
rig_in() {
	_d=$1
	shift
	owe_rc
	next_store
	(cd "$_d" && exec "$RIG" "$@" >"$T/out" 2>"$T/err" </dev/null)
	rc=$?
	ran_fg "$*"
}

# expect_rc STATUS [WHY]: the last testrig invocation exited with STATUS.
expect_rc() {
	rc_owed=
	if [ "$rc" -eq "$1" ]; then ok; else fail "exit status $rc, expected $1${2:+ ($2)}"; fi
}

# built_with SANITIZER: the testrig under test links lib<SANITIZER> (tsan,
# asan): its own threads and shadow memory change process counts and RSS.
built_with() {
	ldd "$RIG" 2>/dev/null | grep -q "lib$1"
}

# have TOOL: TOOL is on this machine; when it is not, the checks that need it
# are left out, and finish names it in the tally.
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	lack "$1"
}
# lack WHAT: the checks that need WHAT (a tool, or what one builds) are left
# out here; finish names it.  Returns 1, for "have X || lack Y" chains.
lack() {
	case " $missing " in *" $1 "*) ;; *) missing="${missing:+$missing }$1" ;; esac
	return 1
}

# expect_out TEXT / expect_err TEXT: a fixed string is in stdout / stderr.
expect_out() {
	if grep -qF -- "$1" "$T/out"; then ok; else fail "stdout lacks: $1"; fi
}
expect_err() {
	if grep -qF -- "$1" "$T/err"; then ok; else fail "stderr lacks: $1"; fi
}
expect_no_out() {
	if grep -qF -- "$1" "$T/out"; then fail "stdout has: $1"; else ok; fi
}
expect_no_err() {
	if grep -qF -- "$1" "$T/err"; then fail "stderr has: $1"; else ok; fi
}
# expect_line REGEX: some stdout line matches the extended regex.
expect_line() {
	if grep -qE -- "$1" "$T/out"; then ok; else fail "no stdout line matches: $1"; fi
}

# expect_summary TEXT: the summary line says exactly TEXT after its duration.
expect_summary() {
	got=$(sed -n 's/^ *Summary \[ *[0-9.]*s\] //p' "$T/out" | sed 's/\x1b\[[0-9;]*m//g')
	if [ "$got" = "$1" ]; then ok; else fail "summary '$got', expected '$1'"; fi
}

# status_of ID: the status label of the first status line for test ID (a
# "  (note)" after the name: a skip reason, TAP points, history).
status_of() {
	sed 's/\x1b\[[0-9;]*m//g' "$T/out" |
		sed -n "s|^ *\\([A-Z][A-Z0-9 /-]*[A-Z0-9]\\) \\[[ >0-9.]*s\\] $1\\(  (.*)\\)\\{0,1\\}\$|\\1|p" | head -n 1
}
# final_of ID: the label of the last status line for ID before the summary.
final_of() {
	sed -n '/^------------$/q;p' "$T/out" | sed 's/\x1b\[[0-9;]*m//g' |
		sed -n "s|^ *\\([A-Z][A-Z0-9 /-]*[A-Z0-9]\\) \\[[ >0-9.]*s\\] $1\\(  (.*)\\)\\{0,1\\}\$|\\1|p" | tail -n 1
}
expect_final() {
	got=$(final_of "$1")
	if [ "$got" = "$2" ]; then ok; else fail "final status of $1 is '$got', expected '$2'"; fi
}
expect_status() {
	got=$(status_of "$1")
	if [ "$got" = "$2" ]; then ok; else fail "status of $1 is '$got', expected '$2'"; fi
}

# expect_no_leftovers: no process started from $T is still running.
expect_no_leftovers() {
	i=0
	while pgrep -f "$T/" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			fail "processes left running: $(pgrep -af "$T/" | head -5)"
			return
		fi
		sleep 0.1
	done
	ok
}

# block STREAM ID: the bytes testrig printed under "--- STREAM: ID ---"
# (up to the next header or the summary), into $T/block.
block() {
	python3 - "$T/out" "--- $1: $2 ---" >"$T/block" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
head = sys.argv[2].encode() + b'\n'
i = data.find(head)
if i < 0:
    sys.exit(1)
rest = data[i + len(head):]
ends = [j for j in (rest.find(b'\n--- '), rest.find(b'\n------------\n')) if j >= 0]
# Stop at the next header or separator (keep the newline that ends the block).
cut = min(ends) + 1 if ends else len(rest)
sys.stdout.buffer.write(rest[:cut])
PY
}

# finish: the script's verdict.  A script that made no check at all (an
# early exit routed here, a loop that never ran) proved nothing, so it fails
# too; one that cannot run here says so with skip, not finish.
finish() {
	owe_rc
	if [ "$failures" -gt 0 ]; then
		echo "$0: $failures of $((checks + failures)) checks failed" >&2
		exit 1
	fi
	if [ "$checks" -eq 0 ]; then
		echo "$0: no check ran (a test that checks nothing fails; use skip to skip)" >&2
		exit 1
	fi
	if [ -n "$missing" ]; then
		echo "$0: $checks checks passed; left out for want of: $missing"
	else
		echo "$0: $checks checks passed"
	fi
	exit 0
}

# skip MESSAGE: the script cannot run here (a missing tool): says why and
# exits 77, which testrig and test/run.sh count as a skip.
skip() {
	echo "SKIPPED: $*" >&2
	exit 77
}

# spans FILE [REGEX]: reads a span log (fixture mode "span") and prints
# "MAX BAD": the most spans open at once among tests whose id matches REGEX,
# and how many times a test started on a slot (or group slot) still held.
spans() {
	sort -k2,2n -k1,1 "$1" | awk -v re="${2:-.}" '
		$5 !~ re { next }
		$1 == "S" {
			n++; if (n > max) max = n
			if ($3 in slot) bad++
			slot[$3] = 1
			# group slots are per group: the group is the first path part
			g = substr($5, 1, index($5, "/")) $4
			if ($4 != "-") { if (g in gslot) bad++; gslot[g] = 1 }
			next
		}
		$1 == "E" {
			n--; delete slot[$3]
			if ($4 != "-") delete gslot[substr($5, 1, index($5, "/")) $4]
		}
		END { print max + 0, bad + 0 }'
}

# ini TEXT: writes $T/testrig.ini (the project root is $T).
ini() {
	printf '%s\n' "$1" >"$T/testrig.ini"
}

# start_rig [DIR] ARGS...: starts testrig in the background from $T (stdout
# in $T/out, stderr in $T/err), with SIGINT and SIGQUIT at their defaults (a
# shell's background jobs start with them ignored); its pid in $rigpid.
start_rig() {
	owe_rc
	next_store
	: >"$T/out"
	: >"$T/err"
	(cd "$T" && exec env --default-signal=INT,QUIT "$RIG" "$@" >"$T/out" 2>"$T/err" </dev/null) &
	rigpid=$!
}

# wait_rig: waits for the background testrig (at most 20 s); status in $rc.
wait_rig() {
	_i=0
	while kill -0 "$rigpid" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$rigpid" 2>/dev/null; then
		fail "testrig still running after 20 s"
		kill -KILL "$rigpid"
	fi
	wait "$rigpid"
	rc=$?
	owe_rc "(run in the background)"
}

# until_true SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds
# (0) or SECONDS have passed (1).  The wait_* helpers below are made of it,
# each with a test of what it waits for and a message for when it waited in
# vain.
until_true() {
	_u_left=$(($1 * 20))
	shift
	while ! "$@"; do
		_u_left=$((_u_left - 1))
		[ "$_u_left" -ge 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# wait_file FILE TEXT [SECONDS]: until FILE contains TEXT (default 10 s).
has_text() { grep -qF -- "$2" "$1" 2>/dev/null; }
wait_file() {
	until_true "${3:-10}" has_text "$1" "$2" && return 0
	fail "waited in vain for '$2' in $1"
	return 1
}

# wait_lines FILE N: until FILE has N lines (at most 10 s).
has_lines() { [ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ]; }
wait_lines() {
	until_true 10 has_lines "$1" "$2" && return 0
	fail "waited in vain for $2 lines in $1"
	return 1
}

# wait_count FILE TEXT N [SECONDS]: until N lines of FILE hold TEXT (default 10 s).
has_count() {
	_c=$(grep -cF -- "$2" "$1" 2>/dev/null)
	[ "${_c:-0}" -ge "$3" ]
}
wait_count() {
	until_true "${4:-10}" has_count "$1" "$2" "$3" && return 0
	fail "waited in vain for $3 lines with '$2' in $1"
	return 1
}

# wait_state PID STATE [SECONDS]: until process PID is in STATE, the letter
# /proc/PID/stat shows (T: stopped), at most SECONDS (default 10).
state_of() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
in_state() { [ "$(state_of "$1")" = "$2" ]; }
wait_state() {
	until_true "${3:-10}" in_state "$1" "$2" && return 0
	fail "process $1 not in state $2 after ${3:-10} s: $(state_of "$1" || echo gone)"
	return 1
}

# wait_proc [-P PARENT] PATTERN [SECONDS]: until a process (a child of
# PARENT) whose command line matches PATTERN (pgrep -f) runs, at most SECONDS
# (default 10); its pid in $procpid.
proc_found() {
	procpid=$(pgrep ${1:+-P "$1"} -f -- "$2" 2>/dev/null | head -n 1)
	[ -n "$procpid" ]
}
wait_proc() {
	_pp=
	if [ "$1" = -P ]; then
		_pp=$2
		shift 2
	fi
	until_true "${2:-10}" proc_found "$_pp" "$1" && return 0
	fail "waited in vain for a process matching '$1'${_pp:+ (a child of $_pp)}"
	return 1
}

# threads PID: how many threads process PID runs (0 once it is gone).
threads() {
	_n=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	echo "${_n:-0}"
}

# wait_threads_below PID N [SECONDS]: until process PID runs fewer than N
# threads (testrig's workers end when its run does), or has ended.
fewer_threads() { [ "$(threads "$1")" -lt "$2" ]; }
wait_threads_below() {
	until_true "${3:-10}" fewer_threads "$1" "$2" && return 0
	fail "process $1 still runs $(threads "$1") threads after ${3:-10} s"
	return 1
}

# sig_in PID FIELD SIG: signal SIG (a name: TERM) is in the mask FIELD of
# /proc/PID/status (ShdPnd: pending for the process, SigCgt: caught).
sig_in() {
	_n=1
	while [ "$(kill -l $_n 2>/dev/null)" != "$3" ]; do
		_n=$((_n + 1))
		[ $_n -lt 32 ] || return 1
	done
	_m=$(sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null)
	[ -n "$_m" ] || return 1
	# Signals 1-31 are in the low 32 bits: the last 8 hex digits.
	_m=$(printf '%s' "$_m" | tail -c 8)
	[ $(((0x$_m >> (_n - 1)) & 1)) -eq 1 ]
}

# wait_taken PID SIG [SECONDS]: until the signal SIG sent to PID is no longer
# pending: PID took it (testrig reads its signals from a signalfd, so two of
# a kind sent before it reads the first would be one) or ended.
not_pending() { ! sig_in "$1" ShdPnd "$2"; }
wait_taken() {
	until_true "${3:-10}" not_pending "$1" "$2" && return 0
	fail "SIG$2 still pending at process $1 after ${3:-10} s"
	return 1
}

# wait_caught PID SIG [SECONDS]: until PID has a handler for SIG in place.
catches() { sig_in "$1" SigCgt "$2"; }
wait_caught() {
	until_true "${3:-10}" catches "$1" "$2" && return 0
	fail "process $1 does not catch SIG$2 after ${3:-10} s"
	return 1
}

# alive PID: the process exists and is not a zombie (a dead process whose
# new parent, such as a container's init, has not reaped it yet).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	_st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ "$_st" != Z ]
}

# expect_dead PIDFILE: none of the pids listed is alive.  A missing or empty
# file (the processes never started, or wrote it elsewhere) or one that is
# not a list of pids fails: "none alive" would hold vacuously.
expect_dead() {
	if [ ! -f "$1" ]; then
		fail "no pids to check: $1 is missing"
		return
	fi
	_n=0
	_seen=0
	for _p in $(cat "$1"); do
		case $_p in
		*[!0-9]* | 0*)
			fail "$1 holds '$_p', not a pid"
			return
			;;
		esac
		_seen=$((_seen + 1))
		alive "$_p" && _n=$((_n + 1))
	done
	if [ $_seen -eq 0 ]; then
		fail "no pids to check: $1 is empty"
	elif [ $_n -eq 0 ]; then
		ok
	else
		fail "$_n processes from $1 still alive"
	fi
}
