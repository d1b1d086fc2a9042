#!/bin/sh
# Run records (SPEC section 10): where they go, what they hold, replay (human,
# JSON, JUnit), runs, a record cut short by SIGKILL, files that are not
# records, --no-record, a store that cannot be written, a store whose file
# system is full, symbolic links planted in the store.
. "$(dirname "$0")/lib.sh"
# These tests are about where the store is and what it keeps across runs.
SHARED_STORE=1
unset TESTRIG_STATE_DIR

pass=$(fx pass)
fail=$(fx fail)
nonutf8=$(fx nonutf8)
flaky=$(fx flaky)
cd "$T" || exit 2
gunzip_lines() { python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())' "$1"; }

# --- a run is recorded in .testrig in the project root (no config: here) ---
FX_PASS_ON=2 rig_in "$T" run -j 2 --no-fail-fast --retries 1 --success-output final \
	"$pass" "$fail" "$nonutf8" "$flaky"
expect_rc 100
cp "$T/out" "$T/run.out"
set -- "$T"/.testrig/runs/*.jsonl.gz
[ $# -eq 1 ] && [ -f "$1" ] && ok || fail "expected one record in .testrig/runs, found: $*"
rec=$1
[ -f "$T/.testrig/history.gz" ] && ok || fail "no history.gz"
# The name: UTC start, then the run id the JSON events carry.
name=$(basename "$rec")
echo "$name" | grep -qE '^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f-]{36}\.jsonl\.gz$' && ok ||
	fail "record name $name"
gunzip_lines "$rec" >"$T/rec.jsonl"
python3 - "$T/rec.jsonl" "$name" >"$T/check" 2>&1 <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
bad = []
head = lines[0]
if head.get('type') != 'record' or head.get('format') != 2 or head.get('profile') != 'default':
    bad.append('header: %r' % head)
if head['run_id'] not in sys.argv[2]:
    bad.append('run id not in the name')
planned = [l for l in lines if l['type'] == 'test-planned']
if len(planned) != 4 or not all(p['selected'] for p in planned):
    bad.append('planned: %r' % planned)
# Every line carries the run id (SPEC section 8), test-planned too.
if any(l.get('run_id') != head['run_id'] for l in lines):
    bad.append('a line without the run id: %r' % [l for l in lines if l.get('run_id') != head['run_id']][:1])
types = [l['type'] for l in lines]
for t in ('run-started', 'test-started', 'test-retry', 'test-finished', 'run-finished'):
    if t not in types:
        bad.append('no %s event' % t)
if types[-1] != 'run-finished' or lines[-1].get('exit_code') != 100:
    bad.append('last line: %r' % lines[-1])
fin = {l['binary_id'].rsplit('/', 1)[1]: l for l in lines if l['type'] == 'test-finished'}
# Output is kept whatever the output options, byte for byte.
if fin['fail'].get('stdout') is None or 'stderr' not in fin['fail']:
    bad.append('fail: no output %r' % fin['fail'])
import base64
raw = base64.b64decode(fin['nonutf8'].get('stdout_base64', ''))
if raw != b'caf\xe9 \xff\xfe\x00end\n':
    bad.append('nonutf8 stdout: %r' % raw)
if base64.b64decode(fin['nonutf8'].get('stderr_base64', '')) != b'\xc3\x28 bad\n':
    bad.append('nonutf8 stderr')
if fin['flaky']['result'] != 'flaky' or fin['flaky']['verdict'] != 'pass':
    bad.append('flaky: %r' % fin['flaky'])
retry = [l for l in lines if l['type'] == 'test-retry']
if len(retry) != 3 or not all(('stdout' in r or 'stdout_base64' in r) and 'start' in r
                               for r in retry):
    bad.append('test-retry without its output: %r' % retry)
print('\n'.join(bad) if bad else 'ok')
PY
[ "$(cat "$T/check")" = ok ] && ok || fail "record contents: $(cat "$T/check")"

# --- replay: the same human report (with the same output options), the exit code ---
rig_in "$T" replay --success-output final
expect_rc 100
if cmp -s "$T/out" "$T/run.out"; then ok; else
	fail "replay differs from the run: $(diff -a "$T/run.out" "$T/out" | head -20)"
fi
id=$(echo "$name" | sed 's/^[^-]*-//; s/\.jsonl\.gz$//')
rig_in "$T" replay --success-output final "$(echo "$id" | cut -c1-8)"
expect_rc 100
cmp -s "$T/out" "$T/run.out" && ok || fail "replay by run-id prefix differs"
rig_in "$T" replay --success-output final "$rec"
expect_rc 100
cmp -s "$T/out" "$T/run.out" && ok || fail "replay by path differs"
# The output options given now: success output is not shown this time.
rig_in "$T" replay --success-output never --failure-output never
expect_rc 100
expect_no_out "--- STDOUT: $T/bin/flaky ---"
expect_no_out "--- STDOUT: $T/bin/fail ---"
expect_out "FAIL ["
# JSON: the recorded events (not the record's own lines).
rig_in "$T" replay --message-format json
expect_rc 100
# A record leaves out the test-started line of a test that finished soon
# after; replay puts it back, before its test-finished, timed at its start.
python3 - "$T/out" "$T/rec.jsonl" >"$T/check" 2>&1 <<'PY' && ok || fail "replay json: $(cat "$T/check")"
import json, sys
out = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
rec = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
rec = [e for e in rec if e['type'] not in ('record', 'test-planned')]
added = [e for e in out if e not in rec]
assert [e for e in out if e in rec] == rec, 'the recorded events, in order'
assert all(e['type'] == 'test-started' and e['attempt'] == 1 for e in added), added
started = set()
for e in out:
    key = (e.get('binary_id'), e.get('test'))
    if e['type'] == 'test-started':
        assert key not in started or e['attempt'] > 1, 'started twice: %r' % (key,)
        started.add(key)
    elif e['type'] == 'test-finished':
        assert key in started, 'finished, never started: %r' % (key,)
for e in added:
    fin = [f for f in rec if f['type'] == 'test-finished' and f['test'] == e['test']]
    assert fin and e['time'] == fin[0]['start'], (e, fin)
PY
grep -q '"type":"test-planned"' "$T/out" && fail "replay json printed test-planned" || ok
# JUnit, valid against the schema.
rig_in "$T" replay --junit "$T/replay.xml"
expect_rc 100
if have xmllint; then
	xmllint --noout --schema "$top/test/junit.xsd" "$T/replay.xml" 2>"$T/xsd" && ok ||
		fail "replayed JUnit is not valid: $(cat "$T/xsd")"
fi
grep -q 'flakyFailure' "$T/replay.xml" && ok || fail "replayed JUnit lacks the flaky test's retry"

# --- runs ---
rig_in "$T" runs
expect_rc 0
expect_out "$(echo "$id" | cut -c1-8)"
rig_in "$T" runs --format json
expect_rc 0
python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert len(l)==1 and l[0]["run_id"]==sys.argv[2] and l[0]["exit_code"]==100 and l[0]["complete"] and l[0]["counts"]["failed"]==2, l' \
	"$T/out" "$id" 2>"$T/py" && ok || fail "runs --format json: $(cat "$T/py")"

# --- a passing run exits 0 on replay too ---
rig_in "$T" run "$pass"
expect_rc 0
rig_in "$T" replay latest
expect_rc 0
expect_out "1 test run: 1 passed"

# --- not a record: exit 96 naming the file ---
printf 'hello\n' >"$T/plain.txt"
rig_in "$T" replay "$T/plain.txt"
expect_rc 96
expect_err "$T/plain.txt is not a testrig run record"
printf 'hello\n' | gzip >"$T/text.gz"
rig_in "$T" replay "$T/text.gz"
expect_rc 96
expect_err "$T/text.gz is not a testrig run record"
: >"$T/empty.gz"
rig_in "$T" replay "$T/empty.gz"
expect_rc 96
rig_in "$T" replay nosuchrun
expect_rc 96
expect_err "no recorded run has an id beginning with 'nosuchrun'"

# --- a record cut short by SIGKILL is readable up to its last flush ---
mkdir -p "$T/k"
hang=$(fx hang k)
kpass=$(fx pass k)
(cd "$T/k" && exec "$RIG" run -j 1 --no-fail-fast "$kpass" "$hang" >/dev/null 2>&1) &
kpid=$!
# Past the pass and at least one flush (once a second at the most): until
# the record holds the pass's end.
i=0
until gzip -dc "$T"/k/.testrig/runs/*.jsonl.gz 2>/dev/null | grep -q '"type":"test-finished"'; do
	i=$((i + 1))
	if [ $i -gt 400 ]; then
		fail "the record of the run to be killed never showed the pass"
		break
	fi
	sleep 0.05
done
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
pkill -KILL -f "$T/k/hang"
set -- "$T"/k/.testrig/runs/*.jsonl.gz
[ -f "$1" ] && ok || fail "no record of the killed run"
rig_in "$T/k" replay
expect_rc 100
expect_err "is cut short"
expect_out "PASS ["
expect_out "$T/k/pass"
expect_out "Cancelled"
rig_in "$T/k" runs
expect_rc 0
expect_out "incomplete"
# An event after run-finished: not a whole record either (fuzz_record found
# one taken for complete).
mkdir -p "$T/after"
rig_in "$T/after" run "$kpass"
expect_rc 0
set -- "$T"/after/.testrig/runs/*.jsonl.gz
{ gzip -dc "$1"; gzip -dc "$1" | grep '"type":"test-finished"'; } | gzip >"$T/after.jsonl.gz"
rig replay "$T/after.jsonl.gz"
expect_rc 100
expect_err "is cut short"

# --- --no-record, [store] record = false, --state-dir, TESTRIG_STATE_DIR ---
mkdir -p "$T/n"
rig_in "$T/n" run --no-record "$pass"
expect_rc 0
[ ! -e "$T/n/.testrig" ] && ok || fail "--no-record made a store"
printf '[store]\nrecord = false\n' >"$T/n/testrig.ini"
rig_in "$T/n" run "$pass"
expect_rc 0
[ ! -e "$T/n/.testrig" ] && ok || fail "record = false made a store"
rm "$T/n/testrig.ini"
rig_in "$T/n" run --state-dir "$T/elsewhere" "$pass"
expect_rc 0
ls "$T"/elsewhere/runs/*.jsonl.gz >/dev/null 2>&1 && ok || fail "--state-dir ignored"
(cd "$T/n" && TESTRIG_STATE_DIR="$T/viaenv" "$RIG" run "$pass" >/dev/null 2>&1)
ls "$T"/viaenv/runs/*.jsonl.gz >/dev/null 2>&1 && ok || fail "TESTRIG_STATE_DIR ignored"
printf '[store]\ndir = state/here\n' >"$T/n/testrig.ini"
rig_in "$T/n" run "$pass"
expect_rc 0
ls "$T"/n/state/here/runs/*.jsonl.gz >/dev/null 2>&1 && ok || fail "[store] dir ignored"
rig_in "$T/n" replay
expect_rc 0
rm "$T/n/testrig.ini"

# --- symbolic links planted in the store (issue 23): testrig creates and
# deletes nothing outside it ---
mkdir -p "$T/sym" "$T/outside/runs"
printf 'precious\n' >"$T/outside/file"
rig_in "$T/sym" run "$pass"
expect_rc 0
# A link at the history's temporary name, which holds testrig's pid: the
# shell that plants it execs testrig, which keeps its pid.
(cd "$T/sym" && exec sh -c 'ln -s "$1" ".testrig/history.gz.tmp.$$" && exec "$2" run "$3"' \
	sh "$T/outside/file" "$RIG" "$pass" >"$T/out" 2>"$T/err" </dev/null)
rc=$?
ran_fg "run (a link at the history's temporary name)"
expect_rc 0
[ "$(cat "$T/outside/file")" = precious ] && ok ||
	fail "the history was written through a planted link: $(od -c "$T/outside/file" | head -3)"
[ -f "$T/sym/.testrig/history.gz" ] && [ ! -L "$T/sym/.testrig/history.gz" ] && ok ||
	fail "history.gz is not a file of the store's: $(ls -l "$T/sym/.testrig")"
rig_in "$T/sym" history --format json
expect_rc 0
python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert len(l)==1 and l[0]["runs"]==2, l' \
	"$T/out" 2>"$T/py" && ok || fail "history after a planted link: $(cat "$T/py")"
rm -f "$T"/sym/.testrig/history.gz.tmp.*
# A dangling link at the lock: no file made where it points; one warning.
rm -f "$T/sym/.testrig/lock"
ln -s "$T/outside/lockfile" "$T/sym/.testrig/lock"
rig_in "$T/sym" run "$pass"
expect_rc 0
[ ! -e "$T/outside/lockfile" ] && ok || fail "the lock was made outside the store"
[ "$(grep -c warning "$T/err")" -eq 1 ] && ok || fail "expected one warning: $(cat "$T/err")"
expect_err "$T/sym/.testrig/lock is a symbolic link"
rm -f "$T/sym/.testrig/lock"
# runs/ a link to a directory of record-named files: not a record made
# there, nor one deleted (keep-runs = 1 would prune them all).
mkdir -p "$T/symruns/.testrig"
for n in 1 2 3; do
	cp "$rec" "$T/outside/runs/2026010${n}T000000.000Z-0000000$n-0000-0000-0000-000000000000.jsonl.gz"
done
ln -s "$T/outside/runs" "$T/symruns/.testrig/runs"
printf '[store]\nkeep-runs = 1\n' >"$T/symruns/testrig.ini"
rig_in "$T/symruns" run "$pass"
expect_rc 0
[ "$(ls "$T/outside/runs" | wc -l)" -eq 3 ] && ok ||
	fail "records written or pruned through runs/, a link: $(ls "$T/outside/runs")"
[ "$(grep -c warning "$T/err")" -eq 1 ] && ok || fail "expected one warning: $(cat "$T/err")"
expect_err "$T/symruns/.testrig/runs is a symbolic link"

# --- a full file system (issue 23): writes under the store fail with ENOSPC
# (test/fixtures/failwrite.so, preloaded): the warning names ENOSPC, the
# record cut short is not left for runs, replay and --failed to take for
# the latest run, and a store over its limits is pruned before the run
# writes, so that lowering keep-runs or max-size gets a full store going ---
so=$BUILD/test/fixtures/failwrite.so
mkdir -p "$T/full"
full=$(cd "$T/full" && pwd -P)
for b in sleep@a flood fail pass sleep@b; do ln -s "$FIXTURE" "$T/full/$b"; done
# In list order (by name), one at a time: the flood's record line (1 MiB of
# failing output) is the write that fails, and the sleeps' flushes come after.
full_ini='[suite.s]
binaries = sleep@a flood fail pass sleep@b
[profile.default]
test-threads = 1
schedule = list
fail-fast = false'
printf '%s\n' "$full_ini" >"$T/full/testrig.ini"
export FX_FLOOD_MIB=1 FX_EXIT=1 FX_SLEEP_MS=200
# full_run SIZE: a run whose store takes SIZE bytes a file, then ENOSPC.
full_run() {
	(cd "$T/full" && FAILWRITE_DIR=$full/.testrig FAILWRITE_SIZE=$1 LD_PRELOAD=$so \
		exec "$RIG" run >"$T/out" 2>"$T/err" </dev/null)
	rc=$?
	ran_fg "run (FAILWRITE_SIZE=$1)"
}
# agree ID WHEN: runs, replay and --failed all take run ID for the latest.
agree() {
	rig_in "$T/full" runs --format json
	expect_rc 0
	got=$(head -n 1 "$T/out" | sed -n 's/^{"run_id":"\([^"]*\)".*/\1/p')
	[ "$got" = "$1" ] && ok || fail "$2: runs' latest is '$got', not $1"
	rig_in "$T/full" replay --message-format json
	expect_rc 100
	grep -q "\"type\":\"run-finished\",\"run_id\":\"$1\"" "$T/out" && ok ||
		fail "$2: replay did not replay $1: $(tail -n 1 "$T/out")"
	rig_in "$T/full" list --failed --format oneline
	expect_rc 0
	[ "$(sort "$T/out" | tr '\n' ' ')" = "fail fail flood flood " ] && ok ||
		fail "$2: --failed owes: $(cat "$T/out")"
}
records() { ls "$T"/full/.testrig/runs/*.jsonl.gz 2>/dev/null | wc -l; }
full_run 0
took_rc
if ! grep -q "warning: the run record .* cannot be written" "$T/err"; then
	lack failwrite.so   # a static or sanitized build: LD_PRELOAD cannot reach its writes
else
	rm -rf "$T/full/.testrig"
	for i in 1 2 3; do
		rig_in "$T/full" run
		expect_rc 100
	done
	good=$(ls "$T"/full/.testrig/runs/*.jsonl.gz | tail -n 1 | sed 's/.*Z-//; s/\.jsonl\.gz$//')
	# The store takes the record's beginning, then the flood's line fails.
	full_run 1000
	expect_rc 100
	[ "$(grep -c 'warning: the run record' "$T/err")" -eq 1 ] && ok ||
		fail "expected one warning about the record: $(cat "$T/err")"
	expect_err "cannot be written: No space left on device"
	expect_summary "5 tests run: 3 passed, 2 failed, 0 skipped"
	[ "$(records)" -eq 3 ] && ok || fail "a record cut short by ENOSPC was left: $(records) records"
	agree "$good" "after a record cut short"
	# No write at all, and a store over its limits: pruned first.
	printf '%s\n[store]\nkeep-runs = 2\n' "$full_ini" >"$T/full/testrig.ini"
	full_run 0
	expect_rc 100
	expect_err "cannot be written: No space left on device"
	[ "$(records)" -eq 2 ] && ok ||
		fail "keep-runs = 2 and a write that fails: $(records) records"
	agree "$good" "after a record that could not be written at all"
	printf '%s\n' "$full_ini" >"$T/full/testrig.ini"
fi
unset FX_FLOOD_MIB FX_EXIT FX_SLEEP_MS

# --- a store that cannot be written: one warning, the run unchanged ---
mkdir -p "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	# root writes anywhere it may chmod: a read-only file system instead.
	unshare -m sh -c 'mount -t tmpfs -o ro tmpfs "$1" && cd "$1" && exec "$2" run "$3" "$4"' \
		sh "$T/ro" "$RIG" "$pass" "$fail" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
else
	chmod 555 "$T/ro"
	rig_in "$T/ro" run "$pass" "$fail"
	chmod 755 "$T/ro"
fi
expect_rc 100
[ "$(grep -c 'warning: run records are off' "$T/err")" -eq 1 ] && ok ||
	fail "expected one warning about the store: $(cat "$T/err")"
expect_summary "2 tests run: 1 passed, 1 failed, 0 skipped"

finish
