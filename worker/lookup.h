/* lookup.h: look-ups (search, trending, info): yt-dlp's argv, and its JSON made into answers. */
#ifndef OT_LOOKUP_H
#define OT_LOOKUP_H

#include <stddef.h>

#include "store.h"

#define LOOKUP_ARGV_MAX	24

/* What an answer holds at most (docs/api.md, Limits). */
#define LOOKUP_ANSWER_MAX	(1 << 20)	/* bytes of JSON, as stored */
#define LOOKUP_FORMATS_MAX	1000		/* formats of an info answer */
#define LOOKUP_TEXT_MAX		1024	/* bytes of a title or an uploader: cut */
#define LOOKUP_NAME_MAX		256	/* bytes of an id, a codec...: else null */
#define LOOKUP_URL_MAX		2048	/* bytes of a URL: else null */

struct json_object;

struct lookup_argv {
	const char	*argv[LOOKUP_ARGV_MAX];
	size_t		 argc;
	char		 target[2200];	/* "{prefix}{N}:{q}" or the URL */
	char		 end[16];	/* --playlist-end N */
};

int	 lookup_is_url(enum lookup_kind, const char *query);
int	 lookup_build_argv(const char *ytdlp, const char *search_prefix,
	    enum lookup_kind, const char *query, int max_results,
	    const char *cookies, struct lookup_argv *);
char	*lookup_answer_of(struct json_object *root, enum lookup_kind,
	    int max_results, char *err, size_t errlen);
char	*lookup_answer(enum lookup_kind, int max_results, const char *json,
	    size_t len, char *err, size_t errlen);

#endif
