/* etag.h: entity tags for the answers a page polls, and If-None-Match judged against them. */
#ifndef ETAG_H
#define ETAG_H

#include <stddef.h>
#include <stdint.h>

/* "t" or "l", 16 hex digits, two quotes and the NUL. */
#define ETAG_MAX	20

/* A 64-bit FNV-1a hash of len bytes, going on from h (start with ETAG_SEED). */
#define ETAG_SEED	UINT64_C(0xcbf29ce484222325)
uint64_t	 etag_hash(uint64_t h, const void *p, size_t len);
/* "<kind><16 hex digits>", quoted, into buf (ETAG_MAX bytes). */
void		 etag_format(char *buf, char kind, uint64_t h);
/*
 * 1 when an If-None-Match field value names tag (or is "*"), with
 * RFC 9110's weak comparison: W/ is ignored.  0 otherwise, and for a value
 * that does not parse: the full answer is never wrong.
 */
int		 etag_matches(const char *if_none_match, const char *tag);

#endif
