#!/bin/sh
# output-limit bounds memory: a test writing 2 GiB leaves testrig small,
# and the kept head and tail say how much was dropped.
. "$(dirname "$0")/lib.sh"

fl=$(fx flood)
ini '[profile.default]
output-limit = 1MiB'

# peak RSS of testrig itself (ru_maxrss of the biggest child: testrig; the
# flood fixture's own RSS is about its 1 MiB block).
FX_FLOOD_MIB=2048 FX_EXIT=1 python3 - "$RIG" "$T" >"$T/rss" <<'PY'
import resource, subprocess, sys
rig, root = sys.argv[1], sys.argv[2]
with open(root + '/out', 'wb') as out, open(root + '/err', 'wb') as err:
    rc = subprocess.call([rig, 'run', root + '/bin/flood'], cwd=root, stdout=out, stderr=err)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
set -- $(cat "$T/rss")
rc=$1
expect_rc 100 "2 GiB flood"
[ "$2" -lt 16384 ] && ok || fail "peak RSS ${2} KiB for a 1 MiB output limit"
expect_out "[testrig: 2146435072 bytes of output dropped here; output-limit is 1048576 bytes]"
block STDOUT "$fl"
head -c 6 "$T/block" | grep -q '^MiB 0$' && ok || fail "head lost"

finish
