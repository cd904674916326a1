#!/bin/sh
# install-deps.sh [test|bench]: installs the Debian packages OfflineTube needs,
# only those missing.  With "test", also what the test suite needs (pytest,
# jsonschema, clang and its libFuzzer runtime, checkbashisms and ShellCheck, chromium and
# Node.js for the web page's tests, a PostgreSQL server); with "bench", what `make bench` needs (wrk).
set -eu
need="make gcc libc6-dev pkg-config nginx-light libfcgi-dev libjson-c-dev libsqlite3-dev \
uuid-dev libsodium-dev libcurl4-openssl-dev libpq-dev sqlite3 yt-dlp ffmpeg"
if [ "${1:-}" = test ]; then
	need="$need python3 python3-pytest clang libclang-rt-dev"
	# The e2e suite checks every answer against docs/openapi.json.
	need="$need python3-jsonschema"
	# The shell scripts' checks (checkbashisms, ShellCheck).
	need="$need devscripts shellcheck"
	# offlinetube-dns-allow's port 53 fence, loaded in a network namespace.
	need="$need nftables"
	# The web page's browser tests: Debian's chromium, driven from Node.js.
	need="$need chromium nodejs npm"
	# Apprise URLs of webhooks, delivered by Debian's apprise program.
	need="$need apprise"
	# docs/api.md's shell check of a webhook's signature, run as written.
	need="$need openssl"
	# promtool, which checks /api/metrics (the package is Prometheus itself).
	need="$need prometheus"
	# The PostgreSQL backend's tests start a server of their own (tests/pg/);
	# the e2e harness reads and writes its databases with psycopg2.
	need="$need postgresql python3-psycopg2"
elif [ "${1:-}" = bench ]; then
	need="$need python3 wrk"
fi
missing=""
for p in $need; do
	# nginx-light is one way to get nginx; any installed nginx will do.
	if [ "$p" = nginx-light ] && command -v nginx >/dev/null 2>&1; then
		continue
	fi
	# Any node and npm will do (one from outside Debian bundles npm, and
	# Debian's npm package would then conflict with it).
	if { [ "$p" = nodejs ] || [ "$p" = npm ]; } && command -v "${p%js}" >/dev/null 2>&1; then
		continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
