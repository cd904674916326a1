/* test_db.c: the SQLite backend of db.h keeps the promises db.h writes down. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "unit.h"
#include "util.h"

static char	 dir[] = "/tmp/ot-db-XXXXXX";
static char	 dbpath[64];

/* Runs sql, which returns no row, to its end: DB_DONE, or what the step said. */
static int
run(struct db *d, const char *sql)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = db_prepare(d, sql)) == NULL)
		return DB_ERROR;
	rc = db_step(st);
	db_finalize(st);
	return rc;
}

/* The one integer sql returns, or -1. */
static int64_t
one_int(struct db *d, const char *sql)
{
	struct db_stmt	*st;
	int64_t		 v = -1;

	if ((st = db_prepare(d, sql)) == NULL)
		return -1;
	if (db_step(st) == DB_ROW)
		v = db_col_int64(st, 0);
	db_finalize(st);
	return v;
}

/* Each type bound comes back as it went in; NULL as NULL. */
static void
test_binds(struct db *d)
{
	struct db_stmt	*st;
	const char	*utf8 = "caf\xc3\xa9 \xe2\x80\x94 x";	/* 10 bytes, 8 characters */
	int64_t		 big = (int64_t)1 << 40;

	st = db_prepare(d, "SELECT ?1, ?2, ?3, ?4, ?5, ?6, 1 = 1, 1 = 2");
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(db_bind_text(st, 1, utf8) == 0);
	CHECK(db_bind_int64(st, 2, big + 1) == 0);
	CHECK(db_bind_int64(st, 3, -7) == 0);
	CHECK(db_bind_double(st, 4, 12.5) == 0);
	CHECK(db_bind_null(st, 5) == 0);
	CHECK(db_bind_text(st, 6, NULL) == 0);
	/* A parameter the statement does not have is refused. */
	CHECK(db_bind_int64(st, 7, 1) == -1);
	CHECK(db_bind_text(st, 0, "x") == -1);
	CHECK(db_step(st) == DB_ROW);
	CHECK_STR(db_col_text(st, 0), utf8);
	CHECK(db_col_len(st, 0) == strlen(utf8));
	CHECK(db_col_int64(st, 1) == big + 1);
	CHECK(db_col_int(st, 2) == -7);
	CHECK(db_col_double(st, 3) == 12.5);
	CHECK(!db_col_null(st, 0) && !db_col_null(st, 3));
	CHECK(db_col_null(st, 4) && db_col_null(st, 5));
	CHECK(db_col_text(st, 4) == NULL && db_col_text(st, 5) == NULL);
	CHECK(db_col_int(st, 4) == 0 && db_col_int64(st, 5) == 0);
	/* Booleans read as integers are 1 and 0 (db.h, guarantee 5). */
	CHECK(db_col_int(st, 6) == 1 && db_col_int(st, 7) == 0);
	CHECK(db_step(st) == DB_DONE);
	db_reset(st);
	/* A reset forgets every binding: the parameters are NULL again. */
	CHECK(db_step(st) == DB_ROW);
	CHECK(db_col_null(st, 0) && db_col_null(st, 1) && db_col_null(st, 3));
	db_reset(st);
	db_finalize(st);
}

/* db_changes() counts the rows the last write changed, and a read does not set it. */
static void
test_changes(struct db *d)
{
	struct db_stmt	*st;

	CHECK(run(d, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)") ==
	    DB_DONE);
	CHECK(run(d, "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')") == DB_DONE);
	CHECK(db_changes(d) == 3);
	CHECK(run(d, "UPDATE t SET v = v || v WHERE v != 'a'") == DB_DONE);
	CHECK(db_changes(d) == 2);
	CHECK(one_int(d, "SELECT count(*) FROM t") == 3);
	CHECK(db_changes(d) == 2 || db_changes(d) == 0);
	CHECK(run(d, "DELETE FROM t WHERE v = 'none'") == DB_DONE);
	CHECK(db_changes(d) == 0);

	/* A prepared statement run again counts its own run, not the sum. */
	st = db_prepare(d, "UPDATE t SET v = v WHERE k <= ?1");
	CHECK(st != NULL);
	if (st == NULL)
		return;
	db_bind_int64(st, 1, 1);
	CHECK(db_step(st) == DB_DONE);
	db_reset(st);
	CHECK(db_changes(d) == 1);
	db_bind_int64(st, 1, 3);
	CHECK(db_step(st) == DB_DONE);
	db_reset(st);
	CHECK(db_changes(d) == 3);
	db_finalize(st);
}

/* A refused row is DB_CONSTRAINT, other failures DB_ERROR, each with its message. */
static void
test_errors(struct db *d)
{
	struct db_stmt	*st;

	CHECK(db_prepare(d, "SELECT * FROM no_such_table") == NULL);
	CHECK(strstr(db_errmsg(d), "no_such_table") != NULL);
	CHECK(db_prepare(d, "SELEKT 1") == NULL);
	CHECK(strstr(db_errmsg(d), "syntax error") != NULL);

	CHECK(run(d, "INSERT INTO t (v) VALUES ('a')") == DB_CONSTRAINT);
	CHECK(strstr(db_errmsg(d), "UNIQUE") != NULL);
	CHECK(one_int(d, "SELECT count(*) FROM t") == 3);

	/* A run-time error that is not a constraint. */
	st = db_prepare(d, "SELECT json_extract(?1, '$.a')");
	CHECK(st != NULL);
	if (st == NULL)
		return;
	db_bind_text(st, 1, "{not json");
	CHECK(db_step(st) == DB_ERROR);
	CHECK(strstr(db_errmsg(d), "JSON") != NULL);
	db_reset(st);
	/* The same statement bound again runs again. */
	db_bind_text(st, 1, "{\"a\": 5}");
	CHECK(db_step(st) == DB_ROW && db_col_int(st, 0) == 5);
	db_reset(st);
	db_finalize(st);
}

/* A RETURNING statement has made its change by its first row (guarantee 2). */
static void
test_returning(struct db *d)
{
	struct db_stmt	*st;

	st = db_prepare(d, "INSERT INTO t (v) VALUES (?1), (?2) RETURNING k, v");
	CHECK(st != NULL);
	if (st == NULL)
		return;
	db_bind_text(st, 1, "r1");
	db_bind_text(st, 2, "r2");
	CHECK(db_step(st) == DB_ROW);
	CHECK_STR(db_col_text(st, 1), "r1");
	db_reset(st);
	db_finalize(st);
	CHECK(one_int(d, "SELECT count(*) FROM t WHERE v IN ('r1', 'r2')") == 2);
}

/*
 * The wait for a lock another connection holds: as long as db_busy_wait()
 * says, never longer than db_busy_cap(); then the step fails.
 */
static void
test_busy(struct db *d)
{
	struct db	*other;
	char		 err[256];
	int64_t		 t0, took;

	if ((other = db_sqlite_open(dbpath, err, sizeof(err))) == NULL) {
		CHECK(!"second connection");
		return;
	}
	CHECK(run(other, "BEGIN IMMEDIATE") == DB_DONE);
	db_busy_wait(d, 100);
	t0 = util_now_ms();
	CHECK(run(d, "BEGIN IMMEDIATE") == DB_ERROR);
	took = util_now_ms() - t0;
	CHECK(took >= 100 && took < 2000);
	db_busy_cap(d, 30);
	db_busy_wait(d, 0);	/* the usual 5 s, but capped */
	t0 = util_now_ms();
	CHECK(run(d, "BEGIN IMMEDIATE") == DB_ERROR);
	took = util_now_ms() - t0;
	CHECK(took >= 30 && took < 2000);
	CHECK(run(other, "ROLLBACK") == DB_DONE);
	CHECK(run(d, "BEGIN IMMEDIATE") == DB_DONE);
	CHECK(run(d, "ROLLBACK") == DB_DONE);
	db_busy_cap(d, 0);
	db_busy_wait(d, 0);
	db_close(other);
}

static void
test_plan(struct db *d)
{
	char	 buf[512];

	CHECK(db_sqlite_plan(d, "SELECT v FROM t WHERE k = 1", buf,
	    sizeof(buf)) == 1);
	CHECK(strstr(buf, "SEARCH t USING INTEGER PRIMARY KEY") != NULL);
	CHECK(db_sqlite_plan(d, "SELECT v FROM t", buf, 4) == -1);
	CHECK(db_sqlite_plan(d, "SELEKT", buf, sizeof(buf)) == -1);
}

/* The database, its WAL and shared memory, and the directory. */
static void
remove_db(void)
{
	const char *const	 ends[] = { "", "-wal", "-shm" };
	char			 p[96];
	size_t			 i;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, ends[i]);
		unlink(p);
	}
	rmdir(dir);
}

int
main(void)
{
	struct db	*d;
	char		 err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/db.sqlite", dir);

	/* A directory that does not exist: a message naming it. */
	CHECK(db_sqlite_open("/nonexistent-ot/db.sqlite", err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "/nonexistent-ot") != NULL);

	if ((d = db_sqlite_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	/* Opened means migrated. */
	CHECK(one_int(d, "SELECT count(*) FROM schema_migrations") > 0);
	test_binds(d);
	test_changes(d);
	test_errors(d);
	test_returning(d);
	test_busy(d);
	test_plan(d);
	db_close(d);

	remove_db();
	return unit_done("test_db");
}
