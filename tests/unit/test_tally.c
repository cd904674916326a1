/* test_tally.c: the worker's counts reach the metrics table at a flush, once, and wait out a refused one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tally.h"
#include "unit.h"

static char	 dir[] = "/tmp/ot-tally-XXXXXX";
static char	 dbpath[64];

struct seen {
	char	 labels[32][96];
	char	 names[32][48];
	double	 values[32];
	int	 n;
};

static int
take(void *arg, const char *name, const char *labels, double v)
{
	struct seen	*s = arg;

	if (s->n < 32) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		snprintf(s->labels[s->n], sizeof(s->labels[0]), "%s", labels);
		s->values[s->n++] = v;
	}
	return 0;
}

static double
get(struct store *db, const char *name, const char *labels)
{
	struct seen	 s;
	int		 i;

	memset(&s, 0, sizeof(s));
	CHECK(store_metrics_each(db, take, &s) == 1);
	for (i = 0; i < s.n; i++)
		if (strcmp(s.names[i], name) == 0 && strcmp(s.labels[i], labels) == 0)
			return s.values[i];
	return 0;
}

int
main(void)
{
	struct store	*db;
	sqlite3		*other;
	char		 err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	CHECK((db = store_open(dbpath, err, sizeof(err))) != NULL);
	if (db == NULL)
		return unit_done("test_tally");

	/* Nothing counted: a flush writes nothing and succeeds. */
	CHECK(tally_flush(db) == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"download\",outcome=\"ok\"") == 0);

	tally_run(RUN_DOWNLOAD, 0, 0);			/* exit 0 */
	tally_run(RUN_DOWNLOAD, 1 << 8, 0);		/* exit 1 */
	tally_run(RUN_LOOKUP, 0, 1);			/* stopped by us, whatever its status */
	tally_wait(0.05);
	tally_wait(7);
	tally_wait(-1);					/* unknown: not counted */
	tally_check(CHECK_OK);
	CHECK(tally_flush(db) == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"download\",outcome=\"ok\"") == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"download\",outcome=\"failed\"") == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"lookup\",outcome=\"stopped\"") == 1);
	CHECK(get(db, METRIC_WAIT_BUCKET, "le=\"0.1\"") == 1);
	CHECK(get(db, METRIC_WAIT_BUCKET, "le=\"5\"") == 1);
	CHECK(get(db, METRIC_WAIT_BUCKET, "le=\"15\"") == 2);
	CHECK(get(db, METRIC_WAIT_COUNT, "") == 2);
	CHECK(get(db, METRIC_WAIT_SUM, "") == 7.05);
	CHECK(get(db, METRIC_CHECKS, "outcome=\"ok\"") == 1);

	/* Flushed counts are not added twice. */
	CHECK(tally_flush(db) == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"download\",outcome=\"ok\"") == 1);

	/* Another program holds the write lock: the flush is refused, the counts kept. */
	CHECK(sqlite3_open(dbpath, &other) == SQLITE_OK);
	CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
	store_busy_cap(db, 50);
	tally_run(RUN_CHECK, 0, 0);
	CHECK(tally_flush(db) == -1);
	CHECK(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(other);
	CHECK(tally_flush(db) == 1);
	CHECK(get(db, METRIC_RUNS, "kind=\"check\",outcome=\"ok\"") == 1);

	store_close(db);
	unlink(dbpath);
	rmdir(dir);
	return unit_done("test_tally");
}
