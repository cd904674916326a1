#!/bin/sh
# nginx-conf.sh DATA_DIR LISTEN SOCKET [WEB_DIR]: writes DATA_DIR/nginx/nginx.conf
# from nginx/offlinetube.conf.in and prints its path.  WEB_DIR is the folder of
# the web page served at /: the argument, else $OFFLINETUBE_WEB_DIR, else the
# repository's web/ (an installed copy passes its own path).
set -euf
data=$1 listen=$2 socket=$3
here=$(cd "$(dirname "$0")/.." && pwd)
web=${4:-${OFFLINETUBE_WEB_DIR:-$here/web}}
if [ ! -f "$web/index.html" ]; then
	echo "nginx-conf: no index.html in the web folder '$web'" >&2
	exit 1
fi
web=$(cd "$web" && pwd)
# The API's description and its page (/api/openapi.json, /api/docs) beside
# web/: the repository's docs/, or share/offlinetube/docs/ when installed.
docs="$here/docs"
if [ ! -f "$docs/openapi.json" ] || [ ! -f "$docs/api-reference.html" ]; then
	echo "nginx-conf: no openapi.json and api-reference.html in '$docs'" >&2
	exit 1
fi
ndir="$data/nginx"
mkdir -p "$ndir/body" "$ndir/fastcgi" "$ndir/proxy" "$ndir/uwsgi" "$ndir/scgi" "$data/run"
# Run as root (CI, a quick try), nginx's workers would become nobody and could
# not reach the socket or the data directory: keep them as the invoking user.
user_line=""
if [ "$(id -u)" -eq 0 ]; then
	user_line="user $(id -un) $(id -gn);"
fi
# Rate limits (per client address): /api/ a second, look-ups a minute; bursts
# of five seconds' and a third of a minute's worth pass without delay.
rate=${OFFLINETUBE_RATE_LIMIT:-20}
lookup_rate=${OFFLINETUBE_LOOKUP_RATE_LIMIT:-30}
for n in "$rate" "$lookup_rate"; do
	case $n in
	''|*[!0-9]*|0) echo "nginx-conf: rate limits must be whole numbers above 0" >&2; exit 1;;
	esac
done
burst=$((rate * 5))
# Idle API connections nginx keeps: half the API's threads (see the template).
threads=${OFFLINETUBE_API_THREADS:-8}
case $threads in
''|*[!0-9]*) echo "nginx-conf: OFFLINETUBE_API_THREADS must be a whole number" >&2; exit 1;;
esac
keepalive=""
[ "$threads" -lt 2 ] || keepalive="keepalive $((threads / 2));"
lookup_burst=$((lookup_rate / 3 + 1))
# Host names served (DNS rebinding): loopback names, the listen address when
# it is a specific one, and OFFLINETUBE_SERVER_NAMES (space or comma separated).
lhost=${listen%:*}
case $lhost in
"$listen"|0.0.0.0|"[::]"|'*'|localhost|127.0.0.1|"[::1]") lhost="" ;;
esac
names="localhost 127.0.0.1 [::1] $lhost $(printf '%s' "${OFFLINETUBE_SERVER_NAMES:-}" | tr ',' ' ')"
case $names in
*[!A-Za-z0-9.:*_\ \[\]-]*) echo "nginx-conf: OFFLINETUBE_SERVER_NAMES holds a character no host name has" >&2; exit 1;;
esac
for v in "$data" "$listen" "$socket" "$web" "$docs"; do
	case $v in
	*[\|\;\{\}\'\"\ ]*) echo "nginx-conf: unsafe character in '$v'" >&2; exit 1;;
	esac
done
sed -e "s|@USER_LINE@|$user_line|" -e "s|@RUN_DIR@|$data/run|" \
    -e "s|@NGINX_DIR@|$ndir|" -e "s|@LISTEN@|$listen|" \
    -e "s|@SOCKET@|$socket|" -e "s|@DATA_DIR@|$data|" -e "s|@WEB_DIR@|$web|" \
    -e "s|@DOCS_DIR@|$docs|" \
    -e "s|@RATE@|$rate|" -e "s|@RATE_BURST@|$burst|" \
    -e "s|@LOOKUP_RATE@|$lookup_rate|" -e "s|@LOOKUP_BURST@|$lookup_burst|" \
    -e "s|@KEEPALIVE_LINE@|$keepalive|" \
    -e "s|@HOST_MAP@|$(for n in $names; do printf '\\t\\t"%s" 1;\\n' "$n"; done)|" \
    "$here/nginx/offlinetube.conf.in" > "$ndir/nginx.conf.tmp"
mv "$ndir/nginx.conf.tmp" "$ndir/nginx.conf"
echo "$ndir/nginx.conf"
