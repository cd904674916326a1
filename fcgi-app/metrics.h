/* metrics.h: GET /api/metrics, and the API's own counts (look-ups). */
#ifndef OT_API_METRICS_H
#define OT_API_METRICS_H

/* How a look-up was answered: from the cache, by a new run, by one under way. */
enum lookup_result {
	LOOKUP_HIT,
	LOOKUP_MISS,
	LOOKUP_JOINED,
	LOOKUP_RESULT__MAX
};

void	 metrics_lookup(enum lookup_result);

#endif
