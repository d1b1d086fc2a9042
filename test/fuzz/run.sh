#!/bin/sh
# run.sh - make fuzz: builds each libFuzzer target (test/fuzz/fuzz_*.c, or
# those named as arguments) with
# clang, ASan and UBSan, and runs it for FUZZ_SECONDS (default 60) on one
# core, keeping its corpus in build/fuzz/corpus-NAME between runs.  Exits
# non-zero when a target crashes, leaks or fails one of its own checks.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
: "${FUZZ_SECONDS:=60}"
: "${CLANG:=clang}"
command -v "$CLANG" >/dev/null 2>&1 || { echo "make fuzz needs clang (apt-get install clang)" >&2; exit 2; }
out=build/fuzz
mkdir -p "$out"
srcs=$(ls src/*.c | grep -v '/main\.c$')
libs=$(pkg-config --libs inih zlib)
status=0
# Arguments name the targets to run (fuzz_tap ...); none: every one.
targets=${*:-$(ls test/fuzz/fuzz_*.c | sed 's|.*/||; s|\.c$||')}
for name in $targets; do
	f=test/fuzz/$name.c
	echo "== $name ($FUZZ_SECONDS s)"
	# shellcheck disable=SC2086
	"$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Iinclude -o "$out/$name" "$f" $srcs $libs -lpthread
	mkdir -p "$out/corpus-$name"
	if ! "$out/$name" -max_total_time="$FUZZ_SECONDS" \
		-artifact_prefix="$out/$name-" "$out/corpus-$name" >"$out/$name.log" 2>&1; then
		echo "   FAILED: see $out/$name.log and $out/$name-*" >&2
		status=1
	fi
	tail -n 3 "$out/$name.log" | sed 's/^/   /'
done
exit $status
