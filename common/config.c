/* config.c: the settings both programs read from the environment and an optional file. */
#include <sys/stat.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "store.h"
#include "util.h"

enum ckind { C_STR, C_INT };

struct centry {
	const char	*name;
	enum ckind	 kind;
	size_t		 off;
	size_t		 len;		/* C_STR: buffer size */
	long long	 min, max;	/* C_INT: bounds */
	const char	*def;
};

#define S(f, d)		{ #f, C_STR, offsetof(struct config, f), \
			  sizeof(((struct config *)0)->f), 0, 0, d }
#define I(f, lo, hi, d)	{ #f, C_INT, offsetof(struct config, f), 0, lo, hi, d }

/* The one table of settings: name (after OFFLINETUBE_), where it goes, default. */
static const struct centry centries[] = {
	S(listen,		"127.0.0.1:8001"),
	S(data_dir,		"./var"),
	/* "": the data directory's offlinetube.db; sqlite:PATH; a postgresql:// URI. */
	S(database,		""),
	S(ytdlp,		"yt-dlp"),
	S(ffmpeg,		"ffmpeg"),
	I(max_downloads, 1, 32,	"3"),
	S(search_prefix,	"ytsearch"),
	S(trending_url,		""),
	S(trending_query,	"música popular"),
	I(lookup_ttl, 0, 86400 * 30, "600"),
	I(allow_private_urls, 0, 1, "0"),
	S(cors_origins,		""),
	S(socket,		""),
	I(api_threads, 1, 64,	"8"),
	I(job_timeout, 10, 86400 * 7, "21600"),
	/* The API waits this plus 5 s: well inside nginx's 60 s fastcgi_read_timeout. */
	I(lookup_timeout, 2, 50, "20"),
	I(max_lookups, 1, 8,	"2"),
	S(auth,			"auto"),
	I(link_ttl, 60, 86400 * 7, "14400"),
	I(max_pending, 1, 100000, "100"),
	I(max_subscriptions, 0, 100000, "100"),
	I(max_checks, 1, 4,	"1"),
	/* Seconds without a heartbeat before other workers declare a worker dead. */
	I(worker_lease, 2, 3600, "30"),
	I(min_free_mb, 0, 1 << 30, "1024"),
	S(max_filesize,		""),
	S(download_rate,	""),
	S(sponsorblock_api,	""),
	S(user,			""),
	S(apprise,		"apprise"),
	/* Tests only: the retry delays of webhooks, in percent of docs/api.md's. */
	I(webhook_retry_percent, 1, 100, "100"),
};
#define NCENTRIES (sizeof(centries) / sizeof(centries[0]))

/*
 * make run's nginx settings: environment variables like ours, which
 * scripts/nginx-conf.sh reads and neither program does.  The file takes the
 * variables' names, so they end up in it: there they are accepted and change
 * nothing here (an installation's nginx keeps them in its own files), rather
 * than stopping both programs as unknown.
 */
static const char *const nginx_only[] = {
	"OFFLINETUBE_SERVER_NAMES",
	"OFFLINETUBE_RATE_LIMIT",
	"OFFLINETUBE_LOOKUP_RATE_LIMIT",
	"OFFLINETUBE_WEB_DIR",
};

static int
is_nginx_only(const char *key)
{
	size_t	 i;

	for (i = 0; i < sizeof(nginx_only) / sizeof(nginx_only[0]); i++)
		if (strcmp(key, nginx_only[i]) == 0)
			return 1;
	return 0;
}

static void
env_name(const struct centry *ce, char *buf, size_t len)
{
	size_t	 i, n;

	n = (size_t)snprintf(buf, len, "OFFLINETUBE_%s", ce->name);
	for (i = 12; i < n && i < len; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 'a' + 'A');
}

static int
centry_set(struct config *c, const struct centry *ce, const char *v,
    char *err, size_t errlen)
{
	char		 name[64];
	long long	 n;

	env_name(ce, name, sizeof(name));
	if (ce->kind == C_STR) {
		if (strlen(v) >= ce->len) {
			snprintf(err, errlen, "%s: value too long", name);
			return -1;
		}
		memcpy((char *)c + ce->off, v, strlen(v) + 1);
		return 0;
	}
	if (util_strtonum(v, ce->min, ce->max, &n) == -1) {
		snprintf(err, errlen, "%s: not a number from %lld to %lld: %s",
		    name, ce->min, ce->max, v);
		return -1;
	}
	*(int *)(void *)((char *)c + ce->off) = (int)n;
	return 0;
}

static const struct centry *
centry_find(const char *key)
{
	char	 name[64];
	size_t	 i;

	for (i = 0; i < NCENTRIES; i++) {
		env_name(&centries[i], name, sizeof(name));
		if (strcmp(name, key) == 0)
			return &centries[i];
	}
	return NULL;
}

/* KEY=VALUE lines, '#' comments; values apply only where the environment is silent. */
static int
config_read_file(struct config *c, const char *file, char *err, size_t errlen)
{
	FILE			*f;
	char			 line[4096], *k, *v, *e;
	const struct centry	*ce;
	int			 lineno = 0, rc = -1;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		if (*k == '#' || *k == '\0')
			continue;
		if ((v = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected KEY=VALUE", file, lineno);
			goto fail;
		}
		*v++ = '\0';
		for (e = v - 2; e >= k && (*e == ' ' || *e == '\t'); e--)
			*e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if ((ce = centry_find(k)) == NULL && is_nginx_only(k))
			continue;
		if (ce == NULL) {
			snprintf(err, errlen, "%s:%d: unknown setting %s", file, lineno, k);
			goto fail;
		}
		if (getenv(k) != NULL)
			continue;
		if (centry_set(c, ce, v, err, errlen) == -1)
			goto fail;
	}
	rc = 0;
fail:
	fclose(f);
	return rc;
}

/*
 * OFFLINETUBE_DATABASE into db_path, what store_open() takes: the SQLite
 * file's path, or the PostgreSQL URI as it is.
 */
static int
config_database(struct config *c, const char *data_dir, char *err,
    size_t errlen)
{
	const char	*v = c->database;

	if (v[0] == '\0') {
		if (util_path_join(c->db_path, sizeof(c->db_path), data_dir,
		    "offlinetube.db") == -1)
			goto toolong;
		return 0;
	}
	if (strncmp(v, "sqlite:", 7) == 0) {
		if (v[7] == '\0') {
			snprintf(err, errlen, "OFFLINETUBE_DATABASE: sqlite: needs "
			    "the path of the database file");
			return -1;
		}
		v += 7;
		/*
		 * A relative path is the data directory's, not the working
		 * directory's: that is / under systemd, the shell's by hand.
		 */
		if (v[0] != '/') {
			if (util_path_join(c->db_path, sizeof(c->db_path),
			    data_dir, v) == -1)
				goto toolong;
			return 0;
		}
	} else if (!store_is_pg(v)) {
		snprintf(err, errlen, "OFFLINETUBE_DATABASE: must be sqlite:PATH "
		    "or a postgresql:// connection URI");
		return -1;
	}
	if (strlen(v) >= sizeof(c->db_path))
		goto toolong;
	memcpy(c->db_path, v, strlen(v) + 1);
	return 0;
toolong:
	snprintf(err, errlen, "OFFLINETUBE_DATABASE: path too long");
	return -1;
}

static int
config_derive(struct config *c, char *err, size_t errlen)
{
	char	 abs[PATH_MAX];

	if (util_mkdir_p(c->data_dir, 0755) == -1 ||
	    realpath(c->data_dir, abs) == NULL) {
		snprintf(err, errlen, "OFFLINETUBE_DATA_DIR: %s: %s", c->data_dir,
		    strerror(errno));
		return -1;
	}
	if (strlen(abs) >= sizeof(c->data_dir))
		goto toolong;
	memcpy(c->data_dir, abs, strlen(abs) + 1);
	if (config_database(c, abs, err, errlen) == -1)
		return -1;
	if (util_path_join(c->downloads_dir, sizeof(c->downloads_dir), abs, "downloads") == -1 ||
	    util_path_join(c->thumbnails_dir, sizeof(c->thumbnails_dir), abs, "thumbnails") == -1 ||
	    util_path_join(c->subtitles_dir, sizeof(c->subtitles_dir), abs, "subtitles") == -1 ||
	    util_path_join(c->tmp_dir, sizeof(c->tmp_dir), abs, "tmp") == -1 ||
	    util_path_join(c->cookies_dir, sizeof(c->cookies_dir), abs,
	    "cookies") == -1)
		goto toolong;
	if (c->socket[0] == '\0' &&
	    util_path_join(c->socket, sizeof(c->socket), abs, "run/api.sock") == -1) {
		snprintf(err, errlen, "socket path under %s is longer than a unix "
		    "socket allows; set OFFLINETUBE_SOCKET", abs);
		return -1;
	}
	return 0;
toolong:
	snprintf(err, errlen, "OFFLINETUBE_DATA_DIR: path too long");
	return -1;
}

/*
 * yt-dlp's rate syntax (-r, its parse_bytes): digits, at most one fraction,
 * then at most one of K M G T P E Z Y, any case, each 1024 times the last.
 * A rate that comes to less than 1 byte a second is refused too: yt-dlp
 * divides by it.
 */
static int
rate_ok(const char *s)
{
	static const char	 units[] = "KkMmGgTtPpEeZzYy";
	const char		*u;
	double			 v = 0, scale = 1;
	size_t			 n, i;

	if ((n = strspn(s, "0123456789")) == 0)
		return 0;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	if (s[n] == '.') {
		if (strspn(s + n + 1, "0123456789") == 0)
			return 0;
		for (n++; s[n] >= '0' && s[n] <= '9'; n++)
			v += (s[n] - '0') * (scale /= 10);
	}
	if (s[n] != '\0') {
		if (s[n + 1] != '\0' || (u = strchr(units, s[n])) == NULL)
			return 0;
		for (i = 0; i <= (size_t)(u - units) / 2; i++)
			v *= 1024;
	}
	return v >= 1;
}

int
config_load(struct config *c, const char *file, char *err, size_t errlen)
{
	char		 name[64];
	const char	*v;
	size_t		 i, n;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NCENTRIES; i++)
		if (centry_set(c, &centries[i], centries[i].def, err, errlen) == -1)
			return -1;
	if (file != NULL && config_read_file(c, file, err, errlen) == -1)
		return -1;
	for (i = 0; i < NCENTRIES; i++) {
		env_name(&centries[i], name, sizeof(name));
		if ((v = getenv(name)) != NULL &&
		    centry_set(c, &centries[i], v, err, errlen) == -1)
			return -1;
	}
	/* yt-dlp's own size syntax: digits, then at most one of K M G T. */
	if (c->max_filesize[0] != '\0') {
		n = strspn(c->max_filesize, "0123456789");
		if (n == 0 || (c->max_filesize[n] != '\0' &&
		    (c->max_filesize[n + 1] != '\0' ||
		    strchr("KMGTkmgt", c->max_filesize[n]) == NULL))) {
			snprintf(err, errlen, "OFFLINETUBE_MAX_FILESIZE: a size "
			    "like 500M or 4G: %s", c->max_filesize);
			return -1;
		}
	}
	if (c->download_rate[0] != '\0' && !rate_ok(c->download_rate)) {
		snprintf(err, errlen, "OFFLINETUBE_DOWNLOAD_RATE: bytes per second "
		    "like 2M, 500K or 1.5M (yt-dlp's -r), at least 1: %s",
		    c->download_rate);
		return -1;
	}
	/* yt-dlp's --sponsorblock-api takes a service's base URL. */
	if (c->sponsorblock_api[0] != '\0' &&
	    strncmp(c->sponsorblock_api, "http://", 7) != 0 &&
	    strncmp(c->sponsorblock_api, "https://", 8) != 0) {
		snprintf(err, errlen, "OFFLINETUBE_SPONSORBLOCK_API: an http or "
		    "https URL: %s", c->sponsorblock_api);
		return -1;
	}
	if (strcmp(c->auth, "auto") != 0 && strcmp(c->auth, "on") != 0 &&
	    strcmp(c->auth, "off") != 0) {
		snprintf(err, errlen, "OFFLINETUBE_AUTH: must be auto, on or off: %s",
		    c->auth);
		return -1;
	}
	return config_derive(c, err, errlen);
}

/*
 * Whether OFFLINETUBE_LISTEN keeps nginx on this machine: 127.0.0.0/8, ::1
 * or localhost.  A bare port, or any other address, is reachable from
 * the network.
 */
int
config_listen_is_loopback(const struct config *c)
{
	char		 host[128];
	const char	*l = c->listen, *e;
	size_t		 n;
	unsigned char	 a[16];

	if (*l == '[') {
		if ((e = strchr(l, ']')) == NULL)
			return 0;
		l++;
	} else if ((e = strrchr(l, ':')) == NULL)
		return 0;
	n = (size_t)(e - l);
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, l, n);
	host[n] = '\0';
	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return 0;
}

/*
 * OFFLINETUBE_DATABASE as it may be shown (unset: the SQLite file's path):
 * a password in the URI (its user:password@ or a password= parameter)
 * replaced by "xxxxx".
 */
const char *
config_database_shown(const struct config *c, char *buf, size_t len)
{
	const char	*v = c->database, *at, *colon, *end;
	char		*pw;
	size_t		 n;

	buf[0] = '\0';
	if (len == 0)
		return buf;
	if (!store_is_pg(v)) {
		snprintf(buf, len, "%s", v[0] != '\0' ? v : c->db_path);
		return buf;
	}
	v = strstr(v, "://") + 3;
	end = v + strcspn(v, "/?");
	at = memchr(v, '@', (size_t)(end - v));
	colon = at != NULL ? memchr(v, ':', (size_t)(at - v)) : NULL;
	if (colon != NULL) {
		if ((n = (size_t)(colon + 1 - c->database)) >= len)
			return buf;
		memcpy(buf, c->database, n);
		snprintf(buf + n, len - n, "xxxxx%s", at);
	} else
		snprintf(buf, len, "%s", c->database);
	/* The query's password=...: up to the next & or the end. */
	while ((pw = strstr(buf, "password=")) != NULL &&
	    strncmp(pw + 9, "xxxxx", 5) != 0) {
		end = pw + 9 + strcspn(pw + 9, "&");
		if (strlen(buf) + 5 >= len) {
			pw[9] = '\0';	/* no room to mask it: cut it off */
			break;
		}
		memmove(pw + 9 + 5, end, strlen(end) + 1);
		memcpy(pw + 9, "xxxxx", 5);
	}
	return buf;
}

void
config_print(const struct config *c, FILE *f)
{
	char	 name[64], shown[sizeof(c->database)];
	size_t	 i;

	for (i = 0; i < NCENTRIES; i++) {
		env_name(&centries[i], name, sizeof(name));
		if (centries[i].off == offsetof(struct config, database))
			fprintf(f, "  %s=%s\n", name,
			    config_database_shown(c, shown, sizeof(shown)));
		else if (centries[i].kind == C_STR)
			fprintf(f, "  %s=%s\n", name,
			    (const char *)c + centries[i].off);
		else
			fprintf(f, "  %s=%d\n", name,
			    *(const int *)(const void *)((const char *)c + centries[i].off));
	}
}

int
config_make_dirs(const struct config *c)
{
	char	 run[PATH_MAX];

	if (util_path_join(run, sizeof(run), c->data_dir, "run") == -1)
		return -1;
	if (util_mkdir_p(c->downloads_dir, 0755) == -1 ||
	    util_mkdir_p(c->thumbnails_dir, 0755) == -1 ||
	    util_mkdir_p(c->subtitles_dir, 0755) == -1 ||
	    util_mkdir_p(c->tmp_dir, 0700) == -1 ||
	    util_mkdir_p(c->cookies_dir, 0700) == -1 ||
	    util_mkdir_p(run, 0755) == -1)
		return -1;
	/* The cookies are the service user's alone, whatever made the directory. */
	if (chmod(c->cookies_dir, 0700) == -1)
		return -1;
	return 0;
}

/*
 * An owner's cookies file: {owner}.txt in cookies/, owner the key's id (0
 * when keys are off).  The name is made from a number only, never from
 * request input.  -1: owner negative, or the path too long.
 */
int
config_cookies_name(long long owner, char *buf, size_t len)
{
	int	 n;

	if (owner < 0)
		return -1;
	n = snprintf(buf, len, "%lld.txt", owner);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
config_cookies_path(const struct config *c, long long owner, char *buf,
    size_t len)
{
	char	 name[32];

	if (config_cookies_name(owner, name, sizeof(name)) == -1)
		return -1;
	return util_path_join(buf, len, c->cookies_dir, name);
}
