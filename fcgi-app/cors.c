/* cors.c: which browser origins may read the API's answers, and the preflight. */
/*
 * OFFLINETUBE_CORS_ORIGINS: a comma-separated list of origins, each exact
 * ("https://tube.home.lan") or with any port ("http://localhost:*"); "*"
 * allows every origin, and then no credentials are ever offered.  Unset, only
 * loopback origins are allowed: a front end in development, nothing else.
 * Nothing here grants credentials: the API has no cookies to protect.
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
	if (strcmp(origins, "*") == 0)
		return reply_header(r, "Access-Control-Allow-Origin: *\r\n");
	return reply_header(r, "Access-Control-Allow-Origin: %s\r\n"
	    "Vary: Origin\r\n", origin);
}

/* OPTIONS on a route: 204 with what may be sent, or 403 for a foreign origin. */
int
cors_preflight(struct req *r, const char *allow)
{
	const char	*origin = FCGX_GetParam("HTTP_ORIGIN", r->fcgi->envp);

	if (!cors_origin_allowed(r->ctx->cfg->cors_origins, origin))
		return reply_error(r, 403, "Origin not allowed (see "
		    "OFFLINETUBE_CORS_ORIGINS)");
	r->status = 204;
	if (reply_header(r, "Status: 204 No Content\r\n"
	    "Access-Control-Allow-Methods: %s, OPTIONS\r\n"
	    "Access-Control-Allow-Headers: Content-Type, Range, X-API-Key, "
	    "Authorization\r\nAccess-Control-Max-Age: 600\r\n"
	    "Allow: %s, OPTIONS\r\n\r\n", allow, allow) == -1)
		return -1;
	return 0;
}
