#!/bin/sh
# isolation = binary (SPEC section 3) on real GoogleTest and libtest
# binaries whose tests share their process: per-test isolation fails them,
# binary isolation passes them; a case that crashes or hangs ends its
# process and the cases after it go on in a new one; a failed case is
# retried alone; a failure outside the cases is `(process)`; filters,
# partitions, fail-fast, SIGINT, sharding, run records and the reports see
# cases as tests.
. "$(dirname "$0")/lib.sh"

src=$BUILD/test/protocols/gtest_shared
[ -x "$src" ] || skip "no GoogleTest binary (install g++ and libgtest-dev)"
# A copy under $T: processes left behind are found by their path.
mkdir -p "$T/bin"
cp "$src" "$T/bin/shared"
gs=$T/bin/shared
id=bin/shared   # its id when a suite names it, as the runs from $T do
export GTEST_SHARED_FLAKY_FILE="$T/flaky.mark"
touch "$GTEST_SHARED_FLAKY_FILE"

suite() { # suite ISOLATION [MORE KEY = VALUE LINES...]
	iso=$1
	shift
	{
		printf '[profile.default]\nslow-timeout = 0.3s\nterminate-after = 3\n'
		printf '[suite.shared]\nbinaries = bin/shared\nprotocol = gtest\nisolation = %s\n' "$iso"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/testrig.ini"
}

# One process per test: the counter never reaches 2, main sees one test.
suite test
rig_in "$T" run --no-fail-fast
expect_rc 100 "per-test isolation"
expect_status "$id Shared.First" FAIL
expect_status "$id Shared.Second" FAIL
expect_summary "7 tests run: 0 passed, 7 failed, 0 skipped"

# One process for the binary, not listed first: they pass.
suite binary
rig_in "$T" run --status-level all
expect_rc 0 "binary isolation"
expect_out "Starting the cases of 1 binary on 1 thread"
expect_status "$id Shared.First" PASS
expect_status "$id Shared.Second" PASS
expect_status "$id Trouble.After" PASS
expect_line "SKIP \[.*\] $id Trouble.Skipped  \(skipped on purpose\)$"
expect_summary "7 tests run: 6 passed, 1 skipped"
# The binary was run once, without a listing.
if grep -q "gtest_list_tests" "$T/out"; then fail "a listing ran"; else ok; fi

# The same from the command line.
rig run --protocol gtest --isolation binary "$gs"
expect_rc 0 "--isolation binary"
expect_status "$gs Shared.Second" PASS
expect_summary "7 tests run: 6 passed, 1 skipped"

# Misuse: a protocol without cases, or --isolation without command-line binaries.
rig run --isolation binary "$gs"
expect_rc 96 "--isolation binary with exec"
expect_err "--isolation binary needs --protocol gtest or libtest"
printf '[suite.scripts]\nbinaries = bin/shared\nprotocol = tap\nisolation = binary\n' >"$T/tap.ini"
rig run --config "$T/tap.ini"
expect_rc 96 "isolation = binary with tap"
expect_err "tap.ini:4: [suite.scripts]: isolation = binary needs protocol gtest or libtest"
printf '[suite.l]\nbinaries = bin/shared\nprotocol = libtest\nisolation = binary\nshards = 2\n' >"$T/lt.ini"
rig run --config "$T/lt.ini"
expect_rc 96 "shards with libtest"
expect_err "lt.ini:5: [suite.l]: shards: libtest has no sharding"
printf '[suite.s]\nbinaries = bin/shared\nprotocol = gtest\nshards = 2\n' >"$T/shards.ini"
rig run --config "$T/shards.ini"
expect_rc 96 "shards without isolation = binary"
expect_err "shards needs isolation = binary"
suite binary
rig_in "$T" run --isolation binary
expect_rc 2 "--isolation with config suites"

# A case that crashes: it gets the signal, the cases after it go on in a
# new process that leaves out every case already seen.
suite binary
cat >"$T/log-argv" <<EOF
#!/bin/sh
echo "\$*" >>"$T/argv.log"
exec "\$@"
EOF
chmod +x "$T/log-argv"
rm -f "$T/argv.log"
GTEST_SHARED_CRASH=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --no-fail-fast \
	--status-level all --target-runner "$T/log-argv"
expect_rc 100 "a case crashed"
expect_status "$id Trouble.Crash" SIGABRT
expect_status "$id Trouble.Hang" PASS
expect_status "$id Trouble.After" PASS
expect_summary "7 tests run: 5 passed, 1 failed, 1 skipped"
printf '%s\n' "$gs" "$gs --gtest_filter=-Shared.First:Shared.Second:Trouble.Crash" |
	cmp -s - "$T/argv.log" && ok || fail "processes: $(cat "$T/argv.log")"

# Run records: replay shows the cases; --failed lists the binary and runs
# the failed case alone; after that nothing is owed.
SHARED_STORE=1
GTEST_SHARED_CRASH=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --no-fail-fast --status-level all
expect_rc 100 "recorded"
sed -n 's/ \[[ >0-9.]*s\]//p' "$T/out" >"$T/run.lines"
rig_in "$T" replay --status-level all
expect_rc 100 "replay"
sed -n 's/ \[[ >0-9.]*s\]//p' "$T/out" | cmp -s "$T/run.lines" - && ok ||
	fail "replay differs: $(sed -n 's/ \[[ >0-9.]*s\]//p' "$T/out" | diff "$T/run.lines" -)"
GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --failed --status-level all
expect_rc 0 "--failed"
expect_status "$id Trouble.Crash" PASS
expect_summary "1 test run: 1 passed, 6 skipped"
rig_in "$T" run --failed
expect_rc 0 "nothing owed"
expect_out "passed: nothing to rerun"
# A run cancelled before the binary's end owes all of it (its unseen cases are unknown).
GTEST_SHARED_CRASH=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run
expect_rc 100 "cancelled by fail-fast"
expect_summary "3/7 tests run: 2 passed, 1 failed, 0 skipped"
GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --failed
expect_rc 0 "--failed after a cancelled run"
expect_summary "7 tests run: 6 passed, 1 skipped"
SHARED_STORE=

# A case that hangs: TIMEOUT at terminate-after, the rest go on; nothing is left.
GTEST_SHARED_HANG=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --no-fail-fast --status-level all
expect_rc 100 "a case hung"
expect_line "SLOW \[> *0\.[0-9]*s\] $id Trouble.Hang$"
expect_status "$id Trouble.Hang" SLOW
expect_final "$id Trouble.Hang" TIMEOUT
expect_status "$id Trouble.Crash" PASS
expect_status "$id Trouble.After" PASS
expect_summary "7 tests run: 5 passed, 1 timed out, 1 skipped"
block STDOUT "$id Trouble.Hang"
# (the block runs on to the next header: the status lines after it are not the case's)
[ "$(sed -n 1p "$T/block")" = "[ RUN      ] Trouble.Hang" ] &&
	[ "$(grep -c '^\[' "$T/block")" = 1 ] && ok ||
	fail "the hung case's output: $(cat "$T/block")"
expect_no_leftovers
# The on-timeout hook is about the hung case.
suite binary "[profile.hook]" "on-timeout = echo hook for {test}"
GTEST_SHARED_HANG=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run -P hook --no-fail-fast
expect_rc 100 "on-timeout"
block ON-TIMEOUT "$id Trouble.Hang"
[ "$(sed -n 1p "$T/block")" = "hook for Trouble.Hang" ] && ok ||
	fail "on-timeout: $(cat "$T/block")"
suite binary

# Interrupted inside a case: that case gets the signal, no other starts, nothing is left.
suite binary "[profile.patient]" "slow-timeout = 0.3s" "terminate-after = 100"
GTEST_SHARED_HANG=1 GTEST_SHARED_PARTIAL_OK=1 start_rig run -P patient --no-fail-fast
wait_file "$T/out" "SLOW"
kill -INT "$rigpid"
wait_rig
expect_rc 100 "SIGINT"
expect_final "$id Trouble.Hang" SIGINT
expect_out "the run was interrupted by SIGINT"
expect_no_out "Trouble.After"
expect_no_leftovers
suite binary

# A failed case is retried alone (in its own process): flaky stays per case.
rm -f "$GTEST_SHARED_FLAKY_FILE"
GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --retries 2 --status-level all \
	--message-format json
expect_rc 0 "a flaky case"
python3 - "$T/out" "$id" >"$T/flaky" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if not line.startswith('{'):
        continue
    e = json.loads(line)
    if e['type'] == 'test-finished':
        print(e['test'], e['result'], e['counted_as'], e['attempts'])
    if e['type'] == 'run-started':
        print('binaries_unlisted', e.get('binaries_unlisted'))
PY
grep -qx "binaries_unlisted 1" "$T/flaky" && ok || fail "run-started: $(cat "$T/flaky")"
grep -qx "Trouble.Flaky flaky passed 2" "$T/flaky" && ok || fail "flaky: $(cat "$T/flaky")"
grep -qx "Trouble.After pass passed 1" "$T/flaky" && ok || fail "after: $(cat "$T/flaky")"
[ "$(grep -c ' passed 1$' "$T/flaky")" = 5 ] && ok || fail "attempts: $(cat "$T/flaky")"

# A check in main after every case passed: one more result, (process).
GTEST_SHARED_MAIN_FAIL=1 rig_in "$T" run --junit junit.xml
expect_rc 100 "main failed"
expect_status "$id (process)" FAIL
expect_summary "8 tests run: 6 passed, 1 failed, 1 skipped"
block STDOUT "$id (process)"
grep -q "main: a leak check failed after the tests" "$T/block" && ok ||
	fail "(process) output: $(cat "$T/block")"
grep -q "Shared.First" "$T/block" && fail "a case's output in (process)" || ok

# JUnit: a testcase per case, what was printed outside them in system-out.
rig_in "$T" run --junit junit.xml
expect_rc 0
if have xmllint; then
	xmllint --noout --schema "$top/test/junit.xsd" "$T/junit.xml" 2>"$T/xsd" && ok ||
		fail "junit.xml: $(cat "$T/xsd")"
fi
python3 - "$T/junit.xml" >"$T/cases" <<'PY'
import sys
import xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find('testsuite')
print(len(s.findall('testcase')), s.get('tests'), s.get('skipped'))
print('main: starting' in (s.findtext('system-out') or ''))
PY
printf '7 7 1\nTrue\n' | cmp -s - "$T/cases" && ok || fail "junit: $(cat "$T/cases")"

# ptest: one block for the binary, its cases inside, written when the run ends.
rig_in "$T" run --message-format ptest
expect_rc 0 "ptest"
grep -c '^PASS: \|^SKIP: ' "$T/out" >"$T/n"
[ "$(sed -n 1p "$T/out")" = "BEGIN: testrig/$id/ptest" ] && [ "$(cat "$T/n")" = 7 ] &&
	[ "$(grep -c '^BEGIN: ' "$T/out")" = 1 ] && ok || fail "ptest: $(cat "$T/out")"

# Filters and partitions need the cases' names: the binary is listed, and
# runs only what was selected, in one process.
GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run -E 'test(/^Shared/)' --status-level all
expect_rc 0 "-E"
expect_summary "2 tests run: 2 passed, 5 skipped"
GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --partition count:2/2 --no-fail-fast --status-level all
expect_rc 100 "a partition"
expect_status "$id Shared.Second" FAIL
expect_status "$id Trouble.Hang" PASS
expect_summary "3 tests run: 2 passed, 1 failed, 4 skipped"

# Fail-fast: no case starts after the first failure.
GTEST_SHARED_CRASH=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run --status-level all
expect_rc 100 "fail-fast"
expect_summary "3/7 tests run: 2 passed, 1 failed, 0 skipped"
expect_out "4 tests did not run"

# shards: gtest's own sharding splits the cases (and the shared counter);
# a crash in a shard goes on with that shard's remaining cases only.
suite binary "shards = 3"
GTEST_SHARED_CRASH=1 GTEST_SHARED_PARTIAL_OK=1 rig_in "$T" run -j 3 --no-fail-fast \
	--status-level all --message-format json
expect_rc 100 "shards"
python3 - "$T/out" >"$T/sharded" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    if line.startswith('{'):
        e = json.loads(line)
        if e['type'] == 'test-finished':
            seen[e['test']] = seen.get(e['test'], []) + [e['result']]
for name in sorted(seen):
    print(name, ' '.join(seen[name]))
PY
cat >"$T/want" <<EOF
Shared.First pass
Shared.Second fail
Trouble.After pass
Trouble.Crash signal
Trouble.Flaky pass
Trouble.Hang pass
Trouble.Skipped skip
EOF
cmp -s "$T/want" "$T/sharded" && ok || fail "sharded: $(diff "$T/want" "$T/sharded")"
expect_no_leftovers

# shards = auto: ceil(test threads / binaries in the run) processes of each
# binary (counted by a target runner that logs GTEST_TOTAL_SHARDS).
printf '#!/bin/sh\necho "${GTEST_TOTAL_SHARDS:-1} $1" >>"$RUNLOG"\nexec "$@"\n' >"$T/count-runner"
chmod +x "$T/count-runner"
mkdir -p "$T/many"
for i in 1 2 3 4; do cp "$gs" "$T/many/shared$i"; done
for n in 1 2 4; do
	bins=$(i=1; while [ $i -le $n ]; do printf 'many/shared%d ' $i; i=$((i + 1)); done)
	printf '[profile.default]\ntarget-runner = %s\n[suite.many]\nbinaries = %s\nprotocol = gtest\nisolation = binary\nshards = auto\n' \
		"$T/count-runner" "$bins" >"$T/testrig.ini"
	rm -f "$T/runs.log"
	RUNLOG=$T/runs.log rig_in "$T" run -j 3 --no-fail-fast
	# gtest_shared fails its own process check when it runs only a shard.
	if [ "$n" -eq 4 ]; then expect_rc 0 "one shard each"; else expect_rc 100 "sharded"; fi
	want=$(( (3 + n - 1) / n ))
	sort "$T/runs.log" | uniq -c | awk -v want="$want" -v n="$n" '
		{ if ($1 != want || $2 != want) bad = 1; bins++ }
		END { exit !(bins == n && !bad) }' && ok ||
		fail "shards = auto, $n binaries, -j 3: $(sort "$T/runs.log" | uniq -c | tr '\n' ';')"
done

# libtest: the same, when rustc built its binary.
lt=$BUILD/test/protocols/libtest_shared
if [ -x "$lt" ] || lack libtest_shared; then
	cp "$lt" "$T/bin/lshared"
	lt=$T/bin/lshared
	rig run --protocol libtest --no-fail-fast "$lt"
	expect_rc 100 "libtest per test"
	expect_status "$lt b_second" FAIL
	rig run --protocol libtest --isolation binary --status-level all "$lt"
	expect_rc 0 "libtest binary"
	expect_status "$lt b_second" PASS
	expect_line "SKIP \[.*\] $lt d_ignored  \(not today\)$"
	expect_summary "6 tests run: 5 passed, 1 skipped"
	printf '[profile.default]\nslow-timeout = 0.3s\nterminate-after = 2\n[suite.l]\nbinaries = bin/lshared\nprotocol = libtest\nisolation = binary\n' >"$T/testrig.ini"
	LIBTEST_SHARED_CRASH=1 LIBTEST_SHARED_HANG=1 rig_in "$T" run --no-fail-fast --status-level all
	expect_rc 100 "libtest crash and hang"
	expect_status "bin/lshared c_crash" SIGABRT
	expect_final "bin/lshared d_hang" TIMEOUT
	expect_status "bin/lshared e_after" PASS
	expect_summary "6 tests run: 3 passed, 1 failed, 1 timed out, 1 skipped"
	expect_no_leftovers
fi

finish
