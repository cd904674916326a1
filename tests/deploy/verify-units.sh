#!/bin/sh
# verify-units.sh ROOT: `systemd-analyze verify` on the units that
# `make install DESTDIR=ROOT PREFIX=/usr` put under ROOT.  verify checks that
# each ExecStart= program exists and each Documentation=man: page opens, and
# --root would also hide the system's own units (sysinit.target): so the
# units are copied with ROOT prefixed to their program paths and checked
# against the real system, with MANPATH on ROOT's man pages.
set -eu
root=$(cd "$1" && pwd)
units=$root/usr/lib/systemd/system
[ -d "$units" ] || units=$root/lib/systemd/system
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for u in offlinetube-api.socket offlinetube-api.service offlinetube-worker.service; do
	sed -e "s|=/usr/bin/offlinetube-|=$root/usr/bin/offlinetube-|" "$units/$u" >"$tmp/$u"
done
out=$(cd "$tmp" && MANPATH=$root/usr/share/man systemd-analyze verify \
    offlinetube-api.socket offlinetube-api.service offlinetube-worker.service 2>&1) || {
	printf '%s\n' "$out" >&2
	echo "verify-units: systemd-analyze verify failed" >&2
	exit 1
}
# verify exits 0 on some complaints (an unknown directive is only logged).
if [ -n "$out" ]; then
	printf '%s\n' "$out" >&2
	echo "verify-units: systemd-analyze verify printed warnings" >&2
	exit 1
fi
echo "verify-units: 3 units pass systemd-analyze verify"
