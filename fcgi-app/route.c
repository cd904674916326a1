/* route.c: the route table and the dispatcher that owns every refusal. */
#include <string.h>

#include "auth.h"
#include "cookiefile.h"
#include "cors.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "util.h"

static const struct route routes[] = {
	{ "POST",   "/api/download",		  tasks_create,
	    ROUTE_JSON_BODY | ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/downloads",		  tasks_list,   0, MSG_NOT_FOUND },
	{ "GET",    "/api/downloads/{id}",	  tasks_get,    0, MSG_TASK_NOT_FOUND },
	{ "DELETE", "/api/downloads/{id}",	  tasks_cancel, ROUTE_ACTS,
	    MSG_TASK_NOT_FOUND },
	{ "DELETE", "/api/downloads/{id}/remove", tasks_remove, ROUTE_ACTS,
	    MSG_TASK_NOT_FOUND },
	{ "POST",   "/api/downloads/{id}/retry", tasks_retry, ROUTE_ACTS,
	    MSG_TASK_NOT_FOUND },
	{ "GET",    "/api/download/{id}/file",	  serve_file,   ROUTE_LINK,
	    MSG_TASK_NOT_READY },
	{ "GET",    "/api/stream/{filename}",	  serve_stream, ROUTE_LINK,
	    MSG_FILE_NOT_FOUND },
	{ "GET",    ROUTE_THUMBNAILS "{id}",	  serve_thumbnail, ROUTE_LINK,
	    MSG_THUMBNAIL_NOT_FOUND },
	{ "GET",    ROUTE_SUBTITLES "{id}/{lang}", serve_subtitle, ROUTE_LINK,
	    MSG_SUBTITLES_NOT_FOUND },
	/* Look-ups run yt-dlp: a GET that starts work. */
	{ "GET",    "/api/search",		  lookups_search, ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/trending",		  lookups_trending, ROUTE_ACTS, MSG_NOT_FOUND },
	{ "POST",   "/api/info",		  lookups_info,
	    ROUTE_JSON_BODY | ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/health",		  health_get,   ROUTE_OPEN, MSG_NOT_FOUND },
	{ "GET",    "/api/metrics",		  metrics_get,  ROUTE_ADMIN, MSG_NOT_FOUND },
	{ "POST",   "/api/subscriptions",	  subs_create,
	    ROUTE_JSON_BODY | ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/subscriptions",	  subs_list,    0, MSG_NOT_FOUND },
	{ "GET",    "/api/subscriptions/{id}",	  subs_get,     0, MSG_SUB_NOT_FOUND },
	{ "PATCH",  "/api/subscriptions/{id}",	  subs_update,
	    ROUTE_JSON_BODY | ROUTE_ACTS, MSG_SUB_NOT_FOUND },
	{ "DELETE", "/api/subscriptions/{id}",	  subs_delete,  ROUTE_ACTS,
	    MSG_SUB_NOT_FOUND },
	{ "POST",   "/api/subscriptions/{id}/check", subs_check, ROUTE_ACTS,
	    MSG_SUB_NOT_FOUND },
	/* A text body of up to 1 MiB: read by the handler (req_read_text). */
	{ "PUT",    "/api/cookies",		  cookies_put,
	    ROUTE_TEXT_BODY | ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/cookies",		  cookies_get,  0, MSG_NOT_FOUND },
	{ "DELETE", "/api/cookies",		  cookies_delete, ROUTE_ACTS,
	    MSG_NOT_FOUND },
	{ "POST",   "/api/webhooks",		  hooks_create,
	    ROUTE_JSON_BODY | ROUTE_ACTS, MSG_NOT_FOUND },
	{ "GET",    "/api/webhooks",		  hooks_list,   0, MSG_NOT_FOUND },
	{ "GET",    "/api/webhooks/{id}",	  hooks_get,    0, MSG_HOOK_NOT_FOUND },
	{ "DELETE", "/api/webhooks/{id}",	  hooks_delete, ROUTE_ACTS,
	    MSG_HOOK_NOT_FOUND },
	{ "POST",   "/api/webhooks/{id}/test",	  hooks_test,   ROUTE_ACTS,
	    MSG_HOOK_NOT_FOUND },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* What a pattern's {id} and {filename} took from a path. */
struct captures {
	char	 id[STORE_ID_LEN];
	char	 name[REQ_NAME_MAX];
	int	 bad_id;	/* an {id} was not a UUID, or a {filename} too long */
};

/*
 * Matches path against pattern segment by segment.  1: it matches, and the
 * captures are in m; 0: no match.
 */
static int
route_match(const char *pattern, const char *path, struct captures *m)
{
	const char	*p = pattern, *u = path, *pe, *ue;
	size_t		 plen, ulen;

	m->id[0] = m->name[0] = '\0';
	m->bad_id = 0;
	for (;;) {
		if (*p != '/' || *u != '/')
			return 0;
		p++, u++;
		pe = p + strcspn(p, "/");
		ue = u + strcspn(u, "/");
		plen = (size_t)(pe - p);
		ulen = (size_t)(ue - u);
		if (ulen == 0)
			return 0;
		if (plen == 4 && memcmp(p, "{id}", 4) == 0) {
			if (ulen != STORE_ID_LEN - 1)
				m->bad_id = 1;
			else {
				memcpy(m->id, u, ulen);
				m->id[ulen] = '\0';
				if (!util_is_uuid(m->id))
					m->bad_id = 1;
			}
		} else if ((plen == 10 && memcmp(p, "{filename}", 10) == 0) ||
		    (plen == 6 && memcmp(p, "{lang}", 6) == 0)) {
			if (ulen >= sizeof(m->name))
				m->bad_id = 1;
			else {
				memcpy(m->name, u, ulen);
				m->name[ulen] = '\0';
			}
		} else if (plen != ulen || memcmp(p, u, plen) != 0)
			return 0;
		p = pe, u = ue;
		if (*p == '\0' && *u == '\0')
			return 1;
	}
}

static void
allow_add(char *allow, size_t len, const char *method)
{
	if (strstr(allow, method) != NULL)
		return;
	if (allow[0] != '\0')
		strncat(allow, ", ", len - strlen(allow) - 1);
	strncat(allow, method, len - strlen(allow) - 1);
}

/*
 * The 404 detail for a path no route matches: a route's own detail when the
 * path starts with the fixed part of its pattern (so /api/stream/a/b, which
 * nginx decodes from a%2Fb, is "Archivo no encontrado" like any missing file).
 */
static const char *
route_prefix_notfound(const char *path)
{
	const char	*brace;
	size_t		 i, n;

	for (i = 0; i < NROUTES; i++) {
		if (routes[i].notfound == MSG_NOT_FOUND ||
		    (brace = strchr(routes[i].pattern, '{')) == NULL)
			continue;
		n = (size_t)(brace - routes[i].pattern);
		if (strncmp(path, routes[i].pattern, n) == 0)
			return msg_str[routes[i].notfound];
	}
	return msg_str[MSG_NOT_FOUND];
}

/*
 * Finds the route, answers 404/405, the cross-site, key and body refusals
 * itself, and calls a handler only with a request that passed them.  HEAD is GET without a body
 * (nginx drops it), so media answers support HEAD through the same handler.
 */
int
route_dispatch(struct req *r)
{
	const struct route	*rt = NULL;
	const char		*detail = NULL, *method;
	struct captures		 m, chosen;
	char			 allow[64] = "";
	size_t			 i;
	int			 status;

	memset(&chosen, 0, sizeof(chosen));
	method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	for (i = 0; i < NROUTES; i++) {
		if (!route_match(routes[i].pattern, r->path, &m))
			continue;
		allow_add(allow, sizeof(allow), routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			allow_add(allow, sizeof(allow), "HEAD");
		if (rt == NULL && strcmp(routes[i].method, method) == 0) {
			rt = &routes[i];
			chosen = m;
		}
	}
	/* Before any answer, refusals included: see req_drain_body(). */
	req_drain_body(r, rt != NULL && (rt->flags & ROUTE_TEXT_BODY) ?
	    COOKIEFILE_MAX : REQ_BODY_MAX);
	if (cors_headers(r) == -1)
		return -1;
	if (allow[0] == '\0')
		return reply_error(r, 404, route_prefix_notfound(r->path));
	if (strcmp(r->method, "OPTIONS") == 0)
		return cors_preflight(r, allow);
	if (rt == NULL) {
		r->status = 405;
		if (reply_header(r, "Allow: %s\r\n", allow) == -1)
			return -1;
		return reply_error(r, 405, msg_str[MSG_METHOD_NOT_ALLOWED]);
	}
	if (chosen.bad_id)
		return reply_error(r, 404, msg_str[rt->notfound]);
	memcpy(r->id, chosen.id, sizeof(r->id));
	memcpy(r->name, chosen.name, sizeof(r->name));
	if ((rt->flags & ROUTE_ACTS) && (detail = cors_refusal(r)) != NULL)
		return reply_error(r, 403, detail);
	if (!(rt->flags & ROUTE_OPEN) &&
	    auth_request(r, (rt->flags & ROUTE_LINK) != 0) != 0)
		return 0;
	/* Every user's counts: while keys are on, for an admin key only. */
	if ((rt->flags & ROUTE_ADMIN) && r->keys_on && r->owner != -1)
		return reply_error(r, 403, msg_str[MSG_ADMIN_REQUIRED]);
	if ((rt->flags & ROUTE_JSON_BODY) &&
	    req_read_body(r, &detail, &status) == -1)
		return reply_error(r, status, detail);
	return rt->handler(r);
}
