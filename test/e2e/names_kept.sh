#!/bin/sh
# Test names that are not valid UTF-8 are kept byte-exact in run records and
# the history (SPEC section 10; testrig(1), RUN RECORDS AND HISTORY): the
# JSON keeps a readable "test" and adds "test_base64" with the bytes, and
# readers prefer it.  So run --failed finds every failed test again (two
# names that differ only in their invalid bytes included), the history has
# one line per test however many runs, and replay and history show the
# names escaped, not with U+FFFD.
. "$(dirname "$0")/lib.sh"
# The runs share one store: that is what this is about.
SHARED_STORE=1
TESTRIG_STATE_DIR=$T/.store
export TESTRIG_STATE_DIR

mkdir -p "$T/suite"
# Six tests fail until $T/fixed exists (three of them not UTF-8: two differ
# only in a byte that is not), one passes.
cat >"$T/suite/runner" <<'SH'
#!/bin/sh
case $1 in
--list) printf 'a\nb\377x\nb\376x\nc\nd\303(\ne\nok\n' ;;
--run)
	[ "$2" = ok ] && exit 0
	[ -f "$3/fixed" ] && exit 0
	echo "failed"
	exit 1 ;;
esac
SH
chmod +x "$T/suite/runner"
ini "[suite.c]
binaries = suite/runner
protocol = custom
list-command = sh {binary} --list
run-command = sh {binary} --run {test} $T"

hist() { gzip -dc "$TESTRIG_STATE_DIR/history.gz"; }

rig_in "$T" run --no-fail-fast
expect_rc 100
expect_summary "7 tests run: 1 passed, 6 failed, 0 skipped"
# The record keeps each name exactly beside its readable form.
have python3 && {
	if python3 - "$TESTRIG_STATE_DIR"/runs/*.jsonl.gz <<'PY'; then ok; else fail "record names"; fi
import base64, gzip, json, sys
names = set()
for line in gzip.open(sys.argv[1]):
    ev = json.loads(line)
    if ev['type'] == 'test-finished':
        b = base64.b64decode(ev['test_base64']) if 'test_base64' in ev else ev['test'].encode()
        names.add(b)
        if 'test_base64' in ev and '\ufffd' not in ev['test']:
            sys.exit('test_base64 beside a valid name: %r' % ev)
want = {b'a', b'b\xffx', b'b\xfex', b'c', b'd\xc3(', b'e', b'ok'}
if names != want:
    sys.exit('%r' % names)
PY
}

# --failed reruns all six, the three not UTF-8 included.
rig_in "$T" run --failed --no-fail-fast --status-level fail
expect_rc 100
expect_summary "6 tests run: 0 passed, 6 failed, 1 skipped"
for n in 'b\xffx' 'b\xfex' 'd\xc3('; do
	if grep -qF -- "] suite/runner $n" "$T/out"; then ok; else fail "--failed did not rerun $n"; fi
done

# Fixed: the next --failed run passes them all, and the one after has
# nothing left to do.
: >"$T/fixed"
rig_in "$T" run --failed
expect_rc 0
expect_summary "6 tests run: 6 passed, 1 skipped"
rig_in "$T" run --failed
expect_rc 0
expect_out "passed: nothing to rerun"

# And a whole run: with three runs of each test that ran and one that ran
# nothing, one history line per test.
rig_in "$T" run
expect_rc 0
[ "$(hist | wc -l)" -eq 7 ] && ok || fail "history lines: $(hist | cut -c1-80)"
rig_in "$T" history
expect_rc 0
for n in 'b\xffx' 'b\xfex' 'd\xc3('; do
	if grep -qE -- "^pass +4 +2 +0 .* suite/runner $(printf '%s' "$n" | sed 's/[\\(]/\\&/g')\$" "$T/out"; then
		ok
	else
		fail "testrig history for $n: $(cat "$T/out")"
	fi
done
# Its JSON gives the bytes back.
rig_in "$T" history --format json
expect_rc 0
have python3 && {
	if python3 - "$T/out" <<'PY'; then ok; else fail "history --format json names"; fi
import base64, json, sys
names = set()
for line in open(sys.argv[1], 'rb'):
    e = json.loads(line)
    names.add(base64.b64decode(e['test_base64']) if 'test_base64' in e else e['test'].encode())
if names != {b'a', b'b\xffx', b'b\xfex', b'c', b'd\xc3(', b'e', b'ok'}:
    sys.exit('%r' % names)
PY
}

# list --format json gives the bytes back the same way.
rig_in "$T" list --format json
expect_rc 0
have python3 && {
	if python3 - "$T/out" <<'PY'; then ok; else fail "list --format json names"; fi
import base64, json, sys
doc = json.load(open(sys.argv[1], 'rb'))
names = {base64.b64decode(t['name_base64']) if 'name_base64' in t else t['name'].encode()
         for b in doc['binaries'] for t in b['tests']}
if names != {b'a', b'b\xffx', b'b\xfex', b'c', b'd\xc3(', b'e', b'ok'}:
    sys.exit('%r' % names)
PY
}

# Replaying the first run names them as the run did.
first=$(ls "$TESTRIG_STATE_DIR"/runs/*.jsonl.gz | head -n 1)
rig_in "$T" replay "$first"
expect_rc 100
for n in 'b\xffx' 'b\xfex' 'd\xc3('; do
	if grep -qF -- "] suite/runner $n" "$T/out"; then ok; else fail "replay: $n"; fi
done

# A damaged history is rebuilt from the records with the names as they are:
# still one line per test, the bytes given back.
printf 'not gzip' >"$TESTRIG_STATE_DIR/history.gz"
rig_in "$T" history --format json
expect_rc 0
expect_err "rebuilt from the"
have python3 && {
	if python3 - "$T/out" <<'PY'; then ok; else fail "rebuilt history names"; fi
import base64, json, sys
names = [base64.b64decode(e['test_base64']) if 'test_base64' in e else e['test'].encode()
         for e in map(json.loads, open(sys.argv[1], 'rb'))]
if sorted(names) != sorted([b'a', b'b\xffx', b'b\xfex', b'c', b'd\xc3(', b'e', b'ok']):
    sys.exit('%r' % names)
PY
}

finish
