/* tally.h: the worker's own counts for /api/metrics, kept in memory, added to the database at each heartbeat. */
#ifndef OT_TALLY_H
#define OT_TALLY_H

#include "metricnames.h"

struct store;

/* A yt-dlp run's end: its wait status, and whether we stopped it. */
void	 tally_run(enum run_kind, int wstatus, int stopped);
/* A claim: how long the task was pending (-1: not known, not counted). */
void	 tally_wait(double seconds);
void	 tally_check(enum check_outcome);
void	 tally_notify(enum notify_outcome);
/*
 * Adds what was counted since the last flush to the metrics table: 1 done
 * (or nothing to add), -1 refused, the counts kept for the next flush.
 */
int	 tally_flush(struct store *);

#endif
