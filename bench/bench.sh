#!/bin/sh
# bench/bench.sh - make bench: timings for testrig against its floor and its
# targets, in one run, ending with one table of every workload, its ratio
# and its verdict.  A benchmark, not a test.
#
#   JOBS=2 ROUNDS=5 RIG=./testrig sh bench/bench.sh [PART...]
#
# PART is one of trivial, sleepy, chatty, longtail, flood, make, huge, points,
# gtest (default: all).  testrig runs with its defaults, so recording is on,
# unless a row says otherwise; each workload records into a store of its own.
#
# trivial: TRIVIAL_NS (2000 5000) trivial tests (hard links of
#   bench/trivial.c's static binary), JOBS at a time, run by a bare spawn
#   loop (bench/spawnloop.c: threads with vfork+execve, the floor), xargs
#   -P, testrig without recording and testrig as it comes (recording); one
#   warm-up round, then ROUNDS rounds, the starting runner rotating so that
#   drift in machine load is spread over all.  Targets: testrig at most
#   1.10x the floor (goal 1.05x), recording at most +5%.
# sleepy: SLEEPY_N (300) tests of 10-50 ms (a fixed pseudo-random spread),
#   the floor, testrig without and with recording, SLEEPY_ROUNDS (3).
#   Targets: at most 1.02x the floor, recording at most +5%.
# chatty: CHATTY_N (100) tests each writing 1 MiB to stdout and 1 MiB to
#   stderr in turns, the floor (which reads and drops it), testrig without
#   and with recording.  Targets: without recording at most 1.2x the floor,
#   recording at most +5%.
# longtail: 200 tests of 10-50 ms and 6 of 1-2 s listed last, at -j 2 and
#   -j 4, with schedule = list and with schedule = history (after a run that
#   fills the history); each makespan against the lower bound max(longest
#   test, total work / j).  Target: history within 3% of the bound.
# flood: one test printing 200 MiB: peak RSS must stay within output-limit
#   (16 MiB) plus a constant.
# make: MAKE_N (2000) trivial tests, testrig -j 2 alone against `make -j2
#   check` whose recipe is `+testrig run` (no -j: make's jobserver tokens
#   decide), ROUNDS rounds alternating.  Target: make within 10%.
# huge: HUGE_N (100000) trivial tests at -j JOBS against the first 5000 of
#   them, alternating, HUGE_ROUNDS (3) rounds: per-test wall of the big run
#   within 10% of the small one's, its peak RSS under 32 MiB; and 10 000 of
#   them once more, peak RSS at most 5 MiB.
# points: one TAP script of POINTS_N (1000000) points, run (recording, with
#   and without --junit), then its record replayed (human, --message-format
#   json, --junit): peak RSS of each at most 64 MiB.
# gtest: GT_BINS (20) GoogleTest binaries of GT_CASES (100) trivial cases at
#   -j JOBS: testrig with isolation = test (a process per case), with
#   isolation = binary and shards = auto, and with shards = 1, against the
#   binaries run whole by xargs -P JOBS (what ctest does with them),
#   GT_ROUNDS (15: each run is short) rounds rotating.  Target: binary
#   isolation (auto and 1) within 1.2x of xargs.  Skipped without g++ and
#   GoogleTest.
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

JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-5}
LT_ROUNDS=${LT_ROUNDS:-3}
RIG=${RIG:-./testrig}
CC=${CC:-cc}
CFLAGS_BENCH="-std=c11 -O2 -Wall -Wextra -Werror"
TRIVIAL_NS=${TRIVIAL_NS:-"2000 5000"}
SLEEPY_N=${SLEEPY_N:-300}
SLEEPY_ROUNDS=${SLEEPY_ROUNDS:-3}
CHATTY_N=${CHATTY_N:-100}
MAKE_N=${MAKE_N:-2000}
HUGE_N=${HUGE_N:-100000}
HUGE_ROUNDS=${HUGE_ROUNDS:-3}
POINTS_N=${POINTS_N:-1000000}
GT_BINS=${GT_BINS:-20}
GT_CASES=${GT_CASES:-100}
GT_ROUNDS=${GT_ROUNDS:-15}
TARGET_TRIVIAL=1.10
GOAL_TRIVIAL=1.05
TARGET_RECORD=1.05
TARGET_SLEEPY=1.02
TARGET_CHATTY=1.20
TARGET_LONGTAIL=1.03
TARGET_MAKE=1.10
TARGET_HUGE=1.10
TARGET_HUGE_RSS_MIB=32
TARGET_RSS_10K_MIB=5
TARGET_FLOOD_RSS_MIB=32
TARGET_POINTS_RSS_MIB=64
TARGET_GTEST=1.20
PARTS=${*:-trivial sleepy chatty longtail flood make huge points gtest}

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
positive JOBS "$JOBS" 4096
positive ROUNDS "$ROUNDS" 1000
positive LT_ROUNDS "$LT_ROUNDS" 1000
positive SLEEPY_N "$SLEEPY_N" 99999
positive SLEEPY_ROUNDS "$SLEEPY_ROUNDS" 1000
positive CHATTY_N "$CHATTY_N" 9999
positive MAKE_N "$MAKE_N" 999999
positive HUGE_N "$HUGE_N" 9999999
positive HUGE_ROUNDS "$HUGE_ROUNDS" 1000
positive POINTS_N "$POINTS_N" 100000000
positive GT_BINS "$GT_BINS" 1000
positive GT_CASES "$GT_CASES" 100000
positive GT_ROUNDS "$GT_ROUNDS" 1000
for n in $TRIVIAL_NS; do positive TRIVIAL_NS "$n" 999999; done
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
# testrig records into stores of the bench's own, never into the tree.
export TESTRIG_STATE_DIR="$work/store"
: >"$work/table"

# field RES KEY: a value from measure's line.
field() {
	_v=${1#*"$2"=}
	echo "${_v%% *}"
}

# row WORKLOAD MEASURE VALUE TARGET VERDICT: a line of the final table.
row() {
	printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" >>"$work/table"
}

# noise ROUNDS_FILE: how busy the rest of the machine was (from column 6 and 3).
noise() {
	awk '$6 >= 0 { o += $6; w += $3 / 1e6 } $6 < 0 { u = 1 }
	END { if (u || !w) print "machine noise unknown";
	      else if (o / w >= 0.1) printf "BUSY machine, others used %.2f cores: rerun on a quiet one\n", o / w;
	      else printf "quiet machine, others used %.2f cores\n", o / w }' "$1"
}

# link_tests DIR N: N hard links of the trivial program, DIR/000001...
link_tests() {
	mkdir -p "$1"
	# One ln per test, but no shell fork per test: awk names them, xargs links.
	(cd "$1" && awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "%06d\n", i }' |
		xargs -n 1 ln "$bin/trivial") || die "cannot hard-link $2 tests into $1"
}

# --- a workload against the floor ---------------------------------------------

# run_one NAME RUNNER ROUND N LIST: measure one run of the workload in the
# list file LIST (one test path a line) and check it; append "runner round
# wall_ns maxrss_kb cpu_ms other_ms" to $work/NAME.results.
run_one() {
	name=$1 runner=$2 round=$3 n=$4 list=$5
	out=$work/$name.out
	# shellcheck disable=SC2046
	case $runner in
	floor) res=$("$bin/measure" -o "$out" -- "$bin/spawnloop" "$JOBS" $(cat "$list")) ;;
	xargs) res=$("$bin/measure" -o "$out" -- xargs -P "$JOBS" -n 1 -a "$list" env) ;;
	norec) res=$("$bin/measure" -o "$out" -- "$RIG" run -j "$JOBS" --no-fail-fast \
		--no-record --color never $(cat "$list")) ;;
	testrig) res=$(TESTRIG_STATE_DIR=$work/store-$name "$bin/measure" -o "$out" -- "$RIG" run \
		-j "$JOBS" --no-fail-fast --color never $(cat "$list")) ;;
	esac || die "measure failed for $runner"
	[ "$(field "$res" status)" = 0 ] || {
		tail -n 5 "$out" >&2
		die "$name: $runner exited with status $(field "$res" status) in round $round: its timings are void"
	}
	case $runner in
	norec | testrig)
		grep -q "$n tests run: $n passed" "$out" || {
			tail -n 5 "$out" >&2
			die "$name: testrig's summary does not say '$n tests run: $n passed' in round $round"
		} ;;
	esac
	echo "$runner" "$(field "$res" wall_ns)" | awk '{ printf " %s %.3fs", $1, $2 / 1e9 }'
	[ "$round" -gt 0 ] || return 0
	echo "$runner $round $(field "$res" wall_ns) $(field "$res" maxrss_kb) $(field "$res" cpu_ms) $(field "$res" other_ms)" \
		>>"$work/$name.results"
}

# race NAME N LIST ROUNDS RUNNER...: one warm-up round, then ROUNDS rounds,
# the first runner rotating; then per runner the median wall and its
# spread, ms per test, the ratio to the first runner (the floor), CPU, peak
# RSS.  Leaves "runner median_s max_rss_kib" lines in $work/NAME.medians.
race() {
	name=$1 n=$2 list=$3 rounds=$4
	shift 4
	: >"$work/$name.results"
	round=0
	while [ "$round" -le "$rounds" ]; do
		if [ "$round" -eq 0 ]; then printf 'warm-up:  '; else printf 'round %d/%d:' "$round" "$rounds"; fi
		k=$((round % $#))
		set -- "$@" "$@"
		i=0
		for r in "$@"; do
			i=$((i + 1))
			[ $i -gt "$k" ] && [ $i -le $((k + $# / 2)) ] && run_one "$name" "$r" "$round" "$n" "$list"
		done
		shift $(($# / 2))
		echo
		round=$((round + 1))
	done
	awk -v n="$n" -v order="$*" '
	{ k = $1; n_[k]++; v[k, n_[k]] = $3; c[k, n_[k]] = $5; if ($4 > rss[k]) rss[k] = $4
	  if ($6 >= 0) o[k] += $6; w[k] += $3 / 1e6 }
	function med(a, k,   i, j, t, m, x) {
		m = n_[k]
		for (i = 1; i <= m; i++) x[i] = a[k, i]
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		lo = x[1]; hi = x[m]
		return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
	}
	END {
		split(order, name, " ")
		printf "\n%-8s %9s %17s %8s %8s %6s %8s %6s\n", "runner", "wall (s)", "min-max (s)",
			"ms/test", "x floor", "CPU s", "RSS MiB", "other"
		for (i = 1; name[i] != ""; i++) {
			r = name[i]
			cpu = med(c, r); m[r] = med(v, r)
			printf "%-8s %9.3f %8.3f-%-8.3f %8.4f %8.3f %6.2f %8.1f %6s\n", r, m[r] / 1e9, lo / 1e9,
				hi / 1e9, m[r] / 1e6 / n, m[r] / m[name[1]], cpu / 1000, rss[r] / 1024,
				w[r] ? sprintf("%.2f", o[r] / w[r]) : "?"
		}
		for (i = 1; name[i] != ""; i++)
			print name[i], m[name[i]] / 1e9, rss[name[i]] > "'"$work/$name.medians"'"
	}' "$work/$name.results"
	echo "($(noise "$work/$name.results"))"
}

# median_of NAME RUNNER: the median wall in seconds race left.
median_of() {
	awk -v r="$2" '$1 == r { print $2 }' "$work/$1.medians"
}

# verdicts NAME TARGET_FLOOR [GOAL]: rows for testrig against the floor
# (target TARGET_FLOOR) and recording against not recording (+5%).
verdicts() {
	f=$(median_of "$1" floor) t=$(median_of "$1" testrig) u=$(median_of "$1" norec)
	awk -v w="$1" -v f="$f" -v t="$t" -v u="$u" -v tf="$2" -v goal="${3:-}" -v tr="$TARGET_RECORD" '
	BEGIN {
		r = t / f
		printf "%s|testrig / floor|%.3f|<= %.2f%s|%s\n", w, r, tf, goal ? " (goal " goal ")" : "",
			r <= tf ? (goal && r <= goal ? "MET, goal too" : "MET") : "MISSED"
		r = t / u
		printf "%s|recording / no recording|%.3f|<= %.2f|%s\n", w, r, tr, r <= tr ? "MET" : "MISSED"
	}' >>"$work/table"
}

# --- trivial ------------------------------------------------------------------

bench_trivial() {
	for n in $TRIVIAL_NS; do
		d=$work/t$n
		link_tests "$d" "$n"
		ls "$d"/[0-9]* >"$d.list"
		echo
		echo "bench trivial-$n: $n trivial tests, JOBS=$JOBS ROUNDS=$ROUNDS (+1 warm-up);" \
			"$(nproc 2>/dev/null || echo '?') cpus, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null ||
				echo '?'); $link test binary"
		race "trivial-$n" "$n" "$d.list" "$ROUNDS" floor xargs norec testrig
		verdicts "trivial-$n" "$TARGET_TRIVIAL" "$GOAL_TRIVIAL"
		awk -v w="trivial-$n" -v x="$(median_of "trivial-$n" xargs)" -v t="$(median_of "trivial-$n" testrig)" \
			'BEGIN { printf "%s|testrig / xargs -P|%.3f|< 1|%s\n", w, t / x, t < x ? "MET" : "MISSED" }' \
			>>"$work/table"
	done
}

# --- sleepy -------------------------------------------------------------------

bench_sleepy() {
	d=$work/sleepy
	mkdir -p "$d"
	awk -v n="$SLEEPY_N" 'BEGIN {
		s = 20241130
		for (i = 1; i <= n; i++) {
			s = (s * 1103515245 + 12345) % 2147483648
			printf "%06d_sleep_%04d\n", i, 10 + int(s / 65536) % 41
		}
	}' >"$d.names"
	(cd "$d" && xargs -n 1 ln "$bin/work" <"$d.names") || die "cannot link the sleepy tests"
	sed "s|^|$d/|" "$d.names" >"$d.list"
	total=$(sed 's/.*_sleep_0*//' "$d.names" | awk '{ s += $1 } END { print s }')
	echo
	echo "bench sleepy: $SLEEPY_N tests of 10-50 ms ($((total / 1000)).$((total % 1000 / 100)) s of" \
		"sleep), JOBS=$JOBS, SLEEPY_ROUNDS=$SLEEPY_ROUNDS (+1 warm-up)"
	race sleepy "$SLEEPY_N" "$d.list" "$SLEEPY_ROUNDS" floor norec testrig
	verdicts sleepy "$TARGET_SLEEPY"
}

# --- chatty -------------------------------------------------------------------

bench_chatty() {
	d=$work/chatty
	mkdir -p "$d"
	awk -v n="$CHATTY_N" 'BEGIN { for (i = 1; i <= n; i++) printf "%06d_chatty_1024\n", i }' \
		>"$d.names"
	(cd "$d" && xargs -n 1 ln "$bin/work" <"$d.names") || die "cannot link the chatty tests"
	sed "s|^|$d/|" "$d.names" >"$d.list"
	echo
	echo "bench chatty: $CHATTY_N tests each writing 1 MiB to stdout and 1 MiB to stderr," \
		"JOBS=$JOBS, ROUNDS=$ROUNDS (+1 warm-up)"
	race chatty "$CHATTY_N" "$d.list" "$ROUNDS" floor norec testrig
	f=$(median_of chatty floor) t=$(median_of chatty testrig) u=$(median_of chatty norec)
	awk -v f="$f" -v t="$t" -v u="$u" -v tc="$TARGET_CHATTY" -v tr="$TARGET_RECORD" 'BEGIN {
		r = u / f
		printf "chatty|no recording / floor|%.3f|<= %.2f|%s\n", r, tc, r <= tc ? "MET" : "MISSED"
		r = t / u
		printf "chatty|recording / no recording|%.3f|<= %.2f|%s\n", r, tr, r <= tr ? "MET" : "MISSED"
		printf "chatty|testrig / floor|%.3f|(none)|-\n", t / f
	}' >>"$work/table"
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
	awk -v total="$total_ms" -v longest="$longest_ms" -v target="$TARGET_LONGTAIL" -v table="$work/table" '
	{ k = $1 " " $2; n[k]++; v[k, n[k]] = $3 / 1e6; if ($4 >= 0) { o += $4; ow += $3 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		printf "%-3s %-8s %12s %12s %8s\n", "-j", "schedule", "makespan (s)", "bound (s)", "x bound"
		for (j = 2; j <= 4; j += 2) {
			bound = total / j > longest ? total / j : longest
			for (s = 1; s <= 2; s++) {
				name = s == 1 ? "list" : "history"
				m = median(j " " name)
				printf "%-3d %-8s %12.3f %12.3f %8.3f\n", j, name, m / 1000, bound / 1000, m / bound
				if (name == "history")
					printf "longtail -j %d|history makespan / bound|%.3f|<= %.2f|%s\n", j,
						m / bound, target, m / bound <= target ? "MET" : "MISSED" >> table
			}
		}
		printf "(%s)\n", ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
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
	awk -v kb="$(field "$res" maxrss_kb)" -v w="$(field "$res" wall_ns)" -v t="$TARGET_FLOOD_RSS_MIB" \
		-v table="$work/table" 'BEGIN {
		m = kb / 1024
		printf "peak RSS %.1f MiB, wall %.2f s\n", m, w / 1e9
		printf "flood|peak RSS (MiB)|%.1f|<= %d|%s\n", m, t, m <= t ? "MET" : "MISSED" >> table
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
	printf 'check:\n\t+%s run --no-fail-fast --color never\n' "$RIG" >"$mk/Makefile"
	echo
	echo "bench make: $MAKE_N trivial tests, testrig -j 2 against make -j2 check (+testrig run," \
		"tokens deciding), both recording; ROUNDS=$ROUNDS (+1 warm-up)"
	: >"$work/mk.results"
	round=0
	while [ "$round" -le "$ROUNDS" ]; do
		# Alternate which goes first.
		order="direct make"
		[ $((round % 2)) -eq 0 ] || order="make direct"
		for who in $order; do
			case $who in
			direct) res=$(cd "$mk" && "$bin/measure" -o "$work/mk.out" -- "$RIG" run -j 2 \
				--no-fail-fast --color never) ;;
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
	awk -v target="$TARGET_MAKE" -v table="$work/table" '
	{ n[$1]++; v[$1, n[$1]] = $2 / 1e9; if ($3 >= 0) { o += $3; ow += $2 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		d = median("direct"); m = median("make")
		printf "testrig -j 2: %.3f s   make -j2 (jobserver): %.3f s   make/direct %.3f\n", d, m, m / d
		printf "(%s)\n", ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
		printf "make|make -j2 / testrig -j 2|%.3f|<= %.2f|%s\n", m / d, target,
			m / d <= target ? "MET" : "MISSED" >> table
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
	printf '[suite.t]\nbinaries = t/000*\n' >"$hg/ten.ini"
	small=$(cd "$hg/t" && ls | awk '$0 < "0005000"' | wc -l)
	ten=$(cd "$hg/t" && ls | awk '$0 < "0010000"' | wc -l)
	echo
	echo "bench huge: $HUGE_N trivial tests against the first $small, -j $JOBS, HUGE_ROUNDS=$HUGE_ROUNDS;" \
		"then $ten for peak RSS"
	: >"$work/huge.results"
	round=1
	while [ "$round" -le "$HUGE_ROUNDS" ]; do
		for which in small all; do
			res=$(cd "$hg" && TESTRIG_STATE_DIR=$work/store-huge-$which "$bin/measure" \
				-o "$work/huge.out" -- "$RIG" run -j "$JOBS" --no-fail-fast --color never \
				--config "$which.ini") || die "measure failed"
			[ "$(field "$res" status)" = 0 ] || die "the $which run failed: $(tail -3 "$work/huge.out")"
			n=$([ "$which" = small ] && echo "$small" || echo "$HUGE_N")
			grep -q "$n tests run: $n passed" "$work/huge.out" ||
				die "$which: no '$n tests run: $n passed': $(tail -2 "$work/huge.out")"
			echo "$which $n $(field "$res" wall_ns) $(field "$res" maxrss_kb) $(field "$res" other_ms)" \
				>>"$work/huge.results"
		done
		round=$((round + 1))
	done
	# 10 000 tests, recording (the second run reads and merges a history of them).
	for round in 1 2; do
		res=$(cd "$hg" && TESTRIG_STATE_DIR=$work/store-huge-ten "$bin/measure" -o "$work/huge.out" -- \
			"$RIG" run -j "$JOBS" --no-fail-fast --color never --config ten.ini) || die "measure failed"
		grep -q "$ten tests run: $ten passed" "$work/huge.out" ||
			die "ten: no '$ten tests run: $ten passed': $(tail -2 "$work/huge.out")"
	done
	rss10=$(field "$res" maxrss_kb)
	awk -v target="$TARGET_HUGE" -v rssmax="$TARGET_HUGE_RSS_MIB" -v rss10="$rss10" -v ten="$ten" \
		-v rss10max="$TARGET_RSS_10K_MIB" -v table="$work/table" '
	{ tests[$1] = $2; k = ++n[$1]; v[$1, k] = $3 / 1e6 / $2; if ($4 > rss[$1]) rss[$1] = $4
	  if ($5 >= 0) { o += $5; ow += $3 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		s = median("small"); a = median("all"); m = rss["all"] / 1024; t = rss10 / 1024
		printf "%d tests: %.4f ms/test, peak RSS %.1f MiB   %d tests: %.4f ms/test, peak RSS %.1f MiB   %d tests: peak RSS %.1f MiB\n",
			tests["small"], s, rss["small"] / 1024, tests["all"], a, m, ten, t
		printf "(%s)\n", ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
		printf "huge %d|per-test wall / %d tests|%.3f|<= %.2f|%s\n", tests["all"], tests["small"],
			a / s, target, a / s <= target ? "MET" : "MISSED" >> table
		printf "huge %d|peak RSS (MiB)|%.1f|< %d|%s\n", tests["all"], m, rssmax,
			m < rssmax ? "MET" : "MISSED" >> table
		printf "trivial-%d|peak RSS (MiB)|%.1f|<= %d|%s\n", ten, t, rss10max,
			t <= rss10max ? "MET" : "MISSED" >> table
	}' "$work/huge.results"
}

# --- points -------------------------------------------------------------------

bench_points() {
	pt=$work/points
	mkdir -p "$pt/t"
	printf '#!/bin/sh\nexec awk -v n=%s %s\n' "$POINTS_N" \
		"'BEGIN { print \"1..\" n; for (i = 1; i <= n; i++) print \"ok \" i \" - point \" i }'" \
		>"$pt/t/points"
	chmod +x "$pt/t/points"
	printf '[suite.tap]\nbinaries = t/*\nprotocol = tap\n' >"$pt/testrig.ini"
	echo
	echo "bench points: one TAP script of $POINTS_N points, recording; run and replay, peak RSS"
	for how in run run-junit replay replay-json replay-junit; do
		case $how in
		run) set -- run --color never ;;
		run-junit) set -- run --color never --junit "$pt/run.xml" ;;
		replay) set -- replay --color never ;;
		replay-json) set -- replay --message-format json ;;
		replay-junit) set -- replay --color never --junit "$pt/replay.xml" ;;
		esac
		res=$(cd "$pt" && TESTRIG_STATE_DIR=$work/store-points "$bin/measure" -o "$pt/out" -- \
			"$RIG" "$@") || die "measure failed"
		[ "$(field "$res" status)" = 0 ] || die "points: $how failed: $(tail -3 "$pt/out")"
		case $how in
		replay-json) grep -q "\"number\":$POINTS_N," "$pt/out" ;;
		*) grep -q "($POINTS_N points: $POINTS_N passed)" "$pt/out" ;;
		esac || die "points: $how did not report $POINTS_N points: $(tail -c 300 "$pt/out")"
		awk -v how="$how" -v kb="$(field "$res" maxrss_kb)" -v w="$(field "$res" wall_ns)" \
			-v t="$TARGET_POINTS_RSS_MIB" -v n="$POINTS_N" -v table="$work/table" 'BEGIN {
			m = kb / 1024
			printf "%-13s peak RSS %6.1f MiB, wall %.2f s\n", how, m, w / 1e9
			printf "points %d|%s peak RSS (MiB)|%.1f|<= %d|%s\n", n, how, m, t,
				m <= t ? "MET" : "MISSED" >> table
		}'
	done
	for f in run replay; do
		[ "$(grep -c '<testcase' "$pt/$f.xml")" = $((POINTS_N + 1)) ] ||
			die "points: the $f JUnit report does not have $((POINTS_N + 1)) testcases"
	done
}

# --- gtest --------------------------------------------------------------------

bench_gtest() {
	gt=$work/gtest
	libs=$(pkg-config --libs gtest_main 2>/dev/null) || libs=
	if [ -z "$libs" ] || ! command -v "${CXX:-c++}" >/dev/null 2>&1; then
		echo
		echo "bench gtest: skipped (no GoogleTest: install g++ and libgtest-dev)"
		row gtest "binary isolation / xargs" "-" "<= $TARGET_GTEST" "SKIPPED (no GoogleTest)"
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
	echo "bench gtest: $GT_BINS GoogleTest binaries of $GT_CASES cases, -j $JOBS, recording;" \
		"GT_ROUNDS=$GT_ROUNDS (+1 warm-up)"
	: >"$work/gt.results"
	round=0
	set -- xargs auto one test
	while [ "$round" -le "$GT_ROUNDS" ]; do
		for who in "$@"; do
			case $who in
			xargs) res=$("$bin/measure" -o "$gt/out" -- xargs -P "$JOBS" -n 1 -a "$gt/list" \
				env) ;;
			*) res=$(cd "$gt" && TESTRIG_STATE_DIR=$work/store-gt-$who "$bin/measure" -o "$gt/out" -- \
				"$RIG" run -j "$JOBS" --no-fail-fast --color never --config "$who.ini") ;;
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
	awk -v target="$TARGET_GTEST" -v table="$work/table" '
	{ n[$1]++; v[$1, n[$1]] = $2 / 1e9; if ($3 >= 0) { o += $3; ow += $2 / 1e6 } }
	'"$AWK_MEDIAN"'
	END {
		x = median("xargs"); a = median("auto"); b = median("one"); t = median("test")
		printf "binaries whole (xargs -P): %.3f s   isolation = binary, shards = auto: %.3f s (%.2fx)   shards = 1: %.3f s (%.2fx)   isolation = test: %.3f s (%.2fx)\n",
			x, a, a / x, b, b / x, t, t / x
		printf "(%s)\n", ow ? sprintf("others used %.2f cores", o / ow) : "machine noise unknown"
		printf "gtest|shards = auto / xargs|%.3f|<= %.2f|%s\n", a / x, target,
			a / x <= target ? "MET" : "MISSED" >> table
		printf "gtest|shards = 1 / xargs|%.3f|<= %.2f|%s\n", b / x, target,
			b / x <= target ? "MET" : "MISSED" >> table
		printf "gtest|isolation = test / xargs|%.3f|(none)|-\n", t / x >> table
	}' "$work/gt.results"
}

for part in $PARTS; do
	case $part in
	trivial) bench_trivial ;;
	sleepy) bench_sleepy ;;
	chatty) bench_chatty ;;
	longtail) bench_longtail ;;
	flood) bench_flood ;;
	make) bench_make ;;
	huge) bench_huge ;;
	points) bench_points ;;
	gtest) bench_gtest ;;
	*) die "unknown part '$part' (trivial, sleepy, chatty, longtail, flood, make, huge, points, gtest)" ;;
	esac
done

echo
echo "== make bench: every workload (JOBS=$JOBS; testrig recording unless the row says otherwise)"
awk -F'|' '
	{ w[NR] = $1; m[NR] = $2; v[NR] = $3; t[NR] = $4; d[NR] = $5
	  if (length($1) > a) a = length($1); if (length($2) > b) b = length($2) }
	END {
		printf "%-*s  %-*s  %8s  %-22s  %s\n", a, "workload", b, "measure", "value", "target", "verdict"
		for (i = 1; i <= NR; i++)
			printf "%-*s  %-*s  %8s  %-22s  %s\n", a, w[i], b, m[i], v[i], t[i], d[i]
	}' "$work/table"
missed=$(grep -c '|MISSED' "$work/table" || true)
echo "$(wc -l <"$work/table") rows, $missed missed; $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null | sed 's/^/load /')"
