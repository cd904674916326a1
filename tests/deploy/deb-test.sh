#!/bin/sh
# deb-test.sh OUT: the .deb that `make deb` left in OUT: its file list (with
# modes and owners) is tests/deploy/deb-files.txt, its control fields name the
# dependencies the service needs, its maintainer scripts create the account
# and keep the data on remove, and lintian reports no error or warning (its
# info-level tags are overridden in debian/offlinetube.lintian-overrides, each
# with its reason).
set -eu
out=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
deb=$(ls "$out"/offlinetube_*.deb | head -n 1)
fail=0
got=$(mktemp)
trap 'rm -f "$got"' EXIT
dpkg-deb -c "$deb" | awk '$6 != "./" { print $1, $2, $6 }' |
    sed 's| \./| /|; s|/$||' >"$got"
if ! grep -v '^#' "$here/tests/deploy/deb-files.txt" | diff -u - "$got"; then
	echo "deb-test: the package's files differ from tests/deploy/deb-files.txt (- expected, + built)" >&2
	fail=1
fi
deps=$(dpkg-deb -f "$deb" Depends)
# libpq5: the client library PostgreSQL needs (its migrations are in the
# programs, so the package installs nothing else for it).  libcurl4 and
# libpq5 are loaded when first used, not linked: dpkg-shlibdeps cannot see
# them, debian/control names them.
for d in nginx yt-dlp ffmpeg adduser libfcgi0ldbl libcurl4 libpq5; do
	case ", $deps," in
	*", $d"[\ ,]*) ;;
	*) echo "deb-test: Depends lacks $d: $deps" >&2; fail=1;;
	esac
done
# The server is another host's business, or the admin's choice: never pulled in.
for f in Depends Recommends Pre-Depends; do
	case ", $(dpkg-deb -f "$deb" "$f")," in
	*", postgresql"[\ ,]* | *", postgresql-"[0-9]*) echo "deb-test: $f names a PostgreSQL server" >&2; fail=1;;
	esac
done
ctl=$(mktemp -d)
dpkg-deb -e "$deb" "$ctl"
grep -q 'adduser .*--system' "$ctl/postinst" && grep -q 'gecos OfflineTube offlinetube' "$ctl/postinst" ||
	{ echo "deb-test: postinst does not create the offlinetube user" >&2; fail=1; }
grep -q 'install -d -o offlinetube' "$ctl/postinst" ||
	{ echo "deb-test: postinst does not create the data directory" >&2; fail=1; }
grep -q 'systemctl.*offlinetube-api.socket\|offlinetube-api.socket' "$ctl/postinst" ||
	{ echo "deb-test: postinst does not enable the socket" >&2; fail=1; }
# remove keeps /var/lib/offlinetube: only the purge branch may delete it.
awk '/rm -rf \/var\/lib\/offlinetube/ && !inpurge { bad = 1 }
     /"\$1" = purge/ { inpurge = 1 } /^fi/ { inpurge = 0 }
     END { exit bad }' "$ctl/postrm" ||
	{ echo "deb-test: postrm deletes the data outside purge" >&2; fail=1; }
grep -q '/etc/offlinetube/offlinetube.conf' "$ctl/conffiles" ||
	{ echo "deb-test: the config file is not a conffile" >&2; fail=1; }
rm -rf "$ctl"
# The units as packaged, checked by systemd (the binaries from the package).
ex=$(mktemp -d)
dpkg-deb -x "$deb" "$ex"
sh "$here/tests/deploy/verify-units.sh" "$ex" || fail=1
rm -rf "$ex"
if ! lintian --fail-on error,warning "$out"/offlinetube_*.changes >"$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	echo "deb-test: lintian reported errors or warnings" >&2
	fail=1
fi
grep -v '^running with root' "$out/lintian.log" || true
[ $fail -eq 0 ] && echo "deb-test: $(basename "$deb"): files, depends, scripts, units and lintian pass"
exit $fail
