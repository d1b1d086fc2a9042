#!/bin/sh
# breakdown.sh - where a trivial test's time goes: 2000 trivial tests at
# -j 2, run by the floor (bench/spawnloop: threads with vfork+execve), by
# ./testrig and, when given, by another testrig (an older build), each
# measured for system calls per test (strace -f -c: the runner and its
# children up to exec), context switches and CPU per test (perf stat -r 5)
# and CPU per test on the dispatcher and on the worker threads (perf record,
# samples counted by thread), recording on and off.  Not part of make bench:
# it needs strace and perf, and tracing changes what it measures.
#
#   sh bench/breakdown.sh [OLD_TESTRIG]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BREAKDOWN_N:-2000}
CC=${CC:-cc}
for tool in strace perf python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "breakdown: needs $tool" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/testrig-breakdown.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
$CC -O2 -static -o "$work/trivial" "$top/bench/trivial.c" 2>/dev/null ||
	$CC -O2 -o "$work/trivial" "$top/bench/trivial.c" || exit 2
$CC -O2 -pthread -o "$work/spawnloop" "$top/bench/spawnloop.c" || exit 2
mkdir "$work/t"
i=1
while [ $i -le "$N" ]; do
	ln "$work/trivial" "$work/t/$(printf %06d $i)" || exit 2
	i=$((i + 1))
done
tests=$(ls "$work"/t/* | tr '\n' ' ')

# runner NAME [OPTIONS]: the command line of one runner, recording or not.
runner() {
	case $1 in
	floor) echo "$work/spawnloop 2 $tests" ;;
	*) echo "env TESTRIG_STATE_DIR=$work/store-$1 $2 run -j 2 --no-fail-fast --color never ${3:-} $tests" ;;
	esac
}

# per_thread CMD: CPU per test of the process's first thread (the
# dispatcher) and of its others (the workers), from 20 kHz samples.
per_thread() {
	perf record -q -F 20000 -o "$work/perf.data" -- $1 >/dev/null 2>&1
	perf script -i "$work/perf.data" -F pid,tid 2>/dev/null | python3 -c '
import sys, collections
n = int(sys.argv[1])
by = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    f = line.split()
    if f:
        pid, tid = map(int, f[0].split("/"))
        by[pid][tid] += 1
for pid, c in by.items():
    if len(c) >= 3:
        us = lambda k: k / 20000.0 * 1e6 / n
        print("dispatcher %.1f us/test, workers %.1f us/test" %
              (us(c[pid]), us(sum(v for t, v in c.items() if t != pid))))
' "$N"
}

measure() { # NAME CMD
	$2 >/dev/null 2>&1
	strace -f -c -o "$work/strace" $2 >/dev/null 2>&1
	calls=$(tail -n 1 "$work/strace" | awk '{ print $(NF - 2) }')
	perf stat -r 5 -x, -e context-switches,task-clock $2 2>"$work/stat" >/dev/null
	awk -F, -v n="$N" -v c="$calls" -v who="$1" '
		/context-switches/ { cs = $1 } /task-clock/ { t = $1 }
		END { printf "%-17s %5.1f syscalls/test, %.2f context switches/test, %.0f us CPU/test\n",
		      who ":", c / n, cs / n, t * 1000 / n }' "$work/stat"
}

measure floor "$(runner floor)"
set -- new "$top/testrig" ${1:+old "$1"}
while [ $# -ge 2 ]; do
	measure "$1" "$(runner "$1" "$2")"
	for mode in record no-record; do
		opt=; [ $mode = no-record ] && opt=--no-record
		printf '%-17s %s\n' "$1 ($mode):" "$(per_thread "$(runner "$1" "$2" "$opt")")"
	done
	shift 2
done
