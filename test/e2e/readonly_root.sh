#!/bin/sh
# A read-only root and a /dev without /dev/null (SPEC section 12), made in a
# mount namespace of our own (unshare -m, as root): tests read stdin from an
# empty pipe, setup scripts get TESTRIG_ENV with no writable temporary
# directory, --archive-file needs --extract-to, and nothing is left behind.
. "$(dirname "$0")/lib.sh"

{ [ "$(id -u)" = 0 ] && have unshare && unshare -m true 2>/dev/null; } ||
	{ lack "root and unshare -m"; finish; }

# in_ns SETUP ARGS...: testrig in a new mount namespace after the shell
# commands SETUP (mounts), from $T; like rig_in otherwise.
in_ns() {
	_setup=$1
	shift
	owe_rc
	next_store
	unshare -m sh -c "$_setup"' && cd "$0" && exec "$@"' "$T" "$RIG" "$@" \
		>"$T/out" 2>"$T/err" </dev/null
	rc=$?
	ran_fg "$*"
}

cat >"$T/reads.sh" <<'SH'
#!/bin/sh
# stdin must be at its end at once, not a terminal nor an error.
if read -r line; then echo "read a line: $line"; exit 1; fi
echo "stdin at its end"
SH
cat >"$T/prep.sh" <<'SH'
#!/bin/sh
echo READY=yes >>"$TESTRIG_ENV"
SH
chmod +x "$T/reads.sh" "$T/prep.sh"
fx getenv >/dev/null
ini '[suite.s]
binaries = reads.sh bin/getenv

[profile.default]
success-output = immediate

[script.prep]
command = ./prep.sh'
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"

# No /dev/null: a tmpfs over /dev.  Exit 0 (it was 96 and, earlier, 1), and
# nothing left in TMPDIR (a testrig-* directory was).
FX_VAR=READY in_ns 'mount -t tmpfs none /dev' run
expect_rc 0 "no /dev/null"
expect_out "stdin at its end"
expect_out "READY=yes"
[ -z "$(ls -A "$T/tmp")" ] && ok || fail "left in TMPDIR: $(ls -A "$T/tmp")"
# ... with stdin closed too.
owe_rc
next_store
FX_VAR=READY unshare -m sh -c 'mount -t tmpfs none /dev && cd "$0" && exec "$@" <&-' "$T" "$RIG" \
	run >"$T/out" 2>"$T/err"
rc=$?
ran_fg "run with no /dev/null and stdin closed"
expect_rc 0 "no /dev/null, stdin closed"
expect_out "stdin at its end"

# A read-only TMPDIR (a read-only bind mount: root's permissions do not
# help): the setup script's exports still arrive (a memfd on Linux).
FX_VAR=READY in_ns "mount --bind '$T/tmp' '$T/tmp' && mount -o remount,bind,ro '$T/tmp'" run
expect_rc 0 "read-only TMPDIR"
expect_out "READY=yes"
# The store is read-only as well: one warning, the run goes on.
FX_VAR=READY in_ns "mount --bind '$T' '$T' && mount -o remount,bind,ro '$T'" run
expect_rc 0 "read-only everything"
expect_out "READY=yes"
expect_err "run records are off for this run"

# --archive-file with a read-only TMPDIR: 96, saying to give --extract-to;
# with --extract-to on a writable mount it runs.
SHARED_STORE=1 rig_in "$T" archive -o "$T/a.tar.gz"
expect_rc 0
in_ns "mount --bind '$T/tmp' '$T/tmp' && mount -o remount,bind,ro '$T/tmp'" \
	run --archive-file "$T/a.tar.gz"
expect_rc 96
expect_err "give --extract-to DIR on a writable file system"
FX_VAR=READY in_ns "mount --bind '$T/tmp' '$T/tmp' && mount -o remount,bind,ro '$T/tmp' && mount -t tmpfs none /dev" \
	run --archive-file "$T/a.tar.gz" --extract-to "$T/x"
expect_rc 0 "--extract-to, no /dev/null, read-only TMPDIR"
expect_out "READY=yes"
expect_out "stdin at its end"
[ -z "$(ls -A "$T/tmp")" ] && ok || fail "left in TMPDIR: $(ls -A "$T/tmp")"
finish
