# shellcheck shell=bash
# run-env.sh: sourced by run.sh and run-worker.sh (bash): the data
# directory (OFFLINETUBE_DATA_DIR, else ./var, made absolute and exported)
# and, started as root, the account the programs become (OFFLINETUBE_USER).
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
