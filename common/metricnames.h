/* metricnames.h: the closed sets of /api/metrics that both programs name: runs, outcomes, buckets. */
#ifndef OT_METRICNAMES_H
#define OT_METRICNAMES_H

/*
 * The worker counts these in memory and adds them to the database's
 * metrics table at each heartbeat (worker/tally.c); the API reads the table
 * (fcgi-app/metrics.c).  A row's name is the family's, its labels the
 * exposition's own text ('kind="download",outcome="ok"'), so the API
 * writes them out as they are.
 */
enum run_kind {
	RUN_DOWNLOAD,		/* a task's media */
	RUN_LISTING,		/* a playlist's entries (-J) */
	RUN_LOOKUP,		/* search, trending, info */
	RUN_CHECK,		/* a subscription's listing */
	RUN_KIND__MAX
};
extern const char *const run_kind_str[RUN_KIND__MAX];

enum run_outcome {
	RUN_OK,			/* exit status 0 */
	RUN_FAILED,		/* any other exit */
	RUN_STOPPED,		/* stopped by us: a cancel, a time limit, a shutdown */
	RUN_OUTCOME__MAX
};
extern const char *const run_outcome_str[RUN_OUTCOME__MAX];

/* A subscription check's end, as recorded. */
enum check_outcome {
	CHECK_OK,
	CHECK_FAILED,
	CHECK_OUTCOME__MAX
};
extern const char *const check_outcome_str[CHECK_OUTCOME__MAX];

/* A notification attempt's end (webhooks and Apprise). */
enum notify_outcome {
	NOTIFY_DELIVERED,
	NOTIFY_FAILED,		/* this attempt; tried again later */
	NOTIFY_GIVEN_UP,	/* the last attempt failed too */
	NOTIFY_OUTCOME__MAX
};
extern const char *const notify_outcome_str[NOTIFY_OUTCOME__MAX];

/* The queue wait histogram's upper bounds in seconds; +Inf is the count. */
#define QUEUE_WAIT_NBUCKETS	10
extern const double queue_wait_le[QUEUE_WAIT_NBUCKETS];
extern const char *const queue_wait_le_str[QUEUE_WAIT_NBUCKETS];

/* The families' names in the table (and, with "offlinetube_", in the exposition). */
#define METRIC_RUNS		"ytdlp_runs_total"
#define METRIC_CHECKS		"subscription_checks_total"
#define METRIC_WAIT_BUCKET	"queue_wait_seconds_bucket"
#define METRIC_WAIT_SUM		"queue_wait_seconds_sum"
#define METRIC_WAIT_COUNT	"queue_wait_seconds_count"
#define METRIC_LOOKUP_CACHE	"lookup_cache_total"
#define METRIC_FINISHED		"downloads_finished_total"
#define METRIC_BYTES		"downloaded_bytes_total"
#define METRIC_DELIVERIES	"webhook_deliveries_total"

#endif
