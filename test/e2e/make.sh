#!/bin/sh
# make's jobserver (SPEC section 11), with the make of this machine (pipe
# style) and a fake fifo jobserver (make 4.4 style): never more tests at once
# than make allows, more than one when it allows it, every token given back
# on every way out (a normal end, fail-fast, a signal, a second signal, a
# fatal error), no complaint from make, nothing left running.
. "$(dirname "$0")/lib.sh"

command -v make >/dev/null 2>&1 || skip "no make on this machine"
cd "$T" || exit 2
for i in $(seq 1 12); do
	ln -s "$FIXTURE" "$T/span@$i"
done
# The tests log when they start and end; so do the other jobs of the Makefile.
cat >"$T/other.sh" <<'EOF'
#!/bin/sh
echo "S $(date +%s%N) - - other$1" >>"$SPANS"
sleep 0.4
echo "E $(date +%s%N) - - other$1" >>"$SPANS"
EOF
chmod +x "$T/other.sh"
export SPANS="$T/spans" FX_SPANLOG="$T/spans" FX_SLEEP_MS=200

# concurrent: the most processes the span log shows at once.
concurrent() {
	sort -k2,2n "$SPANS" | awk '$1 == "S" { n++; if (n > m) m = n } $1 == "E" { n-- } END { print m + 0 }'
}
# complaint FILE: what make says when tokens go missing or are made up.
no_complaint() {
	if grep -Ei '^make(\[[0-9]+\])?: .*(jobserver|INTERNAL|token)' "$1" >/dev/null; then
		fail "make complained: $(grep -Ei '^make.*(jobserver|INTERNAL|token)' "$1" | head -3)"
	else
		ok
	fi
}
runmake() { # ARGS...: make in $T, output in $T/make.out, status in $rc
	rm -f "$SPANS"
	make -C "$T" --no-print-directory "$@" >"$T/make.out" 2>&1 </dev/null
	rc=$?
}
rigcmd="$RIG run --no-record --no-fail-fast"

# --- make -j3: a '+' recipe shares make's slots ---
printf 'check:\n\t+%s $(CURDIR)/span@*\n' "$rigcmd" >"$T/Makefile"
runmake -j3 check
expect_rc 0
n=$(concurrent)
[ "$n" -le 3 ] && [ "$n" -ge 2 ] && ok || fail "make -j3: $n tests at once"
no_complaint "$T/make.out"
# The start line says what make allows, not the threads testrig made.
grep -q '^ *Starting 12 tests on up to 3 slots (make -j3)$' "$T/make.out" && ok ||
	fail "make -j3: the start line: $(grep Starting "$T/make.out")"

# --- make -j4, two testrig recipes and two other jobs beside them ---
cat >"$T/Makefile" <<EOF
check: a b c d
a:
	+$rigcmd \$(CURDIR)/span@1 \$(CURDIR)/span@2 \$(CURDIR)/span@3 \$(CURDIR)/span@4 \$(CURDIR)/span@5 \$(CURDIR)/span@6
b:
	+$rigcmd \$(CURDIR)/span@7 \$(CURDIR)/span@8 \$(CURDIR)/span@9 \$(CURDIR)/span@10 \$(CURDIR)/span@11 \$(CURDIR)/span@12
c:
	\$(CURDIR)/other.sh 1
d:
	\$(CURDIR)/other.sh 2
EOF
runmake -j4 check
expect_rc 0
n=$(concurrent)
[ "$n" -le 4 ] && [ "$n" -ge 3 ] && ok || fail "make -j4 with four jobs: $n processes at once"
no_complaint "$T/make.out"

# --- without '+': a warning that says what to do, one test at a time ---
printf 'check:\n\t%s $(CURDIR)/span@1 $(CURDIR)/span@2 $(CURDIR)/span@3\n' "$rigcmd" >"$T/Makefile"
runmake -j3 check
expect_rc 0
grep -q "mark the recipe that runs testrig with '+'" "$T/make.out" && ok ||
	fail "no warning about '+': $(cat "$T/make.out")"
[ "$(grep -c 'cannot be used' "$T/make.out")" -eq 1 ] && ok || fail "the warning is not said once"
[ "$(concurrent)" -eq 1 ] && ok || fail "without '+': $(concurrent) tests at once"
no_complaint "$T/make.out"

# --- make -n: a '+' recipe runs under -n, and testrig lists what it would
# run, as testrig list does, and runs none ---
printf '#!/bin/sh\ntouch "%s"\n' "$T/ran" >"$T/toucher"
chmod +x "$T/toucher"
printf 'check:\n\t+%s $(CURDIR)/toucher $(CURDIR)/span@1\n' "$rigcmd" >"$T/Makefile"
for flags in -n "-n -j2" -kn "--dry-run -j3"; do
	rm -f "$T/ran"
	runmake $flags check
	expect_rc 0 "make $flags check"
	[ ! -e "$T/ran" ] && [ ! -s "$SPANS" ] && ok || fail "make $flags check ran tests: $(cat "$T/make.out")"
	grep -q "make -n: the tests that would run" "$T/make.out" && grep -qxF "$T/toucher:" "$T/make.out" &&
		grep -qxF "$T/span@1:" "$T/make.out" && ok ||
		fail "make $flags check did not list the tests: $(cat "$T/make.out")"
done
# Not a dry run: an n in make's words, but not in its first (the flags).
rm -f "$T/ran"
runmake -j2 -Onone check NAME=none
expect_rc 0
[ -e "$T/ran" ] && ok || fail "make -Onone NAME=none check ran nothing: $(cat "$T/make.out")"

# --- make interrupted (the terminal's SIGINT goes to the whole group) ---
printf 'check:\n\t+%s $(CURDIR)/span@*\n' "$rigcmd" >"$T/Makefile"
export FX_SLEEP_MS=2000
for signals in 1 2; do
	rm -f "$SPANS" "$T/make.pid"
	# make leads a session of its own (setsid forks when the shell made it
	# a group leader, so make's pid comes from a file, not from $!; and a
	# background job starts with SIGINT ignored: give it back).
	setsid env --default-signal=INT sh -c 'echo $$ >"$1"; exec make -C "$2" -j3 check' sh "$T/make.pid" "$T" \
		>"$T/make.out" 2>&1 </dev/null &
	i=0
	while ! [ -s "$T/make.pid" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	mpid=$(cat "$T/make.pid")
	i=0
	while [ "$(grep -c '^S' "$SPANS" 2>/dev/null || :)" != 3 ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	# testrig itself (not the shell make may run it under).
	wait_proc "^$rigcmd .*/span@"
	kill -INT "-$mpid"
	# The second once testrig has read the first (two at once would be one).
	[ "$signals" -eq 2 ] && { wait_taken "$procpid" INT; kill -INT "-$mpid" 2>/dev/null; }
	i=0
	while alive "$mpid" && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	alive "$mpid" && fail "make still running after SIGINT x$signals"
	wait
	grep -q 'Interrupt' "$T/make.out" && ok || fail "make was not interrupted: $(cat "$T/make.out")"
	no_complaint "$T/make.out"
	expect_no_leftovers
done
export FX_SLEEP_MS=200

# --- the fifo style of make 4.4, with a fake jobserver holding 2 tokens ---
fifo=$T/jobserver.fifo
mkfifo "$fifo"
exec 7<>"$fifo"
printf 'xy' >&7
held() { # the bytes the fifo holds now (read without blocking, then put back)
	python3 - "$fifo" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NONBLOCK)
data = b''
try:
    while True:
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
except BlockingIOError:
    pass
os.write(fd, data)
print(len(data), sorted(data))
PY
}
[ "$(held)" = "2 [120, 121]" ] && ok || fail "the fake jobserver holds $(held)"
fifo_run() { # what to expect, then testrig's arguments
	_want=$1
	shift
	rm -f "$SPANS"
	MAKEFLAGS="-j --jobserver-auth=fifo:$fifo" "$RIG" run --no-record "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	[ "$(held)" = "2 [120, 121]" ] && ok || fail "$_want: the fifo holds $(held) afterwards"
}
fifo_run "a normal end" --no-fail-fast "$T"/span@*
expect_rc 0
# This MAKEFLAGS gives no -j N (as make before 4.2): the threads are a bound.
grep -qE '^ *Starting 12 tests on up to [0-9]+ threads? \(make.s jobserver\)$' "$T/out" && ok ||
	fail "a jobserver without -jN: the start line: $(grep Starting "$T/out")"
n=$(concurrent)
[ "$n" -le 3 ] && [ "$n" -ge 2 ] && ok || fail "fifo jobserver with 2 tokens: $n tests at once"
fifo_run "fail-fast" "$T/span@1" "$(fx fail)" "$T/span@2" "$T/span@3"
expect_rc 100
# threads-required above the tokens: it waits for them, then runs alone.
ini '[suite.s]
binaries = span@1 span@2 span@3
[profile.default]
[profile.default.override.big]
filter = binary(span@2)
threads-required = 3'
fifo_run "threads-required 3" --config "$T/testrig.ini"
expect_rc 0
# A signal, and a second one.
# (The second one comes while a test that ignores SIGINT and SIGTERM holds testrig in
# its grace period.)
fx sigrecord >/dev/null
for signals in 1 2; do
	stubborn=
	[ "$signals" -eq 2 ] && stubborn=$(fx sigrecord)
	rm -f "$SPANS"
	# (A shell's background job starts with SIGINT ignored: give it back.)
	FX_SLEEP_MS=3000 MAKEFLAGS="-j --jobserver-auth=fifo:$fifo" env --default-signal=INT \
		"$RIG" run --no-record $stubborn "$T"/span@* >"$T/out" 2>"$T/err" </dev/null &
	rigpid=$!
	# Tests hold tokens; the stubborn one has its handlers in place.
	wait_count "$SPANS" "S " 1
	if [ -n "$stubborn" ] && wait_proc -P "$rigpid" "^$stubborn"; then
		wait_caught "$procpid" INT
	fi
	kill -INT "$rigpid"
	# The second once testrig has read the first (two at once would be one).
	[ "$signals" -eq 2 ] && { wait_taken "$rigpid" INT; kill -INT "$rigpid"; }
	wait "$rigpid"
	rc=$?
	expect_rc 100
	[ "$(held)" = "2 [120, 121]" ] && ok || fail "after $signals SIGINT: the fifo holds $(held)"
done
expect_no_leftovers
# A fatal error while tests hold tokens (out of memory: a test floods more
# than the memory limit lets testrig keep): tokens back all the same.
# (Sanitizers reserve terabytes of address space: no memory limit for them.)
if grep -qa -e __asan_init -e __tsan_init "$RIG"; then
	echo "  (skipped under a sanitizer: the out-of-memory case)"
else
	ini '[profile.default]
output-limit = 1GiB'
	fx flood >/dev/null
	(ulimit -v 300000 && FX_FLOOD_MIB=600 FX_SLEEP_MS=3000 \
		MAKEFLAGS="-j --jobserver-auth=fifo:$fifo" "$RIG" run --no-record \
		--config "$T/testrig.ini" -j 3 "$T/span@1" "$T/span@2" "$(fx flood)" \
		>"$T/out" 2>"$T/err" </dev/null)
	rc=$?
	expect_rc 1
	expect_err "out of memory"
	[ "$(held)" = "2 [120, 121]" ] && ok || fail "after a fatal error: the fifo holds $(held)"
	expect_no_leftovers
fi
# A fifo that is not there: the warning, and one test at a time.
rm -f "$SPANS"
MAKEFLAGS="--jobserver-auth=fifo:$T/nofifo" "$RIG" run --no-record "$T/span@1" "$T/span@2" \
	>"$T/out" 2>"$T/err" </dev/null
rc=$?
expect_rc 0
expect_err "cannot open its fifo $T/nofifo"
[ "$(concurrent)" -eq 1 ] && ok || fail "unusable fifo: $(concurrent) tests at once"
exec 7>&-

finish
