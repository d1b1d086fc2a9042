#!/bin/sh
# testrig archive and run --archive-file (SPEC section 12): a project packed
# and run from the archive elsewhere with the same results; archives that are
# byte for byte the same for the same inputs; and hostile archives, each
# refused with exit 96, naming the entry, with nothing created outside the
# target and nothing left in it.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is needed to build hostile archives"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# --- a project: two suites, data files, a setup script, a long path ---------
pr=$T/proj
long=d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890/d1234567890123456789012345678901234567890
mkdir -p "$pr/bin" "$pr/tap" "$pr/data/sub" "$pr/scripts" "$pr/$long"
for m in pass fail skip marker; do ln -s "$FIXTURE" "$pr/bin/$m"; done
printf '#!/bin/sh\necho 1..2\necho ok 1\necho "ok 2 # SKIP later"\n' >"$pr/tap/t.sh"
chmod +x "$pr/tap/t.sh"
echo "some data" >"$pr/data/one.txt"
echo "more data" >"$pr/data/sub/two.txt"
echo "deep" >"$pr/$long/file-with-a-long-path.txt"
printf '#!/bin/sh\necho "PREPARED=yes" >>"$TESTRIG_ENV"\n' >"$pr/scripts/prep.sh"
chmod +x "$pr/scripts/prep.sh"
cat >"$pr/testrig.ini" <<EOF
[suite.exec]
binaries = bin/*
archive-include = data d1234567890123456789012345678901234567890
env = FX_MARKER=data/one.txt

[suite.tap]
binaries = tap/*.sh
protocol = tap

[script.prep]
command = scripts/prep.sh

[profile.default]
fail-fast = false
EOF
# Relative paths must hold in the extracted tree: the marker is a data file.
rig_in "$pr" run --color never
expect_rc 100
want=$(sed -n 's/^ *Summary \[ *[0-9.]*s\] //p' "$T/out")
[ -n "$want" ] && ok || fail "the project's own run has no summary"

rig_in "$pr" archive -o "$T/a.tar.gz"
expect_rc 0
expect_out "Archived 11 files from $pr into $T/a.tar.gz"
rig_in "$pr" archive -o "$T/b.tar.gz"
expect_rc 0
cmp -s "$T/a.tar.gz" "$T/b.tar.gz" && ok || fail "two archives of the same inputs differ"
# Touching the files changes nothing either (mtime is SOURCE_DATE_EPOCH or 0).
touch "$pr/data/one.txt" "$pr/bin/pass"
rig_in "$pr" archive -o "$T/c.tar.gz"
expect_rc 0
cmp -s "$T/a.tar.gz" "$T/c.tar.gz" && ok || fail "the archive depends on file times"
SOURCE_DATE_EPOCH=1700000000 rig_in "$pr" archive -o "$T/d.tar.gz"
expect_rc 0
python3 - "$T/a.tar.gz" "$T/d.tar.gz" >"$T/check" 2>&1 <<'PY'
import sys, tarfile
a = tarfile.open(sys.argv[1])
names = a.getnames()
assert names[0] == 'testrig-archive.ini', names[0]
assert names[1:] == sorted(names[1:]), names
for m in a.getmembers():
    assert m.uid == 0 and m.gid == 0 and m.mtime == 0, (m.name, m.uid, m.gid, m.mtime)
    assert m.mode in (0o644, 0o755), (m.name, oct(m.mode))
    assert m.isfile(), m.name
assert a.getmember('bin/pass').mode == 0o755
assert a.getmember('data/one.txt').mode == 0o644
assert any(len(n) > 255 for n in names), 'no long path'
d = tarfile.open(sys.argv[2])
assert all(m.mtime == 1700000000 for m in d.getmembers())
print('ok')
PY
grep -qx ok "$T/check" && ok || fail "archive layout: $(cat "$T/check")"
gzip -t "$T/a.tar.gz" && ok || fail "gzip -t refuses the archive"

# Run from the archive in another directory: the same results.
mkdir -p "$T/elsewhere"
rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" --color never
expect_rc 100
got=$(sed -n 's/^ *Summary \[ *[0-9.]*s\] //p' "$T/out")
[ "$got" = "$want" ] && ok || fail "from the archive: '$got', the project: '$want'"
expect_status bin/marker PASS
[ -z "$(ls "$TMPDIR")" ] && ok || fail "left in TMPDIR: $(ls "$TMPDIR")"
rig_in "$T/elsewhere" list --archive-file "$T/a.tar.gz" --format oneline
expect_rc 0
expect_out "tap/t.sh t.sh"
# --extract-to: a directory that does not exist is made and kept.
rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" --extract-to "$T/x1" -E 'binary(bin/pass)'
expect_rc 0
[ -f "$T/x1/$long/file-with-a-long-path.txt" ] && [ -x "$T/x1/bin/pass" ] && ok ||
	fail "--extract-to: the tree is not there"
[ "$(stat -c %a "$T/x1/data/one.txt")" = 644 ] && ok || fail "data mode $(stat -c %a "$T/x1/data/one.txt")"
rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" --extract-to "$T/x1"
expect_rc 96
expect_err "--extract-to $T/x1: the directory is not empty"
rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" --keep-extracted -E 'binary(bin/pass)'
expect_rc 0
kept=$(sed -n 's/^testrig: the archive is extracted in \(.*\) (kept)$/\1/p' "$T/err")
[ -n "$kept" ] && [ -f "$kept/testrig-archive.ini" ] && ok || fail "--keep-extracted: '$kept'"
rm -rf "$kept"
# The run records go to the store of the directory testrig was started in
# (runs and replay there find the run), never into the extracted tree.
SHARED_STORE=1
unset TESTRIG_STATE_DIR
mkdir -p "$T/device"
rig_in "$T/device" run --archive-file "$T/a.tar.gz" -E 'binary(bin/pass)'
expect_rc 0
rig_in "$T/device" runs --format json
expect_rc 0
[ "$(grep -c '"exit_code":0' "$T/out")" = 1 ] && ok ||
	fail "runs in the starting directory: $(head -c 600 "$T/out")"
rig_in "$T/device" replay --status-level all
expect_rc 0
expect_status bin/pass PASS
[ -d "$T/device/.testrig/runs" ] && ok || fail "no store in the starting directory"
rig_in "$T/device" run --archive-file "$T/a.tar.gz" --extract-to "$T/x2" -E 'binary(bin/pass)'
expect_rc 0
[ ! -e "$T/x2/.testrig" ] && ok || fail "--extract-to: a store in the extracted tree"
rig_in "$T/device" runs --format json
expect_rc 0
[ "$(grep -c '"exit_code":0' "$T/out")" = 2 ] && ok ||
	fail "runs after an --extract-to run: $(head -c 600 "$T/out")"
# --state-dir still comes first.
rig_in "$T/device" run --archive-file "$T/a.tar.gz" --state-dir "$T/sd" -E 'binary(bin/pass)'
expect_rc 0
[ -n "$(ls "$T/sd/runs" 2>/dev/null)" ] && ok || fail "--state-dir: no record in $T/sd"
unset SHARED_STORE
TESTRIG_STATE_DIR=$T/.store
export TESTRIG_STATE_DIR
# No writable temporary directory (TMPDIR a file: root ignores permissions):
# --archive-file says to give --extract-to (96), and runs with it.
: >"$T/not-a-dir"
TMPDIR=$T/not-a-dir rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" -E 'binary(bin/pass)'
expect_rc 96
expect_err "give --extract-to DIR on a writable file system"
TMPDIR=$T/not-a-dir rig_in "$T/elsewhere" run --archive-file "$T/a.tar.gz" --extract-to "$T/x3" \
	-E 'binary(bin/pass)'
expect_rc 0
# Command-line binaries keep their ids.
rig_in "$pr" archive -o "$T/cl.tar.gz" --protocol exec bin/pass bin/skip
expect_rc 0
rig_in "$T/elsewhere" run --archive-file "$T/cl.tar.gz" --status-level all
expect_rc 0
expect_status bin/pass PASS
expect_status bin/skip SKIP
# -E narrows by binary at archive time; test() cannot be known yet and keeps them.
rig_in "$pr" archive -o "$T/e.tar.gz" -E 'binary(bin/pass) or (suite(tap) and test(=t.sh))'
expect_rc 0
python3 -c 'import sys,tarfile; print(" ".join(tarfile.open(sys.argv[1]).getnames()))' "$T/e.tar.gz" >"$T/names"
grep -q "bin/pass" "$T/names" && grep -q "tap/t.sh" "$T/names" && ! grep -q "bin/fail" "$T/names" && ok ||
	fail "-E at archive time: $(cat "$T/names")"
# Usage errors.
rig archive
expect_rc 2
expect_err "testrig archive needs -o FILE.tar.gz"
rig run --extract-to "$T/y"
expect_rc 2
expect_err "--extract-to only goes with --archive-file"
rig run --archive-file "$T/a.tar.gz" --config "$pr/testrig.ini"
expect_rc 2
outside=$T/outside-bin
ln -s "$FIXTURE" "$outside"
rig_in "$pr" archive -o "$T/f.tar.gz" "$outside"
expect_rc 96
expect_err "is not below the project root"

# --- hostile archives ------------------------------------------------------
# make_tar OUT SPEC...: python builds the tar byte by byte (testrig's
# manifest first unless the spec says otherwise) and gzips it.
cat >"$T/mk.py" <<'PY'
import gzip, io, sys

def header(name, size=0, typ=b'0', mode=0o644, bad_sum=False, prefix=b''):
    h = bytearray(512)
    name = name if isinstance(name, bytes) else name.encode()
    h[0:len(name[:100])] = name[:100]
    h[100:108] = b'%07o\0' % mode
    h[108:116] = b'0000000\0'
    h[116:124] = b'0000000\0'
    h[124:136] = b'%011o\0' % size
    h[136:148] = b'00000000000\0'
    h[156:157] = typ
    h[257:263] = b'ustar\0'
    h[263:265] = b'00'
    h[345:345 + len(prefix)] = prefix
    h[148:156] = b'        '
    s = sum(h) + (1 if bad_sum else 0)
    h[148:156] = b'%06o\0 ' % s
    return bytes(h)

def pad(data):
    return data + b'\0' * (-len(data) % 512)

def pax(key, value):
    value = value if isinstance(value, bytes) else value.encode()
    body = b' ' + key.encode() + b'=' + value + b'\n'
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n += 1
    rec = str(n).encode() + body
    return header('././@PaxHeader', len(rec), b'x') + pad(rec)

def manifest(files):
    lines = ['[archive]', 'format = 1', 'profile = default', '[files]']
    lines += ['%d = %s' % (i + 1, f) for i, f in enumerate(files)]
    data = ('\n'.join(lines) + '\n').encode()
    return header('testrig-archive.ini', len(data)) + pad(data)

def entry(name, data=b'x\n', **kw):
    return header(name, len(data) if kw.get('typ', b'0') in (b'0',) else 0, **kw) + pad(data if kw.get('typ', b'0') == b'0' else b'')

case = sys.argv[2]
listed = ['ok.txt']
body = entry('ok.txt')
if case == 'absolute':
    listed.append('/tmp/evil'); body += entry('/tmp/evil')
elif case == 'dotdot':
    listed.append('a/../../escape'); body += entry('a/../../escape')
elif case == 'empty-component':
    listed.append('a//b'); body += entry('a//b')
elif case == 'dot-component':
    listed.append('./a'); body += entry('./a')
elif case == 'nul':
    body += pax('path', b'a\0b') + entry('ab')
elif case == 'symlink':
    body += header('link', 0, typ=b'2')
elif case == 'hardlink':
    body += header('hard', 0, typ=b'1')
elif case == 'device':
    body += header('dev', 0, typ=b'3')
elif case == 'fifo':
    body += header('fifo', 0, typ=b'6')
elif case == 'duplicate':
    listed.append('d.txt'); body += entry('d.txt') + entry('d.txt', b'again\n')
elif case == 'checksum':
    listed.append('c.txt'); body += entry('c.txt', bad_sum=True)
elif case == 'oversized':
    listed.append('big'); body += entry('big', b'y' * 5000)
elif case == 'total':
    listed += ['t1', 't2', 't3']
    body += entry('t1', b'y' * 600) + entry('t2', b'y' * 600) + entry('t3', b'y' * 600)
elif case == 'longpath':
    p = 'x/' * 2100 + 'f'
    body += pax('path', p) + entry('f')   # its path is checked before the manifest
elif case == 'not-listed':
    body += entry('extra.txt')
elif case == 'listed-missing':
    listed.append('missing.txt')
elif case == 'no-manifest':
    data = pad(body) + b'\0' * 1024
    open(sys.argv[1], 'wb').write(gzip.compress(data, mtime=0)); sys.exit(0)
elif case == 'setuid':
    listed.append('su'); body += entry('su', b'#!/bin/sh\n', mode=0o4755)
elif case == 'file-then-dir':
    listed += ['a', 'a/b']; body += entry('a') + entry('a/b')
elif case == 'good':
    pass
tar = manifest(listed) + body + b'\0' * 1024
if case == 'trailing':
    tar += b'garbage'
open(sys.argv[1], 'wb').write(gzip.compress(tar, mtime=0))
PY
mkdir -p "$T/h"
# refused CASE TEXT: the archive is refused with TEXT, and nothing remains.
refused() {
	python3 "$T/mk.py" "$T/h/$1.tar.gz" "$1" || { fail "$1: cannot build the archive"; return; }
	rm -rf "$T/x" "$T/escape" "$T/evil"
	rig_in "$T/h" run --archive-file "$T/h/$1.tar.gz" --extract-to "$T/x" --archive-max-size 1KiB
	expect_rc 96 "$1"
	expect_err "$2"
	[ ! -e "$T/x" ] && ok || fail "$1: $T/x was left: $(ls -R "$T/x" | head -5)"
	[ ! -e "$T/escape" ] && [ ! -e /tmp/evil-testrig-check ] && ok || fail "$1: a file escaped"
	# The same into a temporary directory: nothing left in TMPDIR.
	rig_in "$T/h" run --archive-file "$T/h/$1.tar.gz" --archive-max-size 1KiB
	expect_rc 96 "$1 (temporary directory)"
	[ -z "$(ls "$TMPDIR")" ] && ok || fail "$1: left in TMPDIR: $(ls "$TMPDIR")"
}
refused absolute "entry '/tmp/evil'"
refused dotdot "its path has a '..' component"
refused empty-component "its path has an empty component"
refused dot-component "its path has a '.' component"
refused nul "its path holds a NUL byte"
refused symlink "entry 'link' (at byte 2048 of the tar stream): a symbolic link"
refused hardlink "entry 'hard' (at byte 2048 of the tar stream): a hard link"
refused device "entry 'dev' (at byte 2048 of the tar stream): a device"
refused fifo "entry 'fifo' (at byte 2048 of the tar stream): a FIFO"
refused duplicate "entry 'd.txt' (at byte 3072 of the tar stream): it appears twice"
refused checksum "has a bad checksum"
refused oversized "entry 'big' (at byte 2048 of the tar stream): it is larger than --archive-max-size"
refused total "the archive's files together are larger than --archive-max-size"
refused longpath "its path is longer than 4096 bytes"
refused not-listed "entry 'extra.txt' (at byte 2048 of the tar stream): it is not in the archive's manifest"
refused listed-missing "the manifest lists 'missing.txt', which is not in the archive"
refused no-manifest "the first entry of a testrig archive must be its manifest"
refused trailing "data follows the end of the tar archive"
refused file-then-dir "'a' is a symbolic link or not a directory"
# A damaged gzip stream: cut short, and a byte changed.
head -c 700 "$T/a.tar.gz" >"$T/h/cut.tar.gz"
rm -rf "$T/x"
rig run --archive-file "$T/h/cut.tar.gz" --extract-to "$T/x"
expect_rc 96
expect_err "cut short"
[ ! -e "$T/x" ] && ok || fail "cut: $T/x was left"
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xff
open(sys.argv[2], "wb").write(b)' "$T/a.tar.gz" "$T/h/flip.tar.gz"
rig run --archive-file "$T/h/flip.tar.gz" --extract-to "$T/x"
expect_rc 96
expect_err "cannot extract"
[ ! -e "$T/x" ] && ok || fail "flip: $T/x was left"
printf 'not gzip at all' >"$T/h/plain.tar.gz"
rig run --archive-file "$T/h/plain.tar.gz"
expect_rc 96
expect_err "cannot extract $T/h/plain.tar.gz"
# A pre-existing empty --extract-to is kept (empty) after a refusal.
mkdir -p "$T/empty"
python3 "$T/mk.py" "$T/h/sym2.tar.gz" symlink
rig run --archive-file "$T/h/sym2.tar.gz" --extract-to "$T/empty"
expect_rc 96
[ -d "$T/empty" ] && [ -z "$(ls -A "$T/empty")" ] && ok || fail "the user's directory changed"
# setuid bits are dropped.
python3 "$T/mk.py" "$T/h/su.tar.gz" setuid
rm -rf "$T/x"
rig run --archive-file "$T/h/su.tar.gz" --extract-to "$T/x" --no-tests pass
expect_rc 0
[ "$(stat -c %a "$T/x/su" 2>/dev/null)" = 755 ] && ok || fail "setuid: mode $(stat -c %a "$T/x/su" 2>&1)"
# Zeros after the end-of-archive blocks: the second block and the padding
# to a record (tar's 20 blocks) are fine, more is refused without being
# read: 2 GiB of zeros after the end (a sparse file, some 2 MB gzipped).
gzip -dc "$T/a.tar.gz" >"$T/h/pad.tar"
python3 -c '
import sys
f = open(sys.argv[1], "r+b"); f.seek(0, 2); n = f.tell()
f.write(b"\0" * (-n % 10240))' "$T/h/pad.tar"
gzip -c "$T/h/pad.tar" >"$T/h/pad.tar.gz"
rm -rf "$T/x"
rig list --archive-file "$T/h/pad.tar.gz" --extract-to "$T/x"
expect_rc 0 "an archive padded to a record"
cp "$T/h/pad.tar" "$T/h/tail.tar"
truncate -s +2G "$T/h/tail.tar"
gzip -1 -c "$T/h/tail.tar" >"$T/h/tail.tar.gz"
rm -f "$T/h/tail.tar"
rm -rf "$T/x"
rig run --archive-file "$T/h/tail.tar.gz" --extract-to "$T/x"
expect_rc 96 "2 GiB of zeros after the end"
expect_err "more than 10240 bytes follow the tar archive's first end-of-archive block"
[ ! -e "$T/x" ] && ok || fail "tail: $T/x was left"
# ... and read no further than that: the bytes testrig read of the archive.
if have strace; then
	rm -rf "$T/x"
	strace -f -e trace=openat,read -e signal=none -o "$T/strace" "$RIG" run \
		--archive-file "$T/h/tail.tar.gz" --extract-to "$T/x" >/dev/null 2>&1
	took_rc
	n=$(awk '/openat\(.*tail\.tar\.gz/ { split($0, a, "= "); fd = a[2] + 0 }
		fd && $0 ~ "read\\(" fd "," { split($0, a, "= "); s += a[2] } END { print s + 0 }' "$T/strace")
	[ "$n" -gt 0 ] && [ "$n" -lt 1048576 ] && ok ||
		fail "read $n bytes of a $(wc -c <"$T/h/tail.tar.gz")-byte archive"
fi

# The default --archive-max-size: 32 times the archive's size, at least
# 64 MiB.  1 MiB of random data and 1 GiB of zeros: some 2 MB that would
# write 1 GiB, refused by default, naming the limit and the option.
mkdir -p "$T/bomb/bin"
ln -s "$FIXTURE" "$T/bomb/bin/pass"
head -c 1048576 /dev/urandom >"$T/bomb/noise"
truncate -s 1G "$T/bomb/zeros"
printf '[suite.exec]\nbinaries = bin/*\narchive-include = noise zeros\n' >"$T/bomb/testrig.ini"
rig_in "$T/bomb" archive -o "$T/h/bomb.tar.gz"
expect_rc 0
rm -f "$T/bomb/zeros"
size=$(wc -c <"$T/h/bomb.tar.gz")
[ "$size" -lt 4194304 ] && ok || fail "the bomb is $size bytes"
rm -rf "$T/x"
rig run --archive-file "$T/h/bomb.tar.gz" --extract-to "$T/x"
expect_rc 96 "a small archive that would write 1 GiB"
expect_err "entry 'zeros'"
expect_err "larger than the default limit of "
# (The limit is shown in KiB when it is a whole number of them: the archive's
# size, random data compressed, decides.)
expect_err " (32 times the archive's $size bytes, at least 64MiB;"
expect_err "--archive-max-size sets another"
[ ! -e "$T/x" ] && ok || fail "bomb: $T/x was left"
# With a limit given, it is named as given, and a larger one lets it through.
rig run --archive-file "$T/h/bomb.tar.gz" --extract-to "$T/x" --archive-max-size 2MiB
expect_rc 96
expect_err "larger than --archive-max-size 2MiB"
rig list --archive-file "$T/h/bomb.tar.gz" --extract-to "$T/x" --archive-max-size 2GiB
expect_rc 0
[ "$(wc -c <"$T/x/zeros")" -eq 1073741824 ] && ok || fail "the zeros were not extracted whole"
rm -rf "$T/x"
finish
