#!/bin/sh
# libtest-shim.sh - speaks the libtest command line like a Rust test binary
# (--list --format terse [--ignored]; NAME --exact --nocapture [--ignored]),
# so the libtest protocol is tested where rustc is not installed.
case "$*" in
"--list --format terse")
	printf 'alpha: test\nbeta: test\nslow: test\nbench_it: bench\n' ;;
"--list --format terse --ignored")
	printf 'slow: test\n' ;;
"alpha --exact --nocapture")
	printf '\nrunning 1 test\ntest alpha ... ok\n\ntest result: ok. 1 passed\n' ;;
"beta --exact --nocapture")
	printf '\nrunning 1 test\nthread panicked at beta\ntest beta ... FAILED\n'
	exit 101 ;;
"slow --exact --nocapture --ignored")
	printf '\nrunning 1 test\ntest slow ... ok\n' ;;
*" --exact --nocapture"*)
	printf '\nrunning 0 tests\n\ntest result: ok. 0 passed\n' ;;
*)
	echo "libtest-shim: unexpected arguments: $*" >&2
	exit 2 ;;
esac
