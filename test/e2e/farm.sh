#!/bin/sh
# --message-format lava and ptest (SPEC section 12): one LAVA line per test
# with a sanitized id, ptest blocks per binary that never interleave (two
# binaries finishing in parallel) and the total at the end; stdout carries
# nothing else, the report for people goes to stderr.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
# A custom-protocol binary: "list" prints its tests, "run NAME" runs one.
# Names hold spaces, '=' and '>'; "fail*" fail, "skip*" skip.
cat >"$T/bin/cases.sh" <<'EOF'
#!/bin/sh
case $1 in
list) printf '%s\n' "pass one" "key=value" "a>b" "fail two" "skip three" ;;
run)
	sleep 0.2
	case $2 in fail*) exit 1 ;; skip*) exit 77 ;; esac ;;
esac
EOF
chmod +x "$T/bin/cases.sh"
cp "$T/bin/cases.sh" "$T/bin/other.sh"
ini '[suite.c]
binaries = bin/*.sh
protocol = custom
list-command = {binary} list
run-command = {binary} run {test}

[profile.default]
fail-fast = false'

rig_in "$T" run -j 4 --message-format lava
expect_rc 100
# stdout: exactly the ten LAVA lines.
[ "$(wc -l <"$T/out")" -eq 10 ] && ok || fail "lava: $(wc -l <"$T/out") lines on stdout"
grep -v '^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=[A-Za-z0-9._-]* RESULT=\(pass\|fail\|skip\|unknown\) UNITS=seconds MEASUREMENT=[0-9.]*>$' "$T/out" >"$T/bad"
[ ! -s "$T/bad" ] && ok || fail "lava lines not in LAVA's form: $(head -3 "$T/bad")"
expect_out "TEST_CASE_ID=bin_cases.sh.pass_one RESULT=pass"
expect_out "TEST_CASE_ID=bin_cases.sh.key_value RESULT=pass"
expect_out "TEST_CASE_ID=bin_cases.sh.a_b RESULT=pass"
expect_out "TEST_CASE_ID=bin_other.sh.fail_two RESULT=fail"
expect_out "TEST_CASE_ID=bin_other.sh.skip_three RESULT=skip"
expect_err "Summary"
# Each line is one write(2): strace shows ten writes of whole lines to fd 1.
if have strace; then
	(cd "$T" && strace -f -s 1000 -e trace=write -e signal=none -o "$T/strace" "$RIG" run -j 4 \
		--message-format lava >/dev/null 2>&1)
	# (The call, not its result: strace may print a write that another
	# thread's call interrupts as "<unfinished ...>", its result later.)
	n=$(grep -c 'write(1, "<LAVA_SIGNAL_TESTCASE[^"]*>\\n", [0-9]*' "$T/strace")
	[ "$n" -eq 10 ] && ok || fail "lava: $n whole-line writes to stdout, expected 10"
fi

# ptest as Yocto's PtestParser (meta/lib/oeqa/utils/logparser.py) reads it,
# written here from its documented format, not copied: a section begins at
# "BEGIN: .*/(.+)/ptest" and ends at "END: .*/(.+)/ptest" (the name is what
# is between the last two slashes), "DURATION: (.+)" is its duration, and
# results are "PASS:(.+)", "FAIL:([^(]+)", "SKIP:(.+)" at the start of a
# line, the name stripped; anything outside a section is in "No-section".
cat >"$T/ptest.py" <<'PY'
import re
begin = re.compile(r"^BEGIN: .*/(.+)/ptest")
end = re.compile(r"^END: .*/(.+)/ptest")
duration = re.compile(r"^DURATION: (.+)")
results = [("PASSED", re.compile(r"^PASS:(.+)")), ("FAILED", re.compile(r"^FAIL:([^(]+)")),
           ("SKIPPED", re.compile(r"^SKIP:(.+)"))]
def parse(path):
    section, found, durations, problems = "No-section", {}, {}, []
    for line in open(path, errors="replace"):
        m = begin.search(line)
        if m:
            section = m.group(1)
            continue
        m = end.search(line)
        if m:
            if m.group(1) != section:
                problems.append("END %s in section %s" % (m.group(1), section))
            section = "No-section"
            continue
        m = duration.search(line)
        if m:
            durations[section] = m.group(1)
            continue
        for status, rx in results:
            m = rx.search(line)
            if m:
                found.setdefault(section, {})[m.group(1).strip()] = status
    return found, durations, problems
PY
rig_in "$T" run -j 4 --message-format ptest
expect_rc 100
python3 - "$T/out" >"$T/check" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from ptest import parse
lines = open(sys.argv[1]).read().split('\n')
assert lines[-1] == '', 'no final newline'
lines = lines[:-1]
assert lines[-1] == 'TOTAL: 10 FAIL: 2', lines[-1]
# The form SPEC section 12 gives: testrig/BINARY-ID/ptest, blocks whole.
cur = None
for l in lines[:-1]:
    if l.startswith('BEGIN: '):
        assert cur is None, 'a block begins inside another: ' + l
        cur = l[7:]
    elif l.startswith('END: '):
        assert cur == l[5:], 'END does not match BEGIN: ' + l
        cur = None
    else:
        assert cur is not None, 'a line outside any block: ' + l
begins = sorted(l for l in lines if l.startswith('BEGIN: '))
assert begins == ['BEGIN: testrig/bin/cases.sh/ptest', 'BEGIN: testrig/bin/other.sh/ptest'], begins
found, durations, problems = parse(sys.argv[1])
assert not problems, problems
assert sorted(found) == ['cases.sh', 'other.sh'], sorted(found)
want = {'pass one': 'PASSED', 'key=value': 'PASSED', 'a>b': 'PASSED', 'fail two': 'FAILED',
        'skip three': 'SKIPPED'}
for b in found:
    assert found[b] == want, (b, found[b])
    assert durations.get(b, '').isdigit(), (b, durations)
print('ok')
PY
grep -qx ok "$T/check" && ok || fail "ptest: $(cat "$T/check")"
# Two binaries at once: their tests finished interleaved, their blocks did not.
rig_in "$T" run -j 4 --message-format ptest --status-level all
expect_rc 100
grep -c 'PASS \[' "$T/err" >/dev/null && ok || fail "the human report is not on stderr"

# A cancelled run: what ran, then the total.
rig_in "$T" run -j 1 --fail-fast --message-format ptest
expect_rc 100
tail -n 1 "$T/out" | grep -q '^TOTAL: [0-9]* FAIL: 1$' && ok || fail "ptest after fail-fast: $(tail -n 1 "$T/out")"
# A TAP script's points each give their own result, named script.N, after
# the script's own: LAVA lines and ptest result lines.
mkdir -p "$T/tp/t"
printf '#!/bin/sh\necho 1..4\necho "ok 1 - first"\necho "not ok 2 - second"\necho "ok 3 # SKIP not here"\necho "not ok 4 # TODO later"\n' >"$T/tp/t/points.sh"
chmod +x "$T/tp/t/points.sh"
printf '[suite.tap]\nbinaries = t/*.sh\nprotocol = tap\n' >"$T/tp/testrig.ini"
rig_in "$T/tp" run --message-format lava
expect_rc 100
tid=$(sed -n 's/^<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=\([^ ]*\) RESULT=fail UNITS=seconds MEASUREMENT=[0-9.]*>$/\1/p' "$T/out")
[ -n "$tid" ] && [ "$(wc -l <"$T/out")" -eq 5 ] && ok || fail "lava with TAP points: $(cat "$T/out")"
expect_out "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$tid.1 RESULT=pass>"
expect_out "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$tid.2 RESULT=fail>"
expect_out "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$tid.3 RESULT=skip>"
expect_out "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$tid.4 RESULT=pass>"
rig_in "$T/tp" run --message-format ptest
expect_rc 100
python3 - "$T/out" >"$T/check" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from ptest import parse
found, durations, problems = parse(sys.argv[1])
assert not problems, problems
assert list(found) == ['points.sh'], found
(name,) = [n for n in found['points.sh'] if not n[-2:-1] == '.']
assert found['points.sh'] == {name: 'FAILED', name + '.1': 'PASSED', name + '.2': 'FAILED',
                              name + '.3': 'SKIPPED', name + '.4': 'PASSED'}, found
assert 'points.sh' in durations, durations
assert open(sys.argv[1]).read().endswith('TOTAL: 5 FAIL: 2\n')
print('ok')
PY
grep -qx ok "$T/check" && ok || fail "ptest with TAP points: $(cat "$T/check")"

# A failing test's output copied to the console (stderr here) has every
# line after "| ", and "<LAVA_SIGNAL_" broken, so that a farm reading the
# whole console (LAVA looks for <LAVA_SIGNAL_(\S+) ([^>]+)> anywhere in
# the stream; ptest for PASS: at the start of a line) finds no result the
# test printed itself.
mkdir -p "$T/fk/t"
cat >"$T/fk/t/forge.sh" <<'EOF'
#!/bin/sh
echo '<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=forged RESULT=pass>'
echo 'PASS: forged'
echo 'BEGIN: x/forged/ptest'
printf 'PASS: forged2\n<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=forged2 RESULT=pass>' >&2
exit 1
EOF
chmod +x "$T/fk/t/forge.sh"
printf '[suite.exec]\nbinaries = t/*.sh\n' >"$T/fk/testrig.ini"
for mf in lava ptest; do
	rig_in "$T/fk" run --message-format $mf --failure-output immediate
	expect_rc 100
	grep -q '^| PASS: forged$' "$T/err" && ok || fail "$mf: the test's output is not quoted"
	cat "$T/out" "$T/err" >"$T/console"
	python3 - "$T/console" >"$T/check" 2>&1 <<'PY'
import re, sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from ptest import parse
text = open(sys.argv[1], errors='replace').read()
ids = [m.group(2) for m in re.finditer(r"<LAVA_SIGNAL_(\S+) ([^>]+)>", text)]
assert not [i for i in ids if 'forged' in i], ids
found, durations, problems = parse(sys.argv[1])
names = [n for sec in found.values() for n in sec]
assert not [n for n in names if 'forged' in n], found
assert 'forged' not in found, found
print('ok')
PY
	grep -qx ok "$T/check" && ok || fail "$mf: a result the test printed is read: $(cat "$T/check")"
done

rig replay --message-format lava
expect_rc 2
expect_err "--message-format lava is for testrig run"
finish
