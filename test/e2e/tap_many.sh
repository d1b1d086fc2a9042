#!/bin/sh
# A TAP script of 200 500 points (issue 23): every point reaches JSON
# (test-finished "points"), JUnit (a testcase each) and the record, and
# replay gives them all back (human counts, --message-format json,
# --junit), while testrig's peak RSS stays near that of a script of 1000
# points: points and testcases wait in unlinked temporary files, not in
# memory, and none is left behind.  A record of format 1 (points always in
# test-finished) still replays.
. "$(dirname "$0")/lib.sh"

have python3 || skip "needs python3 (peak RSS through its resource module)"
# Run and replay share one store: replay takes the latest run.
SHARED_STORE=1
cd "$T" || exit 2
mkdir -p "$T/t" "$T/tmp"
ini '[suite.tap]
binaries = t/*
protocol = tap'
# N points: every 1000th skipped, the 7th a failing TODO.
cat >"$T/t/many" <<'EOS'
#!/bin/sh
exec awk -v n="$TAP_N" 'BEGIN {
	print "1.." n
	for (i = 1; i <= n; i++)
		if (i == 7) print "not ok " i " - point " i " # TODO later"
		else if (i % 1000 == 0) print "ok " i " - point " i " # SKIP slow"
		else print "ok " i " - point " i
}'
EOS
chmod +x "$T/t/many"

# peak N ARGS...: testrig ARGS in $T with a script of N points; prints its
# exit status and peak RSS in KiB (ru_maxrss of the biggest child: testrig;
# awk's own stays small).  Temporary files go to $T/tmp.
peak() {
	# (An ASan build keeps freed memory in its quarantine, 256 MiB by
	# default, which would count as testrig's: none is kept here.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" \
	TAP_N=$1 TMPDIR=$T/tmp python3 - "$T" "$RIG" "$@" <<'PY'
import resource, subprocess, sys
root, rig, args = sys.argv[1], sys.argv[2], sys.argv[4:]
with open(root + '/out', 'wb') as out, open(root + '/err', 'wb') as err:
    rc = subprocess.call([rig] + args, cwd=root, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

# measure WHAT N ARGS...: peak, its status in $rc (owed) and RSS in $rss_WHAT.
measure() {
	_what=$1
	shift
	owe_rc
	set -- $(peak "$@")
	rc=${1:-1}
	eval "rss_$_what=\${2:-0}"
	ran_fg "$_what"
}

# json_points: the points of the test-finished line in $T/out, checked
# against N: "count first last skips todos", or a complaint.
json_points() {
	python3 - "$T/out" <<'PY'
import json, sys
pts = None
for line in open(sys.argv[1], encoding='utf-8'):
    ev = json.loads(line)
    if ev.get('type') == 'test-finished':
        pts = ev.get('points')
if pts is None:
    print('no points')
else:
    print(len(pts), pts[0]['number'], pts[-1]['number'],
          sum(1 for p in pts if p['directive'] == 'skip'),
          sum(1 for p in pts if p['directive'] == 'todo'),
          all(p['number'] == i + 1 for i, p in enumerate(pts)))
PY
}

expect_same() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then ok; else fail "$3: '$1', expected '$2'"; fi
}

# The same runs with 1000 points (inline in the record) and 200 500
# (test-points lines), each replayed three ways.
for n in 1000 200500; do
	skips=$((n / 1000))
	passed=$((n - skips - 1))
	measure "run_$n" "$n" run --junit "$T/run.xml" --message-format json
	expect_rc 0 "run of $n points"
	expect_same "$(json_points)" "$n 1 $n $skips 1 True" "JSON points of $n"
	expect_same "$(grep -c '<testcase' "$T/run.xml")" $((n + 1)) "JUnit testcases of $n"
	expect_same "$(grep -c '<skipped' "$T/run.xml")" "$skips" "JUnit skipped of $n"

	measure "replay_$n" "$n" replay
	expect_rc 0 "replay of $n points"
	expect_out "($n points: $passed passed, $skips skipped, 1 TODO)"

	measure "replay_json_$n" "$n" replay --message-format json
	expect_rc 0 "replay --message-format json of $n points"
	expect_same "$(json_points)" "$n 1 $n $skips 1 True" "replayed JSON points of $n"
	if grep -q '"type":"test-points"' "$T/out"; then fail "replay printed a test-points line"; else ok; fi

	measure "replay_junit_$n" "$n" replay --junit "$T/replay.xml"
	expect_rc 0 "replay --junit of $n points"
	expect_same "$(grep -c '<testcase' "$T/replay.xml")" $((n + 1)) "replayed JUnit testcases of $n"
	expect_same "$(sed 's/time="[^"]*"//g; s/timestamp="[^"]*"//g' "$T/replay.xml" | md5sum)" \
		"$(sed 's/time="[^"]*"//g; s/timestamp="[^"]*"//g' "$T/run.xml" | md5sum)" \
		"replayed JUnit of $n against the run's"
done

# The big script may cost little more than the small one (the base differs
# in sanitizer builds, hence the comparison; before, 200 500 points cost
# some 60 MiB more to run and 330 MiB more to replay).
# (TSan's shadow memory grows with what testrig touches: no bound there.)
for what in run replay replay_json replay_junit; do
	built_with tsan && { lack "a peak RSS without TSan's shadow memory"; break; }
	eval "small=\$rss_${what}_1000 big=\$rss_${what}_200500"
	if [ "$big" -gt 0 ] && [ "$big" -lt $((small + 16384)) ]; then
		ok
	else
		fail "$what: peak RSS $big KiB for 200500 points, $small KiB for 1000"
	fi
done

# The record keeps every line short: points in test-points lines.
rec=$(ls -t "$T"/.store/runs/*.jsonl.gz | head -n 1)
python3 - "$rec" <<'PY' 2>"$T/py" && ok || fail "record lines: $(cat "$T/py")"
import gzip, json, sys
lines = gzip.open(sys.argv[1]).read().split(b'\n')
longest = max(len(l) for l in lines)
evs = [json.loads(l) for l in lines if l]
chunks = [e for e in evs if e['type'] == 'test-points']
fin = [e for e in evs if e['type'] == 'test-finished']
assert evs[0]['format'] == 2, evs[0]
assert longest < 256 * 1024, longest
assert sum(len(e['points']) for e in chunks) == 200500, len(chunks)
assert len(fin) == 1 and 'points' not in fin[0], fin
PY

# Nothing is left in the temporary directory.
expect_same "$(ls -A "$T/tmp")" "" "files left in TMPDIR"

# A record of format 1 (its points in test-finished) replays as before.
old=$(ls -tr "$T"/.store/runs/*.jsonl.gz | head -n 1)
python3 - "$old" "$T/old.jsonl.gz" <<'PY' 2>"$T/py" || fail "cannot make a format 1 record: $(cat "$T/py")"
import gzip, sys
lines = gzip.open(sys.argv[1]).read().split(b'\n')
assert b'"format":2' in lines[0]
lines[0] = lines[0].replace(b'"format":2', b'"format":1')
gzip.open(sys.argv[2], 'wb').write(b'\n'.join(lines))
PY
measure replay_old 1000 replay "$T/old.jsonl.gz"
expect_rc 0 "replay of a format 1 record"
expect_out "(1000 points: 998 passed, 1 skipped, 1 TODO)"

finish
