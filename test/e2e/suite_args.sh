#!/bin/sh
# The suite key args (SPEC section 3): its words come after the protocol's
# own on every command that runs a test (exec, tap, gtest, libtest, custom),
# never on a listing command; split like a command (quotes, continuation).
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 2
log=$T/argv.log
# One script plays every protocol: it logs its arguments, one run per line,
# and answers a listing as the protocol expects.
cat >"$T/prog" <<'EOS'
#!/bin/sh
# (one write per line: the tests run at the same time)
line=$(printf '%s|' "$(basename "$0")" "$@")
echo "$line" >>"$ARGV_LOG"
case " $* " in
*" --gtest_list_tests "*) printf 'S.\n  a\n'; exit 0 ;;
*" --list "*) case " $* " in *" --ignored "*) ;; *) echo 'a: test' ;; esac; exit 0 ;;
*" --custom-list "*) echo a; exit 0 ;;
esac
case $(basename "$0") in
tap) printf '1..1\nok 1\n' ;;
esac
exit 0
EOS
chmod +x "$T/prog"
for p in exec tap gtest libtest custom; do ln -s "$T/prog" "$T/$p"; done
export ARGV_LOG="$log"

ini '[suite.e]
binaries = exec
args = --verbose-log -x
[suite.t]
protocol = tap
binaries = tap
args = "two words"
  third
[suite.g]
protocol = gtest
binaries = gtest
args = --extra
[suite.l]
protocol = libtest
binaries = libtest
args = --extra
[suite.c]
protocol = custom
binaries = custom
list-command = {binary} --custom-list
run-command = {binary} --run {test}
args = --extra "a b"'
rig run --no-record --config "$T/testrig.ini"
expect_rc 0
expect_summary "5 tests run: 5 passed, 0 skipped"
has() { # LINE: the log holds exactly this line
	if grep -qxF -- "$1" "$log"; then ok; else fail "argv log lacks '$1': $(cat "$log")"; fi
}
has "exec|--verbose-log|-x|"
has "tap|two words|third|"
has "gtest|--gtest_filter=S.a|--extra|"
has "libtest|a|--exact|--nocapture|--extra|"
has "custom|--run|a|--extra|a b|"
# Listings are run without them.
has "gtest|--gtest_list_tests|"
has "libtest|--list|--format|terse|"
has "custom|--custom-list|"
[ "$(grep -c -e '--extra' "$log")" -eq 3 ] && ok || fail "args on a listing: $(cat "$log")"

# show-config prints the key; an unbalanced quote is a setup error naming it.
rig show-config --config "$T/testrig.ini"
expect_rc 0
expect_out "args = --verbose-log -x"
ini '[suite.e]
binaries = exec
args = "unbalanced'
rig run --no-record --config "$T/testrig.ini"
expect_rc 96
expect_err "testrig.ini:3"
expect_err "args"

finish
