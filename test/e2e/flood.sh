#!/bin/sh
# A test that writes 50 MiB: the run neither blocks nor keeps it all; past the
# 16 MiB output limit the middle is dropped and the marker says how much.
. "$(dirname "$0")/lib.sh"

fl=$(fx flood)

FX_FLOOD_MIB=50 rig run "$fl"
expect_rc 0 "flood passes"
expect_status "$fl" PASS

FX_FLOOD_MIB=50 FX_EXIT=1 rig run "$fl"
expect_rc 100 "flood fails"
expect_status "$fl" FAIL
# 50 MiB written, 16 MiB kept (8 MiB head + 8 MiB tail).
expect_out "[testrig: 35651584 bytes of output dropped here; output-limit is 16777216 bytes]"
block STDOUT "$fl"
size=$(wc -c <"$T/block")
marker=$(printf '[testrig: 35651584 bytes of output dropped here; output-limit is 16777216 bytes]\n' | wc -c)
[ "$size" -eq $((16777216 + marker)) ] && ok || fail "kept $size bytes"
head -c 6 "$T/block" | grep -q '^MiB 0$' && ok || fail "head does not start with MiB 0"
# The tail holds the last 8 MiB: blocks 42..49.
grep -a -c '^MiB [0-9]*$' "$T/block" >"$T/n"
[ "$(cat "$T/n")" -eq 16 ] && ok || fail "$(cat "$T/n") block headers kept, expected 16"
grep -aq '^MiB 49$' "$T/block" && ok || fail "last block missing"
grep -aq '^MiB 42$' "$T/block" && ok || fail "first tail block missing"
grep -aq '^MiB 8$' "$T/block" && fail "a dropped block was kept" || ok

finish
