/* cookiefile.c: a Netscape cookies.txt checked line by line, summed up, and written out clean. */
/*
 * The format is curl's and the browsers' exporters': one cookie per line,
 * seven fields separated by tabs (domain, include-subdomains flag, path,
 * secure flag, expiry in unix seconds, name, value); "#HttpOnly_" before a
 * line marks an HttpOnly cookie, any other line starting with '#' and blank
 * lines are comments; CRLF line ends are accepted.
 *
 * yt-dlp (Python's MozillaCookieJar underneath) is stricter than it looks:
 * it refuses a file whose first line is not the Netscape header, a line
 * whose subdomain flag disagrees with a leading dot on its domain, and it
 * splits lines on a lone CR and reads the file as UTF-8.  A line it skips,
 * it prints whole on stderr, value included.  So every line is checked here
 * and the file stored is a clean copy: our header, then the cookies only,
 * each ending in '\n', the flag made to agree with the domain (TRUE gets
 * the leading dot, a leading dot means TRUE).  Nothing yt-dlp is given can
 * make it print a value.
 */
#include <string.h>

#include "cookiefile.h"

#define NFIELDS	7

/* The length of a valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t	 want, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4;
	else
		return 0;
	if (want > n)
		return 0;
	for (i = 1; i < want; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates, and past U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return want;
}

/* NULL when the line's bytes are fine; else why not. */
static const char *
line_bytes(const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, k;

	while (i < n) {
		if (s[i] == '\0')
			return "it holds a NUL byte";
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return "it holds a control character";
		if ((k = utf8_seq(s + i, n - i)) == 0)
			return "it is not valid UTF-8";
		i += k;
	}
	return NULL;
}

static int
is_blank(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

static int
field_is(const char *f, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(f, word, n) == 0;
}

/* A host name as cookies carry it: letters, digits, '.', '-', '_', not only dots. */
static int
domain_ok(const char *d, size_t n)
{
	size_t	 i, dots = 0;

	if (n == 0 || n > COOKIEFILE_DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (d[i] == '.')
			dots++;
		else if (!((d[i] >= 'a' && d[i] <= 'z') ||
		    (d[i] >= 'A' && d[i] <= 'Z') ||
		    (d[i] >= '0' && d[i] <= '9') || d[i] == '-' || d[i] == '_'))
			return 0;
	}
	return dots < n;
}

/* Adds the domain (lower case, no leading dot) to the sorted list, once. */
static void
domain_add(struct cookiefile_summary *s, const char *d, size_t n)
{
	char	 low[COOKIEFILE_DOMAIN_MAX + 1];
	size_t	 i, at;
	int	 c;

	while (n > 0 && *d == '.')
		d++, n--;
	for (i = 0; i < n; i++)
		low[i] = (d[i] >= 'A' && d[i] <= 'Z') ? (char)(d[i] - 'A' + 'a') :
		    d[i];
	low[n] = '\0';
	for (at = 0; at < s->ndomains; at++) {
		if ((c = strcmp(low, s->domains[at])) == 0)
			return;
		if (c < 0)
			break;
	}
	if (s->ndomains == COOKIEFILE_DOMAINS_MAX) {
		s->domains_over = 1;
		return;
	}
	memmove(s->domains[at + 1], s->domains[at],
	    (s->ndomains - at) * sizeof(s->domains[0]));
	memcpy(s->domains[at], low, n + 1);
	s->ndomains++;
}

/* Appends n bytes to out; -1 when they do not fit. */
static int
put(char *out, size_t outlen, size_t *used, const char *p, size_t n)
{
	if (out == NULL)
		return 0;
	if (n > outlen - *used)
		return -1;
	memcpy(out + *used, p, n);
	*used += n;
	return 0;
}

/*
 * One cookie line (the "#HttpOnly_" prefix taken off): checked, counted, and
 * written to out in its clean form.  NULL when good; else why not.
 */
static const char *
cookie_line(const char *p, size_t n, int httponly,
    struct cookiefile_summary *s, char *out, size_t outlen, size_t *used)
{
	const char	*f[NFIELDS], *tab, *end = p + n;
	size_t		 fl[NFIELDS], nf = 0, i;
	int		 sub, dot;

	for (;;) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (nf == NFIELDS)
			return "7 tab-separated fields expected, found more";
		f[nf] = p;
		fl[nf++] = (size_t)((tab != NULL ? tab : end) - p);
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	if (nf != NFIELDS)
		return "7 tab-separated fields expected, found fewer";
	if (!domain_ok(f[0], fl[0]))
		return "the domain (field 1) is empty or not a host name";
	if (!field_is(f[1], fl[1], "TRUE") && !field_is(f[1], fl[1], "FALSE"))
		return "field 2 (include subdomains) must be TRUE or FALSE";
	if (fl[2] == 0 || f[2][0] != '/')
		return "the path (field 3) must start with /";
	if (!field_is(f[3], fl[3], "TRUE") && !field_is(f[3], fl[3], "FALSE"))
		return "field 4 (secure) must be TRUE or FALSE";
	if (fl[4] > 19)
		return "the expiry (field 5) must be whole unix seconds or empty";
	for (i = 0; i < fl[4]; i++)
		if (f[4][i] < '0' || f[4][i] > '9')
			return "the expiry (field 5) must be whole unix seconds "
			    "or empty";
	if (fl[5] == 0)
		return "the name (field 6) is empty";
	for (i = 0; i < fl[5]; i++)
		if (f[5][i] == ' ' || f[5][i] == ';' || f[5][i] == '=')
			return "the name (field 6) holds a space, ';' or '='";
	for (i = 0; i < fl[6]; i++)
		if (f[6][i] == ';')
			return "the value (field 7) holds a ';'";
	s->count++;
	domain_add(s, f[0], fl[0]);
	dot = f[0][0] == '.';
	sub = dot || field_is(f[1], fl[1], "TRUE");
	if ((httponly && put(out, outlen, used, "#HttpOnly_", 10) == -1) ||
	    (sub && !dot && put(out, outlen, used, ".", 1) == -1) ||
	    put(out, outlen, used, f[0], fl[0]) == -1 ||
	    put(out, outlen, used, sub ? "\tTRUE\t" : "\tFALSE\t",
	    sub ? 6 : 7) == -1 ||
	    put(out, outlen, used, f[2], (size_t)(f[6] + fl[6] - f[2])) == -1 ||
	    put(out, outlen, used, "\n", 1) == -1)
		return "no room for the clean copy";
	return NULL;
}

/*
 * Checks buf (len bytes) line by line and fills s; with out not NULL, writes
 * the clean copy there (outlen: COOKIEFILE_OUT_MAX(len) is always enough)
 * and its length to *outused.  0: good, and it holds at least one cookie;
 * -1: refused, e says which line and why.
 */
int
cookiefile_parse(const char *buf, size_t len, struct cookiefile_summary *s,
    char *out, size_t outlen, size_t *outused, struct cookiefile_error *e)
{
	static const char	 httponly[] = "#HttpOnly_";
	const char		*p = buf, *end = buf + len, *nl, *why;
	size_t			 n, used = 0, lineno = 0;
	int			 ho;

	memset(s, 0, sizeof(*s));
	e->line = 0;
	e->why = NULL;
	if (outused != NULL)
		*outused = 0;
	if (len > COOKIEFILE_MAX) {
		e->why = "the file is larger than 1 MiB";
		return -1;
	}
	if (put(out, outlen, &used, COOKIEFILE_HEADER,
	    sizeof(COOKIEFILE_HEADER) - 1) == -1) {
		e->why = "no room for the clean copy";
		return -1;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		e->line = lineno;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > COOKIEFILE_LINE_MAX) {
			e->why = "it is longer than 8192 bytes";
			return -1;
		}
		if ((why = line_bytes(p, n)) != NULL) {
			e->why = why;
			return -1;
		}
		ho = n >= sizeof(httponly) - 1 &&
		    memcmp(p, httponly, sizeof(httponly) - 1) == 0;
		if (ho) {
			if ((why = cookie_line(p + sizeof(httponly) - 1,
			    n - (sizeof(httponly) - 1), 1, s, out, outlen,
			    &used)) != NULL) {
				e->why = why;
				return -1;
			}
		} else if (!is_blank(p, n) && p[strspn(p, " \t")] != '#' &&
		    (why = cookie_line(p, n, 0, s, out, outlen, &used)) != NULL) {
			e->why = why;
			return -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	e->line = 0;
	if (s->count == 0) {
		e->why = "the file holds no cookies (only comments or blank "
		    "lines); to remove the stored ones use DELETE /api/cookies";
		return -1;
	}
	if (outused != NULL)
		*outused = used;
	return 0;
}
