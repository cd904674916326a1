/* etag.c: entity tags for the answers a page polls, and If-None-Match judged against them. */
/*
 * A tag is a hash of what the answer depends on: for one task the bytes it
 * would send, for the list the database's count of task changes with who
 * asks and how (tasks.c).  A client that sends it back in If-None-Match
 * gets 304 while they are the same.  The hash only needs to tell versions
 * of one answer apart, not resist anyone: FNV-1a is enough.
 */
#include <stdio.h>
#include <string.h>

#include "etag.h"

uint64_t
etag_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void
etag_format(char *buf, char kind, uint64_t h)
{
	snprintf(buf, ETAG_MAX, "\"%c%016llx\"", kind, (unsigned long long)h);
}

/* Optional white space of RFC 9110: spaces and tabs. */
static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * If-None-Match = "*" / #entity-tag; entity-tag = [ "W/" ] DQUOTE *etagc
 * DQUOTE.  Each listed tag is compared, quotes included, with tag.
 */
int
etag_matches(const char *v, const char *tag)
{
	const char	*p, *end;
	size_t		 tl = strlen(tag);
	int		 found = 0;

	if (v == NULL)
		return 0;
	p = skip_ows(v);
	if (*p == '*')
		return *skip_ows(p + 1) == '\0';
	/* The whole value must parse before a tag in it counts. */
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') {		/* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			return found;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"' || (end = strchr(p + 1, '"')) == NULL)
			return 0;
		end++;
		if ((size_t)(end - p) == tl && memcmp(p, tag, tl) == 0)
			found = 1;
		p = skip_ows(end);
		if (*p != ',' && *p != '\0')
			return 0;
	}
}
