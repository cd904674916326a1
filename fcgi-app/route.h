/* route.h: the route table and the dispatcher that owns every refusal. */
#ifndef OT_ROUTE_H
#define OT_ROUTE_H

#include <stddef.h>

#include "msg.h"

struct req;

typedef int (*route_handler)(struct req *);

/* Where a task's own thumbnail is served: /api/thumbnails/{id}. */
#define ROUTE_THUMBNAILS	"/api/thumbnails/"
/* Where a task's stored subtitles are served: /api/subtitles/{id}/{lang}. */
#define ROUTE_SUBTITLES		"/api/subtitles/"

#define ROUTE_JSON_BODY	0x01	/* the body must be a JSON object (413/415/400) */
#define ROUTE_OPEN	0x02	/* no key needed (health) */
#define ROUTE_LINK	0x04	/* a signed link may stand in for a key (media) */
#define ROUTE_ACTS	0x08	/* starts work or changes state: not for other sites */
#define ROUTE_TEXT_BODY	0x10	/* a text body of up to 1 MiB, kept whole (cookies) */
#define ROUTE_ADMIN	0x20	/* while keys are on, an admin key only (metrics) */

struct route {
	const char	*method;
	const char	*pattern;	/* segments; {id} is a UUID, {filename} and {lang} any segment */
	route_handler	 handler;
	int		 flags;
	enum msg	 notfound;	/* the detail when {id} is not a UUID */
};

int	 route_dispatch(struct req *);

/* The handlers, one file per group. */
int	 tasks_create(struct req *);
int	 tasks_list(struct req *);
int	 tasks_get(struct req *);
int	 tasks_cancel(struct req *);
int	 tasks_remove(struct req *);
int	 tasks_retry(struct req *);
int	 serve_file(struct req *);
int	 serve_stream(struct req *);
int	 serve_thumbnail(struct req *);
int	 serve_subtitle(struct req *);
int	 health_get(struct req *);
int	 metrics_get(struct req *);
int	 lookups_search(struct req *);
int	 lookups_trending(struct req *);
int	 lookups_info(struct req *);
int	 subs_create(struct req *);
int	 subs_list(struct req *);
int	 subs_get(struct req *);
int	 subs_update(struct req *);
int	 subs_delete(struct req *);
int	 subs_check(struct req *);
int	 cookies_put(struct req *);
int	 cookies_get(struct req *);
int	 cookies_delete(struct req *);
int	 hooks_create(struct req *);
int	 hooks_list(struct req *);
int	 hooks_get(struct req *);
int	 hooks_delete(struct req *);
int	 hooks_test(struct req *);

#endif
