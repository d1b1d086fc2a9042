#!/bin/sh
# -E filter expressions, default-filter, and what is not selected.
. "$(dirname "$0")/lib.sh"

for d in unit/db unit/net integ/db; do
	fx pass "$d" >/dev/null
	fx fail "$d" >/dev/null
done
ini '[suite.unit]
binaries = unit/*/*

[suite.integ]
binaries = integ/*/*

[profile.default]
fail-fast = false

[profile.quick]
default-filter = suite(unit)'

# names: ids under unit/ and integ/; tests named pass and fail
sel() { rig_in "$T" list "$@"; grep -v '^ ' "$T/out" | tr -d ':' | tr '\n' ' '; }

[ "$(sel -E 'test(=pass)')" = "unit/db/pass unit/net/pass integ/db/pass " ] && ok ||
	fail "test(=pass): $(sel -E 'test(=pass)')"
[ "$(sel -E 'binary(unit/db/*)')" = "unit/db/fail unit/db/pass " ] && ok ||
	fail "binary glob: $(sel -E 'binary(unit/db/*)')"
[ "$(sel -E 'binary(~net)')" = "unit/net/fail unit/net/pass " ] && ok || fail "binary contains"
[ "$(sel -E 'suite(integ) & test(/^fa/)')" = "integ/db/fail " ] && ok || fail "and + regex"
[ "$(sel -E 'binary(#*/db/*) - suite(unit)')" = "integ/db/fail integ/db/pass " ] && ok ||
	fail "difference"
[ "$(sel -E 'not test(pass) and not suite(integ)')" = "unit/db/fail unit/net/fail " ] && ok ||
	fail "not"
# Several -E are OR-ed.
[ "$(sel -E 'binary(=unit/net/pass)' -E 'binary(=integ/db/fail)')" = "unit/net/pass integ/db/fail " ] &&
	ok || fail "two -E"
[ "$(sel -E 'none()')" = "" ] && ok || fail "none()"
[ "$(sel -E 'ignored()')" = "" ] && ok || fail "ignored() (exec tests are never ignored)"

# The profile's default-filter is AND-ed with -E unless ignored.
[ "$(sel -P quick)" = "unit/db/fail unit/db/pass unit/net/fail unit/net/pass " ] && ok ||
	fail "default-filter"
[ "$(sel -P quick -E 'test(pass)')" = "unit/db/pass unit/net/pass " ] && ok ||
	fail "default-filter and -E"
[ "$(sel -P quick --ignore-default-filter -E 'test(pass)')" = "unit/db/pass unit/net/pass integ/db/pass " ] &&
	ok || fail "--ignore-default-filter"

# Tests not selected count as skipped.
rig_in "$T" run -E 'test(pass)'
expect_rc 0
expect_summary "3 tests run: 3 passed, 3 skipped"
expect_line '^    Starting 3 tests on [0-9]+ threads? \(3 skipped\)$'

# Nothing selected: exit 4 (--no-tests).
rig_in "$T" run -E 'test(nothing-like-this)'
expect_rc 4 "empty selection"
expect_err "no tests were selected (6 filtered out)"

# A bad expression: the expression, a caret under the error, exit 94.
rig_in "$T" run -E 'test(pass) & bogus(x)'
expect_rc 94 "unknown predicate"
expect_err "invalid filter expression (-E)"
expect_err "unknown predicate 'bogus'"
expect_err "  test(pass) & bogus(x)"
expect_err "               ^"
rig_in "$T" run -E 'test(/[/)'
expect_rc 94 "bad regex"
rig_in "$T" run -E 'all() or'
expect_rc 94 "dangling operator"

# The expression is checked before any binary is listed.
cp "$T/testrig.ini" "$T/testrig.ini.keep"
fx pass >/dev/null
ini '[suite.c]
binaries = bin/pass
protocol = custom
list-command = sh -c "touch listed; echo t1"
run-command = {binary}'
rm -f "$T/listed"
rig_in "$T" run -E 'all() or'
expect_rc 94 "bad expression, custom suite"
[ -e "$T/listed" ] && fail "binaries were listed before the bad expression was refused" || ok
rig_in "$T" run -E 'all()'
expect_rc 0
[ -e "$T/listed" ] && ok || fail "the list command did not run (the check above proves nothing)"
mv "$T/testrig.ini.keep" "$T/testrig.ini"

finish
