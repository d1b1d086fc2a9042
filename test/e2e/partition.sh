#!/bin/sh
# --partition count:K/N and hash:K/N: the shards cover every selected test
# exactly once, in list order, and the hash is the documented one.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/p"
i=1
while [ $i -le 40 ]; do
	ln -s "$FIXTURE" "$T/p/pass@$(printf %02d $i)"
	i=$((i + 1))
done
ini '[suite.p]
binaries = p/*'

rig_in "$T" list
expect_rc 0
grep -v '^ ' "$T/out" | tr -d ':' >"$T/all"

for kind in count hash; do
	: >"$T/union"
	for k in 1 2 3; do
		rig_in "$T" list --partition "$kind:$k/3"
		expect_rc 0 "$kind:$k/3"
		grep -v '^ ' "$T/out" | tr -d ':' >>"$T/union"
	done
	sort "$T/union" >"$T/union.sorted"
	sort "$T/all" >"$T/all.sorted"
	cmp -s "$T/union.sorted" "$T/all.sorted" && ok || fail "$kind shards do not cover the tests exactly once"
done

# count: every third test of the list, starting at K.
rig_in "$T" list --partition count:2/3
expect_rc 0
grep -v '^ ' "$T/out" | tr -d ':' >"$T/got"
awk 'NR % 3 == 2' "$T/all" | cmp -s - "$T/got" && ok || fail "count:2/3 is not every 3rd from the 2nd"

# Partition applies after filters; the rest counts as skipped.
rig_in "$T" run --partition count:1/4 -E 'test(~@0)'
expect_rc 0
expect_summary "3 tests run: 3 passed, 37 skipped"

# hash: FNV-1a 64 of "BINARY_ID\0TEST_NAME", mod N, plus 1.  Recompute it here.
python3 - "$T/all" >"$T/want" <<'PY'
import sys
for line in open(sys.argv[1]):
    bid = line.strip()
    h = 0xcbf29ce484222325
    for b in bid.encode() + b'\0' + bid.split('/')[-1].encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    if h % 3 + 1 == 2:
        print(bid)
PY
rig_in "$T" list --partition hash:2/3
expect_rc 0
grep -v '^ ' "$T/out" | tr -d ':' | cmp -s - "$T/want" && ok || fail "hash:2/3 differs from FNV-1a"

rig run --partition hash:0/3 "$(fx pass)"
expect_rc 2 "K = 0"
expect_err "--partition: invalid value 'hash:0/3'"
rig run --partition count:4/3 "$(fx pass)"
expect_rc 2 "K > N"
rig run --partition slice:1/2 "$(fx pass)"
expect_rc 2 "unknown kind"

finish
