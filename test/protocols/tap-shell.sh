#!/bin/sh
# A TAP producer in shell: two passing points and a plan at the end.
echo "ok 1 - shell can echo"
[ "$(echo hi)" = hi ] && echo "ok 2 - and compare" || echo "not ok 2 - and compare"
echo "1..2"
