/* auth.c: API keys (who is asking) and the signed links that <video> and <img> use. */
/*
 * A key looks like otk_<8 hex>_<43 base64url>: 256 random bits from
 * libsodium, shown once.  The database keeps its prefix (to find the row)
 * and its BLAKE2b-256 hash (a fast hash is right for a random secret; there
 * is nothing to brute-force); the hash of what a client sends is compared
 * with sodium_memcmp, in constant time.  Keys travel in X-API-Key or
 * Authorization: Bearer, never in a URL, and nothing here logs them.
 *
 * <video src> and <img src> cannot send a header, so while keys are on each
 * task record carries links signed with HMAC-SHA256 over the path, an expiry
 * and the id of the key that asked for the record, keyed by a secret made at
 * first start in the data directory.  A link is as good as its key: each use
 * reads that key's row (by its primary key), so revoking the key ends its
 * links at once, and a user key's link opens only that key's tasks.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "encode.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "store.h"
#include "util.h"

_Static_assert(AUTH_LINK_MAX >= REQ_NAME_MAX * 3 + 128,
    "a link holds an encoded file name and its signature");

static unsigned char	 link_secret[crypto_auth_hmacsha256_KEYBYTES];
static int		 listen_is_loopback;
static int		 network_warned;	/* from_network() has logged once */

#define SECRET_FILE	"link.secret"
#define SECRET_TRIES	5	/* another start replacing it at the same time */

/*
 * The signing secret: read, or made once.  It is made whole or not at all
 * (util_file_create) and never replaced once good, so two starts agree.  A
 * shorter file is what an earlier version left when it crashed between
 * creating the file and writing it (that version then refused to start) or
 * when a power cut lost what it wrote: nothing can check links against it,
 * so it is replaced, under a lock on it so that a start racing us does not
 * remove the one we make.
 */
static int
secret_load(const struct config *c, char *err, size_t errlen)
{
	struct stat	 st, now;
	char		 path[PATH_MAX];
	ssize_t		 n = 0;
	int		 fd = -1, i, rc, save;

	if (util_path_join(path, sizeof(path), c->data_dir, SECRET_FILE) == -1) {
		snprintf(err, errlen, "link secret: %s: path too long", c->data_dir);
		return -1;
	}
	for (i = 0; i < SECRET_TRIES; i++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			if (errno != ENOENT)
				goto fail;
			randombytes_buf(link_secret, sizeof(link_secret));
			if ((rc = util_file_create(c->data_dir, SECRET_FILE,
			    link_secret, sizeof(link_secret), 0600)) == -1)
				goto fail;
			if (rc == 0)
				return 0;
			continue;	/* another start made it first: theirs */
		}
		if ((n = read(fd, link_secret, sizeof(link_secret))) == -1)
			goto fail;
		if (n == (ssize_t)sizeof(link_secret)) {
			close(fd);
			return 0;
		}
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1)
			goto fail;
		/* Still the short file, not one a racing start just made? */
		if (stat(path, &now) == 0 && now.st_ino == st.st_ino &&
		    now.st_dev == st.st_dev) {
			log_warnx(NULL, "%s held %zd bytes instead of %zu (a "
			    "crash while it was being made): replacing it; a "
			    "link signed before, if any, no longer works",
			    path, n, sizeof(link_secret));
			if (unlink(path) == -1 && errno != ENOENT)
				goto fail;
		}
		close(fd);
		fd = -1;
	}
	errno = EAGAIN;
fail:
	save = errno;
	if (fd != -1)
		close(fd);
	snprintf(err, errlen, "link secret %s: %s", path, strerror(save));
	return -1;
}

int
auth_init(const struct config *c, char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	listen_is_loopback = config_listen_is_loopback(c);
	return secret_load(c, err, errlen);
}

/*
 * The rule of the house: reachable from the network means keys, unless the
 * user says OFFLINETUBE_AUTH=off in so many words.
 */
int
auth_startup_check(const struct config *c, struct store *db, char *err,
    size_t errlen)
{
	int	 any;

	if (strcmp(c->auth, "off") == 0) {
		if (!listen_is_loopback)
			log_warnx(NULL, "OFFLINETUBE_AUTH=off on %s: anyone who can "
			    "reach this address can start downloads, read every "
			    "task and delete files", c->listen);
		return 0;
	}
	if ((any = store_key_any(db)) == -1) {
		snprintf(err, errlen, "api keys: %s", store_errmsg(db));
		return -1;
	}
	if (!listen_is_loopback && !any) {
		snprintf(err, errlen, "OFFLINETUBE_LISTEN=%s is reachable from the "
		    "network and no API key exists: add one with "
		    "`offlinetube-api key add NAME`, or set OFFLINETUBE_AUTH=off "
		    "to let everyone on the network in without keys", c->listen);
		return -1;
	}
	return 0;
}

/*
 * OFFLINETUBE_LISTEN is what the admin told us; the client's address is what
 * happened.  A client that nginx took from anywhere but loopback proves that
 * the network reaches us, whatever LISTEN says: its request needs a key, so
 * an nginx listen changed alone never lets the LAN in without one.  Without
 * REMOTE_ADDR (an nginx configuration of one's own) LISTEN alone decides;
 * nginx listening on a unix socket says "unix:".
 */
static int
from_network(struct req *r)
{
	static const unsigned char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	const char			*a;
	unsigned char			 b[16];
	int				 net = 1;	/* unreadable: the worst */

	a = FCGX_GetParam("REMOTE_ADDR", r->fcgi->envp);
	if (a == NULL || *a == '\0' || strncmp(a, "unix:", 5) == 0)
		net = 0;
	else if (inet_pton(AF_INET, a, b) == 1)
		net = b[0] != 127;
	else if (inet_pton(AF_INET6, a, b) == 1)
		net = !(memcmp(b, in6addr_loopback.s6_addr, 16) == 0 ||
		    (memcmp(b, mapped, 12) == 0 && b[12] == 127));
	if (net && !__atomic_exchange_n(&network_warned, 1, __ATOMIC_RELAXED))
		log_warnx(r->request_id, "a request came from %.64s although "
		    "OFFLINETUBE_LISTEN=%s is loopback: it needs an API key; set "
		    "OFFLINETUBE_LISTEN to the address nginx listens on",
		    a, r->ctx->cfg->listen);
	return net;
}

/* How long a thread trusts its answer to "does any key exist?". */
#define KEYS_RECHECK_MS	1000

/*
 * Whether this request must carry a key: auto means keys once the LAN can
 * reach us (as LISTEN says, or as the request shows), or once any key exists.  The latter is asked of the database at
 * most once a second per thread, not on every request: a key just added (or
 * the last one revoked) takes effect within that second.  -1: the database
 * could not say.  That is not remembered: the next request asks again,
 * rather than being refused for a second as if keys were needed.
 */
static int
auth_required(struct req *r)
{
	const char	*mode = r->ctx->cfg->auth;
	int64_t		 now;
	int		 any;

	if (strcmp(mode, "off") == 0)
		return 0;
	if (strcmp(mode, "on") == 0 || !listen_is_loopback || from_network(r))
		return 1;
	now = util_now_ms();
	if (r->ctx->keys_checked == 0 ||
	    now - r->ctx->keys_checked >= KEYS_RECHECK_MS) {
		if ((any = store_key_any(r->ctx->db)) == -1)
			return -1;
		r->ctx->keys_exist = any;
		r->ctx->keys_checked = now;
	}
	return r->ctx->keys_exist;
}

static void
hex32(const unsigned char in[32], char out[65])
{
	sodium_bin2hex(out, 65, in, 32);
}

static int
auth_hash_key(const char *key, char hash[65])
{
	unsigned char	 h[32];

	if (crypto_generichash(h, sizeof(h), (const unsigned char *)key,
	    strlen(key), NULL, 0) != 0)
		return -1;
	hex32(h, hash);
	return 0;
}

int
auth_new_key(char *key, size_t keylen, char prefix[AUTH_KEY_PREFIX_LEN + 1],
    char hash[65])
{
	unsigned char	 id[4], secret[32];
	char		 idhex[9], b64[64];

	randombytes_buf(id, sizeof(id));
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(idhex, sizeof(idhex), id, sizeof(id));
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof(secret));
	if ((size_t)snprintf(key, keylen, "otk_%s_%s", idhex, b64) >= keylen)
		return -1;
	snprintf(prefix, AUTH_KEY_PREFIX_LEN + 1, "otk_%s", idhex);
	sodium_memzero(b64, sizeof(b64));
	return auth_hash_key(key, hash);
}

/* The key a request carries, from X-API-Key or Authorization: Bearer. */
static const char *
request_key(struct req *r)
{
	const char	*k, *a;

	if ((k = FCGX_GetParam("HTTP_X_API_KEY", r->fcgi->envp)) != NULL && *k)
		return k;
	a = FCGX_GetParam("HTTP_AUTHORIZATION", r->fcgi->envp);
	if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0) {
		for (a += 7; *a == ' '; a++)
			;
		if (*a != '\0')
			return a;
	}
	return NULL;
}

/* 1 when the key is real and not revoked; sets r->owner. -1: database error. */
static int
key_valid(struct req *r, const char *key)
{
	struct api_key	 k;
	char		 prefix[AUTH_KEY_PREFIX_LEN + 1], hash[65];
	int		 rc;

	if (strlen(key) < AUTH_KEY_PREFIX_LEN + 2 || strlen(key) > 128 ||
	    strncmp(key, "otk_", 4) != 0)
		return 0;
	memcpy(prefix, key, AUTH_KEY_PREFIX_LEN);
	prefix[AUTH_KEY_PREFIX_LEN] = '\0';
	if ((rc = store_key_by_prefix(r->ctx->db, prefix, &k)) != 1)
		return rc;
	if (auth_hash_key(key, hash) == -1 ||
	    sodium_memcmp(hash, k.hash, 64) != 0 || k.revoked)
		return 0;
	r->owner = k.admin ? -1 : k.id;
	r->key_id = k.id;
	return 1;
}

/* base64url HMAC-SHA256 of "path\nexp\nkid". */
int
auth_sign(const char *path, long long exp, long long kid, char *sig,
    size_t len)
{
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char		 e[64];

	snprintf(e, sizeof(e), "\n%lld\n%lld", exp, kid);
	crypto_auth_hmacsha256_init(&st, link_secret, sizeof(link_secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)path, strlen(path));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)e, strlen(e));
	crypto_auth_hmacsha256_final(&st, mac);
	if (len < sodium_base64_ENCODED_LEN(sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	sodium_bin2base64(sig, len, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/*
 * A media link's ?exp=&kid=&sig=: signed by us, for this very path, not
 * expired, and its key still good.  1 yes, 0 no, -1 database error.
 */
static int
link_valid(struct req *r)
{
	struct api_key	 k;
	char		 exp[32], kid[32], sig[64], want[64];
	long long	 e, id;
	int		 rc;

	if (req_query_get(r, "exp", exp, sizeof(exp)) != 1 ||
	    req_query_get(r, "kid", kid, sizeof(kid)) != 1 ||
	    req_query_get(r, "sig", sig, sizeof(sig)) != 1 ||
	    util_strtonum(exp, 1, LLONG_MAX / 2, &e) == -1 ||
	    util_strtonum(kid, 1, LLONG_MAX, &id) == -1 ||
	    e < (long long)time(NULL))
		return 0;
	if (auth_sign(r->path, e, id, want, sizeof(want)) == -1 ||
	    strlen(sig) != strlen(want) ||
	    sodium_memcmp(sig, want, strlen(want)) != 0)
		return 0;
	/* Checked after the signature: a forged kid costs no database read. */
	if ((rc = store_key_by_id(r->ctx->db, id, &k)) != 1)
		return rc;
	if (k.revoked)
		return 0;
	/* Whoever holds the link sees what its key sees: one file of its own. */
	r->owner = k.admin ? -1 : k.id;
	r->key_id = k.id;
	return 1;
}

/*
 * Decides whether the request may go on: 0 yes (r->owner says whose tasks it
 * sees), 1 no (the refusal has been answered).  link_ok: a signed link may
 * stand in for a key (the media routes).
 */
int
auth_request(struct req *r, int link_ok)
{
	const char	*key;
	int		 rc;

	r->owner = 0;
	r->key_id = 0;
	/* Fails closed all the same: the database error, never the request let in. */
	if ((rc = auth_required(r)) == -1) {
		reply_dberr(r, "keys");
		return 1;
	}
	if (!(r->keys_on = rc))
		return 0;
	if ((key = request_key(r)) == NULL) {
		if (link_ok && r->query[0] != '\0') {
			if ((rc = link_valid(r)) == 1)
				return 0;
			if (rc == -1)
				reply_dberr(r, "link key");
			else
				reply_error(r, 403, msg_str[MSG_LINK_INVALID]);
			return 1;
		}
		reply_header(r, "WWW-Authenticate: Bearer realm=\"offlinetube\"\r\n");
		reply_error(r, 401, msg_str[MSG_KEY_REQUIRED]);
		return 1;
	}
	if ((rc = key_valid(r, key)) == 1)
		return 0;
	if (rc == -1)
		reply_dberr(r, "key");
	else
		reply_error(r, 403, msg_str[MSG_KEY_INVALID]);
	return 1;
}

/* Appends ?exp=&kid=&sig= to the link in out, signing path_decoded (what a request will carry). */
static int
sign_append(const char *path_decoded, long long exp, long long kid, char *out,
    size_t len)
{
	char	 sig[64];
	size_t	 o = strlen(out);
	int	 n;

	if (auth_sign(path_decoded, exp, kid, sig, sizeof(sig)) == -1 ||
	    o >= len)
		return -1;
	n = snprintf(out + o, len - o, "?exp=%lld&kid=%lld&sig=%s", exp, kid,
	    sig);
	return n < 0 || (size_t)n >= len - o ? -1 : 0;
}

/* Appends n bytes of p to buf at *o; -1 when they do not fit with a NUL. */
static int
link_put(char *buf, size_t len, size_t *o, const char *p, size_t n)
{
	if (n >= len - *o)
		return -1;
	memcpy(buf + *o, p, n);
	*o += n;
	buf[*o] = '\0';
	return 0;
}

/*
 * One more link of a record (a subtitle's): path, which needs no encoding,
 * and while keys are on its signature, as auth_links() signs the others.
 */
int
auth_link(struct req *r, const char *path, char *out, size_t len)
{
	size_t	 o = 0;

	out[0] = '\0';
	if (link_put(out, len, &o, path, strlen(path)) == -1)
		return -1;
	if (r->keys_on &&
	    sign_append(path, auth_link_expiry(r), r->key_id, out, len) == -1)
		return -1;
	return 0;
}

/*
 * The links of a task record: stream_url and file_url, and while keys are on
 * the signed thumbnail, so a page can put them in <video> and <img>.  Each is
 * made of encode_path()'s characters, digits and hex only: written into the
 * JSON text as they are, they need no escaping.  Without keys (the common
 * case, once per row of every list) no printf is involved.
 */
/*
 * The expiry of the links signed now, rounded up to ten minutes: a page
 * polling the list gets the same links for a while, so <img> and <video>
 * are not reloaded every second (and a list's ETag holds as long).  A link
 * lives between link_ttl and link_ttl + 600 s.
 */
long long
auth_link_expiry(const struct req *r)
{
	return ((long long)time(NULL) + r->ctx->cfg->link_ttl + 599) / 600 * 600;
}

int
auth_links(struct req *r, const struct store_task_row *row, int local_thumbnail,
    struct auth_links *l)
{
	static const char	 stream[] = "/api/stream/", dl[] = "/api/download/";
	static const char	 file[] = "/file", thumbs[] = ROUTE_THUMBNAILS;
	char			 dec[REQ_NAME_MAX + 64];
	size_t			 o = 0, idl = strlen(row->id);
	long long		 exp;
	int			 n;

	l->stream_url[0] = l->file_url[0] = l->thumbnail[0] = '\0';
	exp = auth_link_expiry(r);
	if (row->completed && row->filename[0] != '\0') {
		/* '/' never occurs in our names; encode_path keeps it, which is fine. */
		if (link_put(l->stream_url, sizeof(l->stream_url), &o, stream,
		    sizeof(stream) - 1) == -1 ||
		    encode_path(row->filename, l->stream_url + o,
		    sizeof(l->stream_url) - o) == -1)
			return -1;
		o = 0;
		if (link_put(l->file_url, sizeof(l->file_url), &o, dl,
		    sizeof(dl) - 1) == -1 ||
		    link_put(l->file_url, sizeof(l->file_url), &o, row->id, idl) == -1 ||
		    link_put(l->file_url, sizeof(l->file_url), &o, file,
		    sizeof(file) - 1) == -1)
			return -1;
		if (r->keys_on) {
			/* Signed over the decoded path, as the request will carry it. */
			n = snprintf(dec, sizeof(dec), "%s%s", stream, row->filename);
			if (n < 0 || (size_t)n >= sizeof(dec) ||
			    sign_append(dec, exp, r->key_id, l->stream_url,
			    sizeof(l->stream_url)) == -1 ||
			    sign_append(l->file_url, exp, r->key_id, l->file_url,
			    sizeof(l->file_url)) == -1)
				return -1;
		}
	}
	/* Only a thumbnail of ours is signed (a remote one is the site's). */
	if (r->keys_on && local_thumbnail) {
		o = 0;
		if (link_put(l->thumbnail, sizeof(l->thumbnail), &o, thumbs,
		    sizeof(thumbs) - 1) == -1 ||
		    link_put(l->thumbnail, sizeof(l->thumbnail), &o, row->id,
		    idl) == -1 ||
		    sign_append(l->thumbnail, exp, r->key_id, l->thumbnail,
		    sizeof(l->thumbnail)) == -1)
			return -1;
	}
	return 0;
}
