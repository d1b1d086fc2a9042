#!/bin/sh
# Test groups and threads-required: the scheduler never exceeds either bound,
# never deadlocks, and TESTRIG_SLOT / TESTRIG_GROUP_SLOT stay unique among
# running tests.  Checked on spans the tests record themselves.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/db" "$T/net" "$T/free" "$T/big"
for i in 1 2 3 4 5 6; do
	ln -s "$FIXTURE" "$T/db/span@$i"
	ln -s "$FIXTURE" "$T/net/span@$i"
	ln -s "$FIXTURE" "$T/free/span@$i"
done
ln -s "$FIXTURE" "$T/big/span@1"
ln -s "$FIXTURE" "$T/big/span@2"
ini '[suite.all]
binaries = db/* net/* free/* big/*

[profile.default]
fail-fast = false

[profile.default.override.db]
filter = binary(db/*)
test-group = db

[profile.default.override.net]
filter = binary(net/*)
test-group = net

[profile.default.override.big]
filter = binary(big/*)
threads-required = num-test-threads

[profile.two]

[profile.two.override.pairs]
filter = binary(free/*)
threads-required = 2

[test-group.db]
max-threads = 1

[test-group.net]
max-threads = 2'

export FX_SPANLOG="$T/spans" FX_SLEEP_MS=60
for j in 1 2 8; do
	rm -f "$T/spans"
	rig_in "$T" run -j $j
	expect_rc 0 "-j $j"
	expect_summary "20 tests run: 20 passed, 0 skipped"
	set -- $(spans "$T/spans")
	[ "$1" -le "$j" ] && ok || fail "-j $j: $1 tests at once"
	[ "$2" -eq 0 ] && ok || fail "-j $j: a slot was shared $2 times"
	set -- $(spans "$T/spans" '^db/')
	[ "$1" -eq 1 ] && ok || fail "-j $j: db group ran $1 at once"
	[ "$2" -eq 0 ] && ok || fail "-j $j: db group slot shared"
	set -- $(spans "$T/spans" '^net/')
	[ "$1" -le 2 ] && ok || fail "-j $j: net group ran $1 at once"
	if [ $j -ge 2 ]; then
		[ "$1" -eq 2 ] && ok || fail "-j $j: net group never ran 2 at once"
	fi
	# A test needing every thread ran alone.
	python3 - "$T/spans" <<'PY' && ok || fail "-j $j: a num-test-threads test shared the machine"
import sys
ev = sorted((int(l.split()[1]), l.split()[0], l.split()[4]) for l in open(sys.argv[1]))
open_ = set()
for ts, kind, name in ev:
    if kind == 'S':
        if name.startswith('big/') and open_: sys.exit(1)
        if any(o.startswith('big/') for o in open_): sys.exit(1)
        open_.add(name)
    else:
        open_.discard(name)
PY
done

# threads-required above the thread count runs alone: no deadlock.
rm -f "$T/spans"
rig_in "$T" run -j 1 -P two
expect_rc 0 "threads-required 2 with -j 1"
# With -j 3, two-slot tests leave room for one more only.
rm -f "$T/spans"
rig_in "$T" run -j 3 -P two -E 'binary(free/*)'
expect_rc 0
set -- $(spans "$T/spans" '^free/')
[ "$1" -eq 1 ] && ok || fail "two 2-slot tests ran at once on 3 threads"
rm -f "$T/spans"
rig_in "$T" run -j 4 -P two -E 'binary(free/*)'
expect_rc 0
set -- $(spans "$T/spans" '^free/')
[ "$1" -eq 2 ] && ok || fail "-j 4: 2-slot tests ran $1 at once, expected 2"

# A group named in an override must exist.
ini '[suite.all]
binaries = db/*

[profile.default.override.x]
filter = all()
test-group = nosuch'
rig_in "$T" run
expect_rc 96 "unknown group"
expect_err "nosuch"

finish
