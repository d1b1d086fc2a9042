#!/bin/sh
# includes.sh - the arrows between modules go one way: no module includes a
# header of a module that (directly or not) includes its own.  A module is
# src/NAME.c with include/testrig/NAME.h; a header without a .c (a plain
# data header) is a module too.  The layers hold: the reporters, the record
# and the store (what writes results) never include, even through another
# header, the worker's unit.h, the process layer's spawn.h or engine.h; and
# settings.h does not pull in spawn.h.  Also: every source file and header
# opens with a comment saying what it owns.
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
# What each file includes, through its headers too.
def reach(f):
    seen, todo = set(), [f]
    while todo:
        for y in re.findall(r'#include "testrig/([a-z_]+)\.h"', open(todo.pop()).read()):
            if y not in seen:
                seen.add(y)
                todo.append('include/testrig/%s.h' % y)
    return seen
writers = [f for f in glob.glob('src/*.c') + glob.glob('include/testrig/*.h')
           if re.match(r'(report|record|store|history)', os.path.basename(f))]
for f in sorted(writers):
    for y in sorted(reach(f) & {'unit', 'spawn', 'engine'}):
        print('layer: %s includes %s.h' % (f, y))
if 'spawn' in reach('include/testrig/settings.h'):
    print('layer: include/testrig/settings.h includes spawn.h')
print(len(writers), 'writers')
print(len(deps), 'modules')
PY
if grep -q '^cycle:' "$T/graph"; then
	fail "import circles: $(grep '^cycle:' "$T/graph" | tr '\n' ';')"
else
	ok
fi
if grep -q '^layer:' "$T/graph"; then
	fail "layers crossed: $(grep '^layer:' "$T/graph" | tr '\n' ';')"
else
	ok
fi
grep -q '^1[0-9] writers$' "$T/graph" && ok || fail "the layer check found $(grep writers "$T/graph")"
grep -q 'modules$' "$T/graph" && ok || fail "the graph script failed: $(cat "$T/graph")"
for f in src/*.c include/testrig/*.h; do
	if head -n 1 "$f" | grep -q '^/\*$' && sed -n 2p "$f" | grep -q "^ \* $(basename "$f") - "; then
		ok
	else
		fail "$f does not open with a comment naming it and what it owns"
	fi
done
finish
