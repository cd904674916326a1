#!/bin/sh
# build-deb.sh OUT: copies the source tree (no build output, no git, no
# node_modules) to OUT/src and runs `dpkg-buildpackage -us -uc -b` there, so
# the .deb, .buildinfo and .changes land in OUT/ and the working tree stays
# clean (debian/ fills with build files otherwise).
set -eu
out=$1
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out/src"
mkdir -p "$out/src"
out=$(cd "$out" && pwd)
rm -f "$out"/offlinetube_*
tar -C "$here" --exclude=./.git --exclude=./build --exclude=./var \
    --exclude=node_modules --exclude=__pycache__ -cf - . | tar -C "$out/src" -xf -
cd "$out/src"
dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1 || {
	tail -n 60 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
}
ls "$out"/offlinetube_*.deb
