#!/usr/bin/env bash
# run-worker.sh BIN_DIR: `make run-worker`: offlinetube-worker alone, in the
# foreground, with the settings make run uses (the environment; the data
# directory OFFLINETUBE_DATA_DIR, else ./var): a second worker against a
# shared PostgreSQL database (docs/deploy.md, "Two machines").  On SQLite it
# stops at once with the lock's message while another worker runs there.
set -euo pipefail
bin=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/run-env.sh"
echo "run-worker: a worker alone on $OFFLINETUBE_DATA_DIR; Ctrl-C stops it." >&2
exec "$bin/offlinetube-worker"
