/* cors.c: which browser origins may read the API's answers or act through it, and the preflight. */
/*
 * OFFLINETUBE_CORS_ORIGINS: a comma-separated list of origins, each exact
 * ("https://tube.home.lan") or with any port ("http://localhost:*"); "*"
 * allows every origin, and then no credentials are ever offered.  Unset, only
 * loopback origins are allowed: a front end in development, nothing else.
 * Nothing here grants credentials: the API has no cookies to protect.
 *
 * CORS only keeps a foreign page from reading answers; the request itself
 * still arrives.  A page can make a browser send a GET from <img src> with
 * no preflight, so the routes that start work or change state also refuse
 * what a browser marks as coming from another site (cors_site_refusal).
 */
#include <string.h>
#include <strings.h>

#include "config.h"
#include "cors.h"
#include "req.h"

#define LOOPBACK_ORIGINS "http://localhost:*,http://127.0.0.1:*,http://[::1]:*"

/* Whether origin matches the pattern of length n (a ":*" suffix: any port or none). */
static int
origin_match(const char *pat, size_t n, const char *origin)
{
	size_t	 olen = strlen(origin);
	const char *p;

	if (n >= 2 && pat[n - 2] == ':' && pat[n - 1] == '*') {
		n -= 2;
		if (olen < n || strncasecmp(pat, origin, n) != 0)
			return 0;
		if (origin[n] == '\0')
			return 1;
		if (origin[n] != ':' || origin[n + 1] == '\0')
			return 0;
		for (p = origin + n + 1; *p != '\0'; p++)
			if (*p < '0' || *p > '9')
				return 0;
		return 1;
	}
	return olen == n && strncasecmp(pat, origin, n) == 0;
}

int
cors_origin_allowed(const char *origins, const char *origin)
{
	const char	*p, *e;
	size_t		 n;

	if (origin == NULL || *origin == '\0')
		return 0;
	if (origins == NULL || *origins == '\0')
		origins = LOOPBACK_ORIGINS;
	for (p = origins; *p != '\0'; p = *e ? e + 1 : e) {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ",");
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if ((n == 1 && *p == '*') || (n > 0 && origin_match(p, n, origin)))
			return 1;
	}
	return 0;
}

/*
 * Whether origin ("http://host:port") is the request's own: its authority
 * is the Host the browser sent.  The page nginx serves beside the API calls
 * it from there, whatever OFFLINETUBE_CORS_ORIGINS lists.
 */
static int
origin_is_host(const char *origin, const char *host)
{
	const char	*a;

	if (host == NULL || *host == '\0' || (a = strstr(origin, "://")) == NULL)
		return 0;
	return strcasecmp(a + 3, host) == 0;
}

/*
 * For a route that starts work or changes state: NULL when the request may
 * go on, else why not.  A browser says where a request comes from in
 * Origin (every non-GET, and GETs a script makes with fetch) and in
 * Sec-Fetch-Site (every request, in current browsers).  An Origin present
 * must be the request's own or an allowed one; without an Origin, a request
 * a browser marks cross-site (an <img>, a link, a no-cors fetch) is refused.
 * same-origin, same-site and none (typed in the address bar) pass, and so
 * does a request with neither header: curl and scripts, which no page can
 * make a browser send.  An allowed Origin passes even cross-site: that is a
 * front end the administrator listed.
 */
const char *
cors_site_refusal(const char *origins, const char *origin,
    const char *fetch_site, const char *host)
{
	if (origin != NULL && *origin != '\0') {
		if (origin_is_host(origin, host) ||
		    cors_origin_allowed(origins, origin))
			return NULL;
		return CORS_REFUSED_ORIGIN;
	}
	if (fetch_site != NULL && strcasecmp(fetch_site, "cross-site") == 0)
		return CORS_REFUSED_SITE;
	return NULL;
}

/* cors_site_refusal() for a request. */
const char *
cors_refusal(struct req *r)
{
	char	**env = r->fcgi->envp;

	return cors_site_refusal(r->ctx->cfg->cors_origins,
	    FCGX_GetParam("HTTP_ORIGIN", env),
	    FCGX_GetParam("HTTP_SEC_FETCH_SITE", env),
	    FCGX_GetParam("HTTP_HOST", env));
}

/* On every answer to an allowed origin: who may read it, and that it varies by origin. */
int
cors_headers(struct req *r)
{
	const char	*origin = FCGX_GetParam("HTTP_ORIGIN", r->fcgi->envp);
	const char	*origins = r->ctx->cfg->cors_origins;

	if (!cors_origin_allowed(origins, origin))
		return 0;
	/* An origin echoed back must not carry a line break into our headers. */
	if (strpbrk(origin, "\r\n") != NULL)
		return 0;
	/* A page of another origin polls with the list's ETag: it may read it. */
	if (strcmp(origins, "*") == 0)
		return reply_header(r, "Access-Control-Allow-Origin: *\r\n"
		    "Access-Control-Expose-Headers: ETag\r\n");
	return reply_header(r, "Access-Control-Allow-Origin: %s\r\n"
	    "Access-Control-Expose-Headers: ETag\r\nVary: Origin\r\n", origin);
}

/* OPTIONS on a route: 204 with what may be sent, or 403 for a foreign origin. */
int
cors_preflight(struct req *r, const char *allow)
{
	const char	*origin = FCGX_GetParam("HTTP_ORIGIN", r->fcgi->envp);

	if (!cors_origin_allowed(r->ctx->cfg->cors_origins, origin))
		return reply_error(r, 403, CORS_REFUSED_ORIGIN);
	r->status = 204;
	if (reply_header(r, "Status: 204 No Content\r\n"
	    "Access-Control-Allow-Methods: %s, OPTIONS\r\n"
	    "Access-Control-Allow-Headers: Content-Type, Range, X-API-Key, "
	    "Authorization, If-None-Match\r\nAccess-Control-Max-Age: 600\r\n"
	    "Allow: %s, OPTIONS\r\n\r\n", allow, allow) == -1)
		return -1;
	return 0;
}
