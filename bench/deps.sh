#!/bin/sh
# deps.sh: what `make bench` needs beyond `make run`'s packages: wrk.
set -eu
command -v wrk >/dev/null 2>&1 && exit 0
echo "installing: wrk"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "bench/deps.sh: need root or sudo to install wrk" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq --no-install-recommends wrk ||
	{ $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends wrk; }
