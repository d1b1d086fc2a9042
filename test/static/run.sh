#!/bin/sh
# make check-static: the static testrig where there is nothing but busybox
# (SPEC section 12).  A root directory holding busybox-static, testrig-static,
# static fixture programs and a project is entered with chroot(8); the suite
# covers pass, fail, exit 77, a signal, timeouts with a grace period, TAP
# scripts run by busybox sh, a setup script, retries, JUnit output, SIGINT
# and an archive made on the host, once with /proc mounted and once without,
# checking exit codes, counts and that no process is left.  Then the root
# is read-only (a mount namespace of its own), once with only a small tmpfs
# on /tmp writable and once with nothing writable at all.  Needs root
# (chroot, mount, mknod, unshare); says why and exits 77 where it cannot run.
. "$(dirname "$0")/../e2e/lib.sh"

STATIC=$top/testrig-static
[ "$(id -u)" -eq 0 ] || skip "make check-static needs root (chroot, mount)"
[ -x "$STATIC" ] || skip "no $STATIC (make static)"
bb=$(command -v busybox 2>/dev/null)
[ -n "$bb" ] || skip "no busybox (apt-get install busybox-static)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || [ -z "$(ldd "$bb" 2>/dev/null | grep '=>')" ] ||
	skip "$bb is not statically linked (apt-get install busybox-static)"
cc=$(command -v musl-gcc 2>/dev/null || echo cc)

root=$T/root
P=/p$$                      # the project, inside the root: unique, for pgrep
mkdir -p "$root/bin" "$root/dev" "$root/tmp" "$root/proc" "$root$P/t" "$root$P/tap" "$root$P/sig"
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
chroot "$root" /bin/busybox --install -s /bin || skip "chroot into $root failed"
mknod -m 666 "$root/dev/null" c 1 3 || skip "mknod /dev/null failed"
cp "$STATIC" "$root/bin/testrig"
# Nothing dynamic may be in the root: no loader, no libc.
[ ! -e "$root/lib" ] && [ ! -e "$root/lib64" ] && ok || fail "the root has a lib directory"

if ! $cc -std=c11 -O1 -static -o "$root$P/fx" "$top/test/fixtures/fixture.c" 2>"$T/cc.err"; then
	cat "$T/cc.err" >&2
	skip "cannot build a static fixture with $cc"
fi
for m in pass fail skip segv hang ignore-term flaky; do
	ln -s ../fx "$root$P/t/$m"
done
ln -s ../fx "$root$P/sig/pidfile"
printf '#!/bin/sh\necho 1..2\necho "ok 1 - first"\necho "ok 2 - second"\n' >"$root$P/tap/good.sh"
printf '#!/bin/sh\necho 1..2\necho "ok 1"\necho "not ok 2 - broken"\n' >"$root$P/tap/bad.sh"
# It exports through TESTRIG_ENV, which must work with nothing writable.
printf '#!/bin/sh\necho "prepared by $0" >/tmp/prepared 2>/dev/null\necho PREPARED=1 >>"$TESTRIG_ENV"\n' \
	>"$root$P/prep.sh"
chmod +x "$root$P/tap/good.sh" "$root$P/tap/bad.sh" "$root$P/prep.sh"
cat >"$root$P/testrig.ini" <<'EOF'
[suite.exec]
binaries = t/*

[suite.tap]
binaries = tap/*.sh
protocol = tap

[suite.sig]
binaries = sig/*

[script.prep]
command = ./prep.sh

[profile.default]
fail-fast = false
slow-timeout = 300ms
terminate-after = 2
grace-period = 200ms

[profile.default.override.sig]
filter = suite(sig)
terminate-after = 0

[profile.default.override.hang]
filter = binary(t/hang)
on-timeout = builtin

[profile.default.override.flaky]
filter = binary(t/flaky)
retries = 2
EOF

# How the root is entered: chroot, or ($T/enter_ro) a read-only root in a
# mount namespace of its own.  rtmp: the root's /tmp as the host sees it.
enter=chroot
rtmp=$root/tmp
# $T/enter_ro ROOT CMD...: chroot ROOT CMD with ROOT read-only in a mount
# namespace of its own, and the directory $RO_SMALL (a small tmpfs of the
# host's) as its /tmp, or nothing writable when RO_SMALL is empty.  A
# script, not a function: interrupt runs it through env.
cat >"$T/enter_ro" <<'SH'
#!/bin/sh
exec unshare -m sh -c 'mount --rbind "$1" "$1" && mount -o remount,bind,ro "$1" &&
	{ [ -z "$RO_SMALL" ] || mount --bind "$RO_SMALL" "$1/tmp"; } && exec chroot "$@"' sh "$@"
SH
chmod +x "$T/enter_ro"
RO_SMALL=
export RO_SMALL
# crig ARGS...: the static testrig in the root, with a bare environment.
crig() {
	rm -f "$rtmp/prepared"
	$enter "$root" /bin/env -i PATH=/bin TESTRIG_STATE_DIR=/tmp/store \
		/bin/testrig "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}
# no_leftovers: no process of the project (they run as $P/...) remains.
no_leftovers() {
	_i=0
	while pgrep -f "^$P/" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 50 ]; then
			fail "processes left running ($1): $(pgrep -af "^$P/" | head -3)"
			pkill -KILL -f "^$P/"
			return
		fi
		sleep 0.1
	done
	ok
}
# Where the JUnit report goes, in the root and as the host sees it.
junit_in=$P/junit.xml
junit_out=$root$P/junit.xml
summary='9 tests run: 3 passed (1 flaky), 3 failed, 2 timed out, 2 skipped'

suite() { # LABEL: the whole suite, its verdicts, its JUnit report
	crig run -j 2 --config "$P/testrig.ini" -E 'not suite(sig)' --junit "$junit_in" \
		--color never --status-level all --final-status-level none
	expect_rc 100 "$1"
	expect_summary "$summary"
	expect_status t/pass PASS
	expect_status t/fail FAIL
	expect_status t/skip SKIP
	expect_status t/segv SIGSEGV
	expect_final t/hang TIMEOUT
	expect_final t/ignore-term TIMEOUT
	expect_final t/flaky "TRY 3 PASS"
	expect_status tap/good.sh PASS
	expect_status tap/bad.sh FAIL
	# on-timeout = builtin reads /proc, and says so when it is not there.
	expect_out "--- ON-TIMEOUT: t/hang ---"
	case $1 in
	*without*) expect_out "procfs is not mounted here, so there is nothing to show" ;;
	*) expect_line '^pid [0-9]+ \(hang\), parent [0-9]+$'
	   expect_out "  state: S (sleeping)" ;;
	esac
	grep -q "prepared by ./prep.sh" "$rtmp/prepared" 2>/dev/null && ok ||
		fail "$1: the setup script did not run"
	# 9 tests, and the two TAP scripts' 4 points (one of them not ok).
	[ "$(grep -c '<testcase ' "$junit_out" 2>/dev/null)" -eq 13 ] && ok ||
		fail "$1: the JUnit report does not hold 13 testcases"
	grep -q 'tests="13" failures="6"' "$junit_out" && ok ||
		fail "$1: JUnit counts: $(grep -o '<testsuites[^>]*>' "$junit_out")"
	no_leftovers "$1"
}

interrupt() { # LABEL: SIGINT while a test runs
	rm -f "$rtmp/pids"
	# A shell's background job starts with SIGINT ignored: back to the default.
	env --default-signal=INT $enter "$root" /bin/env -i PATH=/bin TESTRIG_STATE_DIR=/tmp/store \
		FX_PIDFILE=/tmp/pids \
		FX_THEN=hang /bin/testrig run --config "$P/testrig.ini" -E 'suite(sig)' \
		>"$T/out" 2>"$T/err" </dev/null &
	rigpid=$!
	_i=0
	while [ ! -s "$rtmp/pids" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -s "$rtmp/pids" ] && ok || fail "$1: the test never started"
	kill -INT "$rigpid"
	wait_rig
	expect_rc 100 "$1: SIGINT"
	expect_out "interrupted by SIGINT"
	no_leftovers "$1 after SIGINT"
}

from_archive() { # LABEL: an archive made on the host, run in the root
	"$RIG" archive -o "$rtmp/suite.tar.gz" --config "$root$P/testrig.ini" >"$T/archive.out" 2>&1 ||
		fail "$1: testrig archive failed: $(cat "$T/archive.out")"
	crig run -j 2 --archive-file /tmp/suite.tar.gz -E 'not suite(sig)' --color never \
		--final-status-level none
	expect_rc 100 "$1"
	expect_summary "$summary"
	[ -z "$(ls "$rtmp" | grep testrig-archive)" ] && ok ||
		fail "$1: the extracted archive was left in /tmp"
	no_leftovers "$1"
}

nothing_writable() { # LABEL: the root read-only, no writable directory at all
	crig run -j 2 --config "$P/testrig.ini" -E 'not suite(sig)' --color never \
		--final-status-level none
	# Not 105: the setup script exported through a memfd.
	expect_rc 100 "$1"
	expect_summary "$summary"
	expect_err "run records are off for this run"
	no_leftovers "$1"
	crig run --archive-file /tmp/suite.tar.gz
	expect_rc 96 "$1: --archive-file"
	expect_err "give --extract-to DIR on a writable file system"
}

# The root read-only (with /proc): once with only a small tmpfs on /tmp
# writable, once with nothing writable.
read_only_root() {
	unshare -m true 2>/dev/null || { lack "unshare -m"; return; }
	mkdir -p "$T/small"
	mount -t tmpfs -o size=16m,mode=1777 tmpfs "$T/small" ||
		{ fail "cannot mount a tmpfs on $T/small"; return; }
	enter=$T/enter_ro RO_SMALL=$T/small rtmp=$T/small
	junit_in=/tmp/junit.xml junit_out=$T/small/junit.xml
	suite "read-only root, a small tmpfs on /tmp"
	interrupt "read-only root, a small tmpfs on /tmp"
	from_archive "read-only root, a small tmpfs on /tmp"
	[ -n "$(ls "$T/small/store/runs" 2>/dev/null)" ] && ok ||
		fail "read-only root: no run record on the tmpfs"
	RO_SMALL=
	nothing_writable "read-only root, nothing writable"
	enter=chroot rtmp=$root/tmp junit_in=$P/junit.xml junit_out=$root$P/junit.xml
	umount "$T/small" && ok || fail "cannot unmount $T/small"
}

# Without /proc first (the root has none), then with it.
[ ! -e "$root/proc/self" ] && ok || fail "/proc is mounted in the root already"
suite "without /proc"
interrupt "without /proc"
from_archive "without /proc"
if mount -t proc proc "$root/proc"; then
	trap 'umount "$T/small" 2>/dev/null; umount "$root/proc" 2>/dev/null; cleanup' EXIT
	suite "with /proc"
	interrupt "with /proc"
	from_archive "with /proc"
	read_only_root
	umount "$root/proc" && ok || fail "cannot unmount $root/proc"
else
	fail "cannot mount /proc in the root"
fi
finish
