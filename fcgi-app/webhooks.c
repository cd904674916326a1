/* webhooks.c: the /api/webhooks routes: create, list, get, delete, and a test ping. */
/*
 * A webhook is a URL the worker will call (worker/notify.c): an http(s)
 * URL gets the signed JSON envelope, any other scheme is an Apprise URL
 * handed to the apprise program.  Either is a target on the network, so
 * the private-address rule of download URLs holds for it: a loopback or
 * LAN target only from an admin key or with keys off.  The secret is made
 * here when the body has none, answered once, and never again.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>
#include <uuid.h>

#include "config.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "urlform.h"
#include "urlguard.h"
#include "util.h"

#define HOOK_MAX		20	/* webhooks per key */
#define SECRET_MIN		8	/* bytes */
#define SECRET_RANDOM		32	/* bytes of a made secret, sent as hex */
#define SCHEME_MAX		32

static const char *const fields[] = { "url", "events", "secret" };
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* 1: s begins with an Apprise scheme ("ntfy://", "json://"); the scheme is not http(s). */
static int
is_scheme_url(const char *s)
{
	size_t	 i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < SCHEME_MAX && s[i] != '\0' && s[i] != ':'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789+.-", s[i]) == NULL)
			return 0;
	return strncmp(s + i, "://", 3) == 0 && s[i + 3] != '\0';
}

/* The url field: its form, Apprise's program, and where it points. */
static int
take_url(struct req *r, struct json_object *v, struct webhook *w,
    char *detail, size_t dlen)
{
	const struct config	*c = r->ctx->cfg;
	const char		*s, *why;
	char			 prog[PATH_MAX];
	size_t			 i, n;

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		snprintf(detail, dlen, "url: required");
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(detail, dlen, "url: must be a string");
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > STORE_URL_MAX) {
		snprintf(detail, dlen, "url: must be 1 to %d bytes", STORE_URL_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) {
			snprintf(detail, dlen, "url: must not contain spaces or "
			    "control characters");
			return -1;
		}
	if (urlform_is_http(s)) {
		if ((why = urlform_check(s)) != NULL) {
			snprintf(detail, dlen, "url: %s", why);
			return -1;
		}
		/* Keys off, or an admin key: a LAN target is the common case. */
		if (r->owner > 0 && !c->allow_private_urls &&
		    urlguard_check(s, &why) == -1) {
			snprintf(detail, dlen, "url: %s; or add the webhook with an "
			    "admin key", why);
			return -1;
		}
	} else if (is_scheme_url(s)) {
		if (util_find_program(c->apprise, prog, sizeof(prog)) == NULL) {
			snprintf(detail, dlen, "url: an Apprise URL needs the "
			    "apprise program, and %.200s was not found; install it "
			    "with: apt install apprise", c->apprise);
			return -1;
		}
		if (r->owner > 0 && !c->allow_private_urls &&
		    urlguard_host_is_private(s)) {
			snprintf(detail, dlen, "url: points to a loopback, private, "
			    "link-local or multicast address; add the webhook "
			    "with an admin key");
			return -1;
		}
	} else {
		snprintf(detail, dlen, "url: must be an http or https URL, or an "
		    "Apprise URL (scheme://...)");
		return -1;
	}
	memcpy(w->url, s, n + 1);
	return 0;
}

static int
take_events(struct json_object *v, struct webhook *w, char *detail,
    size_t dlen)
{
	enum hook_event	 e;
	size_t		 i, n;

	w->events = HOOK_EVENTS_ALL;
	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		goto bad;
	if ((n = json_object_array_length(v)) == 0) {
		snprintf(detail, dlen, "events: must name at least one event");
		return -1;
	}
	w->events = 0;
	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(v, i);

		if (!json_object_is_type(x, json_type_string) ||
		    hook_event_parse(json_object_get_string(x), &e) == -1 ||
		    e == HOOK_PING)
			goto bad;
		w->events |= 1u << e;
	}
	return 0;
bad:
	snprintf(detail, dlen, "events: must be an array of: task.completed, "
	    "task.error, subscription.new, subscription.error");
	return -1;
}

/* A secret of the body, or one made: random bytes as hex. */
static int
take_secret(struct json_object *v, struct webhook *w, char *detail,
    size_t dlen)
{
	unsigned char	 rnd[SECRET_RANDOM];
	const char	*s;
	size_t		 i, n;

	if (v == NULL || json_object_is_type(v, json_type_null)) {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(w->secret, sizeof(w->secret), rnd, sizeof(rnd));
		sodium_memzero(rnd, sizeof(rnd));
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		goto bad;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n < SECRET_MIN || n > HOOK_SECRET_MAX)
		goto bad;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			goto bad;
	memcpy(w->secret, s, n + 1);
	return 0;
bad:
	snprintf(detail, dlen, "secret: must be a string of %d to %d bytes "
	    "without control characters", SECRET_MIN, HOOK_SECRET_MAX);
	return -1;
}

static int
hook_take(struct req *r, struct webhook *w, char *detail, size_t dlen)
{
	struct json_object	*url = NULL, *events = NULL, *secret = NULL;
	size_t			 i;

	json_object_object_foreach(r->body, key, v) {
		(void)v;
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(fields[i], key) == 0)
				break;
		if (i == NFIELDS) {
			snprintf(detail, dlen, "%.64s: unknown field", key);
			return -1;
		}
	}
	json_object_object_get_ex(r->body, "url", &url);
	json_object_object_get_ex(r->body, "events", &events);
	json_object_object_get_ex(r->body, "secret", &secret);
	if (take_url(r, url, w, detail, dlen) == -1 ||
	    take_events(events, w, detail, dlen) == -1 ||
	    take_secret(secret, w, detail, dlen) == -1)
		return -1;
	return 0;
}

/* The record with the secret: this answer only. */
static int
created_reply(struct req *r, const struct store_text *t, const char *secret)
{
	struct json_object	*js;
	const char		*enc;
	size_t			 n;
	int			 rc = -1;

	if ((js = json_object_new_string(secret)) == NULL)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	enc = json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(enc);
	if (t->len < 2 || t->text[t->len - 1] != '}')
		rc = reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	else if (reply_begin(r, 200, t->len - 1 + 10 + n + 2) == 0 &&
	    reply_write(r, t->text, t->len - 1) == 0 &&
	    reply_write(r, ",\"secret\":", 10) == 0 &&
	    reply_write(r, enc, n) == 0 && reply_write(r, "}\n", 2) == 0)
		rc = 0;
	json_object_put(js);
	return rc;
}

int
hooks_create(struct req *r)
{
	struct webhook		 w;
	struct store_text	 t;
	char			 detail[400];
	uuid_t			 uu;
	int			 rc;

	memset(&w, 0, sizeof(w));
	if (hook_take(r, &w, detail, sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	uuid_generate_random(uu);
	uuid_unparse_lower(uu, w.id);
	w.owner = r->key_id;
	rc = store_hook_create(r->ctx->db, &w, HOOK_MAX, &t);
	if (rc == -1)
		rc = reply_dberr(r, "webhook insert");
	else if (rc == 0) {
		snprintf(detail, sizeof(detail), "Too many webhooks (limit %d); "
		    "delete one first", HOOK_MAX);
		rc = reply_error(r, 429, detail);
	} else {
		/* The URL may carry a token (ntfy, Telegram): its scheme is enough. */
		log_info(w.id, "webhook added (%.*s, events 0x%x)",
		    (int)strcspn(w.url, ":"), w.url, w.events);
		rc = created_reply(r, &t, w.secret);
		store_text_free(&t);
	}
	sodium_memzero(w.secret, sizeof(w.secret));
	return rc;
}

int
hooks_list(struct req *r)
{
	return reply_record_list(r, store_hook_list, "webhook list");
}

int
hooks_get(struct req *r)
{
	struct store_text	 t;
	int			 rc;

	switch (store_hook_record(r->ctx->db, r->id, r->owner, &t)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_HOOK_NOT_FOUND]);
	case 1:
		rc = reply_record(r, &t);
		store_text_free(&t);
		return rc;
	default:
		return reply_dberr(r, "webhook get");
	}
}

/* Its deliveries not yet made go with it. */
int
hooks_delete(struct req *r)
{
	switch (store_hook_delete(r->ctx->db, r->id, r->owner)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_HOOK_NOT_FOUND]);
	case 1:
		log_info(r->id, "webhook deleted");
		return reply_message(r, 200, msg_str[MSG_HOOK_DELETED]);
	default:
		return reply_dberr(r, "webhook delete");
	}
}

/* A ping in the outbox: the worker sends it as it sends any event. */
int
hooks_test(struct req *r)
{
	switch (store_hook_ping(r->ctx->db, r->id, r->owner)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_HOOK_NOT_FOUND]);
	case 1:
		log_info(r->id, "webhook test queued");
		return reply_message(r, 202, msg_str[MSG_HOOK_TEST_QUEUED]);
	default:
		return reply_dberr(r, "webhook test");
	}
}
