#!/bin/sh
# deps-deb.sh: what `make deb` and `make deb-test` need beyond `make run`'s
# packages: the Debian packaging tools, lintian, systemd-analyze, mandoc.
set -eu
need="debhelper dpkg-dev devscripts fakeroot lintian systemd mandoc"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps-deb: need root or sudo" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
