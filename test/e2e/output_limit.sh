#!/bin/sh
# output-limit bounds memory: a test writing 2 GiB leaves testrig small,
# and the kept head and tail say how much was dropped.
. "$(dirname "$0")/lib.sh"

fl=$(fx flood)
ini '[profile.default]
output-limit = 1MiB'

# Peak RSS of testrig itself (ru_maxrss of the biggest child: testrig; the
# flood fixture's own RSS is about its 1 MiB block), for a test writing
# 2 MiB and one writing 2 GiB: the second may not need much more than the
# first (sanitizer builds have a larger base, hence the comparison).
peak() {
	FX_FLOOD_MIB=$1 FX_EXIT=1 python3 - "$RIG" "$T" <<'PY'
import resource, subprocess, sys
rig, root = sys.argv[1], sys.argv[2]
with open(root + '/out', 'wb') as out, open(root + '/err', 'wb') as err:
    rc = subprocess.call([rig, 'run', root + '/bin/flood'], cwd=root, stdout=out, stderr=err)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
set -- $(peak 2)
small=$2
set -- $(peak 2048)
rc=$1
expect_rc 100 "2 GiB flood"
[ "$2" -lt $((small + 8192)) ] && ok || fail "peak RSS ${2} KiB for 2 GiB of output, ${small} KiB for 2 MiB"
expect_out "[testrig: 2146435072 bytes of output dropped here; output-limit is 1048576 bytes]"
block STDOUT "$fl"
head -c 6 "$T/block" | grep -q '^MiB 0$' && ok || fail "head lost"

finish
