#!/bin/sh
# testrig.ini: where it is found, suites, profiles, origins, and errors.
. "$(dirname "$0")/lib.sh"

fx pass >/dev/null; fx fail >/dev/null; fx env >/dev/null; fx getenv >/dev/null
mkdir -p "$T/sub/dir"
ini '[suite.unit]
binaries = bin/pass bin/env
env = FOO=from-suite

[suite.more]
binaries = bin/g*

[profile.default]
success-output = immediate

[profile.quiet]
success-output = never
status-level = fail'

# Found in the current directory and in its parents; paths relative to it.
# bin/getenv (suite more) looks for FOO, which only suite unit sets: it fails.
FX_VAR=FOO rig_in "$T/sub/dir" run --no-fail-fast
expect_rc 100 "config in a parent directory"
expect_summary "3 tests run: 2 passed, 1 failed, 0 skipped"
expect_status bin/getenv FAIL
expect_out "TESTRIG_BINARY_ID=bin/env"
ini '[suite.unit]
binaries = bin/getenv
env = FOO=from-suite'
FX_VAR=FOO rig_in "$T/sub" run --success-output immediate
expect_rc 0
expect_out "FOO=from-suite"
# The working directory of a suite's tests is the project root by default.
printf '#!/bin/sh\n[ "$(pwd)" = "%s" ] || { pwd; exit 1; }\n' "$T" >"$T/bin/cwd"
chmod +x "$T/bin/cwd"
ini '[suite.s]
binaries = bin/cwd'
rig_in "$T/sub/dir" run
expect_rc 0 "cwd is the root"
mkdir -p "$T/work"
printf '#!/bin/sh\n[ "$(pwd)" = "%s/work" ] || { pwd; exit 1; }\n' "$T" >"$T/bin/cwd"
ini '[suite.s]
binaries = bin/cwd
cwd = work'
rig_in "$T/sub" run
expect_rc 0 "cwd = work"

# Order: suites in file order, each suite's matches sorted by path.
ini '[suite.b]
binaries = bin/pass bin/env

[suite.a]
binaries = bin/fail'
rig_in "$T" list
expect_rc 0
printf 'bin/env:\n    env\nbin/pass:\n    pass\nbin/fail:\n    fail\n' | cmp -s - "$T/out" &&
	ok || fail "list order: $(cat "$T/out")"

# Command-line binaries replace the suites.
rig_in "$T" run "$T/bin/pass"
expect_rc 0
expect_summary "1 test run: 1 passed, 0 skipped"

# --config and $TESTRIG_CONFIG; a named file that is missing is an error.
cp "$T/testrig.ini" "$T/other.ini"
rig_in / list --config "$T/other.ini"
expect_rc 0 "--config"
expect_out "bin/fail:"
TESTRIG_CONFIG="$T/other.ini" rig_in / list
expect_rc 0 "TESTRIG_CONFIG"
expect_out "bin/fail:"
rig_in / list --config "$T/nope.ini"
expect_rc 96 "missing --config"
expect_err "nope.ini"

# A glob that matches nothing: an error naming the suite, unless allowed.
ini '[suite.ghost]
binaries = bin/no-such-*'
rig_in "$T" run
expect_rc 96 "glob matches nothing"
expect_err "testrig.ini:1"
expect_err "bin/no-such-*"
ini '[suite.ghost]
binaries = bin/no-such-*
allow-empty = true

[suite.real]
binaries = bin/pass'
rig_in "$T" run
expect_rc 0 "allow-empty"

# Profiles: inheritance from default, -P and $TESTRIG_PROFILE, CLI on top.
ini '[suite.s]
binaries = bin/env

[profile.default]
success-output = immediate
retries = 1

[profile.ci]
retries = 3'
rig_in "$T" run -P ci
expect_rc 0
expect_out "TESTRIG_TOTAL_ATTEMPTS=4"
expect_out "TESTRIG_PROFILE=ci"
TESTRIG_PROFILE=ci rig_in "$T" run
expect_rc 0
expect_out "TESTRIG_TOTAL_ATTEMPTS=4"
rig_in "$T" run
expect_rc 0
expect_out "TESTRIG_TOTAL_ATTEMPTS=2"
rig_in "$T" run -P ci --retries 0
expect_rc 0
expect_out "TESTRIG_TOTAL_ATTEMPTS=1"
rig_in "$T" run -P nightly
expect_rc 96 "unknown profile"
expect_err "unknown profile 'nightly'"
TESTRIG_PROFILE=nightly rig_in "$T" run
expect_rc 96 "unknown profile from the environment"
expect_err "TESTRIG_PROFILE"

# show-config: effective values and where each came from.
rig_in "$T" show-config -P ci --success-output never
expect_rc 0 "show-config"
expect_line '^retries *= 3 *; .*/testrig.ini:9$'
expect_line '^success-output *= never *; command line$'
expect_line '^slow-timeout *= 1m *; default$'
expect_line '^\[suite\.s\]'

# Errors in the file: file:line, the key, what is accepted; exit 96.
ini '[profile.default]
slow-timeout = soon'
rig_in "$T" run "$T/bin/pass"
expect_rc 96 "bad duration"
expect_err "testrig.ini:2"
expect_err "slow-timeout"
ini '[profile.default]
retires = 2'
rig_in "$T" run "$T/bin/pass"
expect_rc 96 "unknown key"
expect_err "retires"
ini '[sweet.x]
binaries = a'
rig_in "$T" run "$T/bin/pass"
expect_rc 96 "unknown section"
expect_err "testrig.ini:1"
# A filter error in the file is a filter error: 94, with the caret.
ini '[profile.default]
default-filter = test(foo'
rig_in "$T" run "$T/bin/pass"
expect_rc 94 "bad default-filter"
expect_err "testrig.ini:2"
expect_err "^"
# libinih reads 200-byte lines: a longer one is refused, not cut.
long=$(printf 'bin/pass%.0s ' $(seq 1 30))
ini "[suite.s]
binaries = $long"
rig_in "$T" run
expect_rc 96 "long line"
expect_err "testrig.ini:2"
# ... and continuation lines are the way to write long values.
ini "[suite.s]
binaries = bin/pass
  bin/env
  bin/getenv"
FX_VAR=HOME rig_in "$T" run
expect_rc 0 "continuation lines"
expect_summary "3 tests run: 3 passed, 0 skipped"

# --config after --junit: each option keeps its own value (the config
# file is read, not overwritten by the report; the report is written).
ini "[suite.s]
binaries = bin/pass"
cp "$T/testrig.ini" "$T/t.ini"
cp "$T/t.ini" "$T/t.ini.orig"
rig_in "$T" run --junit "$T/j.xml" --config "$T/t.ini"
expect_rc 0 "--junit before --config"
cmp -s "$T/t.ini" "$T/t.ini.orig" && ok || fail "--config file changed by the run"
grep -q '<testsuites' "$T/j.xml" 2>/dev/null && ok || fail "no JUnit report after --junit --config"

# The project root is a path, not a pattern: glob characters in it match
# only themselves (a sibling directory's binaries are not picked up).
mkdir -p "$T/x*y/b" "$T/xzzy/b"
ln -sf "$FIXTURE" "$T/x*y/b/pass"
ln -sf "$FIXTURE" "$T/xzzy/b/pass2"
printf '[suite.s]\nbinaries = b/*\n' >"$T/x*y/testrig.ini"
rig_in "$T/x*y" list --format oneline
expect_rc 0 "a root with glob characters"
[ "$(cat "$T/out")" = "b/pass pass" ] && ok || fail "root with glob characters listed: $(cat "$T/out")"

# A suite cwd that is not a directory is refused with its line (exit 96),
# not reported as every test failing to start.
ini '[suite.s]
binaries = bin/pass
cwd = no-such-dir'
rig_in "$T" run
expect_rc 96 "missing suite cwd"
expect_err "testrig.ini:1: [suite.s]: cwd '$T/no-such-dir': No such file or directory"

finish
