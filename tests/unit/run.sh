#!/bin/sh
# run.sh DIR: runs every unit test binary in DIR and prints one total line.
#
# The tests of the PostgreSQL backend (test_pg_*) get a server of their own,
# started here (tests/pg/cluster.sh) and stopped on the way out; its
# connection string is in OFFLINETUBE_TEST_PG.  The store's tests (test_store*)
# then run a second time on it, OFFLINETUBE_TEST_BACKEND=postgresql
# (tests/unit/unitdb.h).
set -u
dir=$1
pgdir=""
cleanup() {
	[ -z "$pgdir" ] || sh "$(dirname "$0")/../pg/cluster.sh" stop "$pgdir" || :
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
for t in "$dir"/test_pg_*; do
	[ -x "$t" ] || continue
	pgdir=$(mktemp -d /tmp/ot-pg-XXXXXX) || exit 1
	if ! OFFLINETUBE_TEST_PG=$(sh "$(dirname "$0")/../pg/cluster.sh" start "$pgdir"); then
		echo "unit: the PostgreSQL test server did not start" >&2
		exit 1
	fi
	export OFFLINETUBE_TEST_PG
	break
done
passed=0 failed=0 bad=0
runs=$(for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	echo "sqlite $t"
	case $t in
	*/test_store*) [ -z "$pgdir" ] || echo "postgresql $t" ;;
	esac
done)
for run in $(printf '%s\n' "$runs" | tr ' ' ':'); do
	backend=${run%%:*}
	t=${run#*:}
	out=$(OFFLINETUBE_TEST_BACKEND=$backend "$t" 2>&1)
	rc=$?
	# Paths have no spaces or colons here: mktemp's and the build's.
	[ "$backend" = sqlite ] || out=$(printf '%s\n' "$out" | sed 's/^\(test_store[a-z_]*\):/\1 (postgresql):/')
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
