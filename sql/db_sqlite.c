/* db_sqlite.c: the SQLite backend of db.h, and what only SQLite has. */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_backend.h"
#include "util.h"

struct migration {
	int		 version;
	const char	*sql;
};
/* Generated at build time from sql/migrations/NNN_*.sql. */
extern const struct migration	store_migrations[];
extern const size_t		store_nmigrations;

struct lite {
	struct db	 base;		/* first: db.c's calls see a struct db */
	sqlite3		*db;
	int64_t		 busy_since;	/* db_busy(): when this wait began */
	int		 busy_ms;	/* how long it waits: BUSY_WAIT_MS, or less */
	int		 busy_cap;	/* db_busy_cap(): never longer, 0: none */
};

/* A statement: SQLite's own, behind the table db.c calls through. */
struct lite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*st;
};

static const struct db_ops	lite_ops;
static void			lite_close(struct db *);

static struct lite *
conn(struct db *d)
{
	return (struct lite *)(void *)d;
}

static sqlite3_stmt *
lite(struct db_stmt *st)
{
	return ((struct lite_stmt *)(void *)st)->st;
}

/*
 * Prepared with SQLITE_PREPARE_PERSISTENT: the statement is kept for the
 * connection's life, and SQLite then allocates it outside its lookaside.
 */
static struct db_stmt *
lite_prepare(struct db *d, const char *sql)
{
	struct lite_stmt	*ls;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return NULL;
	if (sqlite3_prepare_v3(conn(d)->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &ls->st, NULL) != SQLITE_OK) {
		free(ls);
		return NULL;
	}
	ls->base.ops = &lite_ops;
	return &ls->base;
}

static void
lite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(lite(st));
	free(st);
}

/* SQLITE_STATIC: not copied, so the caller keeps v until db_reset() (db.h, 4). */
static int
lite_bind_text(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(lite(st), i) == SQLITE_OK ? 0 : -1;
	return sqlite3_bind_text(lite(st), i, v, -1, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : -1;
}

static int
lite_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(lite(st), i, v) == SQLITE_OK ? 0 : -1;
}

static int
lite_bind_double(struct db_stmt *st, int i, double v)
{
	return sqlite3_bind_double(lite(st), i, v) == SQLITE_OK ? 0 : -1;
}

static int
lite_bind_null(struct db_stmt *st, int i)
{
	return sqlite3_bind_null(lite(st), i) == SQLITE_OK ? 0 : -1;
}

static int
lite_step(struct db_stmt *st)
{
	switch (sqlite3_step(lite(st))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	default:
		return DB_ERROR;
	}
}

static void
lite_reset(struct db_stmt *st)
{
	sqlite3_reset(lite(st));
	sqlite3_clear_bindings(lite(st));
}

static const char *
lite_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(lite(st), col);
}

static size_t
lite_col_len(struct db_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(lite(st), col);
}


static int64_t
lite_col_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(lite(st), col);
}

static double
lite_col_double(struct db_stmt *st, int col)
{
	return sqlite3_column_double(lite(st), col);
}

static int
lite_col_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(lite(st), col) == SQLITE_NULL;
}

static int
lite_changes(struct db *d)
{
	return sqlite3_changes(conn(d)->db);
}

static const char *
lite_errmsg(struct db *d)
{
	return sqlite3_errmsg(conn(d)->db);
}

static int
db_migrate(struct lite *d, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	char		*msg = NULL, stamp[ISO_TIME_LEN], ins[128];
	int		 have = 0;
	size_t		 i;

	/* IMMEDIATE: the API and the worker may start together; one migrates, the other waits. */
	if (sqlite3_exec(d->db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS "
	    "schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
	    NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(d->db, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	util_iso_now(stamp);
	for (i = 0; i < store_nmigrations; i++) {
		if (store_migrations[i].version <= have)
			continue;
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES "
		    "(%d, '%s')", store_migrations[i].version, stamp);
		if (sqlite3_exec(d->db, store_migrations[i].sql, NULL, NULL,
		    &msg) != SQLITE_OK ||
		    sqlite3_exec(d->db, ins, NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "migration: %s", msg != NULL ? msg :
	    sqlite3_errmsg(d->db));
	sqlite3_free(msg);
	sqlite3_finalize(st);
	sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * SQLite counts every allocation under one global mutex unless told not
 * to: under load the API's threads were seen waiting on it (futex waits
 * from sqlite3Malloc), each on its own connection otherwise.  Must come
 * before SQLite initialises: once, first thing.
 */
static void
db_configure(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Waits for a lock another connection holds (mostly the write lock: WAL
 * readers do not wait for writers).  SQLite's own busy_timeout sleeps 1, 2, 5, 10 ... up to 100 ms between
 * tries: a create that lost the write lock a few times slept 100 ms at a go
 * while the lock, held for half a millisecond at a time, went to others
 * (p99 near 1 s under a flood of creates, docs/benchmarks.md).  Tries every
 * 50 us at first, then every 200 us, then every millisecond, for 5 s.
 */
#define BUSY_WAIT_MS	5000

static int
db_busy(void *arg, int n)
{
	struct lite	*d = arg;
	struct timespec	 step = { 0, n < 20 ? 50000 : n < 100 ? 200000 : 1000000 };
	int64_t		 now = util_now_ms();

	if (n == 0)
		d->busy_since = now;
	else if (now - d->busy_since >= d->busy_ms)
		return 0;
	nanosleep(&step, NULL);
	return 1;
}

/*
 * Opening is serialised between processes by a lock on the database's
 * directory.  busy_timeout does not cover it: switching a new file to WAL
 * needs an exclusive lock that SQLite refuses at once, without the busy
 * handler, while another connection holds a shared one (waiting could
 * deadlock), so the API and the worker starting together on a fresh data
 * directory failed now and then with "database is locked".  A directory,
 * not a file beside the database: closing any descriptor of the database
 * file itself would drop SQLite's own POSIX locks in this process.
 */
#define OPEN_LOCK_WAIT_MS	30000

static int
db_open_lock(const char *path, char *err, size_t errlen)
{
	char		 dir[PATH_MAX];
	struct timespec	 step = { 0, 10 * 1000 * 1000 };
	int		 fd, waited;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(dir, path, strlen(path) + 1);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; waited += 10) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			/* A file system without flock: SQLite's own locks only. */
			if (errno == ENOLCK || errno == EOPNOTSUPP)
				return fd;
			snprintf(err, errlen, "%s: lock: %s", dir, strerror(errno));
			close(fd);
			return -1;
		}
		if (waited >= OPEN_LOCK_WAIT_MS) {
			snprintf(err, errlen, "%s: another program has been setting "
			    "up the database for %d s", dir, OPEN_LOCK_WAIT_MS / 1000);
			close(fd);
			return -1;
		}
		nanosleep(&step, NULL);
	}
	return fd;
}

/* The database file at path, created and migrated if need be; NULL and err. */
struct db *
db_sqlite_open(const char *path, char *err, size_t errlen)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;

	struct lite	*d;
	char		*msg = NULL;
	int		 lockfd;

	(void)pthread_once(&once, db_configure);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base.ops = &lite_ops;
	d->base.kind = DB_SQLITE;
	if ((lockfd = db_open_lock(path, err, errlen)) == -1) {
		free(d);
		return NULL;
	}
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	d->busy_ms = BUSY_WAIT_MS;
	sqlite3_busy_handler(d->db, db_busy, d);
	/*
	 * WAL lets the API read while the worker writes.  synchronous=NORMAL in WAL
	 * mode survives a crash of either program; only a power cut can lose the
	 * last commits, which a downloader can afford for its throughput.
	 */
	if (sqlite3_exec(d->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	    NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (db_migrate(d, err, errlen) == -1)
		goto fail_quiet;
	close(lockfd);
	return &d->base;
fail:
	snprintf(err, errlen, "%s: %s", path, msg != NULL ? msg :
	    (d->db != NULL ? sqlite3_errmsg(d->db) : "cannot open"));
fail_quiet:
	sqlite3_free(msg);
	lite_close(&d->base);
	close(lockfd);
	return NULL;
}

/* Every statement of the connection must have been finalized. */
static void
lite_close(struct db *d)
{
	sqlite3_close(conn(d)->db);
	free(conn(d));
}

/*
 * Checkpoints (the WAL copied back into the database) are the worker's, on
 * a timer (db_sqlite_checkpoint).  SQLite's default has the connection whose
 * commit takes the WAL past 1000 pages do it there and then: under a flood
 * of creates that was an API thread between its commit and its answer, on
 * almost every commit once the WAL could no longer start over (below), and
 * the WAL grew on all the same (docs/benchmarks.md, item 8).  pages: past
 * how many a commit of this connection still checkpoints (0: never); the
 * API's do past a large number, for when no worker runs.
 */
void
db_sqlite_autocheckpoint(struct db *d, int pages)
{
	(void)sqlite3_wal_autocheckpoint(conn(d)->db, pages);
}

/*
 * Copies what it can of the WAL back without waiting for anyone (PASSIVE).
 * That alone never lets the WAL start over while commits keep coming: a
 * checkpoint always ends behind the commits made while it ran, and the WAL
 * grew by some 50 MB a second under a flood of creates.  So past
 * WAL_RESTART_PAGES a second PASSIVE copies what came during the first, and
 * a RESTART the little left: it holds new writers back while it does so
 * (a few milliseconds, measured) and until readers have left the WAL, which
 * then starts over.  It waits at most RESTART_WAIT_MS for them, so that a
 * reader streaming a long list cannot stall every create; it is tried again
 * at the next call.
 */
#define WAL_RESTART_PAGES	4096	/* 16 MiB of WAL */
#define RESTART_WAIT_MS		20

int
db_sqlite_checkpoint(struct db *d)
{
	int	 rc, pages = 0;

	rc = sqlite3_wal_checkpoint_v2(conn(d)->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &pages, NULL);
	if (rc == SQLITE_OK && pages > WAL_RESTART_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(conn(d)->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
		db_busy_wait(d, RESTART_WAIT_MS);
		rc = sqlite3_wal_checkpoint_v2(conn(d)->db, NULL,
		    SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		db_busy_wait(d, 0);
	}
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 1 : -1;
}

static void
lite_busy_wait(struct db *d, int ms)
{
	conn(d)->busy_ms = ms > 0 ? ms : BUSY_WAIT_MS;
	if (conn(d)->busy_cap > 0 && conn(d)->busy_ms > conn(d)->busy_cap)
		conn(d)->busy_ms = conn(d)->busy_cap;
}

static void
lite_busy_cap(struct db *d, int ms)
{
	conn(d)->busy_cap = ms;
	lite_busy_wait(d, conn(d)->busy_ms);
}

/* The query plan of sql, one step a line (EXPLAIN QUERY PLAN's detail column). */
int
db_sqlite_plan(struct db *d, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt	*st = NULL;
	char		 q[2048];
	size_t		 n = 0;
	int		 rc;

	buf[0] = '\0';
	if ((size_t)snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql) >=
	    sizeof(q) || sqlite3_prepare_v2(conn(d)->db, q, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s\n",
		    (const char *)sqlite3_column_text(st, 3));
	if (rc != SQLITE_DONE || n >= len)
		goto fail;
	sqlite3_finalize(st);
	return 1;
fail:
	sqlite3_finalize(st);
	return -1;
}

static const struct db_ops lite_ops = {
	.prepare =	lite_prepare,
	.finalize =	lite_finalize,
	.bind_text =	lite_bind_text,
	.bind_int64 =	lite_bind_int64,
	.bind_double =	lite_bind_double,
	.bind_null =	lite_bind_null,
	.step =		lite_step,
	.reset =	lite_reset,
	.col_text =	lite_col_text,
	.col_len =	lite_col_len,
	.col_int64 =	lite_col_int64,
	.col_double =	lite_col_double,
	.col_null =	lite_col_null,
	.changes =	lite_changes,
	.errmsg =	lite_errmsg,
	.busy_wait =	lite_busy_wait,
	.busy_cap =	lite_busy_cap,
	.close =	lite_close,
};
