/* resolve.h: what a URL turned out to be: a playlist turned into one task per entry, a subscription's listing. */
#ifndef OT_RESOLVE_H
#define OT_RESOLVE_H

#include <stddef.h>

#include "store.h"

#define RESOLVE_ENTRIES_MAX	5000	/* a longer playlist is cut, with a log line */
#define RESOLVE_TITLE_MAX	1023	/* bytes of a title: a longer one is cut */

struct json_object;

struct resolved {
	int	 playlist;			/* the URL was a playlist */
	int	 total;				/* its entries */
	char	 url[STORE_URL_MAX + 1];	/* what the download fetches */
	char	 title[RESOLVE_TITLE_MAX + 1];	/* "" when unknown */
	char	 thumbnail[STORE_URL_MAX + 1];	/* remote URL, "" when unknown */
	int	 has_formats;			/* the JSON can be loaded by the download */
};

/* One entry of a subscription's listing, newest first. */
struct listing_entry {
	char		 key[STORE_URL_MAX + 1];	/* the site's id, else the URL: what is seen */
	char		 url[STORE_URL_MAX + 1];
	char		 title[RESOLVE_TITLE_MAX + 1];	/* "" when unknown */
	long long	 duration;			/* seconds, -1: unknown */
	int		 live;				/* live now, or yet to come */
};

struct listing {
	char			 title[RESOLVE_TITLE_MAX + 1];	/* the listing's own */
	struct listing_entry	*entries;
	size_t			 n;
	size_t			 skipped;	/* entries without a URL a task may hold */
};

int	 resolve_listing(struct json_object *root, const char *url, size_t max,
	    struct listing *, char *err, size_t errlen);
void	 resolve_listing_free(struct listing *);
/* entries: the flat entries the download run listed; max_pending: the owner's cap. */
int	 resolve_playlist(struct store *, const struct task_claim *,
	    struct json_object *entries, int max_pending, struct resolved *,
	    char *err, size_t errlen);
/* o: a -J answer, parsed; NULL when it was not JSON. */
int	 resolve_apply(struct store *, const struct task_claim *,
	    struct json_object *o, int max_pending, struct resolved *,
	    char *err, size_t errlen);

#endif
