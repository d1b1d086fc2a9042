#!/bin/sh
# Fail-fast (the default), --no-fail-fast and --max-fail.
. "$(dirname "$0")/lib.sh"

f1=$(fx fail a) f2=$(fx fail b) p1=$(fx pass a) p2=$(fx pass b) p3=$(fx pass c)

# -j 1 makes the order certain: the first failure stops new starts.
rig run -j 1 "$p1" "$f1" "$p2" "$p3"
expect_rc 100
expect_summary "2/4 tests run: 1 passed, 1 failed, 0 skipped"
expect_line '^   Cancelled 2 tests did not run: the run stopped after a failure'
expect_no_out "$p2"

rig run -j 1 --no-fail-fast "$p1" "$f1" "$p2" "$p3"
expect_rc 100
expect_summary "4 tests run: 3 passed, 1 failed, 0 skipped"
expect_no_out "Cancelled"

rig run -j 1 --max-fail 2 "$f1" "$p1" "$f2" "$p2" "$p3"
expect_rc 100
expect_summary "3/5 tests run: 1 passed, 2 failed, 0 skipped"
expect_line '^   Cancelled 2 tests did not run'

# --no-fail-fast then --fail-fast: the last one wins.
rig run -j 1 --no-fail-fast --fail-fast "$f1" "$p1"
expect_rc 100
expect_summary "1/2 tests run: 0 passed, 1 failed, 0 skipped"

# The last test failing cancels nothing.
rig run -j 1 "$p1" "$f1"
expect_rc 100
expect_no_out "Cancelled"

# --max-fail N:immediate stops the tests still running.
hang=$(fx hang)
FX_SLEEP_MS=0 rig run -j 2 --max-fail 1:immediate "$hang" "$f1"
expect_rc 100
expect_status "$hang" SIGTERM
expect_no_leftovers

finish
