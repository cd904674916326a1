#!/bin/sh
# nginx-conf.sh DATA_DIR LISTEN SOCKET: writes DATA_DIR/nginx/nginx.conf from
# nginx/offlinetube.conf.in and prints its path.
set -eu
data=$1 listen=$2 socket=$3
here=$(cd "$(dirname "$0")/.." && pwd)
ndir="$data/nginx"
mkdir -p "$ndir/body" "$ndir/fastcgi" "$ndir/proxy" "$ndir/uwsgi" "$ndir/scgi" "$data/run"
# Run as root (CI, a quick try), nginx's workers would become nobody and could
# not reach the socket or the data directory: keep them as the invoking user.
user_line=""
if [ "$(id -u)" -eq 0 ]; then
	user_line="user $(id -un) $(id -gn);"
fi
for v in "$data" "$listen" "$socket"; do
	case $v in
	*[\|\;\{\}\'\"\ ]*) echo "nginx-conf: unsafe character in '$v'" >&2; exit 1;;
	esac
done
sed -e "s|@USER_LINE@|$user_line|" -e "s|@RUN_DIR@|$data/run|" \
    -e "s|@NGINX_DIR@|$ndir|" -e "s|@LISTEN@|$listen|" \
    -e "s|@SOCKET@|$socket|" -e "s|@DATA_DIR@|$data|" \
    "$here/nginx/offlinetube.conf.in" > "$ndir/nginx.conf.tmp"
mv "$ndir/nginx.conf.tmp" "$ndir/nginx.conf"
echo "$ndir/nginx.conf"
