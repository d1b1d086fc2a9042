#!/bin/sh
# TAP points kept and skip reasons carried (SPEC section 3): JSON points,
# a JUnit testcase per point (checked against test/junit.xsd and read by
# junitparser), the points' counts and "TODO passed" in the human report,
# HARNESS_ACTIVE=1 for TAP tests only; the reasons of 1..0 # SKIP,
# # SKIP points, GTEST_SKIP() << reason and exit 77 (stderr's last line)
# in JUnit, JSON and the SKIP line.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
td=$BUILD/test/protocols/tap
cat >"$T/points.t" <<'EOS'
#!/bin/sh
echo "1..5"
echo "ok 1 - first"
echo "not ok 2 - second"
echo "ok 3 - third # SKIP no disk"
echo "ok 4 - fourth # TODO not written"
echo "not ok 5 # TODO later"
[ "$HARNESS_ACTIVE" = 1 ] || echo "# HARNESS_ACTIVE is '$HARNESS_ACTIVE'"
EOS
chmod +x "$T/points.t"
rig run --no-record --protocol tap --status-level all --message-format json \
	--junit "$T/j.xml" "$T/points.t"
expect_rc 100
# JSON: every point, in order, with its directive and reason.
python3 - "$T/out" >"$T/py.out" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
fin = [e for e in ev if e['type'] == 'test-finished']
assert len(fin) == 1, fin
pts = fin[0]['points']
want = [(1, 'first', True, None, None), (2, 'second', False, None, None),
        (3, 'third', True, 'skip', 'no disk'), (4, 'fourth', True, 'todo', 'not written'),
        (5, '', False, 'todo', 'later')]
got = [(p['number'], p['description'], p['ok'], p['directive'], p['reason']) for p in pts]
assert got == want, got
print('json ok')
PY
grep -q 'json ok' "$T/py.out" && ok || fail "JSON points: $(cat "$T/py.out")"
# JUnit: the script's testcase, then one per point.
if have xmllint; then
	xmllint --noout --schema "$top/test/junit.xsd" "$T/j.xml" 2>"$T/xsd.err" && ok ||
		fail "JUnit does not validate: $(cat "$T/xsd.err")"
fi
py=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import junitparser' 2>/dev/null && { py=$p; break; }
done
if [ -n "$py" ]; then
	"$py" - "$T/j.xml" >"$T/py.out" 2>&1 <<'PY'
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 1
cases = [(c.name, [type(r).__name__ for r in c.result]) for c in suites[0]]
want = [('points.t', ['Failure']), ('1 - first', []), ('2 - second', ['Failure']),
        ('3 - third', ['Skipped']), ('4 - fourth', []), ('5', [])]
assert cases == want, cases
skipped = [r for c in suites[0] for r in c.result if isinstance(r, junitparser.Skipped)]
assert skipped[0].message == 'no disk', skipped[0].message
s = suites[0]
assert (s.tests, s.failures, s.skipped) == (6, 2, 1), (s.tests, s.failures, s.skipped)
print('junit ok')
PY
	grep -q 'junit ok' "$T/py.out" && ok || fail "JUnit points: $(cat "$T/py.out")"
else
	echo "  (junitparser not installed: JUnit read back not checked)"
fi
grep -q '<system-out>ok # TODO not written</system-out>' "$T/j.xml" && ok ||
	fail "TODO directive not in the point's system-out"
# A replay of the run's record gives the same points, in JSON and JUnit.
SHARED_STORE=1
TESTRIG_STATE_DIR=$T/store
export TESTRIG_STATE_DIR
rig run --protocol tap --junit "$T/j1.xml" "$T/points.t"
expect_rc 100
rig replay --junit "$T/j2.xml" --message-format json
expect_rc 100
[ "$(grep -o '"number":' "$T/out" | wc -l)" -eq 5 ] && ok || fail "replay JSON points: $(grep test-finished "$T/out")"
sed 's/time="[0-9.]*"//g; s/timestamp="[^"]*"//g; s/value="[0-9a-f-]*"//g' "$T/j1.xml" >"$T/j1.n"
sed 's/time="[0-9.]*"//g; s/timestamp="[^"]*"//g; s/value="[0-9a-f-]*"//g' "$T/j2.xml" >"$T/j2.n"
grep '<testcase name="[0-9]' "$T/j1.n" >"$T/p1"
grep '<testcase name="[0-9]' "$T/j2.n" >"$T/p2"
[ -s "$T/p1" ] && cmp -s "$T/p1" "$T/p2" && ok || fail "replay JUnit points differ: $(diff "$T/p1" "$T/p2")"
unset SHARED_STORE

# Human: the counts on the status line; HARNESS_ACTIVE was 1.
rig run --no-record --protocol tap --status-level all "$T/points.t"
expect_rc 100
expect_line "FAIL \[ *[0-9.]+s\] $T/points.t  \(5 points: 1 passed, 1 failed, 1 skipped, 2 TODO; TODO passed: 1\)"
expect_no_out "HARNESS_ACTIVE is"
# Not for other protocols.
ln -s "$FIXTURE" "$T/getenv"
FX_VAR=HARNESS_ACTIVE rig run --no-record "$T/getenv"
expect_rc 100

# Skip reasons: 1..0 # SKIP, exit 77 (split and combined), GTEST_SKIP.
cat >"$T/skip77" <<'EOS'
#!/bin/sh
echo "on stdout"
printf 'first\nno fuse device  \n\n' >&2
exit 77
EOS
chmod +x "$T/skip77"
ln -s "$td/tap-skipall" "$T/tap-skipall"
ini '[suite.tap]
protocol = tap
binaries = tap-skipall
[suite.exec]
binaries = skip77'
rig run --no-record --status-level skip --junit "$T/s.xml" --message-format json \
	--config "$T/testrig.ini"
expect_rc 0
grep -q '"test":"tap-skipall".*"message":"no network"' "$T/out" && ok || fail "JSON 1..0 reason"
grep -q '"test":"skip77".*"message":"no fuse device"' "$T/out" && ok || fail "JSON exit-77 reason"
grep -q '<skipped message="no network"/>' "$T/s.xml" && ok || fail "JUnit 1..0 reason"
grep -q '<skipped message="no fuse device"/>' "$T/s.xml" && ok || fail "JUnit exit-77 reason"
rig run --no-record --status-level skip "$T/skip77"
expect_rc 0
expect_line "SKIP \[ *[0-9.]+s\] $T/skip77  \(no fuse device\)"
rig run --no-record --status-level skip --capture combined "$T/skip77"
expect_rc 0
expect_line "SKIP \[ *[0-9.]+s\] $T/skip77  \(no fuse device\)"
# Below --status-level skip there is no SKIP line at all.
rig run --no-record --status-level fail "$T/skip77"
expect_rc 0
expect_no_out "no fuse device"
gt=$BUILD/test/protocols/gtest_sample
if [ -x "$gt" ] || lack gtest_sample; then
	rig run --no-record --protocol gtest --status-level skip -E 'test(=Arith.Skips)' \
		--junit "$T/g.xml" "$gt"
	expect_rc 0
	expect_line "SKIP \[ *[0-9.]+s\] .*gtest_sample Arith.Skips  \(not today\)"
	grep -q '<skipped message="not today"/>' "$T/g.xml" && ok || fail "JUnit GTEST_SKIP reason"
fi

finish
