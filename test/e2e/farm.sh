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

rig_in "$T" run -j 4 --message-format ptest
expect_rc 100
python3 - "$T/out" >"$T/check" 2>&1 <<'PY'
import sys
lines = open(sys.argv[1]).read().split('\n')
assert lines[-1] == '', 'no final newline'
lines = lines[:-1]
assert lines[-1] == 'TOTAL: 10 FAIL: 2', lines[-1]
blocks, cur = {}, None
for l in lines[:-1]:
    if l.startswith('BEGIN: '):
        assert cur is None, 'a block begins inside another: ' + l
        cur = l[7:]; blocks[cur] = []
    elif l.startswith('END: '):
        assert cur == l[5:], 'END does not match BEGIN: ' + l
        cur = None
    else:
        assert cur is not None, 'a line outside any block: ' + l
        blocks[cur].append(l)
assert cur is None
assert sorted(blocks) == ['bin/cases.sh', 'bin/other.sh'], sorted(blocks)
for b, body in blocks.items():
    assert body[-1].startswith('DURATION: '), body
    assert sorted(body[:-1]) == sorted(['PASS: pass one', 'PASS: key=value', 'PASS: a>b',
                                        'FAIL: fail two', 'SKIP: skip three']), body
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
rig replay --message-format lava
expect_rc 2
expect_err "--message-format lava is for testrig run"
finish
