/* cookiefile.h: a Netscape cookies.txt checked line by line, summed up, and written out clean. */
#ifndef OT_COOKIEFILE_H
#define OT_COOKIEFILE_H

#include <stddef.h>

#define COOKIEFILE_MAX		(1024 * 1024)	/* bytes of an upload (api.md) */
#define COOKIEFILE_LINE_MAX	8192		/* bytes of one line, its end left out */
#define COOKIEFILE_DOMAINS_MAX	100		/* distinct domains a summary lists */
#define COOKIEFILE_DOMAIN_MAX	253		/* bytes of a domain (a DNS name) */
/* The first line of every file we write: yt-dlp refuses a file without it. */
#define COOKIEFILE_HEADER	"# Netscape HTTP Cookie File\n"

/* What a file holds, without a single value: what GET /api/cookies shows. */
struct cookiefile_summary {
	size_t	 count;			/* cookies */
	size_t	 ndomains;		/* listed in domains[], sorted */
	int	 domains_over;		/* more distinct domains than listed */
	char	 domains[COOKIEFILE_DOMAINS_MAX][COOKIEFILE_DOMAIN_MAX + 1];
};

/*
 * Why a file was refused: line is 1-based (0: the file as a whole) and why a
 * fixed text that never quotes the file (a value must never reach a message
 * or a log).
 */
struct cookiefile_error {
	size_t		 line;
	const char	*why;
};

/* The room cookiefile_parse() may need for the clean copy of len bytes. */
#define COOKIEFILE_OUT_MAX(len)	(2 * (len) + sizeof(COOKIEFILE_HEADER) + 2)

int	 cookiefile_parse(const char *buf, size_t len,
	    struct cookiefile_summary *, char *out, size_t outlen,
	    size_t *outused, struct cookiefile_error *);

#endif
