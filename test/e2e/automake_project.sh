#!/bin/sh
# A real Automake project whose parallel harness runs every test through
# testrig automake-driver (SPEC section 11): a compiled program, an
# XFAIL_TESTS entry, an exit-77 skip, an exit-99 hard error, a TAP script
# (TAP_LOG_DRIVER), a GoogleTest binary run with --protocol gtest (a result
# per test case) and a hanging test stopped by the project's testrig.ini.
# `make -j4 check` must count them as Automake would; `make recheck` must
# rerun the failures only.
. "$(dirname "$0")/lib.sh"

command -v autoreconf >/dev/null 2>&1 && command -v automake >/dev/null 2>&1 ||
	skip "autoconf and automake are not installed (.ci/deps installs them)"
command -v make >/dev/null 2>&1 || skip "no make on this machine"
gs=$BUILD/test/protocols/gtest_sample
[ -x "$gs" ] || skip "no GoogleTest binary (install g++ and libgtest-dev)"

P=$T/proj
mkdir -p "$P"
cd "$P" || exit 2
cat >configure.ac <<'EOF'
AC_INIT([amdemo], [1.0])
AM_INIT_AUTOMAKE([foreign -Wall -Werror])
AC_PROG_CC
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
EOF
cat >Makefile.am <<'EOF'
check_PROGRAMS = passprog
TEST_EXTENSIONS = .sh .tap .gtest
LOG_DRIVER = $(TESTRIG) automake-driver
SH_LOG_DRIVER = $(TESTRIG) automake-driver
SH_LOG_COMPILER = $(SHELL)
TAP_LOG_DRIVER = $(TESTRIG) automake-driver
AM_TAP_LOG_DRIVER_FLAGS = --protocol tap
TAP_LOG_COMPILER = $(SHELL)
GTEST_LOG_DRIVER = $(TESTRIG) automake-driver
AM_GTEST_LOG_DRIVER_FLAGS = --protocol gtest
TESTS = passprog xfail.sh skip.sh hard.sh points.tap unit.gtest hang.sh
XFAIL_TESTS = xfail.sh
EOF
cat >passprog.c <<'EOF'
#include <stdio.h>
int main(void) { puts("the program passes"); return 0; }
EOF
printf 'echo "expected to fail"\nexit 1\n' >xfail.sh
printf 'echo "no frobnicator here" >&2\nexit 77\n' >skip.sh
printf 'echo "the fixture is broken"\nexit 99\n' >hard.sh
cat >points.tap <<'EOF'
echo 1..5
echo "ok 1 - first"
echo "not ok 2 - second # TODO not written"
echo "ok 3 - third # SKIP no disk"
echo "ok 4 - fourth"
echo "not ok 5 - fifth"
EOF
echo 'exec sleep 60' >hang.sh
ln -s "$gs" unit.gtest
# The project's config: the hanging test's timeout.
cat >testrig.ini <<'EOF'
[profile.default.override.hang]
filter = binary(hang.sh)
slow-timeout = 300ms
terminate-after = 2
grace-period = 200ms
EOF

if ! autoreconf -fi >"$T/autoreconf.out" 2>&1 || ! ./configure >"$T/configure.out" 2>&1; then
	cat "$T/autoreconf.out" "$T/configure.out" >&2
	fail "the Automake project does not configure"
	finish
fi
ok

runmake() { # ARGS...: output in $T/make.out, status in $rc
	make "$@" TESTRIG="$RIG" >"$T/make.out" 2>&1 </dev/null
	rc=$?
}
# count RESULT: the test-suite.log's count of RESULT
count() { sed -n "s/^# $1: *//p" test-suite.log; }
expect_count() {
	got=$(count "$1")
	if [ "$got" = "$2" ]; then ok; else fail "# $1: '$got', expected $2 ($(sed -n '/^# [A-Z]*:/p' test-suite.log | tr '\n' ' '))"; fi
}
expect_make() { # TEXT: make's output has the line
	if grep -qxF -- "$1" "$T/make.out"; then ok; else fail "make's output lacks '$1': $(head -c 3000 "$T/make.out")"; fi
}

runmake -j4 check
[ "$rc" -ne 0 ] && ok || fail "make check passed with failures in it"
[ -f test-suite.log ] && ok || fail "no test-suite.log: $(tail -20 "$T/make.out")"
expect_count TOTAL 20
expect_count PASS 10
expect_count SKIP 3
expect_count XFAIL 2
expect_count FAIL 4
expect_count XPASS 0
expect_count ERROR 1
expect_make "PASS: passprog"
expect_make "XFAIL: xfail.sh"
expect_make "SKIP: skip.sh"
expect_make "ERROR: hard.sh"
expect_make "XFAIL: points.tap 2 - second # TODO not written"
expect_make "FAIL: points.tap 5 - fifth"
expect_make "PASS: unit.gtest Arith.Adds"
expect_make "FAIL: unit.gtest Arith.Fails"
expect_make "SKIP: unit.gtest Arith.Skips"
expect_make "FAIL: hang.sh"
# The failures' logs are in test-suite.log, testrig's account with them.
grep -qF "testrig: TIMEOUT" test-suite.log && ok || fail "hang.sh's timeout is not in test-suite.log"
grep -qF "arithmetic is broken" test-suite.log && ok || fail "the gtest failure is not in test-suite.log"
grep -qF "the program passes" test-suite.log && fail "a passing test's log was copied in" || ok
grep -q 'jobserver' "$T/make.out" && fail "make or testrig spoke of the jobserver: $(grep jobserver "$T/make.out")" || ok
expect_no_leftovers

# make recheck: only the tests with ":recheck: yes" run again.
touch -d '2000-01-01' ./*.log ./*.trs
runmake -j4 recheck
for t in hard points unit hang; do
	[ -n "$(find . -maxdepth 1 -name "$t.log" -newer configure.ac)" ] && ok ||
		fail "make recheck did not rerun $t"
done
for t in passprog xfail skip; do
	[ -z "$(find . -maxdepth 1 -name "$t.log" -newer configure.ac)" ] && ok ||
		fail "make recheck reran $t, which passed"
done
# Its summary counts the tests it reran: hard.sh 1, points.tap 5, unit.gtest 10, hang.sh 1.
expect_count TOTAL 17
expect_count FAIL 4
expect_count ERROR 1
finish
