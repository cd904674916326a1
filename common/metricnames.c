/* metricnames.c: the names of /api/metrics' closed sets (metricnames.h). */
#include "metricnames.h"

const char *const run_kind_str[RUN_KIND__MAX] = {
	[RUN_DOWNLOAD] =	"download",
	[RUN_LISTING] =		"listing",
	[RUN_LOOKUP] =		"lookup",
	[RUN_CHECK] =		"check",
};

const char *const run_outcome_str[RUN_OUTCOME__MAX] = {
	[RUN_OK] =		"ok",
	[RUN_FAILED] =		"failed",
	[RUN_STOPPED] =		"stopped",
};

const char *const check_outcome_str[CHECK_OUTCOME__MAX] = {
	[CHECK_OK] =		"ok",
	[CHECK_FAILED] =	"failed",
};

const char *const notify_outcome_str[NOTIFY_OUTCOME__MAX] = {
	[NOTIFY_DELIVERED] =	"delivered",
	[NOTIFY_FAILED] =	"failed",
	[NOTIFY_GIVEN_UP] =	"given_up",
};

/* From a claim in the same instant to an evening's queue. */
const double queue_wait_le[QUEUE_WAIT_NBUCKETS] = {
	0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400
};
const char *const queue_wait_le_str[QUEUE_WAIT_NBUCKETS] = {
	"0.1", "0.5", "1", "5", "15", "60", "300", "900", "3600", "14400"
};
