#!/bin/sh
# cluster.sh start|stop DIR: a throw-away PostgreSQL server for the tests, in DIR.
#
# start: makes (or finds running) an unprivileged cluster in DIR, reachable
# only by its unix socket in DIR, and prints the libpq connection string of
# its database "offlinetube" on stdout.  A second start of a running cluster
# prints the same string; a stale DIR (a server that is gone) is made anew.
# stop: stops the server and removes DIR.
#
# PostgreSQL refuses to run as root: run as root, the server and everything
# in DIR belong to the user "nobody" (OT_PG_USER to choose another).
set -eu

usage() {
	echo "usage: cluster.sh start|stop DIR" >&2
	exit 2
}

die() {
	echo "cluster.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case $dir in
/*) ;;
*) dir=$(pwd)/$dir ;;
esac
# The path goes into a URI and a socket name: keep it plain and short.
case $dir in
*[!A-Za-z0-9/._-]*) die "DIR must be made of [A-Za-z0-9/._-]: $dir" ;;
esac
# sun_path holds 108 bytes; the socket is DIR/.s.PGSQL.5432.
[ ${#dir} -le 90 ] || die "DIR is too long for a unix socket: $dir"

# The newest server Debian installed.
bin=""
for b in /usr/lib/postgresql/*/bin; do
	[ -x "$b/initdb" ] || continue
	v=${b#/usr/lib/postgresql/}
	v=${v%/bin}
	if [ -z "$bin" ] || [ "$v" -gt "$best" ] 2>/dev/null; then
		bin=$b
		best=$v
	fi
done

if [ "$(id -u)" -eq 0 ]; then
	runas=${OT_PG_USER:-nobody}
	as() { runuser -u "$runas" -- "$@"; }
else
	runas=""
	as() { "$@"; }
fi

data=$dir/data
mark=$dir/.offlinetube-test-cluster
uri="postgresql:///offlinetube?host=$dir&port=5432&user=offlinetube"

# Answering on its socket: a pid file alone may name a killed server
# whose process nobody has reaped yet.
running() {
	[ -f "$data/PG_VERSION" ] &&
		as "$bin/pg_isready" -q -h "$dir" -p 5432 -d postgres >/dev/null 2>&1
}

stop() {
	# Ours, or empty (made by mktemp -d for us): anything else is left alone.
	if [ -d "$dir" ] && [ ! -f "$mark" ] && [ -n "$(ls -A "$dir")" ]; then
		die "$dir is not a test cluster's directory; left alone"
	fi
	if [ -n "$bin" ] && [ -f "$data/postmaster.pid" ]; then
		as "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			as "$bin/pg_ctl" -D "$data" -m immediate -w -t 10 stop \
			    >/dev/null 2>&1 || :
		! running || die "the server in $dir did not stop (see $dir/server.log)"
	fi
	rm -rf "$dir"
}

start() {
	[ -n "$bin" ] || die "no initdb under /usr/lib/postgresql/*/bin (install postgresql)"
	if running; then
		echo "$uri"
		return
	fi
	[ ! -e "$dir" ] || stop
	mkdir -p "$dir"
	: >"$mark"
	if [ -n "$runas" ]; then
		chown -R "$runas" "$dir"
		as test -w "$dir" ||
			die "$runas cannot write $dir (a parent directory closed to it?)"
	fi
	as "$bin/initdb" -D "$data" -U offlinetube --auth=trust -E UTF8 \
	    --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		die "initdb failed: $(cat "$dir/initdb.log")"
	# A test server: nothing it writes needs to survive a crash.
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
shared_buffers = 32MB
max_connections = 50
log_min_messages = warning
timezone = 'UTC'
CONF
	as "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		die "the server did not start: $(tail -n 20 "$dir/server.log")"
	as "$bin/psql" -X -q -h "$dir" -p 5432 -U offlinetube -d postgres \
	    -c "CREATE DATABASE offlinetube" >/dev/null ||
		die "could not create the database offlinetube"
	echo "$uri"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
