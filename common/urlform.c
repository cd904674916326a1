/* urlform.c: the shape of a URL that may become a task, wherever it comes from. */
/*
 * A URL a client submits (the API) and one a site lists as a playlist entry
 * (the worker) become the same task row, the same log line and the same
 * yt-dlp argument: one rule for both.  Where the host points is urlguard.c's
 * question, asked after this one.
 */
#include <string.h>
#include <strings.h>

#include "urlform.h"

/* What follows "http://" or "https://" (either case), NULL when neither begins s. */
static const char *
urlform_after_scheme(const char *s)
{
	if (strncasecmp(s, "http://", 7) == 0)
		return s + 7;
	if (strncasecmp(s, "https://", 8) == 0)
		return s + 8;
	return NULL;
}

/* Whether s begins as an http(s) URL: a look-up's question is then a URL, not words. */
int
urlform_is_http(const char *s)
{
	return urlform_after_scheme(s) != NULL;
}

/*
 * NULL when url is acceptable, else what is wrong with it.  http(s) only,
 * with a host; no byte yt-dlp or a log could misread: no spaces or
 * controls, and never a leading '-' (an option, to a program).
 */
const char *
urlform_check(const char *url)
{
	const unsigned char	*p;
	const char		*host;
	size_t			 len;

	if ((len = strlen(url)) == 0)
		return "must not be empty";
	if (len > URLFORM_MAX)
		return "must be at most 2048 bytes";
	if (url[0] == '-')
		return "must not begin with '-'";
	for (p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return "must not contain spaces or control characters";
	if ((host = urlform_after_scheme(url)) == NULL)
		return "must be an http or https URL";
	if (*host == '\0' || strchr("/?#@:", *host) != NULL)
		return "must name a host";
	return NULL;
}
