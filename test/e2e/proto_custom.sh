#!/bin/sh
# The custom protocol: list-command and run-command with {binary} and {test}.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/suite"
cat >"$T/suite/runner" <<'SH'
#!/bin/sh
# --list prints test names; --run NAME runs one (names ending in "bad" fail,
# "skip" skips with 77).
case $1 in
--list) printf 'one\ntwo bad\nthree skip\n' ;;
--run) case $2 in *bad) echo "$2 failed"; exit 1 ;; *skip) exit 77 ;; *) exit 0 ;; esac ;;
esac
SH
chmod +x "$T/suite/runner"
ini '[suite.c]
binaries = suite/runner
protocol = custom
list-command = sh {binary} --list
run-command = sh {binary} --run {test}'

rig_in "$T" list --format oneline
expect_rc 0
printf 'suite/runner one\nsuite/runner two bad\nsuite/runner three skip\n' | cmp -s - "$T/out" &&
	ok || fail "listing: $(cat "$T/out")"
rig_in "$T" run --no-fail-fast
expect_rc 100
expect_summary "3 tests run: 1 passed, 1 failed, 1 skipped"
expect_out "two bad failed"
expect_final "suite/runner two bad" FAIL

finish
