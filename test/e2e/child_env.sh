#!/bin/sh
# What a test starts with: the TESTRIG variables, its own process group,
# an empty signal mask, no fd of testrig's, stdin at end of file.
. "$(dirname "$0")/lib.sh"

env1=$(fx env a) env2=$(fx env b)

TESTRIG_OUTER=1 rig run -j 2 --success-output immediate "$env1" "$env2"
expect_rc 0
expect_out "TESTRIG=1"
expect_out "TESTRIG_ATTEMPT=1"
expect_out "TESTRIG_TOTAL_ATTEMPTS=1"
expect_out "TESTRIG_BINARY_ID=$env1"
expect_out "TESTRIG_BINARY_ID=$env2"
expect_out "TESTRIG_TEST_NAME=env"
expect_out "TESTRIG_PROFILE=default"
expect_no_out "TESTRIG_OUTER"
expect_line '^TESTRIG_RUN_ID=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
n=$(grep '^TESTRIG_RUN_ID=' "$T/out" | sort -u | wc -l)
[ "$n" -eq 1 ] && ok || fail "$n different run ids in one run"
grep '^TESTRIG_SLOT=' "$T/out" | grep -qv '^TESTRIG_SLOT=[01]$' && fail "slot out of range" || ok
id1=$(sed -n 's/^TESTRIG_RUN_ID=//p' "$T/out" | head -1)
rig run --success-output immediate "$env1"
expect_rc 0
id2=$(sed -n 's/^TESTRIG_RUN_ID=//p' "$T/out")
[ "$id1" != "$id2" ] && ok || fail "run id repeated across runs"

# Run with one test thread: the slot is always 0.
rig run -j 1 --success-output immediate "$env1" "$env2"
expect_rc 0
n=$(grep -c '^TESTRIG_SLOT=0$' "$T/out")
[ "$n" -eq 2 ] && ok || fail "slots with -j 1: $(grep SLOT "$T/out")"

rig run "$(fx pgrp)"
expect_rc 0 "own process group"
rig run "$(fx sigstate)"
expect_rc 0 "empty signal mask, default dispositions"
rig run "$(fx stdin)"
expect_rc 0 "stdin at EOF"
# No fd testrig opened reaches the test; fds testrig inherited do (as make
# passes its jobserver's): allow exactly the ones this shell has open.
allow=$(ls /proc/$$/fd | awk '$1 > 2' | paste -sd, -)
exec 7</dev/null
FX_ALLOW_FDS="$allow,7" rig run "$(fx fds)"
expect_rc 0 "only inherited fds"
FX_ALLOW_FDS="$allow" rig run --failure-output immediate "$(fx fds)"
expect_rc 100 "inherited fd 7 passes through"
expect_out "unexpected open fd 7"
exec 7<&-

finish
