#!/bin/sh
# --failed (SPEC section 10): what the latest recorded run of the profile
# still owes is run (or listed) again; the set carries forward, -E and
# --partition narrow it, nothing owed exits 0, no record exits 96; and the
# loop `until testrig run --failed; do fix; done` ends; runs, replay and
# --failed agree on the latest usable run.
. "$(dirname "$0")/lib.sh"
# These tests are about where the store is and what it keeps across runs.
SHARED_STORE=1
unset TESTRIG_STATE_DIR

cd "$T" || exit 2
# --- no record at all ---
rig_in "$T" run --failed "$(fx pass)"
expect_rc 96
expect_err "--failed: no recorded run of profile 'default'"
rig_in "$T" list --failed "$(fx pass)"
expect_rc 96

# --- the outstanding set: failed tests, and nothing that passed ---
mkdir -p "$T/a" && cd "$T/a" || exit 2
ln -s "$FIXTURE" pass
ln -s "$FIXTURE" fail
ln -s "$FIXTURE" marker
ln -s "$FIXTURE" skip
export FX_MARKER="$T/a/fixed"
printf '[suite.s]\nbinaries = pass fail marker skip\n' >testrig.ini
rig_in "$T/a" run --no-fail-fast -j 2
expect_rc 100
rig_in "$T/a" list --failed --format oneline
expect_rc 0
[ "$(sort "$T/out" | tr '\n' ' ')" = "fail fail marker marker " ] && ok ||
	fail "list --failed: $(cat "$T/out")"
# -E narrows what runs; the rest stays owed.
rig_in "$T/a" run --failed -E 'binary(marker)'
expect_rc 100
expect_summary "1 test run: 0 passed, 1 failed, 3 skipped"
rig_in "$T/a" list --failed --format oneline
expect_rc 0
[ "$(sort "$T/out" | tr '\n' ' ')" = "fail fail marker marker " ] && ok ||
	fail "after a narrowed --failed run, still owed: $(cat "$T/out")"
# --partition narrows it too (count partitions are cut from the full list).
rig_in "$T/a" list --failed --format oneline --partition count:1/4
expect_rc 0
[ "$(cat "$T/out")" = "fail fail" ] && ok || fail "--failed --partition count:1/4: $(cat "$T/out")"
rig_in "$T/a" list --failed --format oneline --partition count:3/4
expect_rc 4

# --- until testrig run --failed; do fix; done ---
mkdir -p "$T/loop" && cd "$T/loop" || exit 2
ln -s "$FIXTURE" pass
ln -s "$FIXTURE" marker
export FX_MARKER="$T/loop/fixed"
printf '[suite.s]\nbinaries = pass marker\n' >testrig.ini
"$RIG" run >/dev/null 2>&1
tries=0
until "$RIG" run --failed >"$T/loop.out" 2>&1; do
	tries=$((tries + 1))
	# Each rerun runs the one failing test, not the passing one.
	grep -q "1 test run: 0 passed, 1 failed, 1 skipped" "$T/loop.out" && ok ||
		fail "rerun $tries: $(grep Summary "$T/loop.out")"
	[ $tries -eq 2 ] && touch "$T/loop/fixed"
	[ $tries -gt 5 ] && break
done
[ $tries -eq 2 ] && ok || fail "the loop ran $tries times, expected 2"
grep -q "1 test run: 1 passed, 1 skipped" "$T/loop.out" && ok ||
	fail "the last --failed run: $(cat "$T/loop.out")"
rig_in "$T/loop" run --failed
expect_rc 0
expect_out "passed: nothing to rerun"
rig_in "$T/loop" list --failed
expect_rc 0
expect_out "nothing to rerun"

# --- tests that never finished are owed: fail-fast, and a signal ---
mkdir -p "$T/ff" && cd "$T/ff" || exit 2
ln -s "$FIXTURE" fail
ln -s "$FIXTURE" pass@b
ln -s "$FIXTURE" pass@c
printf '[suite.s]\nbinaries = fail pass@b pass@c\n[profile.default]\ntest-threads = 1\n' \
	>testrig.ini
rig_in "$T/ff" run
expect_rc 100
rig_in "$T/ff" list --failed --format oneline
expect_rc 0
[ "$(cat "$T/out" | wc -l)" -eq 3 ] && ok || fail "after fail-fast, owed: $(cat "$T/out")"

mkdir -p "$T/sig" && cd "$T/sig" || exit 2
ln -s "$FIXTURE" hang
ln -s "$FIXTURE" pass@z
printf '[suite.s]\nbinaries = hang pass@z\n[profile.default]\ntest-threads = 1\ngrace-period = 100ms\n' \
	>testrig.ini
(cd "$T/sig" && exec env --default-signal=INT "$RIG" run >"$T/out" 2>"$T/err" </dev/null) &
rigpid=$!
# The first test runs.
wait_proc -P "$rigpid" "$T/sig/hang"
kill -INT "$rigpid"
wait_rig
expect_rc 100
rig_in "$T/sig" list --failed --format oneline
expect_rc 0
[ "$(sort "$T/out" | tr '\n' ' ')" = "hang hang pass@z pass@z " ] && ok ||
	fail "after SIGINT, owed: $(cat "$T/out")"

# --- flaky tests are owed only under flaky-result = fail; profiles apart ---
mkdir -p "$T/fl" && cd "$T/fl" || exit 2
ln -s "$FIXTURE" flaky
printf '[suite.s]\nbinaries = flaky\n[profile.default]\nretries = 2\n[profile.strict]\nflaky-result = fail\n' \
	>testrig.ini
FX_PASS_ON=2 "$RIG" run >/dev/null 2>&1
rig_in "$T/fl" run --failed
expect_rc 0
expect_out "nothing to rerun"
FX_PASS_ON=2 "$RIG" run -P strict >/dev/null 2>&1
rig_in "$T/fl" list --failed -P strict --format oneline
expect_rc 0
[ "$(cat "$T/out")" = "flaky flaky" ] && ok || fail "flaky under flaky-result = fail: $(cat "$T/out")"
# The default profile's latest run is still the one that passed.
rig_in "$T/fl" list --failed
expect_rc 0
expect_out "nothing to rerun"

# --- the latest usable run (issue 23): runs, replay and --failed agree on
# it; a record that cannot be read, or holds only its header, is skipped
# with a warning naming it; a field of the wrong type is named once ---
mkdir -p "$T/u" && cd "$T/u" || exit 2
ln -s "$FIXTURE" pass
ln -s "$FIXTURE" fail
printf '[suite.s]\nbinaries = pass fail\n[profile.default]\nfail-fast = false\n' >testrig.ini
rig_in "$T/u" run
expect_rc 100
good=$(ls "$T"/u/.testrig/runs/*.jsonl.gz)
id=$(basename "$good" | sed 's/^[^-]*-//; s/\.jsonl\.gz$//')
# latest_is WHY BAD: runs, replay and --failed take the good run, and say
# why the newer record BAD was skipped.
latest_is() {
	rig_in "$T/u" runs --format json
	expect_rc 0
	head -n 1 "$T/out" | grep -q "^{\"run_id\":\"$id\"" && ok ||
		fail "$1: runs' first line: $(head -n 1 "$T/out")"
	expect_err "$2"
	rig_in "$T/u" replay
	expect_rc 100
	expect_out "FAIL ["
	expect_err "$2"
	rig_in "$T/u" run --failed
	expect_rc 100
	expect_summary "1 test run: 0 passed, 1 failed, 1 skipped"
	expect_err "$2"
}
bad=$T/u/.testrig/runs/29991231T000000.000Z-0bad0000-0000-0000-0000-000000000000.jsonl.gz
printf 'not a record\n' >"$bad"
latest_is "an unreadable record" "$bad"
rm "$bad"
good=$(ls -t "$T"/u/.testrig/runs/*.jsonl.gz | head -n 1)
id=$(basename "$good" | sed 's/^[^-]*-//; s/\.jsonl\.gz$//')
hdr=$T/u/.testrig/runs/29991231T000000.000Z-0aaa0000-0000-0000-0000-000000000000.jsonl.gz
gzip -dc "$good" | head -n 1 | sed "s/$id/0aaa0000-0000-0000-0000-000000000000/" | gzip >"$hdr"
latest_is "a record with only its header" "$hdr"
rm "$hdr"
good=$(ls -t "$T"/u/.testrig/runs/*.jsonl.gz | head -n 1)
# Fields of the wrong type: one warning for the record, naming it and a field.
typ=$T/u/.testrig/runs/20000101T000000.000Z-07e00000-0000-0000-0000-000000000000.jsonl.gz
gzip -dc "$good" | sed 's/"exit_code":100/"exit_code":"100"/; s/"duration":\([0-9.]*\)/"duration":"\1"/g' |
	gzip >"$typ"
rig_in "$T/u" replay 07e
expect_rc 100
[ "$(grep -c "warning: $typ" "$T/err")" -eq 1 ] && ok ||
	fail "expected one warning naming $typ: $(cat "$T/err")"
grep "warning: $typ" "$T/err" | grep -q '"duration"\|"exit_code"' && ok ||
	fail "the warning names no field: $(cat "$T/err")"

finish
