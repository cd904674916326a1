/* test_pg_statements.c: PostgreSQL takes its schema and prepares every statement of store_pg_sqls. */
/*
 * The server is the one tests/unit/run.sh starts (tests/pg/cluster.sh);
 * its connection string comes in OFFLINETUBE_TEST_PG.  Without it the
 * test fails: it is never skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_pg.h"
#include "unit.h"

/* The migrations the programs apply, embedded at build (sql/pg/NNN_*.sql). */
struct migration {
	int		 version;
	const char	*sql;
};
extern const struct migration	store_pg_migrations[];
extern const size_t		store_pg_nmigrations;

/* The highest $n a statement names: as many parameters PostgreSQL must know. */
static int
highest_param(const char *sql)
{
	const char	*p;
	char		*end;
	long		 n, max = 0;

	for (p = sql; (p = strchr(p, '$')) != NULL; p++) {
		n = strtol(p + 1, &end, 10);
		if (end != p + 1 && n > max)
			max = n;
	}
	return (int)max;
}

/* A prepared statement of store_pg_sqls run with text parameters: its status. */
static PGresult *
run(PGconn *c, enum stmt i, int n, const char *const *params)
{
	char	 name[32];

	snprintf(name, sizeof(name), "s%d", (int)i);
	return PQexecPrepared(c, name, n, params, NULL, NULL, 0);
}

static int
exec_ok(PGconn *c, const char *sql)
{
	PGresult	*r;
	int		 ok;

	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s", PQerrorMessage(c));
	PQclear(r);
	return ok;
}

static void
prepare_all(PGconn *c)
{
	PGresult	*r;
	char		 name[32];
	int		 i;

	for (i = 0; i < STMT__MAX; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		r = PQprepare(c, name, store_pg_sqls[i], 0, NULL);
		PQclear(r);
	}
}

static void
insert_task(PGconn *c, const char *id, const char *owner)
{
	const char	*p[19] = { id, "https://v.example/", "video", "best", NULL,
	    "m4a", "", "", NULL, "0", "1", "2026-12-04T10:00:00Z", owner, NULL,
	    NULL, "0", "off", NULL, NULL };
	PGresult	*r;

	r = run(c, STMT_TASK_INSERT, 19, p);
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "insert: %s", PQerrorMessage(c));
	PQclear(r);
}

/*
 * Whether the server process pid waits (1) or not (0) for a row of tasks,
 * -1 when it waits for nothing at all: a waiter holds the "tuple" lock of
 * the row it waits for.
 */
static int
waits_on_task(PGconn *c, int pid)
{
	PGresult	*r;
	char		 sql[256];
	int		 n = -2;

	snprintf(sql, sizeof(sql), "SELECT count(*) FILTER (WHERE locktype = "
	    "'tuple' AND relation = 'tasks'::regclass), count(*) FILTER (WHERE "
	    "NOT granted) FROM pg_locks WHERE pid = %d", pid);
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = atoi(PQgetvalue(r, 0, 1)) == 0 ? -1 :
		    atoi(PQgetvalue(r, 0, 0)) > 0;
	PQclear(r);
	return n;
}

static const char *const task_params[3] = { "4242", "9999999999",
    "2026-12-04T10:00:01Z" };

/* The id a claim took, "" for none, NULL when the claim failed (or waited). */
static char *
claim(PGconn *c, enum stmt i)
{
	const char	*lookup[1] = { "4242" };
	PGresult	*r;
	char		*id = NULL;

	r = i == STMT_TASK_CLAIM ? run(c, i, 3, task_params) :
	    run(c, i, 1, lookup);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		id = strdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
	else
		fprintf(stderr, "claim: %s", PQerrorMessage(c));
	PQclear(r);
	return id;
}

/*
 * Two workers claiming at the same moment: while the first one's claim is
 * not yet committed, the second does not take the same task but the next
 * one.  (Its write still waits for the first's commit: the triggers' shared
 * counters, owner_queue and task_changes, are one row each.  Without SKIP
 * LOCKED it would wait on the first task instead, find it no longer
 * pending, and claim nothing.)
 */
static void
claims_skip_locked(const char *conninfo)
{
	PGconn		*a, *b;
	char		*x = NULL, *y = NULL, name[32];
	const char	*look[6] = { NULL, "q", "10", "1", "", "-1" };
	PGresult	*r;
	int		 i, w = -1;

	a = PQconnectdb(conninfo);
	b = PQconnectdb(conninfo);
	CHECK(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
	if (PQstatus(a) != CONNECTION_OK || PQstatus(b) != CONNECTION_OK)
		goto done;
	CHECK(exec_ok(a, "SET search_path = unit_statements"));
	CHECK(exec_ok(b, "SET search_path = unit_statements; "
	    "SET lock_timeout = '2s'"));
	prepare_all(a);
	prepare_all(b);

	/* One owner's two tasks, then another owner's: the turns still hold. */
	insert_task(a, "t1", NULL);
	insert_task(a, "t2", NULL);
	CHECK(exec_ok(a, "BEGIN"));
	CHECK_STR(x = claim(a, STMT_TASK_CLAIM), "t1");
	snprintf(name, sizeof(name), "s%d", (int)STMT_TASK_CLAIM);
	CHECK(PQsendQueryPrepared(b, name, 3, task_params,
	    NULL, NULL, 0) == 1);
	/* Until b's claim waits for a lock, or ends: never for a task's. */
	for (i = 0; i < 100; i++) {
		if ((w = waits_on_task(a, PQbackendPID(b))) != -1)
			break;
		if (PQconsumeInput(b) == 0 || !PQisBusy(b))
			break;
		usleep(100 * 1000);
	}
	CHECK(w == 0 || w == -1);
	CHECK(exec_ok(a, "COMMIT"));
	r = PQgetResult(b);
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		CHECK_STR(PQgetvalue(r, 0, 0), "t2");
	else
		fprintf(stderr, "second claim: %s", PQerrorMessage(b));
	PQclear(r);
	while ((r = PQgetResult(b)) != NULL)
		PQclear(r);
	CHECK_STR(y = claim(b, STMT_TASK_CLAIM), "");
	free(x);
	free(y);

	for (i = 0; i < 2; i++) {
		look[0] = i == 0 ? "search" : "trending";
		r = run(a, STMT_LOOKUP_INSERT, 6, look);
		CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
		PQclear(r);
	}
	CHECK(exec_ok(a, "BEGIN"));
	x = claim(a, STMT_LOOKUP_CLAIM);
	y = claim(b, STMT_LOOKUP_CLAIM);
	CHECK(x != NULL && y != NULL && *x != '\0' && *y != '\0' &&
	    strcmp(x, y) != 0);
	CHECK(exec_ok(a, "COMMIT"));
	free(x);
	free(y);
done:
	PQfinish(a);
	PQfinish(b);
}

/*
 * A claim reads a handful of pages however many tasks wait: an owner's
 * oldest pending task is the first entry of an index, and the owners'
 * figures are computed once, not for each candidate.  Before
 * sql/pg/004_claim_indexes.sql and the claim's MATERIALIZED owners, it
 * read every pending row of the owner for each candidate and the old
 * versions of every row run before: here 18,700 buffers (2,300 with the
 * new text alone) against 80.  Counted in buffers, not time: the count
 * does not depend on the machine's load.
 */
static void
claim_reads_few_pages(PGconn *c)
{
	const char	*done[8] = { NULL, "f.mp4", "1", NULL,
	    "2026-12-04T10:00:02Z", NULL, "0", NULL };
	PGresult	*r;
	char		 id[32], sql[160], *got;
	long		 hits = -1;
	int		 i, n;

	/*
	 * A table that has worked: 3,000 tasks run and completed, their old
	 * row versions not yet vacuumed (autovacuum off: the same count at
	 * every run), then 2,000 waiting.
	 */
	CHECK(exec_ok(c, "ALTER TABLE tasks SET (autovacuum_enabled = false)"));
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "many-%d", i);
		insert_task(c, id, NULL);
		if (i < 3000) {
			done[0] = got = claim(c, STMT_TASK_CLAIM);
			PQclear(run(c, STMT_TASK_COMPLETE, 8, done));
			free(got);
		}
	}
	CHECK(exec_ok(c, "ANALYZE tasks"));
	CHECK(exec_ok(c, "BEGIN"));
	snprintf(sql, sizeof(sql), "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
	    "EXECUTE s%d('4242', '9999999999', '2026-12-04T10:00:01Z')",
	    (int)STMT_TASK_CLAIM);
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		const char	*plan = PQgetvalue(r, 0, 0), *h;

		/* The top node's count includes its children's. */
		if ((h = strstr(plan, "\"Shared Hit Blocks\": ")) != NULL &&
		    sscanf(h, "\"Shared Hit Blocks\": %d", &n) == 1)
			hits = n;
	} else
		fprintf(stderr, "explain: %s", PQerrorMessage(c));
	PQclear(r);
	CHECK(exec_ok(c, "ROLLBACK"));
	CHECK(hits > 0 && hits < 200);
	if (!(hits > 0 && hits < 200))
		fprintf(stderr, "a claim among 2,000 pending read %ld "
		    "buffers\n", hits);
}

int
main(void)
{
	PGconn		*c = NULL;
	PGresult	*r;
	const char	*conninfo;
	char		 name[32];
	size_t		 n;
	int		 i, ok;

	conninfo = getenv("OFFLINETUBE_TEST_PG");
	CHECK(conninfo != NULL && *conninfo != '\0');
	if (conninfo == NULL || *conninfo == '\0') {
		fprintf(stderr, "OFFLINETUBE_TEST_PG is not set: run me by "
		    "tests/unit/run.sh, which starts a server\n");
		goto done;
	}
	c = PQconnectdb(conninfo);
	CHECK(PQstatus(c) == CONNECTION_OK);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "%s", PQerrorMessage(c));
		goto done;
	}
	/* A schema of its own: the database may be shared with other tests. */
	CHECK(exec_ok(c, "SET client_min_messages = warning; "
	    "DROP SCHEMA IF EXISTS unit_statements CASCADE; "
	    "CREATE SCHEMA unit_statements; SET search_path = unit_statements"));
	CHECK(exec_ok(c, "BEGIN"));
	for (n = 0; n < store_pg_nmigrations; n++)
		CHECK(exec_ok(c, store_pg_migrations[n].sql));
	CHECK(exec_ok(c, "COMMIT"));

	for (i = 0; i < STMT__MAX; i++) {
		CHECK(store_pg_sqls[i] != NULL);
		if (store_pg_sqls[i] == NULL) {
			fprintf(stderr, "statement %d has no PostgreSQL text\n", i);
			continue;
		}
		snprintf(name, sizeof(name), "s%d", i);
		r = PQprepare(c, name, store_pg_sqls[i], 0, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "statement %d: %s  %s\n", i,
			    PQerrorMessage(c), store_pg_sqls[i]);
		PQclear(r);
		if (!ok)
			continue;
		/* Every parameter up to the highest has a type PostgreSQL settled. */
		r = PQdescribePrepared(c, name);
		CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
		CHECK(PQnparams(r) == highest_param(store_pg_sqls[i]));
		PQclear(r);
	}
	claims_skip_locked(conninfo);
	claim_reads_few_pages(c);
done:
	if (c != NULL) {
		if (PQstatus(c) == CONNECTION_OK)
			exec_ok(c, "DROP SCHEMA IF EXISTS unit_statements CASCADE");
		PQfinish(c);
	}
	return unit_done("test_pg_statements");
}
