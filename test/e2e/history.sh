#!/bin/sh
# History (SPEC section 10): schedule = history starts last time's failures
# first, then tests never seen, then the longest; schedule = list keeps list
# order; flake notes in the final list and in JSON; testrig history; two runs
# sharing a store at once both land in it; pruning by keep-runs and max-size;
# a damaged history costs a warning and is rebuilt from the records.
. "$(dirname "$0")/lib.sh"
# These tests are about where the store is and what it keeps across runs.
SHARED_STORE=1
unset TESTRIG_STATE_DIR

cd "$T" || exit 2
# Four tests with their own durations (a suite each: suite env sets it).
ln -s "$FIXTURE" "$T/sleep@1short"
ln -s "$FIXTURE" "$T/sleep@2long"
ln -s "$FIXTURE" "$T/sleep@3mid"
ln -s "$FIXTURE" "$T/marker"
export FX_MARKER="$T/fixed"
ini '[suite.short]
binaries = sleep@1short
env = FX_SLEEP_MS=10
[suite.long]
binaries = sleep@2long
env = FX_SLEEP_MS=300
[suite.mid]
binaries = sleep@3mid
env = FX_SLEEP_MS=120
[suite.flaky]
binaries = marker
[profile.default]
test-threads = 1
fail-fast = false
[profile.inorder]
schedule = list'

# started ORDER: the tests in the order the JSON stream says they started.
started() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "test-started" and e["attempt"] == 1:
        print(e["test"].split("@")[-1])' "$T/out" | tr '\n' ' '
}

# The first run has no history: list order.
rig_in "$T" run --message-format json
expect_rc 100
[ "$(started)" = "1short 2long 3mid marker " ] && ok || fail "first run order: $(started)"
# Now: the failed test first, then the longest first.
rig_in "$T" run --message-format json
expect_rc 100
[ "$(started)" = "marker 2long 3mid 1short " ] && ok || fail "history order: $(started)"
# A test never seen comes after last time's failures, before the known ones.
ln -s "$FIXTURE" "$T/sleep@0new"
printf '[suite.new]\nbinaries = sleep@0new\nenv = FX_SLEEP_MS=1\n' >>"$T/testrig.ini"
rig_in "$T" run --message-format json
expect_rc 100
[ "$(started)" = "marker 0new 2long 3mid 1short " ] && ok || fail "with a new test: $(started)"
# schedule = list: list order whatever the history says.
rig_in "$T" run --message-format json -P inorder
expect_rc 100
[ "$(started)" = "1short 2long 3mid marker 0new " ] && ok || fail "schedule = list: $(started)"
# Partitions are cut from list order first: the same shard whatever the history.
rig_in "$T" run --message-format json --partition count:2/2
expect_rc 100
[ "$(started)" = "marker 2long " ] && ok || fail "shard 2/2 with history: $(started)"

# --- flake notes: the final list and JSON test-finished ---
rig_in "$T" run -E 'binary(marker)'
expect_rc 100
expect_line '^ +FAIL \[ *[0-9.]+s\] marker  \(failed 6 of the last 6 runs\)$'
touch "$T/fixed"
rig_in "$T" run --message-format json -E 'binary(marker)'
expect_rc 0
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "test-finished":
        assert e["history"] == {"runs": 7, "failures": 6, "flaky": 0}, e["history"]
        print("ok")' "$T/out" >"$T/py" 2>&1
[ "$(cat "$T/py")" = ok ] && ok || fail "JSON history: $(cat "$T/py")"
# A passing test that never failed gets no note.
rig_in "$T" run -E 'binary(#*1short)' --final-status-level all
expect_rc 0
expect_no_out "of the last"

# --- testrig history ---
rig_in "$T" history
expect_rc 0
expect_line '^pass +7 +6 +0 .* marker marker$'
rig_in "$T" history --format json -E 'test(2long)'
expect_rc 0
python3 -c 'import json,sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert len(l) == 1 and l[0]["test"] == "sleep@2long" and l[0]["runs"] == 5, l
assert 0.29 < l[0]["mean_duration"] < 1.5, l' "$T/out" 2>"$T/py" && ok ||
	fail "history --format json: $(cat "$T/py")"
rig_in "$T" history --format oneline
expect_rc 2

# --- two runs at once sharing the store: both recorded, nothing lost ---
mkdir -p "$T/c" && cd "$T/c" || exit 2
ln -s "$FIXTURE" pass@x
ln -s "$FIXTURE" pass@y
printf '[suite.s]\nbinaries = pass@x pass@y\n[store]\nkeep-runs = 100\n' >testrig.ini
i=0
while [ $i -lt 20 ]; do
	"$RIG" run -E 'test(x)' >/dev/null 2>&1 &
	a=$!
	"$RIG" run -E 'test(y)' >/dev/null 2>&1 &
	b=$!
	wait $a
	wait $b
	i=$((i + 1))
done
n=$(ls "$T"/c/.testrig/runs/*.jsonl.gz | wc -l)
[ "$n" -eq 40 ] && ok || fail "40 concurrent runs, $n records"
rig_in "$T/c" history --format json
expect_rc 0
python3 -c 'import json,sys
l = {e["test"]: e for e in map(json.loads, open(sys.argv[1]))}
assert l["pass@x"]["runs"] == 20 and l["pass@y"]["runs"] == 20, l' "$T/out" 2>"$T/py" && ok ||
	fail "history after 40 concurrent runs: $(cat "$T/py")"
ls "$T"/c/.testrig/*.tmp.* >/dev/null 2>&1 && fail "temporary files left in the store" || ok

# --- pruning: keep-runs, then max-size; never the record just written ---
printf '[suite.s]\nbinaries = pass@x\n[store]\nkeep-runs = 3\n' >testrig.ini
"$RIG" run >/dev/null 2>&1
newest=$(ls "$T"/c/.testrig/runs/*.jsonl.gz | tail -n 1)
n=$(ls "$T"/c/.testrig/runs/*.jsonl.gz | wc -l)
[ "$n" -eq 3 ] && ok || fail "keep-runs = 3 left $n records"
printf '[suite.s]\nbinaries = pass@x\n[store]\nmax-size = 1\n' >testrig.ini
"$RIG" run >/dev/null 2>&1
n=$(ls "$T"/c/.testrig/runs/*.jsonl.gz | wc -l)
[ "$n" -eq 1 ] && ok || fail "max-size = 1 byte left $n records"
[ "$(ls "$T"/c/.testrig/runs/*.jsonl.gz)" != "$newest" ] && ok ||
	fail "max-size kept an old record instead of the new one"

# --- a damaged history: one warning, the run unchanged, a new history ---
printf 'not gzip' >"$T/c/.testrig/history.gz"
rig_in "$T/c" run
expect_rc 0
expect_err "history"
rig_in "$T/c" history
expect_rc 0
expect_out "pass@x"

# --- a damaged history is rebuilt from the records in runs/ (issue 23):
# random bytes, an empty file, a line too long, a file cut short (no gzip
# trailer); testrig history and a run each say so once, naming the file ---
mkdir -p "$T/d" && cd "$T/d" || exit 2
ln -s "$FIXTURE" pass@x
ln -s "$FIXTURE" pass@y
printf '[suite.s]\nbinaries = pass@x pass@y\n' >testrig.ini
for i in 1 2 3; do
	rig_in "$T/d" run
	expect_rc 0
done
h=$T/d/.testrig/history.gz
cp "$h" "$T/good.gz"
# runs_are N: testrig history says both tests ran N times.
runs_are() {
	python3 -c 'import json,sys
l = {e["test"]: e["runs"] for e in map(json.loads, open(sys.argv[1]))}
assert l == {"pass@x": int(sys.argv[2]), "pass@y": int(sys.argv[2])}, l' "$T/out" "$1" 2>"$T/py" &&
		ok || fail "$2: history: $(cat "$T/py")"
}
# one_warning WHEN: stderr holds one line, a warning naming history.gz.
one_warning() {
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "warning: $h" "$T/err" && ok ||
		fail "$1: expected one warning naming $h: $(cat "$T/err")"
}
# damage KIND: history.gz made so.
damage() {
	case $1 in
	random) printf '\001\002 not a gzip stream \377\376' >"$h" ;;
	empty) : >"$h" ;;
	long) python3 -c 'print("x" * (2 << 20))' | gzip >"$h" ;;
	cut) head -c $(($(wc -c <"$T/good.gz") - 8)) "$T/good.gz" >"$h" ;;
	esac
}
n=3
for kind in random empty long cut; do
	damage $kind
	rig_in "$T/d" history --format json
	expect_rc 0
	one_warning "testrig history, $kind"
	runs_are $n "testrig history, $kind"
	damage $kind
	rig_in "$T/d" run
	expect_rc 0
	one_warning "a run, $kind"
	n=$((n + 1))
	rig_in "$T/d" history --format json
	expect_rc 0
	runs_are $n "after a run, $kind"
	cp "$h" "$T/good.gz"
done

finish
