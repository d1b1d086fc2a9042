#!/bin/sh
# bench/bench.sh - make bench: timings for testrig against its floor and its
# targets, in one run.  A benchmark, not a test.
#
#   N=5000 JOBS=2 ROUNDS=5 LT_ROUNDS=3 RIG=./testrig sh bench/bench.sh [PART...]
#
# PART is one of trivial, longtail, flood, make, huge, gtest (default: all).
#
# trivial: N trivial tests (hard links of bench/trivial.c's static binary),
#   JOBS at a time, run by a bare spawn loop (bench/spawnloop.c: threads with
#   vfork+execve, the floor), xargs -P, testrig without recording and
#   testrig recording into a store; one warm-up round, then ROUNDS rounds,
#   the starting runner rotating so drift in machine load is spread over all.
#   Targets: testrig within 5% of the floor, recording costs at most 5%,
#   peak RSS under 8 MiB.
# longtail: 200 tests of 10-50 ms and 6 of 1-2 s listed last, at -j 2 and
#   -j 4, with schedule = list and with schedule = history (after a run that
#   fills the history); each makespan against the lower bound max(longest
#   test, total work / j).  Target: history within 3% of the bound.
# flood: one test printing 200 MiB with recording on: peak RSS must stay
#   within output-limit (16 MiB) plus a constant.
# make: MAKE_N (2000) trivial tests, testrig -j 2 alone against `make -j2
#   check` whose recipe is `+testrig run` (no -j: make's jobserver tokens
#   decide), ROUNDS rounds alternating.  Target: make within 10%.
# huge: HUGE_N (100000) trivial tests at -j JOBS against the first 5000 of
#   them, alternating, HUGE_ROUNDS (3) rounds: per-test wall of the big run
#   within 10% of the small one's, its peak RSS under 32 MiB.
# gtest: GT_BINS (20) GoogleTest binaries of GT_CASES (100) trivial cases at
#   -j JOBS: testrig with isolation = test (a process per case), with
#   isolation = binary and shards = auto, and with shards = 1, against the
#   binaries run whole by xargs -P JOBS (what ctest does with them),
#   GT_ROUNDS (15: each run is short) rounds rotating.  Target: binary
#   isolation (shards = auto) within 1.2x of xargs.
#   Skipped without g++ and GoogleTest.
#
# Compare only numbers from one run: the ratios are the result.  The "other"
# column is the CPU other processes used meanwhile, in cores: at 0.1 or more
# the machine was busy and the numbers are disturbed.

set -eu

# The median of v[k, 1..n[k]] (an awk function the parts share).
AWK_MEDIAN='function median(k,   i, j, t, m) {
		m = n[k]
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && v[k, j - 1] > v[k, j]; j--) {
				t = v[k, j]; v[k, j] = v[k, j - 1]; v[k, j - 1] = t
			}
		return m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
	}'

N=${N:-5000}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-5}
LT_ROUNDS=${LT_ROUNDS:-3}
RIG=${RIG:-./testrig}
CC=${CC:-cc}
CFLAGS_BENCH="-std=c11 -O2 -Wall -Wextra -Werror"
TARGET_RATIO=1.05
TARGET_RECORD=1.05
TARGET_RSS_MIB=8
TARGET_LONGTAIL=1.03
RUNNERS="spawnloop xargs testrig recording"
MAKE_N=${MAKE_N:-2000}
TARGET_MAKE=1.10
HUGE_N=${HUGE_N:-100000}
HUGE_ROUNDS=${HUGE_ROUNDS:-3}
TARGET_HUGE=1.10
TARGET_HUGE_RSS_MIB=32
GT_BINS=${GT_BINS:-20}
GT_CASES=${GT_CASES:-100}
GT_ROUNDS=${GT_ROUNDS:-15}
TARGET_GTEST=1.20
PARTS=${*:-trivial longtail flood make huge gtest}

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
positive LT_ROUNDS "$LT_ROUNDS" 1000
positive MAKE_N "$MAKE_N" 999999
positive HUGE_N "$HUGE_N" 9999999
positive HUGE_ROUNDS "$HUGE_ROUNDS" 1000
positive GT_BINS "$GT_BINS" 1000
positive GT_CASES "$GT_CASES" 100000
positive GT_ROUNDS "$GT_ROUNDS" 1000
[ -x "$RIG" ] || die "RIG=$RIG is not an executable (run make first)"
command -v xargs >/dev/null 2>&1 || die "xargs not found"
case $RIG in /*) ;; *) RIG=$(pwd)/$RIG ;; esac

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bench
mkdir -p "$bin"

# --- helpers ------------------------------------------------------------------

# measure is built static when it can be: a child inherits its parent's peak
# RSS across exec, so a smaller measure reads the runners' RSS more exactly.
link=static
for prog in measure spawnloop trivial work; do
	case $prog in
	spawnloop) $CC $CFLAGS_BENCH -pthread -o "$bin/$prog" "$top/bench/$prog.c" ;;
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

work=$(mktemp -d "${TMPDIR:-/tmp}/testrig-bench.XXXXXX") || die "mktemp failed"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
case $work in
*[[:space:]]*) die "work dir '$work' contains white space; xargs would split it (set TMPDIR)" ;;
esac
# testrig records into a store of the bench's own, never into the tree.
export TESTRIG_STATE_DIR="$work/store"

# field RES KEY: a value from measure's line.
field() {
	_v=${1#*"$2"=}
	echo "${_v%% *}"
}

noise_of() { # OTHER_MS WALL_NS: other processes' CPU in cores
	awk -v o="$1" -v w="$2" 'BEGIN { printf "%s", o < 0 ? "?" : sprintf("%.2f", o / (w / 1e6)) }'
}

# --- trivial ------------------------------------------------------------------

# run_one RUNNER ROUND TEST...: measure one run, check it, append a result row
# "runner round wall_ns maxrss_kb cpu_ms other_ms" to $work/results.
run_one() {
	runner=$1 round=$2
	shift 2
	out=$work/out.$runner
	case $runner in
	testrig) res=$("$bin/measure" -o "$out" -- "$RIG" run -j "$JOBS" --no-fail-fast --no-record \
		--color never "$@") ;;
	recording) res=$("$bin/measure" -o "$out" -- "$RIG" run -j "$JOBS" --no-fail-fast \
		--color never "$@") ;;
	xargs) res=$("$bin/measure" -o "$out" -- xargs -P "$JOBS" -n 1 -a "$work/list" env) ;;
	spawnloop) res=$("$bin/measure" -o "$out" -- "$bin/spawnloop" "$JOBS" "$@") ;;
	esac || die "measure failed for $runner"
	row=$runner\ $round
	for key in wall_ns maxrss_kb cpu_ms other_ms; do
		row="$row $(field "$res" "$key")"
	done
	status=$(field "$res" status)
	if [ "$status" != 0 ]; then
		tail -n 5 "$out" >&2
		die "$runner exited with status $status in round $round: its timings are void"
	fi
	case $runner in
	testrig | recording)
		grep -q "$N tests run: $N passed" "$out" || {
			tail -n 5 "$out" >&2
			die "testrig's summary does not say '$N tests run: $N passed' in round $round"
		} ;;
	esac
	echo "$row" >>"$work/results"
	echo "$row" | awk '{ printf " %s %.2fs", $1, $3 / 1e9 }'
}

bench_trivial() {
	mkdir "$work/t"
	cp "$bin/trivial" "$work/trivial"
	# One ln per test, but no shell fork per test: awk names them, xargs links.
	(cd "$work/t" && awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "%06d\n", i }' |
		xargs -n 1 ln ../trivial) || die "cannot hard-link $N tests into $work/t"
	awk -v n="$N" -v d="$work/t" 'BEGIN { for (i = 1; i <= n; i++) printf "%s/%06d\n", d, i }' \
		>"$work/list"
	set -- "$work"/t/[0-9][0-9][0-9][0-9][0-9][0-9]
	[ $# -eq "$N" ] || die "expected $N tests in $work/t, found $#"

	echo "bench trivial: N=$N JOBS=$JOBS ROUNDS=$ROUNDS (+1 warm-up) RIG=$RIG;" \
		"$(nproc 2>/dev/null || echo '?') cpus, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null ||
			echo '?'); $link test binary"
	: >"$work/results"
	round=0
	nrun=$(echo $RUNNERS | wc -w)
	while [ "$round" -le "$ROUNDS" ]; do
		if [ "$round" -eq 0 ]; then printf 'warm-up:  '; else printf 'round %d/%d:' "$round" "$ROUNDS"; fi
		# Rotate the starting runner each round.
		k=0
		for r in $RUNNERS $RUNNERS; do
			k=$((k + 1))
			[ $k -gt $((round % nrun)) ] && [ $k -le $((round % nrun + nrun)) ] || continue
			run_one "$r" "$round" "$@"
		done
		echo
		round=$((round + 1))
	done

	# Over the timed rounds, per runner: median/min/max wall, median CPU, max RSS,
	# and other processes' CPU as cores (their ms over the runner's wall ms).
	awk -v n="$N" -v ratio="$TARGET_RATIO" -v rec="$TARGET_RECORD" -v rssmax="$TARGET_RSS_MIB" '
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
		split("spawnloop xargs testrig recording", name, " ")
		printf "\n%-10s %9s %17s %8s %9s %6s %8s %6s\n", "runner", "wall (s)", "min-max (s)",
			"ms/test", "x spawn", "CPU s", "RSS MiB", "other"
		for (i = 1; i <= 4; i++) {
			r = name[i]
			cpu = median(r, 5)
			oth = median(r, 6)
			w[r] = median(r, 3)
			printf "%-10s %9.3f %8.3f-%-8.3f %8.4f %9.2f %6.2f %8.1f %6s\n", r, w[r] / 1e9,
				lo[r] / 1e9, hi[r] / 1e9, w[r] / 1e6 / n, w[r] / w["spawnloop"], cpu / 1000,
				rss[r] / 1024, oth < 0 ? "?" : sprintf("%.2f", oth / (w[r] / 1e6))
		}
		printf "ratios of medians: testrig/spawnloop %.3f  xargs/spawnloop %.2f  testrig/xargs %.2f  recording/testrig %.3f\n",
			w["testrig"] / w["spawnloop"], w["xargs"] / w["spawnloop"], w["testrig"] / w["xargs"],
			w["recording"] / w["testrig"]
		r = w["testrig"] / w["spawnloop"]; c = w["recording"] / w["testrig"]
		m = rss["testrig"] / 1024
		noise = unknown ? "machine noise unknown" : other_ms / other_wall >= 0.1 ? \
			sprintf("BUSY machine, others used %.2f cores: rerun on a quiet one", other_ms / other_wall) : \
			sprintf("quiet machine, others used %.2f cores", other_ms / other_wall)
		printf "verdict: testrig %.3fx the spawn floor (target <= %.2fx): %s; recording costs %+.1f%% (target <= %+.0f%%): %s; peak RSS %.1f MiB (target < %d MiB): %s; %s\n",
			r, ratio, r <= ratio ? "MET" : "MISSED", (c - 1) * 100, (rec - 1) * 100,
			c <= rec ? "MET" : "MISSED", m, rssmax, m < rssmax ? "MET" : "MISSED", noise
	}' "$work/results"
}

# --- longtail -----------------------------------------------------------------

bench_longtail() {
	lt=$work/lt
	mkdir -p "$lt/t"
	# 200 tests of 10-50 ms (a fixed pseudo-random spread), then 6 of 1-2 s, in
	# list order: the long ones last, where list order starts them too late.
	awk 'BEGIN {
		s = 12345
		for (i = 1; i <= 200; i++) {
			s = (s * 1103515245 + 12345) % 2147483648
			printf "a%03d_sleep_%04d\n", i, 10 + int(s / 65536) % 41
		}
		for (i = 1; i <= 6; i++)
			printf "z%03d_sleep_%04d\n", i, 1000 + (i * 173) % 1000
	}' >"$lt/names"
	(cd "$lt/t" && xargs -n 1 ln "$bin/work" <"$lt/names") || die "cannot link the long-tail tests"
	total_ms=$(sed 's/.*_sleep_0*//' "$lt/names" | awk '{ s += $1 } END { print s }')
	longest_ms=$(sed 's/.*_sleep_0*//' "$lt/names" | sort -n | tail -n 1)
	printf '[suite.lt]\nbinaries = t/*\n[profile.list]\nschedule = list\n' >"$lt/testrig.ini"
	echo
	echo "bench longtail: 200 tests of 10-50 ms and 6 of 1-2 s (listed last): total" \
		"$((total_ms / 1000)).$((total_ms % 1000 / 100))s of work, the longest ${longest_ms} ms;" \
		"LT_ROUNDS=$LT_ROUNDS"
	# Fill the history first (these runs are not timed).
	(cd "$lt" && "$RIG" run -j 2 --color never >/dev/null 2>&1) || die "the long-tail warm-up failed"
	: >"$work/lt.results"
	for j in 2 4; do
		round=1
		while [ "$round" -le "$LT_ROUNDS" ]; do
			for sched in list history; do
				case $sched in list) p="-P list" ;; *) p="" ;; esac
				# shellcheck disable=SC2086
				res=$(cd "$lt" && "$bin/measure" -o "$work/lt.out" -- "$RIG" run -j "$j" $p \
					--color never) || die "measure failed"
				[ "$(field "$res" status)" = 0 ] || die "the long-tail run failed: $(tail -3 "$work/lt.out")"
				echo "$j $sched $(field "$res" wall_ns) $(field "$res" other_ms)" >>"$work/lt.results"
			done
			round=$((round + 1))
		done
	done
	awk -v total="$total_ms" -v longest="$longest_ms" -v target="$TARGET_LONGTAIL" '
	{ k = $1 " " $2; n[k]++; v[k, n[k]] = $3 / 1e6; if ($4 >= 0) { o += $4; ow += $3 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		printf "%-3s %-8s %12s %12s %8s\n", "-j", "schedule", "makespan (s)", "bound (s)", "x bound"
		ok = 1
		for (j = 2; j <= 4; j += 2) {
			bound = total / j > longest ? total / j : longest
			for (s = 1; s <= 2; s++) {
				name = s == 1 ? "list" : "history"
				m = median(j " " name)
				printf "%-3d %-8s %12.3f %12.3f %8.3f\n", j, name, m / 1000, bound / 1000, m / bound
				if (name == "history" && m / bound > target)
					ok = 0
			}
		}
		printf "verdict: schedule = history within %.0f%% of the bound at -j 2 and -j 4: %s; %s\n",
			(target - 1) * 100, ok ? "MET" : "MISSED",
			ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
	}' "$work/lt.results"
}

# --- flood --------------------------------------------------------------------

bench_flood() {
	mkdir -p "$work/f"
	ln "$bin/work" "$work/f/t_flood_200"
	echo
	echo "bench flood: one test printing 200 MiB, recording on, output-limit 16 MiB"
	res=$("$bin/measure" -o "$work/flood.out" -- "$RIG" run \
		--color never "$work/f/t_flood_200") || die "measure failed"
	[ "$(field "$res" status)" = 0 ] || die "the flood run failed: $(tail -3 "$work/flood.out")"
	awk -v kb="$(field "$res" maxrss_kb)" -v w="$(field "$res" wall_ns)" 'BEGIN {
		m = kb / 1024
		printf "peak RSS %.1f MiB, wall %.2f s; verdict: within output-limit + 16 MiB: %s\n",
			m, w / 1e9, m <= 32 ? "MET" : "MISSED"
	}'
}

# --- make ---------------------------------------------------------------------

bench_make() {
	command -v make >/dev/null 2>&1 || die "make not found"
	mk=$work/mk
	mkdir -p "$mk/t"
	(cd "$mk/t" && awk -v n="$MAKE_N" 'BEGIN { for (i = 1; i <= n; i++) printf "%06d\n", i }' |
		xargs -n 1 ln "$bin/trivial") || die "cannot link the make tests"
	printf '[suite.t]\nbinaries = t/*\n' >"$mk/testrig.ini"
	printf 'check:\n\t+%s run --no-record --no-fail-fast --color never\n' "$RIG" >"$mk/Makefile"
	echo
	echo "bench make: $MAKE_N trivial tests, testrig -j 2 against make -j2 check (+testrig run," \
		"tokens deciding); ROUNDS=$ROUNDS (+1 warm-up)"
	: >"$work/mk.results"
	round=0
	while [ "$round" -le "$ROUNDS" ]; do
		# Alternate which goes first.
		order="direct make"
		[ $((round % 2)) -eq 0 ] || order="make direct"
		for who in $order; do
			case $who in
			direct) res=$(cd "$mk" && "$bin/measure" -o "$work/mk.out" -- "$RIG" run -j 2 \
				--no-record --no-fail-fast --color never) ;;
			make) res=$(cd "$mk" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$bin/measure" \
				-o "$work/mk.out" -- make -s -j2 check) ;;
			esac || die "measure failed for $who"
			[ "$(field "$res" status)" = 0 ] || die "$who failed: $(tail -3 "$work/mk.out")"
			grep -q "$MAKE_N tests run: $MAKE_N passed" "$work/mk.out" ||
				die "$who: no '$MAKE_N tests run: $MAKE_N passed': $(tail -3 "$work/mk.out")"
			grep -qi 'jobserver' "$work/mk.out" && die "$who: $(grep -i jobserver "$work/mk.out")"
			[ "$round" -gt 0 ] && echo "$who $(field "$res" wall_ns) $(field "$res" other_ms)" >>"$work/mk.results"
		done
		round=$((round + 1))
	done
	awk -v target="$TARGET_MAKE" '
	{ n[$1]++; v[$1, n[$1]] = $2 / 1e9; if ($3 >= 0) { o += $3; ow += $2 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		d = median("direct"); m = median("make")
		printf "testrig -j 2: %.3f s   make -j2 (jobserver): %.3f s   make/direct %.3f\n", d, m, m / d
		printf "verdict: under make within %.0f%% of testrig alone: %s; %s\n", (target - 1) * 100,
			m / d <= target ? "MET" : "MISSED",
			ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
	}' "$work/mk.results"
}

# --- huge ---------------------------------------------------------------------

bench_huge() {
	hg=$work/huge
	mkdir -p "$hg/t"
	# A file system allows some 65000 links to a file: a copy per 10000 tests.
	command -v python3 >/dev/null 2>&1 || die "the huge part needs python3 (to make 100000 links fast)"
	python3 - "$bin/trivial" "$hg" "$HUGE_N" <<'PY' || die "cannot link $HUGE_N tests"
import os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    copy = os.path.join(dst, 'copy%d' % (i // 10000))
    if not os.path.exists(copy):
        shutil.copy2(src, copy)
    os.link(copy, os.path.join(dst, 't', '%07d' % i))
PY
	printf '[suite.t]\nbinaries = t/*\n' >"$hg/all.ini"
	printf '[suite.t]\nbinaries = t/000[0-4]*\n' >"$hg/small.ini"
	small=$(cd "$hg/t" && ls | awk '$0 < "0005000"' | wc -l)
	echo
	echo "bench huge: $HUGE_N trivial tests against the first $small, -j $JOBS, HUGE_ROUNDS=$HUGE_ROUNDS"
	: >"$work/huge.results"
	round=1
	while [ "$round" -le "$HUGE_ROUNDS" ]; do
		for which in small all; do
			res=$(cd "$hg" && "$bin/measure" -o "$work/huge.out" -- "$RIG" run -j "$JOBS" \
				--no-record --no-fail-fast --color never --config "$which.ini") || die "measure failed"
			[ "$(field "$res" status)" = 0 ] || die "the $which run failed: $(tail -3 "$work/huge.out")"
			n=$([ "$which" = small ] && echo "$small" || echo "$HUGE_N")
			grep -q "$n tests run: $n passed" "$work/huge.out" ||
				die "$which: no '$n tests run: $n passed': $(tail -2 "$work/huge.out")"
			echo "$which $n $(field "$res" wall_ns) $(field "$res" maxrss_kb) $(field "$res" other_ms)" \
				>>"$work/huge.results"
		done
		round=$((round + 1))
	done
	awk -v target="$TARGET_HUGE" -v rssmax="$TARGET_HUGE_RSS_MIB" '
	{ tests[$1] = $2; k = ++n[$1]; v[$1, k] = $3 / 1e6 / $2; if ($4 > rss[$1]) rss[$1] = $4
	  if ($5 >= 0) { o += $5; ow += $3 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		s = median("small"); a = median("all"); m = rss["all"] / 1024
		printf "%d tests: %.4f ms/test, peak RSS %.1f MiB   %d tests: %.4f ms/test, peak RSS %.1f MiB\n",
			tests["small"], s, rss["small"] / 1024, tests["all"], a, m
		printf "verdict: per-test wall %.3fx the small run (target <= %.2fx): %s; peak RSS %.1f MiB (target < %d MiB): %s; %s\n",
			a / s, target, a / s <= target ? "MET" : "MISSED", m, rssmax, m < rssmax ? "MET" : "MISSED",
			ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
	}' "$work/huge.results"
}

# --- gtest --------------------------------------------------------------------

bench_gtest() {
	gt=$work/gtest
	libs=$(pkg-config --libs gtest_main 2>/dev/null) || libs=
	if [ -z "$libs" ] || ! command -v "${CXX:-c++}" >/dev/null 2>&1; then
		echo
		echo "bench gtest: skipped (no GoogleTest: install g++ and libgtest-dev)"
		return 0
	fi
	mkdir -p "$gt/bin"
	awk -v n="$GT_CASES" 'BEGIN {
		print "#include <gtest/gtest.h>"
		for (i = 0; i < n; i++) printf "TEST(Bench, Case%03d) { EXPECT_EQ(%d + 1, %d); }\n", i, i, i + 1
	}' >"$gt/cases.cc"
	# shellcheck disable=SC2086
	"${CXX:-c++}" -std=c++17 -O1 -o "$gt/cases" "$gt/cases.cc" $libs -pthread ||
		die "cannot build the GoogleTest binary"
	i=1
	while [ "$i" -le "$GT_BINS" ]; do
		ln "$gt/cases" "$gt/bin/$(printf 't%03d' "$i")"
		i=$((i + 1))
	done
	ls "$gt"/bin/t* >"$gt/list"
	total=$((GT_BINS * GT_CASES))
	printf '[suite.g]\nbinaries = bin/*\nprotocol = gtest\n' >"$gt/test.ini"
	printf '[suite.g]\nbinaries = bin/*\nprotocol = gtest\nisolation = binary\nshards = auto\n' \
		>"$gt/auto.ini"
	printf '[suite.g]\nbinaries = bin/*\nprotocol = gtest\nisolation = binary\n' >"$gt/one.ini"
	echo
	echo "bench gtest: $GT_BINS GoogleTest binaries of $GT_CASES cases, -j $JOBS;" \
		"GT_ROUNDS=$GT_ROUNDS (+1 warm-up)"
	: >"$work/gt.results"
	round=0
	set -- xargs auto one test
	while [ "$round" -le "$GT_ROUNDS" ]; do
		for who in "$@"; do
			case $who in
			xargs) res=$("$bin/measure" -o "$gt/out" -- xargs -P "$JOBS" -n 1 -a "$gt/list" \
				env) ;;
			*) res=$(cd "$gt" && "$bin/measure" -o "$gt/out" -- "$RIG" run -j "$JOBS" \
				--no-record --no-fail-fast --color never --config "$who.ini") ;;
			esac || die "measure failed for $who"
			[ "$(field "$res" status)" = 0 ] || die "$who failed: $(tail -3 "$gt/out")"
			case $who in
			xargs) [ "$(grep -c '^\[  PASSED  \] '"$GT_CASES"' tests' "$gt/out")" = "$GT_BINS" ] ||
				die "xargs: not every binary passed all its cases" ;;
			*) grep -q "$total tests run: $total passed" "$gt/out" ||
				die "$who: no '$total tests run: $total passed': $(tail -3 "$gt/out")" ;;
			esac
			[ "$round" -gt 0 ] && echo "$who $(field "$res" wall_ns) $(field "$res" other_ms)" \
				>>"$work/gt.results"
		done
		# Rotate who goes first.
		first=$1
		shift
		set -- "$@" "$first"
		round=$((round + 1))
	done
	awk -v target="$TARGET_GTEST" '
	{ n[$1]++; v[$1, n[$1]] = $2 / 1e9; if ($3 >= 0) { o += $3; ow += $2 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		x = median("xargs"); a = median("auto"); b = median("one"); t = median("test")
		printf "binaries whole (xargs -P): %.3f s   isolation = binary, shards = auto: %.3f s (%.2fx)   shards = 1: %.3f s (%.2fx)   isolation = test: %.3f s (%.2fx)\n",
			x, a, a / x, b, b / x, t, t / x
		printf "verdict: binary isolation within %.1fx of the binaries run whole: %s; %s\n", target,
			a / x <= target ? "MET" : "MISSED",
			ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
	}' "$work/gt.results"
}

for part in $PARTS; do
	case $part in
	trivial) bench_trivial ;;
	longtail) bench_longtail ;;
	flood) bench_flood ;;
	make) bench_make ;;
	huge) bench_huge ;;
	gtest) bench_gtest ;;
	*) die "unknown part '$part' (trivial, longtail, flood, make, huge, gtest)" ;;
	esac
done
