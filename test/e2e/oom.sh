#!/bin/sh
# Out of memory while tests run (issue 22): testrig says so, exits 1, and
# the running tests' process groups go with it.  The kernel's parent-death
# signal only reaches a test's leader; a process the test started in its
# group is testrig's fatal path to kill, and that path must not allocate:
# here every allocation fails from the moment the file $T/oom exists
# (test/fixtures/failmalloc.so, preloaded).
. "$(dirname "$0")/lib.sh"

so=$BUILD/test/fixtures/failmalloc.so
[ "$(uname -s)" = Linux ] || skip "the fatal path reads /proc"
[ -f "$so" ] || skip "no $so (make check-build)"
# Only a dynamically linked testrig without a sanitizer's allocator can be made to fail so.
: >"$T/oom"
if ! FAILMALLOC_FILE=$T/oom LD_PRELOAD=$so "$RIG" --version 2>&1 | grep -q "out of memory"; then
	skip "LD_PRELOAD cannot make this testrig's allocations fail (static or sanitized build)"
fi
rm -f "$T/oom"

mkdir -p "$T/bin"
cat >"$T/bin/family" <<EOF2
#!/bin/sh
# A member of the test's group that outlives the leader unless the group is killed.
sleep 600 &
echo \$! >"$T/member"
wait
EOF2
chmod +x "$T/bin/family"
(cd "$T" && FAILMALLOC_FILE=$T/oom LD_PRELOAD=$so exec env --default-signal=INT,QUIT \
	"$RIG" run "$T/bin/family" >"$T/out" 2>"$T/err" </dev/null) &
rigpid=$!
wait_lines "$T/member" 1
# From now on nothing testrig allocates succeeds; an info query makes it allocate.
: >"$T/oom"
kill -USR1 "$rigpid"
wait_rig
rm -f "$T/oom"
expect_rc 1 "die(): out of memory"
expect_err "testrig: fatal: out of memory"
_i=0
while alive "$(cat "$T/member")" && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
expect_dead "$T/member"
finish
