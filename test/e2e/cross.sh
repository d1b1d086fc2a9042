#!/bin/sh
# A cross target (SPEC section 12): fixture tests cross-compiled for aarch64
# on this machine, packed with testrig archive, and run from the archive
# through --target-runner 'qemu-aarch64-static -L /usr/aarch64-linux-gnu';
# the verdicts must be those of the same tests built for this machine.
# Skipped, saying what to install, where the cross tools are missing.
. "$(dirname "$0")/lib.sh"

xcc=$(command -v aarch64-linux-gnu-gcc 2>/dev/null)
qemu=$(command -v qemu-aarch64-static 2>/dev/null || command -v qemu-aarch64 2>/dev/null)
[ -n "$xcc" ] || skip "no aarch64 cross compiler (apt-get install gcc-aarch64-linux-gnu)"
[ -n "$qemu" ] || skip "no aarch64 emulator (apt-get install qemu-user-static)"
[ -d /usr/aarch64-linux-gnu ] || skip "no aarch64 sysroot in /usr/aarch64-linux-gnu"

# The same project twice: built for aarch64 (the device) and for here.
for arch in device host; do
	mkdir -p "$T/$arch/t"
	if [ "$arch" = device ]; then
		"$xcc" -std=c11 -O1 -o "$T/$arch/fx" "$top/test/fixtures/fixture.c" 2>"$T/cc.err" ||
			skip "the cross compiler cannot build the fixture: $(head -3 "$T/cc.err")"
	else
		cp "$FIXTURE" "$T/$arch/fx"
	fi
	for m in pass fail skip segv abort flaky; do
		ln -s ../fx "$T/$arch/t/$m"
	done
	cat >"$T/$arch/testrig.ini" <<'EOF'
[suite.fx]
binaries = t/*

[profile.default]
fail-fast = false

[profile.default.override.flaky]
filter = binary(t/flaky)
retries = 2
EOF
done
file "$T/device/fx" 2>/dev/null | grep -qi 'aarch64\|ARM aarch64' && ok ||
	fail "the device build is not aarch64: $(file "$T/device/fx" 2>&1)"

# What the host build says, run here.
rig_in "$T/host" run --status-level all --final-status-level none --color never
expect_rc 100
sed -n 's/^ *\([A-Z][A-Z0-9 /-]*[A-Z0-9]\) \[[ >0-9.]*s\] \(t\/[a-z]*\)$/\2 \1/p' "$T/out" | sort >"$T/host.verdicts"
want=$(sed -n 's/^ *Summary \[ *[0-9.]*s\] //p' "$T/out")

# The device build: archived here, run from the archive through qemu.
rig_in "$T/device" archive -o "$T/device.tar.gz"
expect_rc 0
mkdir -p "$T/ci"
rig_in "$T/ci" run --archive-file "$T/device.tar.gz" \
	--target-runner "$qemu -L /usr/aarch64-linux-gnu" --status-level all \
	--final-status-level none --color never
expect_rc 100
sed -n 's/^ *\([A-Z][A-Z0-9 /-]*[A-Z0-9]\) \[[ >0-9.]*s\] \(t\/[a-z]*\)$/\2 \1/p' "$T/out" | sort >"$T/device.verdicts"
got=$(sed -n 's/^ *Summary \[ *[0-9.]*s\] //p' "$T/out")
[ -s "$T/host.verdicts" ] && cmp -s "$T/host.verdicts" "$T/device.verdicts" && ok ||
	fail "aarch64 verdicts differ: $(diff "$T/host.verdicts" "$T/device.verdicts")"
[ "$got" = "$want" ] && ok || fail "summary under qemu '$got', here '$want'"
finish
