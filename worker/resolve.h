/* resolve.h: phase 1: what a URL is, and a playlist turned into one task per entry. */
#ifndef OT_RESOLVE_H
#define OT_RESOLVE_H

#include <stddef.h>

#include "store.h"

struct resolved {
	int	 playlist;			/* the URL was a playlist */
	int	 total;				/* its entries */
	char	 url[STORE_URL_MAX + 1];	/* what phase 2 fetches */
	char	 title[1024];			/* "" when unknown */
	char	 thumbnail[STORE_URL_MAX + 1];	/* remote URL, "" when unknown */
	int	 has_formats;			/* the JSON can be loaded by phase 2 */
};

int	 resolve_apply(struct store *, const struct task_claim *,
	    const char *json, size_t len, struct resolved *,
	    char *err, size_t errlen);

#endif
