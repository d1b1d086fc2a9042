#!/bin/sh
# JUnit XML and JSON events from real runs: valid against the schema the
# suite keeps, readable by a real consumer (junitparser), the right result
# for every kind of outcome, atomic, and still written when a run is
# interrupted.
. "$(dirname "$0")/lib.sh"

# junitparser is a Debian package: it lives in the system python.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
for m in pass fail skip error segv binary flaky grandchild hang; do fx $m >/dev/null; done
ini '[suite.s]
binaries = bin/*

[profile.default]
fail-fast = false
retries = 1
slow-timeout = 200ms
terminate-after = 2
grace-period = 100ms
leak-timeout = 50ms
leak-result = fail
failure-output = immediate
success-output = never'

export FX_PASS_ON=2 FX_SLEEP_MS=3000
rig_in "$T" run --junit "$T/junit.xml" --message-format json
expect_rc 100
ls "$T"/junit.xml.tmp.* >/dev/null 2>&1 && fail "temporary JUnit file left" || ok

# The JUnit report: schema-valid, and what junitparser reads is right.
if have xmllint; then
	xmllint --noout --schema "$top/test/junit.xsd" "$T/junit.xml" 2>"$T/xmllint" && ok ||
		fail "schema: $(cat "$T/xmllint")"
else
	echo "SKIP: xmllint not installed; JUnit schema not checked" >&2
fi
if $PY -c 'import junitparser' 2>/dev/null; then
	$PY - "$T/junit.xml" >"$T/cases" <<'PY'
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    for case in suite:
        kinds = sorted(set('%s:%s' % (r._tag, r.type) for r in case.result)) or ['pass']
        print(case.classname.split('/')[-1], ' '.join(kinds))
PY
	cat >"$T/cases.want" <<'W'
binary failure:fail
error error:error
fail failure:fail
flaky pass
grandchild failure:leak
hang failure:timeout
pass pass
segv failure:signal
skip skipped:None
W
	sort "$T/cases" | cmp -s - "$T/cases.want" && ok || fail "junitparser read: $(sort "$T/cases" | tr '\n' ';')"
else
	echo "SKIP: python3-junitparser not installed; JUnit not read back" >&2
fi
# Retries (junitparser does not know these elements): one flakyFailure for
# the flaky test, one rerunFailure for each of the six that failed twice.
[ "$(grep -c '<flakyFailure ' "$T/junit.xml")" -eq 1 ] && ok || fail "flakyFailure count"
[ "$(grep -c '<rerunFailure ' "$T/junit.xml")" -eq 6 ] && ok || fail "rerunFailure count"
grep -q '<rerunFailure type="timeout"' "$T/junit.xml" && ok || fail "rerunFailure of the timeout" 
# Output with NULs and invalid UTF-8 is still well-formed XML (checked above)
# and the run id is the one the JSON events carry.
rid=$(sed -n 's/.*"run_id":"\([^"]*\)".*/\1/p' "$T/out" | head -1)
grep -q "<property name=\"run-id\" value=\"$rid\"/>" "$T/junit.xml" && ok || fail "run-id property"
grep -q '<property name="max-rss-kib" value="[1-9][0-9]*"/>' "$T/junit.xml" && ok || fail "max-rss property"

# JSON: stdout holds nothing but JSON objects; the human report is on stderr.
$PY - "$T/out" >"$T/json.check" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
assert ev[0]['type'] == 'run-started', ev[0]
assert ev[-1]['type'] == 'run-finished', ev[-1]
fin = {e['test']: e for e in ev if e['type'] == 'test-finished'}
assert len(fin) == 9, sorted(fin)
res = {t: e['result'] for t, e in fin.items()}
assert res == {'pass': 'pass', 'fail': 'fail', 'skip': 'skip', 'error': 'error',
               'segv': 'signal', 'binary': 'fail', 'flaky': 'flaky',
               'grandchild': 'leak-fail', 'hang': 'timeout'}, res
assert fin['segv']['signal'] == 'SIGSEGV' and fin['segv']['exit_code'] is None
assert fin['fail']['exit_code'] == 1 and fin['fail']['attempts'] == 2
assert 'fixture fail: stdout' in fin['fail']['stdout']
assert 'stdout' not in fin['pass']          # success-output = never
assert fin['pass']['max_rss_kib'] > 0 and fin['pass']['cpu_user'] >= 0
assert '\ufffd' in fin['binary']['stdout']  # invalid UTF-8 replaced
retries = [e for e in ev if e['type'] == 'test-retry']
assert len(retries) == 7, len(retries)     # the six failing tests once, and flaky
# Each retried attempt carries its own resource use.
assert all(e['max_rss_kib'] > 0 and e['cpu_user'] >= 0 and e['cpu_system'] >= 0
           for e in retries if e['result'] != 'exec-fail'), retries
assert any(e['type'] == 'test-slow' for e in ev)
c = ev[-1]['counts']
assert (c['scheduled'], c['passed'], c['flaky'], c['failed'], c['timed_out'], c['skipped']) == (9, 2, 1, 5, 1, 1), c
assert ev[-1]['cancelled'] is False
print('ok')
PY
grep -qx ok "$T/json.check" && ok || fail "JSON events: $(cat "$T/json.check")"
grep -q '^ *Summary' "$T/err" && ok || fail "human summary not on stderr with JSON"

# Every test-finished follows a test-started for it, even when the binary
# could not be run at all (exec-fail).
rig run --message-format json "$T/no-such-test"
expect_rc 100 "exec-fail in JSON"
$PY - "$T/out" >"$T/json.check" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
types = [e['type'] for e in ev]
assert types == ['run-started', 'test-started', 'test-finished', 'run-finished'], types
assert ev[2]['result'] == 'exec-fail', ev[2]
assert ev[1]['attempt'] == 1 and ev[1]['binary_id'] == ev[2]['binary_id'], ev[1]
print('ok')
PY
grep -qx ok "$T/json.check" && ok || fail "exec-fail JSON events: $(cat "$T/json.check")"

# Interrupted: the reports are still written, and say so.
rm -f "$T/junit.xml"
start_rig run --junit "$T/junit.xml" --message-format json -j 2 bin/hang bin/pass
wait_file "$T/out" '"type":"test-started"'
wait_proc -P $rigpid "^bin/hang"
kill -INT $rigpid
wait_rig
expect_rc 100
[ -s "$T/junit.xml" ] && ok || fail "no JUnit report after SIGINT"
tail -n 1 "$T/out" | grep -q '"type":"run-finished".*"cancelled":true.*"cancel_reason":"signal"' &&
	ok || fail "run-finished after SIGINT: $(tail -n 1 "$T/out")"
if have xmllint; then
	xmllint --noout --schema "$top/test/junit.xsd" "$T/junit.xml" 2>/dev/null && ok ||
		fail "JUnit after SIGINT is not valid"
fi

# A report that cannot be written: 110, and the reason.
rig_in "$T" run --junit "$T/no/such/dir/j.xml" bin/pass
expect_rc 110
expect_err "cannot write the JUnit report $T/no/such/dir/j.xml"

# The profile's junit key, relative to the project root.
ini '[suite.s]
binaries = bin/pass

[profile.default]
junit = out.xml'
mkdir -p "$T/sub"
rig_in "$T/sub" run
expect_rc 0
[ -s "$T/out.xml" ] && ok || fail "profile junit not written at the root"

finish
