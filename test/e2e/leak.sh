#!/bin/sh
# Leak detection: a descendant holding the test's output open past
# leak-timeout makes it LEAK (or LEAK-FAIL); the run does not wait for it,
# and kills it at the end.
. "$(dirname "$0")/lib.sh"

gc=$(fx grandchild) pass=$(fx pass)
ini '[profile.default]
leak-timeout = 100ms
grace-period = 500ms

[profile.strict]
leak-result = fail'

start=$(date +%s%N)
FX_SLEEP_MS=5000 rig_in "$T" run "$gc" "$pass"
end=$(date +%s%N)
expect_rc 0 "a leak passes"
expect_status "$gc" LEAK
expect_summary "2 tests run: 2 passed (1 leaky), 0 skipped"
[ $(((end - start) / 1000000)) -lt 4000 ] && ok || fail "the run waited for the leaked process"
expect_err "1 process group outlived its test or script: sent SIGTERM"
expect_no_leftovers

FX_SLEEP_MS=5000 rig_in "$T" run -P strict "$gc"
expect_rc 100 "leak-result = fail"
expect_status "$gc" LEAK-FAIL
expect_summary "1 test run: 0 passed, 1 failed, 0 skipped"
expect_no_leftovers

# A child that closes its copy of the output in time is no leak.
FX_SLEEP_MS=20 rig_in "$T" run "$gc"
expect_rc 0
expect_status "$gc" PASS

# A failing test that also leaks is still a plain failure.
FX_SLEEP_MS=5000 FX_EXIT=1 rig_in "$T" run "$gc"
expect_rc 100
expect_status "$gc" FAIL
expect_no_leftovers

# A process that leaves its test's process group (setsid) cannot be reached
# through the group; as the subreaper testrig finds it at the end of the run,
# names it and kills it (Linux).
pf=$(fx pidfile)
printf '#!/bin/sh\nFX_THEN=hang setsid "%s" </dev/null >/dev/null 2>&1 &\nwhile [ ! -s "%s" ]; do sleep 0.01; done\n' \
	"$pf" "$T/escpid" >"$T/bin/escaper"
chmod +x "$T/bin/escaper"
rm -f "$T/escpid"
FX_PIDFILE="$T/escpid" rig_in "$T" run "$T/bin/escaper"
expect_rc 0 "a test with an escaped child passes"
if [ "$(uname)" = Linux ]; then
	expect_err "left its test's process group and outlived it: killed"
	expect_err "(pidfile)"
	expect_dead "$T/escpid"
fi

# The escaped process's own children (in its new session) go too.
printf '#!/bin/sh\nsetsid sh -c '"'"'FX_THEN=hang "%s" & FX_THEN=hang exec "%s"'"'"' </dev/null >/dev/null 2>&1 &\nwhile [ "$(wc -l <"%s" 2>/dev/null)" != 2 ]; do sleep 0.01; done\n' \
	"$pf" "$pf" "$T/escpid2" >"$T/bin/escaper2"
chmod +x "$T/bin/escaper2"
rm -f "$T/escpid2"
FX_PIDFILE="$T/escpid2" rig_in "$T" run "$T/bin/escaper2"
expect_rc 0 "a test whose escaped child has children"
if [ "$(uname)" = Linux ]; then
	expect_err "left its test's process group and outlived it: killed"
	expect_dead "$T/escpid2"
fi

finish
