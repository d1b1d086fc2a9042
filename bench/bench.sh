#!/bin/sh
# bench/bench.sh - make bench: times testrig, xargs -P and a bare posix_spawn
# loop (bench/spawnloop.c) on N trivial tests, JOBS at a time, in one run, and
# checks testrig against its targets.  A benchmark, not a test.
#
#   N=5000 JOBS=2 ROUNDS=5 RIG=./testrig sh bench/bench.sh
#
# Builds its helpers into build/bench/, hard-links bench/trivial.c's binary N
# times into a work dir under ${TMPDIR:-/tmp} and removes it at the end.  One
# warm-up round, then ROUNDS rounds; each round runs every runner once, the
# starting runner rotating, so drift in machine load is spread over all three.
# Compare only numbers from one run: the ratios are the result.  The "other"
# column is the CPU other processes used meanwhile, in cores: at 0.1 or more
# the machine was busy and the numbers are disturbed.

set -eu

N=${N:-5000}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-5}
RIG=${RIG:-./testrig}
CC=${CC:-cc}
CFLAGS_BENCH="-std=c11 -O2 -Wall -Wextra -Werror"
TARGET_RATIO=1.3
TARGET_RSS_MIB=8
RUNNERS="testrig xargs spawnloop"

die() {
	echo "bench: $*" >&2
	exit 1
}

positive() { # NAME VALUE MAX
	case $2 in
	'' | *[!0-9]*) die "$1 must be a positive integer, not '$2'" ;;
	esac
	[ "$2" -ge 1 ] && [ "$2" -le "$3" ] || die "$1 must be between 1 and $3, not $2"
}
positive N "$N" 999999
positive JOBS "$JOBS" 4096
positive ROUNDS "$ROUNDS" 1000
[ -x "$RIG" ] || die "RIG=$RIG is not an executable (run make first)"
command -v xargs >/dev/null 2>&1 || die "xargs not found"

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bench
mkdir -p "$bin"

# --- helpers ------------------------------------------------------------------

# measure is built static when it can be: a child inherits its parent's peak
# RSS across exec, so a smaller measure reads the runners' RSS more exactly.
link=static
for prog in measure spawnloop trivial; do
	case $prog in
	spawnloop) $CC $CFLAGS_BENCH -o "$bin/$prog" "$top/bench/$prog.c" ;;
	*)
		if ! $CC $CFLAGS_BENCH -static -o "$bin/$prog" "$top/bench/$prog.c" 2>/dev/null; then
			$CC $CFLAGS_BENCH -o "$bin/$prog" "$top/bench/$prog.c"
			[ "$prog" = trivial ] && link=dynamic
		fi
		;;
	esac
done
[ "$link" = static ] ||
	echo "bench: note: cc -static failed; the test program is linked dynamically (every exec also runs ld.so)"

# --- workload -----------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/testrig-bench.XXXXXX") || die "mktemp failed"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
case $work in
*[[:space:]]*) die "work dir '$work' contains white space; xargs would split it (set TMPDIR)" ;;
esac

mkdir "$work/t"
cp "$bin/trivial" "$work/trivial"
# One ln per test, but no shell fork per test: awk names them, xargs links.
(cd "$work/t" && awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "%06d\n", i }' |
	xargs -n 1 ln ../trivial) || die "cannot hard-link $N tests into $work/t"
awk -v n="$N" -v d="$work/t" 'BEGIN { for (i = 1; i <= n; i++) printf "%s/%06d\n", d, i }' >"$work/list"
# The tests' paths, in order, as the arguments of every run below.
set -- "$work"/t/[0-9][0-9][0-9][0-9][0-9][0-9]
[ $# -eq "$N" ] || die "expected $N tests in $work/t, found $#"

# --- one timed run ------------------------------------------------------------

# run_one RUNNER ROUND TEST...: measure one run, check it, append a result row
# "runner round wall_ns maxrss_kb cpu_ms other_ms" to $work/results.
run_one() {
	runner=$1 round=$2
	shift 2
	out=$work/out.$runner
	case $runner in
	testrig) res=$("$bin/measure" -o "$out" -- "$RIG" run -j "$JOBS" --no-fail-fast --color never "$@") ;;
	xargs) res=$("$bin/measure" -o "$out" -- xargs -P "$JOBS" -n 1 -a "$work/list" env) ;;
	spawnloop) res=$("$bin/measure" -o "$out" -- "$bin/spawnloop" "$JOBS" "$@") ;;
	esac || die "measure failed for $runner"
	# res: wall_ns=N maxrss_kb=K cpu_ms=C other_ms=O status=S
	row=$runner\ $round
	for key in wall_ns maxrss_kb cpu_ms other_ms; do
		val=${res#*"$key"=}
		row="$row ${val%% *}"
	done
	status=${res##*status=}
	if [ "$status" != 0 ]; then
		tail -n 5 "$out" >&2
		die "$runner exited with status $status in round $round: its timings are void"
	fi
	if [ "$runner" = testrig ] && ! grep -q "$N tests run: $N passed" "$out"; then
		tail -n 5 "$out" >&2
		die "testrig's summary does not say '$N tests run: $N passed' in round $round"
	fi
	echo "$row" >>"$work/results"
	echo "$row" | awk '{ printf " %s %.2fs", $1, $3 / 1e9 }'
}

echo "bench: N=$N JOBS=$JOBS ROUNDS=$ROUNDS (+1 warm-up) RIG=$RIG; $(nproc 2>/dev/null || echo '?') cpus," \
	"load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'); $link test binary"
: >"$work/results"
round=0
while [ "$round" -le "$ROUNDS" ]; do
	if [ "$round" -eq 0 ]; then printf 'warm-up:  '; else printf 'round %d/%d:' "$round" "$ROUNDS"; fi
	# Rotate the starting runner each round.
	k=0
	for r in $RUNNERS $RUNNERS; do
		k=$((k + 1))
		[ $k -gt $((round % 3)) ] && [ $k -le $((round % 3 + 3)) ] || continue
		run_one "$r" "$round" "$@"
	done
	echo
	round=$((round + 1))
done

# --- report -------------------------------------------------------------------

# Over the timed rounds, per runner: median/min/max wall, median CPU, max RSS,
# and other processes' CPU as cores (their ms over the runner's wall ms).
awk -v n="$N" -v ratio="$TARGET_RATIO" -v rssmax="$TARGET_RSS_MIB" '
function median(name, field,   i, j, k, t, v) {
	k = 0
	for (i = 1; i <= rows; i++)
		if (who[i] == name)
			v[++k] = val[i, field]
	for (i = 2; i <= k; i++)	# insertion sort: k is ROUNDS
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	lo[name] = v[1]; hi[name] = v[k]
	return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
}
$2 > 0 {
	rows++; who[rows] = $1
	for (f = 3; f <= 6; f++)
		val[rows, f] = $f
	if ($4 > rss[$1]) rss[$1] = $4
	if ($6 >= 0) { other_ms += $6; other_wall += $3 / 1e6 } else unknown = 1
}
END {
	split("spawnloop xargs testrig", name, " ")
	printf "\n%-10s %9s %17s %8s %9s %6s %8s %6s\n", "runner", "wall (s)", "min-max (s)",
		"ms/test", "x spawn", "CPU s", "RSS MiB", "other"
	for (i = 1; i <= 3; i++) {
		r = name[i]
		cpu = median(r, 5)
		oth = median(r, 6)
		w[r] = median(r, 3)
		printf "%-10s %9.3f %8.3f-%-8.3f %8.4f %9.2f %6.2f %8.1f %6s\n", r, w[r] / 1e9,
			lo[r] / 1e9, hi[r] / 1e9, w[r] / 1e6 / n, w[r] / w["spawnloop"], cpu / 1000,
			rss[r] / 1024, oth < 0 ? "?" : sprintf("%.2f", oth / (w[r] / 1e6))
	}
	printf "ratios of medians: testrig/spawnloop %.2f  xargs/spawnloop %.2f  testrig/xargs %.2f\n",
		w["testrig"] / w["spawnloop"], w["xargs"] / w["spawnloop"], w["testrig"] / w["xargs"]
	r = w["testrig"] / w["spawnloop"]; m = rss["testrig"] / 1024
	noise = unknown ? "machine noise unknown" : other_ms / other_wall >= 0.1 ? \
		sprintf("BUSY machine, others used %.2f cores: rerun on a quiet one", other_ms / other_wall) : \
		sprintf("quiet machine, others used %.2f cores", other_ms / other_wall)
	printf "verdict: testrig %.2fx the bare spawn loop (target <= %.1fx): %s; peak RSS %.1f MiB (target < %d MiB): %s; %s\n",
		r, ratio, r <= ratio ? "MET" : "MISSED", m, rssmax, m < rssmax ? "MET" : "MISSED", noise
}' "$work/results"
