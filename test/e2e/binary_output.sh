#!/bin/sh
# Output that is not text (every byte value, NULs, invalid UTF-8) comes back
# byte for byte, as does output without a final newline.
. "$(dirname "$0")/lib.sh"

bin=$(fx binary)
"$bin" >"$T/want.out" 2>"$T/want.err"

rig run "$bin"
expect_rc 100
expect_status "$bin" FAIL
block STDOUT "$bin"
# testrig ends a block with a newline; this output already ends with one.
cmp -s "$T/want.out" "$T/block" && ok || fail "stdout bytes differ: $(od -c "$T/block" | head -5)"
block STDERR "$bin"
# The stderr part does not end in a newline: testrig adds exactly one.
{ cat "$T/want.err"; printf '\n'; } >"$T/want.err.nl"
cmp -s "$T/want.err.nl" "$T/block" && ok || fail "stderr bytes differ: $(od -c "$T/block" | head -5)"

finish
