/* tally.c: the worker's own counts for /api/metrics, kept in memory, added to the database at each heartbeat. */
/*
 * Counting in memory keeps a write off every run's end; the counts reach
 * the metrics table (migration 017) at the next heartbeat in one
 * transaction, and stay here until one goes through.  A worker killed
 * with -9 loses at most one heartbeat's counts: metrics, not tasks.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "store.h"
#include "tally.h"

/* Every row a flush may write: runs, checks, the histogram, its sum and count. */
#define TALLY_ROWS	(RUN_KIND__MAX * RUN_OUTCOME__MAX + CHECK_OUTCOME__MAX + \
			    NOTIFY_OUTCOME__MAX + QUEUE_WAIT_NBUCKETS + 3)

static double	 runs[RUN_KIND__MAX][RUN_OUTCOME__MAX];
static double	 checks[CHECK_OUTCOME__MAX];
static double	 notifies[NOTIFY_OUTCOME__MAX];
static double	 wait_le[QUEUE_WAIT_NBUCKETS];	/* cumulative, as exposed */
static double	 wait_sum, wait_count;

void
tally_run(enum run_kind kind, int wstatus, int stopped)
{
	enum run_outcome	 o;

	if (stopped)
		o = RUN_STOPPED;
	else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		o = RUN_OK;
	else
		o = RUN_FAILED;
	runs[kind][o]++;
}

void
tally_wait(double seconds)
{
	size_t	 i;

	if (seconds < 0)
		return;
	for (i = 0; i < QUEUE_WAIT_NBUCKETS; i++)
		if (seconds <= queue_wait_le[i])
			wait_le[i]++;
	wait_sum += seconds;
	wait_count++;
}

void
tally_check(enum check_outcome o)
{
	checks[o]++;
}

void
tally_notify(enum notify_outcome o)
{
	notifies[o]++;
}

/* One row when *v holds a count: its name and labels, *v then the one to clear. */
static void
row_add(struct metric_add *m, size_t *n, double **clear, double *v,
    const char *name, const char *labels)
{
	if (*v == 0)
		return;
	m[*n].name = name;
	snprintf(m[*n].labels, sizeof(m[*n].labels), "%s", labels);
	m[*n].value = *v;
	clear[(*n)++] = v;
}

int
tally_flush(struct store *db)
{
	struct metric_add	 m[TALLY_ROWS];
	double			*clear[TALLY_ROWS];
	char			 labels[96];
	size_t			 n = 0, i, k;

	for (i = 0; i < RUN_KIND__MAX; i++)
		for (k = 0; k < RUN_OUTCOME__MAX; k++) {
			snprintf(labels, sizeof(labels),
			    "kind=\"%s\",outcome=\"%s\"", run_kind_str[i],
			    run_outcome_str[k]);
			row_add(m, &n, clear, &runs[i][k], METRIC_RUNS, labels);
		}
	for (i = 0; i < CHECK_OUTCOME__MAX; i++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"",
		    check_outcome_str[i]);
		row_add(m, &n, clear, &checks[i], METRIC_CHECKS, labels);
	}
	for (i = 0; i < NOTIFY_OUTCOME__MAX; i++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"",
		    notify_outcome_str[i]);
		row_add(m, &n, clear, &notifies[i], METRIC_DELIVERIES, labels);
	}
	for (i = 0; i < QUEUE_WAIT_NBUCKETS; i++) {
		snprintf(labels, sizeof(labels), "le=\"%s\"", queue_wait_le_str[i]);
		row_add(m, &n, clear, &wait_le[i], METRIC_WAIT_BUCKET, labels);
	}
	row_add(m, &n, clear, &wait_sum, METRIC_WAIT_SUM, "");
	row_add(m, &n, clear, &wait_count, METRIC_WAIT_COUNT, "");
	if (n == 0)
		return 1;
	if (store_metrics_add(db, m, n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		*clear[i] = 0;
	return 1;
}
