#!/bin/sh
# 2000 trivial tests on two threads: each runs once, each is reported once.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/many"
i=1
while [ $i -le 2000 ]; do
	ln -s "$FIXTURE" "$T/many/pass@$i"
	i=$((i + 1))
done
ln -s "$FIXTURE" "$T/many/fail@1000"

rig run -j 2 "$T"/many/pass@*
expect_rc 0
expect_summary "2000 tests run: 2000 passed, 0 skipped"
n=$(grep -c '^ *PASS \[' "$T/out")
[ "$n" -eq 2000 ] && ok || fail "$n PASS lines"
n=$(sed -n 's/^ *PASS \[.*\] //p' "$T/out" | sort -u | wc -l)
[ "$n" -eq 2000 ] && ok || fail "$n distinct tests reported"

# One failure among them, without fail-fast: still every test runs.
rig run -j 2 --no-fail-fast "$T"/many/*
expect_rc 100
expect_summary "2001 tests run: 2000 passed, 1 failed, 0 skipped"

finish
