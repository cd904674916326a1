#!/bin/sh
# run.sh DIR: runs every unit test binary in DIR and prints one total line.
set -u
dir=$1
passed=0 failed=0 bad=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	[ $rc -eq 0 ] || bad=$((bad + 1))
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $bad -eq 0 ]
