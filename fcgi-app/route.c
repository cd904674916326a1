/* route.c: the route table and the dispatcher that owns every refusal. */
#include <string.h>

#include <stdio.h>

#include "config.h"
#include "auth.h"
#include "cors.h"
#include "req.h"
#include "route.h"
#include "urlguard.h"
#include "util.h"

#define NOT_FOUND_TASK	"Descarga no encontrada"

static const struct route routes[] = {
	{ "POST",   "/api/download",		  tasks_create,
	    ROUTE_JSON_BODY | ROUTE_ACTS, NULL },
	{ "GET",    "/api/downloads",		  tasks_list,   0, NULL },
	{ "GET",    "/api/downloads/{id}",	  tasks_get,    0, NOT_FOUND_TASK },
	{ "DELETE", "/api/downloads/{id}",	  tasks_cancel, ROUTE_ACTS,
	    NOT_FOUND_TASK },
	{ "DELETE", "/api/downloads/{id}/remove", tasks_remove, ROUTE_ACTS,
	    NOT_FOUND_TASK },
	{ "GET",    "/api/download/{id}/file",	  serve_file,   ROUTE_LINK,
	    "Descarga no disponible o no completada" },
	{ "GET",    "/api/stream/{filename}",	  serve_stream, ROUTE_LINK,
	    "Archivo no encontrado" },
	{ "GET",    "/api/thumbnails/{id}",	  serve_thumbnail, ROUTE_LINK,
	    "Miniatura no encontrada" },
	/* Look-ups run yt-dlp: a GET that starts work. */
	{ "GET",    "/api/search",		  lookups_search, ROUTE_ACTS, NULL },
	{ "GET",    "/api/trending",		  lookups_trending, ROUTE_ACTS, NULL },
	{ "POST",   "/api/info",		  lookups_info,
	    ROUTE_JSON_BODY | ROUTE_ACTS, NULL },
	{ "GET",    "/api/health",		  health_get,   ROUTE_OPEN, NULL },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Matches path against pattern segment by segment.  1: it matches; the
 * captures go to r (bad_id says an {id} was not a UUID).  0: no match.
 */
static int
route_match(const char *pattern, const char *path, struct req *r, int *bad_id)
{
	const char	*p = pattern, *u = path, *pe, *ue;
	size_t		 plen, ulen;

	*bad_id = 0;
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
				*bad_id = 1;
			else {
				memcpy(r->id, u, ulen);
				r->id[ulen] = '\0';
				if (!util_is_uuid(r->id))
					*bad_id = 1;
			}
		} else if (plen == 10 && memcmp(p, "{filename}", 10) == 0) {
			if (ulen >= sizeof(r->name))
				*bad_id = 1;
			else {
				memcpy(r->name, u, ulen);
				r->name[ulen] = '\0';
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
		if (routes[i].notfound == NULL ||
		    (brace = strchr(routes[i].pattern, '{')) == NULL)
			continue;
		n = (size_t)(brace - routes[i].pattern);
		if (strncmp(path, routes[i].pattern, n) == 0)
			return routes[i].notfound;
	}
	return "Not Found";
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
	char			 allow[64] = "";
	size_t			 i;
	int			 bad_id = 0, bad, status;

	/* Before any answer, refusals included: see req_drain_body(). */
	req_drain_body(r);
	method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	for (i = 0; i < NROUTES; i++) {
		if (!route_match(routes[i].pattern, r->path, r, &bad))
			continue;
		allow_add(allow, sizeof(allow), routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			allow_add(allow, sizeof(allow), "HEAD");
		if (rt == NULL && strcmp(routes[i].method, method) == 0) {
			rt = &routes[i];
			bad_id = bad;
		}
	}
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
		return reply_error(r, 405, "Method Not Allowed");
	}
	/* Re-run the match so the captures are the chosen route's. */
	route_match(rt->pattern, r->path, r, &bad_id);
	if (bad_id)
		return reply_error(r, 404, rt->notfound != NULL ?
		    rt->notfound : "Not Found");
	if ((rt->flags & ROUTE_ACTS) && (detail = cors_refusal(r)) != NULL)
		return reply_error(r, 403, detail);
	if (!(rt->flags & ROUTE_OPEN) &&
	    auth_request(r, (rt->flags & ROUTE_LINK) != 0) != 0)
		return 0;
	if ((rt->flags & ROUTE_JSON_BODY) &&
	    req_read_body(r, &detail, &status) == -1)
		return reply_error(r, status, detail);
	return rt->handler(r);
}

/*
 * The SSRF guard every route that hands a URL to yt-dlp runs: 1 (and detail
 * set) when the URL's host is private and private URLs are not allowed.
 */
int
route_url_refused(struct req *r, const char *field, const char *url,
    char *detail, size_t len)
{
	const char	*why;

	if (r->ctx->cfg->allow_private_urls || urlguard_check(url, &why) == 0)
		return 0;
	snprintf(detail, len, "%s: %s", field, why);
	return 1;
}
