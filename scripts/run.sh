#!/usr/bin/env bash
# run.sh BIN_DIR: `make run`: writes the nginx configuration into the data
# directory and runs nginx, offlinetube-api and offlinetube-worker in the
# foreground as the invoking user.  Ctrl-C or SIGTERM stops all three; if one
# of them dies, the others are stopped too, so nothing is left half running.
set -euo pipefail
bin=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
data=${OFFLINETUBE_DATA_DIR:-./var}
# The programs never serve as root: started as root, they become this user.
if [ "$(id -u)" -eq 0 ] && [ -z "${OFFLINETUBE_USER:-}" ]; then
	export OFFLINETUBE_USER=nobody
	echo "run: started as root; the API and the worker will run as $OFFLINETUBE_USER" >&2
fi
mkdir -p "$data"
data=$(cd "$data" && pwd)
# That user must reach the data directory.  The default ./var under a closed
# home (/root is 0700) it cannot: then the data goes to /var/lib/offlinetube.
if [ "$(id -u)" -eq 0 ] &&
    ! runuser -u "$OFFLINETUBE_USER" -- test -x "$(dirname "$data")" 2>/dev/null; then
	if [ -n "${OFFLINETUBE_DATA_DIR:-}" ]; then
		echo "run: $OFFLINETUBE_USER cannot reach $data; choose a data" \
		    "directory it can reach, or set OFFLINETUBE_USER" >&2
		exit 1
	fi
	rmdir "$data" 2>/dev/null || true
	data=/var/lib/offlinetube
	mkdir -p "$data"
	echo "run: $OFFLINETUBE_USER cannot reach ./var here; the data is in $data" >&2
fi
export OFFLINETUBE_DATA_DIR=$data
listen=${OFFLINETUBE_LISTEN:-127.0.0.1:8001}
socket=${OFFLINETUBE_SOCKET:-$data/run/api.sock}
# Debian puts nginx in /usr/sbin, which a normal user's PATH may lack.
nginx=$(command -v nginx || echo /usr/sbin/nginx)
conf=$(sh "$here/scripts/nginx-conf.sh" "$data" "$listen" "$socket")
"$nginx" -t -q -p "$data/nginx" -e stderr -c "$conf"

pids=()
stop() {
	trap - INT TERM EXIT
	[ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$bin/offlinetube-worker" & pids+=($!)
# nginx listens only once the API does: a request the moment the port
# answers then reaches the API, never a 502 "not answering".  A socket left
# by a killed run would look ready: it goes first (the API removes it too).
[ -S "$socket" ] && rm -f "$socket"
"$bin/offlinetube-api" & pids+=($!)
for _ in $(seq 1 200); do
	[ -S "$socket" ] && break
	kill -0 "${pids[1]}" 2>/dev/null || break
	sleep 0.05
done
"$nginx" -p "$data/nginx" -e stderr -c "$conf" & pids+=($!)
echo "OfflineTube is listening on http://$listen/ (data in $data); Ctrl-C stops it." >&2
# The first of the three to exit ends the run.  One that exits 0 was told
# to stop: Ctrl-C reaches the whole group, and bash, seeing a child that
# caught it exit cleanly, may take it as meant for that child alone and
# never run its own trap.  That is a stop too.
if wait -n "${pids[@]}"; then
	stop
	exit 0
fi
echo "run: a process exited; stopping the others" >&2
exit 1
