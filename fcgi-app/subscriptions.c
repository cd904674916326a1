/* subscriptions.c: the /api/subscriptions routes: create, list, get, change, delete, check now. */
/*
 * A body is read field by field into a struct subscription: for a create
 * over the defaults, for a PATCH over the row as it is, so that one set of
 * rules judges both (a PATCH to "audio" with the row's "720p" is refused,
 * as that create would be).  The download fields are judged by POST
 * /api/download's own validators (validate.c), the filters compiled as the
 * worker will compile them.  The records are SQLite's (migration 009).
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <uuid.h>

#include "config.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "util.h"
#include "validate.h"

#define EVERY_MIN	900
#define EVERY_MAX	2592000		/* 30 days */
#define EVERY_DEF	21600
#define BACKLOG_MAX	500
#define DURATION_MAX	(86400LL * 365)

/* Who may set what: a create, a PATCH, or both. */
#define ON_CREATE	0x1
#define ON_PATCH	0x2

enum skind { K_URL, K_NAME, K_DOWNLOAD, K_EVERY, K_BACKLOG, K_INCLUDE,
	K_EXCLUDE, K_MIN, K_MAX, K_SKIP_LIVE, K_ORDER, K_ENABLED, K_EMBED,
	K_SPONSORBLOCK, K_SUBTITLES };

static const struct sfield {
	const char	*name;
	enum skind	 kind;
	int		 when;
} sfields[] = {
	{ "url",		K_URL,		ON_CREATE },
	{ "name",		K_NAME,		ON_CREATE | ON_PATCH },
	{ "download_type",	K_DOWNLOAD,	ON_CREATE | ON_PATCH },
	{ "quality",		K_DOWNLOAD,	ON_CREATE | ON_PATCH },
	{ "format_id",		K_DOWNLOAD,	ON_CREATE | ON_PATCH },
	{ "audio_format",	K_DOWNLOAD,	ON_CREATE | ON_PATCH },
	{ "check_every",	K_EVERY,	ON_CREATE | ON_PATCH },
	{ "backlog",		K_BACKLOG,	ON_CREATE },
	{ "title_include",	K_INCLUDE,	ON_CREATE | ON_PATCH },
	{ "title_exclude",	K_EXCLUDE,	ON_CREATE | ON_PATCH },
	{ "min_duration",	K_MIN,		ON_CREATE | ON_PATCH },
	{ "max_duration",	K_MAX,		ON_CREATE | ON_PATCH },
	{ "skip_live",		K_SKIP_LIVE,	ON_CREATE | ON_PATCH },
	{ "listing_order",	K_ORDER,	ON_CREATE | ON_PATCH },
	{ "enabled",		K_ENABLED,	ON_PATCH },
	{ "embed_metadata",	K_EMBED,	ON_CREATE | ON_PATCH },
	{ "sponsorblock",	K_SPONSORBLOCK,	ON_CREATE | ON_PATCH },
	{ "subtitles",		K_SUBTITLES,	ON_CREATE | ON_PATCH },
};
#define NSFIELDS	(sizeof(sfields) / sizeof(sfields[0]))

static const struct sfield *
sfield_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NSFIELDS; i++)
		if (strcmp(sfields[i].name, name) == 0)
			return &sfields[i];
	return NULL;
}

/* A string without NUL or control characters, at most max bytes, into buf. */
static int
take_text(const char *key, struct json_object *v, size_t max, char *buf,
    size_t len, char *detail, size_t dlen)
{
	const char	*s;
	size_t		 n, i;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(detail, dlen, "%s: must be a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > max || n >= len) {
		snprintf(detail, dlen, "%s: must be at most %zu bytes", key, max);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(detail, dlen, "%s: must not contain control "
			    "characters", key);
			return -1;
		}
	memcpy(buf, s, n + 1);
	return 0;
}

static int
take_int(const char *key, struct json_object *v, long long min, long long max,
    long long *out, char *detail, size_t dlen)
{
	if (!json_object_is_type(v, json_type_int) ||
	    (*out = json_object_get_int64(v)) < min || *out > max) {
		snprintf(detail, dlen, "%s: must be an integer from %lld to %lld",
		    key, min, max);
		return -1;
	}
	return 0;
}

static int
take_bool(const char *key, struct json_object *v, int *out, char *detail,
    size_t dlen)
{
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(detail, dlen, "%s: must be true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* One of sponsorblock_str, judged by POST /api/download's own validator. */
static int
take_sponsorblock(const char *key, struct json_object *v,
    enum sponsorblock *out, char *detail, size_t dlen)
{
	const char	*why = "must be a string";

	if (json_object_is_type(v, json_type_string) && (why =
	    validate_sponsorblock(json_object_get_string(v), NULL)) == NULL) {
		(void)sponsorblock_parse(json_object_get_string(v), out);
		return 0;
	}
	snprintf(detail, dlen, "%s: %s", key, why);
	return -1;
}

/* One of listing_order_str; the refusal names them all, from the table. */
static int
take_listing_order(const char *key, struct json_object *v,
    enum listing_order *out, char *detail, size_t dlen)
{
	size_t	 i, n;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(detail, dlen, "%s: must be a string", key);
		return -1;
	}
	if (listing_order_parse(json_object_get_string(v), out) == 0)
		return 0;
	snprintf(detail, dlen, "%s: must be one of: ", key);
	for (i = 0; i < LISTING_ORDER__MAX; i++) {
		n = strlen(detail);
		snprintf(detail + n, dlen - n, "%s%s", i > 0 ? ", " : "",
		    listing_order_str[i]);
	}
	return -1;
}

/* A title filter: compiled here as the worker compiles it, so a bad one never reaches it. */
static int
take_regex(const char *key, struct json_object *v, char *buf, size_t len,
    char *detail, size_t dlen)
{
	regex_t	 re;
	char	 why[128];
	int	 rc;

	if (take_text(key, v, SUB_REGEX_MAX, buf, len, detail, dlen) == -1)
		return -1;
	if (buf[0] == '\0')
		return 0;
	if ((rc = regcomp(&re, buf, REG_EXTENDED | REG_ICASE | REG_NOSUB)) != 0) {
		regerror(rc, &re, why, sizeof(why));
		snprintf(detail, dlen, "%s: not a valid POSIX extended regular "
		    "expression: %s", key, why);
		return -1;
	}
	regfree(&re);
	return 0;
}

/* A value that is there: null puts the field back to its default. */
static int
sfield_take(const struct sfield *f, struct json_object *v,
    struct subscription *u, char *detail, size_t dlen)
{
	long long	 n;
	int		 null = v == NULL || json_object_is_type(v, json_type_null);

	switch (f->kind) {
	case K_URL:
	case K_DOWNLOAD:
		return 0;	/* judged whole, with the validators of POST /api/download */
	case K_NAME:
		u->name[0] = '\0';
		return null ? 0 : take_text(f->name, v, SUB_NAME_MAX, u->name,
		    sizeof(u->name), detail, dlen);
	case K_EVERY:
		u->check_every = EVERY_DEF;
		if (null || take_int(f->name, v, EVERY_MIN, EVERY_MAX, &n,
		    detail, dlen) == -1)
			return null ? 0 : -1;
		u->check_every = (int)n;
		return 0;
	case K_BACKLOG:
		u->backlog = 0;
		if (null || take_int(f->name, v, 0, BACKLOG_MAX, &n, detail,
		    dlen) == -1)
			return null ? 0 : -1;
		u->backlog = (int)n;
		return 0;
	case K_INCLUDE:
		u->title_include[0] = '\0';
		return null ? 0 : take_regex(f->name, v, u->title_include,
		    sizeof(u->title_include), detail, dlen);
	case K_EXCLUDE:
		u->title_exclude[0] = '\0';
		return null ? 0 : take_regex(f->name, v, u->title_exclude,
		    sizeof(u->title_exclude), detail, dlen);
	case K_MIN:
		u->min_duration = -1;
		return null ? 0 : take_int(f->name, v, 0, DURATION_MAX,
		    &u->min_duration, detail, dlen);
	case K_MAX:
		u->max_duration = -1;
		return null ? 0 : take_int(f->name, v, 0, DURATION_MAX,
		    &u->max_duration, detail, dlen);
	case K_SKIP_LIVE:
		u->skip_live = 1;
		return null ? 0 : take_bool(f->name, v, &u->skip_live, detail,
		    dlen);
	case K_ORDER:
		u->listing_order = LISTING_NEWEST_FIRST;
		return null ? 0 : take_listing_order(f->name, v,
		    &u->listing_order, detail, dlen);
	case K_ENABLED:
		u->enabled = 1;
		return null ? 0 : take_bool(f->name, v, &u->enabled, detail, dlen);
	case K_EMBED:
		u->embed_metadata = 0;
		return null ? 0 : take_bool(f->name, v, &u->embed_metadata,
		    detail, dlen);
	case K_SPONSORBLOCK:
		u->sponsorblock = SPONSORBLOCK_OFF;
		return null ? 0 : take_sponsorblock(f->name, v, &u->sponsorblock,
		    detail, dlen);
	case K_SUBTITLES:
		/* POST /api/download's own rule; null or [] is none. */
		return validate_subtitles_value(v, f->name, u->subtitles, detail,
		    dlen);
	}
	return 0;
}

/* Copies s into a buffer the caller sized: the validators bound every value. */
static void
set(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s != NULL ? s : "");
}

/*
 * The download fields: the row's (or the defaults) with the body's on top,
 * judged together by validate_download, as POST /api/download judges them.
 */
static int
download_take(struct json_object *body, struct subscription *u, char *detail,
    size_t dlen)
{
	struct json_object	*m, *v;
	const char		*vals[VD__MAX];
	size_t			 i;
	int			 rc = -1;

	if ((m = json_object_new_object()) == NULL) {
		snprintf(detail, dlen, "%s", msg_str[MSG_INTERNAL_ERROR]);
		return -1;
	}
	json_object_object_add(m, "download_type",
	    json_object_new_string(u->download_type));
	json_object_object_add(m, "quality", json_object_new_string(u->quality));
	if (u->format_id[0] != '\0')
		json_object_object_add(m, "format_id",
		    json_object_new_string(u->format_id));
	json_object_object_add(m, "audio_format",
	    json_object_new_string(u->audio_format));
	for (i = 0; i < VD__MAX; i++)
		if (json_object_object_get_ex(body, validate_download[i].name, &v))
			json_object_object_add(m, validate_download[i].name,
			    json_object_get(v));
	if (validate_fields(m, validate_download, VD__MAX, vals, detail,
	    dlen) == 0) {
		set(u->download_type, sizeof(u->download_type), vals[VD_TYPE]);
		set(u->quality, sizeof(u->quality), vals[VD_QUALITY]);
		set(u->format_id, sizeof(u->format_id), vals[VD_FORMAT_ID]);
		set(u->audio_format, sizeof(u->audio_format),
		    vals[VD_AUDIO_FORMAT]);
		rc = 0;
	}
	json_object_put(m);
	return rc;
}

/* The body's fields over u; when says which may be set (ON_CREATE, ON_PATCH). */
static int
sub_take(struct json_object *body, int when, struct subscription *u,
    char *detail, size_t dlen)
{
	const struct sfield	*f;

	json_object_object_foreach(body, key, v) {
		if ((f = sfield_find(key)) == NULL) {
			snprintf(detail, dlen, "%.64s: unknown field", key);
			return -1;
		}
		if (!(f->when & when)) {
			snprintf(detail, dlen, "%s: cannot be %s", key,
			    when == ON_PATCH ? "changed; delete the subscription "
			    "and create it again" : "set at creation");
			return -1;
		}
		if (sfield_take(f, v, u, detail, dlen) == -1)
			return -1;
	}
	if (download_take(body, u, detail, dlen) == -1)
		return -1;
	if (u->min_duration >= 0 && u->max_duration >= 0 &&
	    u->min_duration > u->max_duration) {
		snprintf(detail, dlen, "min_duration: must not be greater than "
		    "max_duration");
		return -1;
	}
	return 0;
}

/* The record of r->id, or 404. */
static int
record_send_id(struct req *r)
{
	struct store_text	 t;
	int			 rc;

	switch (store_sub_record(r->ctx->db, r->id, r->owner, &t)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_SUB_NOT_FOUND]);
	case 1:
		rc = reply_record(r, &t);
		store_text_free(&t);
		return rc;
	default:
		return reply_dberr(r, "subscription get");
	}
}

int
subs_create(struct req *r)
{
	static const struct field url_field = { "url", 1, NULL, validate_url };
	struct subscription	 u;
	struct store_text	 t;
	const char		*url;
	char			 detail[300];
	uuid_t			 uu;
	int			 rc;

	memset(&u, 0, sizeof(u));
	set(u.download_type, sizeof(u.download_type), "video");
	set(u.quality, sizeof(u.quality), "best");
	set(u.audio_format, sizeof(u.audio_format), "m4a");
	u.check_every = EVERY_DEF;
	u.min_duration = u.max_duration = -1;
	u.skip_live = u.enabled = 1;
	if (validate_fields(r->body, &url_field, 1, &url, detail,
	    sizeof(detail)) == -1 ||
	    sub_take(r->body, ON_CREATE, &u, detail, sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	if (validate_url_host(r->ctx->cfg, "url", url, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	set(u.url, sizeof(u.url), url);
	uuid_generate_random(uu);
	uuid_unparse_lower(uu, u.id);
	u.owner = r->key_id;
	if ((rc = store_sub_create(r->ctx->db, &u, r->ctx->cfg->max_subscriptions,
	    (int64_t)time(NULL), &t)) == -1)
		return reply_dberr(r, "subscription insert");
	if (rc == 0) {
		snprintf(detail, sizeof(detail), "Too many subscriptions (limit "
		    "%d); delete one first", r->ctx->cfg->max_subscriptions);
		return reply_error(r, 429, detail);
	}
	log_info(u.id, "subscribed (%s, %s, every %d s, backlog %d) %s",
	    u.download_type, u.quality, u.check_every, u.backlog, u.url);
	rc = reply_record(r, &t);
	store_text_free(&t);
	return rc;
}

int
subs_list(struct req *r)
{
	return reply_record_list(r, store_sub_list, "subscription list");
}

int
subs_get(struct req *r)
{
	return record_send_id(r);
}

int
subs_update(struct req *r)
{
	struct subscription	 u;
	char			 detail[300];

	switch (store_sub_get(r->ctx->db, r->id, r->owner, &u)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_SUB_NOT_FOUND]);
	case 1:
		break;
	default:
		return reply_dberr(r, "subscription get");
	}
	if (sub_take(r->body, ON_PATCH, &u, detail, sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	/* Deleted since it was read: as unknown as before. */
	switch (store_sub_update(r->ctx->db, &u, r->owner, (int64_t)time(NULL))) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_SUB_NOT_FOUND]);
	case 1:
		break;
	default:
		return reply_dberr(r, "subscription update");
	}
	log_info(r->id, "subscription changed");
	return record_send_id(r);
}

/* The subscription and its seen entries go; the tasks it made stay. */
int
subs_delete(struct req *r)
{
	switch (store_sub_delete(r->ctx->db, r->id, r->owner)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_SUB_NOT_FOUND]);
	case 1:
		log_info(r->id, "unsubscribed");
		return reply_message(r, 200, msg_str[MSG_SUB_DELETED]);
	default:
		return reply_dberr(r, "subscription delete");
	}
}

/* Due now: the worker's check lane takes it at its next turn. */
int
subs_check(struct req *r)
{
	struct subscription	 u;

	switch (store_sub_check_now(r->ctx->db, r->id, r->owner,
	    (int64_t)time(NULL))) {
	case 1:
		log_info(r->id, "check asked for");
		return record_send_id(r);
	case 0:
		break;
	default:
		return reply_dberr(r, "subscription check");
	}
	switch (store_sub_get(r->ctx->db, r->id, r->owner, &u)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_SUB_NOT_FOUND]);
	case 1:
		return reply_error(r, 409, msg_str[MSG_SUB_DISABLED]);
	default:
		return reply_dberr(r, "subscription get");
	}
}
