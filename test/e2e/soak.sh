#!/bin/sh
# The short soak of make check (issue 16): 50 runs of test/soak/soak.py, a
# mixed suite interrupted at random moments in random ways, each run checked
# by the soak script alone (make soak runs 1000).  The seed is printed, so a
# failure can be run again with SOAK_SEED.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "the soak needs python3"
python3 "$top/test/soak/soak.py" --rig "$RIG" --fixture "$FIXTURE" --runs "${SOAK_RUNS:-50}" \
	${SOAK_SEED:+--seed "$SOAK_SEED"} >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
expect_rc 0
expect_line '^soak: [0-9]+ runs \(seed [0-9]+\)'
finish
