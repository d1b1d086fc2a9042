#!/bin/sh
# mutants.sh - make check-mutants: the suite must fail on a testrig that
# decides wrong.  Each mutant is one sed edit of one source file, built in a
# copy of the tree; the suite (test/run.sh) is run on it and must fail.  A
# mutant the suite lets through is reported and the script exits 1.
#
#   sh test/mutants.sh [NAME...]      (default: every mutant)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/testrig-mutants.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# name|file|sed expression|what it breaks
mutants='judge-always-passes|src/attempt.c|/^void attempt_judge_exec/,/^}/ s/a->verdict = V_[A-Z_]*;/a->verdict = V_PASS;/|the exec judge says PASS whatever the test did
ignore-max-threads|src/sched.c|s/(q->max \&\& q->running >= q->max)/(0)/|the scheduler ignores test groups'"'"' max-threads
jobserver-no-limit|src/engine.c|/^static unsigned capacity/,/^}/ s/return allowed > eng->used/return 1 ? UINT_MAX : allowed > eng->used/|the engine ignores make'"'"'s tokens
automake-no-hard-errors|src/report_automake.c|s/v == V_ERROR \&\& a->hard_errors/v == V_ERROR \&\& 0/|automake-driver maps exit 99 to FAIL
archive-allows-dotdot|src/archive.c|s/return "its path has a '"'"'..'"'"' component";/(void)0;/|extraction lets '"'"'..'"'"' through
hook-on-cancel|src/unit.c|s/l->on_timeout \&\& !w->a->cancelled \&\& !w->ctl->run_cancelled \&\&/l->on_timeout \&\& /|the on-timeout hook runs for a cancelled run
cancel-keeps-clock|src/unit.c|s/act\(w, watch_terminate\(\&w->st, sig == SIGKILL, el\), sig\);/signal_group(w, sig);/|a test cancelled by SIGINT is signalled but keeps running on its timeout clock (no grace period)
no-guardian|src/guard.c|s/^\tif \(tried\)$/\tif (tried + 1)/|no guardian: what tests leave behind outlives a testrig killed by SIGKILL
tap-point-never-fails|src/report_junit.c|s/\} else if \(!p->ok\) \{/} else if (0) {/|a not ok TAP point passes in JUnit
case-failed-passes|src/cases.c|s/\{ "\[  FAILED  \] ", V_FAIL \}/{ "[  FAILED  ] ", V_PASS }/|a gtest case that printed FAILED passes (isolation = binary)
cases-no-continuation|src/unit.c|s/\(next == CASES_DONE /(1 /|the cases after a crash or a hang never run
process-failure-hidden|src/cases.c|s/ \&\& r->proc_case_failed\)\)/))/|a binary that fails outside its cases passes'

want=${*:-}
escaped=0
tried=0
echo "$mutants" | while IFS='|' read -r name file expr what; do
	if [ -n "$want" ] && ! echo " $want " | grep -q " $name "; then
		continue
	fi
	tried=$((tried + 1))
	dir=$work/$name
	mkdir -p "$dir"
	(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$dir") || exit 2
	sed -i -E "$expr" "$dir/$file"
	if cmp -s "$top/$file" "$dir/$file"; then
		echo "mutant $name: the edit changed nothing in $file (fix the expression)"
		exit 1
	fi
	if ! make -C "$dir" -s check-build >"$dir/build.log" 2>&1; then
		echo "mutant $name: does not build"
		tail -5 "$dir/build.log"
		exit 1
	fi
	if make -C "$dir" -s check >"$dir/check.log" 2>&1; then
		echo "mutant $name ($what): the suite PASSED: it does not catch this"
		exit 1
	fi
	echo "mutant $name ($what): caught: $(grep -c '^FAIL' "$dir/check.log") suite entries fail," \
		"$(grep -c '^MISMATCH' "$dir/check.log") verdict mismatches"
done
