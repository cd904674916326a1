#!/usr/bin/env bash
# run.sh BIN_DIR: `make run`: writes the nginx configuration into the data
# directory and runs nginx, offlinetube-api and offlinetube-worker in the
# foreground as the invoking user.  Ctrl-C or SIGTERM stops all three; if one
# of them dies, the others are stopped too, so nothing is left half running.
set -euo pipefail
bin=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
# The data directory and the account, as make run-worker has them too.
. "$here/scripts/run-env.sh"
data=$OFFLINETUBE_DATA_DIR
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
