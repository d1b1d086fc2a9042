#!/bin/sh
# includes.sh - the arrows between modules go one way: no module includes a
# header of a module that (directly or not) includes its own.  A module is
# src/NAME.c with include/testrig/NAME.h; a header without a .c (a plain
# data header) is a module too.  Also: every source file and header opens
# with a comment saying what it owns.
. "$(dirname "$0")/lib.sh"

cd "$top" || exit 2
python3 - >"$T/graph" 2>&1 <<'PY'
import glob, os, re, sys
deps = {}
for f in glob.glob('src/*.c') + glob.glob('include/testrig/*.h'):
    m = os.path.basename(f).rsplit('.', 1)[0]
    deps.setdefault(m, set())
    for y in re.findall(r'#include "testrig/([a-z_]+)\.h"', open(f).read()):
        if y != m:
            deps[m].add(y)
state, cycles = {}, []
def visit(u, stack):
    state[u] = 1
    stack.append(u)
    for v in sorted(deps.get(u, ())):
        if state.get(v) == 1:
            cycles.append(' -> '.join(stack[stack.index(v):] + [v]))
        elif not state.get(v):
            visit(v, stack)
    stack.pop()
    state[u] = 2
for m in sorted(deps):
    if not state.get(m):
        visit(m, [])
for c in cycles:
    print('cycle:', c)
print(len(deps), 'modules')
PY
if grep -q '^cycle:' "$T/graph"; then
	fail "import circles: $(grep '^cycle:' "$T/graph" | tr '\n' ';')"
else
	ok
fi
grep -q 'modules$' "$T/graph" && ok || fail "the graph script failed: $(cat "$T/graph")"
for f in src/*.c include/testrig/*.h; do
	if head -n 1 "$f" | grep -q '^/\*$' && sed -n 2p "$f" | grep -q "^ \* $(basename "$f") - "; then
		ok
	else
		fail "$f does not open with a comment naming it and what it owns"
	fi
done
finish
