/* db_pg.c: the PostgreSQL backend of db.h (libpq), and what only PostgreSQL has. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "pqlib.h"
#include "util.h"

struct migration {
	int		 version;
	const char	*sql;
};
/* Generated at build time from sql/pg/NNN_*.sql. */
extern const struct migration	store_pg_migrations[];
extern const size_t		store_pg_nmigrations;

/* The channel sql/pg/002_notify.sql's triggers notify. */
#define CHANNEL		"offlinetube"
/* How long a statement waits for a lock by default, as SQLite's busy wait. */
#define BUSY_WAIT_MS	5000
/* Parameters a statement may have: store.c's most is 19. */
#define MAX_PARAMS	32
/* Room for a number formatted as text: 64-bit integers and %.17g doubles. */
#define NUM_LEN		32
/*
 * A lost server is asked again after RETRY_FIRST_MS, then twice as long
 * each time up to RETRY_MAX_MS: meanwhile a statement fails at once, so a
 * caller's loop (the worker's 50 ms tick) neither waits in a connect at
 * every turn nor knocks at a server that is down.
 */
#define RETRY_FIRST_MS	250
#define RETRY_MAX_MS	8000
/* A connect that hangs (a host gone from the network) ends after this, unless the URI says. */
#define CONNECT_TIMEOUT	"5"

struct pg {
	struct db	 base;		/* first: db.c's calls see a struct db */
	PGconn		*conn;
	char		 err[512];	/* the last error, said once */
	int		 changes;	/* db_changes() */
	int		 in_tx;		/* the last statement left a transaction open */
	int		 nstmts;	/* statements made: each one's name */
	unsigned	 gen;		/* sessions: bumped at each pqlib.PQreset() */
	int		 busy_ms;	/* lock_timeout asked for */
	int		 busy_cap;	/* never longer, 0: none */
	int		 busy_set;	/* lock_timeout the server has */
	int		 notified;	/* a notification came since db_pg_notified() */
	int		 listening;	/* LISTEN sent: the worker's connection only */
	int		 retry_ms;	/* the wait after the last failed reset, 0: none */
	int64_t		 retry_at;	/* no reset before then (util_now_ms()) */
};

struct pg_stmt {
	struct db_stmt	 base;
	struct pg	*pg;
	char		*sql;
	char		 name[16];	/* "s<n>": its name on the server */
	unsigned	 gen;		/* the session it is prepared in */
	int		 nparams;
	const char	*values[MAX_PARAMS];
	char		 nums[MAX_PARAMS][NUM_LEN];
	PGresult	*res;
	int		 row;		/* the row the last step returned */
	int		 ran;		/* the first step ran it */
};

static const struct db_ops	pg_ops;

static struct pg *
conn(struct db *d)
{
	return (struct pg *)(void *)d;
}

static struct pg_stmt *
pst(struct db_stmt *st)
{
	return (struct pg_stmt *)(void *)st;
}

/* libpq's messages end with a newline (some go on with a DETAIL): the first line is kept. */
static void
pg_seterr(struct pg *p, const char *msg)
{
	size_t	 n;

	snprintf(p->err, sizeof(p->err), "%s", msg != NULL && *msg != '\0' ?
	    msg : "PostgreSQL: unknown error");
	n = strcspn(p->err, "\n");
	p->err[n] = '\0';
}

/* Class 23, integrity constraint violation: UNIQUE, CHECK, foreign keys. */
static int
pg_failed(struct pg *p, PGresult *r)
{
	const char	*state = pqlib.PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char	*msg = pqlib.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	/*
	 * lock_timeout ran out (lock_not_available): said as SQLite says its
	 * busy wait's end, so that the logs read alike whichever the store.
	 */
	if (state != NULL && strcmp(state, "55P03") == 0)
		msg = "database is locked";
	pg_seterr(p, msg != NULL ? msg : pqlib.PQerrorMessage(p->conn));
	return state != NULL && strncmp(state, "23", 2) == 0 ?
	    DB_CONSTRAINT : DB_ERROR;
}

static int
pg_exec_simple(struct pg *p, const char *sql)
{
	PGresult	*r;
	int		 ok;

	r = pqlib.PQexec(p->conn, sql);
	ok = pqlib.PQresultStatus(r) == PGRES_COMMAND_OK ||
	    pqlib.PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		(void)pg_failed(p, r);
	pqlib.PQclear(r);
	return ok ? 0 : -1;
}

/*
 * Only a connection that reads its notifications listens (the worker's,
 * from its first db_pg_socket() or db_pg_notified()): libpq keeps every
 * notification a connection receives until it is read, and the API's
 * connections never read them.
 */
static int
pg_listen(struct pg *p)
{
	if (pg_exec_simple(p, "LISTEN " CHANNEL) == -1)
		return -1;
	p->listening = 1;
	return 0;
}

/*
 * A connection the server dropped (restart, network) is reset at the next
 * statement outside a transaction.  Inside one, the transaction is lost:
 * the statement that finds it so fails, and the next (store.c's ROLLBACK)
 * starts a new session.  A reset that fails is not tried again before its
 * backoff ends: until then statements fail at once with its error.
 */
static int
pg_alive(struct pg *p)
{
	if (pqlib.PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	if (p->in_tx) {
		p->in_tx = 0;
		pg_seterr(p, "PostgreSQL: the connection was lost in a transaction");
		return -1;
	}
	if (util_now_ms() < p->retry_at)
		return -1;
	pqlib.PQreset(p->conn);
	if (pqlib.PQstatus(p->conn) != CONNECTION_OK) {
		pg_seterr(p, pqlib.PQerrorMessage(p->conn));
		p->retry_ms = p->retry_ms == 0 ? RETRY_FIRST_MS :
		    p->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : p->retry_ms * 2;
		p->retry_at = util_now_ms() + p->retry_ms;
		return -1;
	}
	p->retry_ms = 0;
	p->retry_at = 0;
	/* A new session: nothing prepared, no LISTEN, the usual lock wait. */
	p->gen++;
	p->busy_set = 0;
	if (p->listening && pg_listen(p) == -1)
		return -1;
	p->notified = 1;	/* what changed meanwhile is unknown: look */
	return 1;
}

/* lock_timeout as db_busy_wait() asked, sent only when it differs. */
static int
pg_lock_timeout(struct pg *p)
{
	char	 q[64];
	int	 ms = p->busy_ms;

	if (p->busy_cap > 0 && ms > p->busy_cap)
		ms = p->busy_cap;
	if (ms == p->busy_set)
		return 0;
	snprintf(q, sizeof(q), "SET lock_timeout = %d", ms);
	if (pg_exec_simple(p, q) == -1)
		return -1;
	p->busy_set = ms;
	return 0;
}

/* The statement prepared in the connection's session, under its name. */
static int
pg_server_prepare(struct pg_stmt *ps)
{
	struct pg	*p = ps->pg;
	PGresult	*r;
	int		 rc = DB_DONE;

	r = pqlib.PQprepare(p->conn, ps->name, ps->sql, 0, NULL);
	if (pqlib.PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_failed(p, r);
	else
		ps->gen = p->gen;
	pqlib.PQclear(r);
	return rc;
}

static struct db_stmt *
pg_prepare(struct db *d, const char *sql)
{
	struct pg	*p = conn(d);
	struct pg_stmt	*ps;
	const char	*c;
	int		 n, max = 0;

	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->sql = strdup(sql)) == NULL) {
		free(ps);
		pg_seterr(p, "out of memory");
		return NULL;
	}
	/* The highest $N: how many values PQexecPrepared sends. */
	for (c = sql; (c = strchr(c, '$')) != NULL; c++) {
		n = atoi(c + 1);
		if (n > max)
			max = n;
	}
	if (max > MAX_PARAMS) {
		free(ps->sql);
		free(ps);
		pg_seterr(p, "too many parameters");
		return NULL;
	}
	ps->base.ops = &pg_ops;
	ps->pg = p;
	ps->nparams = max;
	snprintf(ps->name, sizeof(ps->name), "s%d", p->nstmts++);
	if (pg_alive(p) == -1 || pg_server_prepare(ps) != DB_DONE) {
		free(ps->sql);
		free(ps);
		return NULL;
	}
	return &ps->base;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt	*ps = pst(st);

	pqlib.PQclear(ps->res);
	free(ps->sql);
	free(ps);
}

static int
pg_bind(struct pg_stmt *ps, int i, const char *v)
{
	if (i < 1 || i > ps->nparams)
		return -1;
	ps->values[i - 1] = v;
	return 0;
}

static int
pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	return pg_bind(pst(st), i, v);
}

static int
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_stmt	*ps = pst(st);

	if (i < 1 || i > ps->nparams)
		return -1;
	snprintf(ps->nums[i - 1], NUM_LEN, "%" PRId64, v);
	return pg_bind(ps, i, ps->nums[i - 1]);
}

static int
pg_bind_double(struct db_stmt *st, int i, double v)
{
	struct pg_stmt	*ps = pst(st);

	if (i < 1 || i > ps->nparams)
		return -1;
	snprintf(ps->nums[i - 1], NUM_LEN, "%.17g", v);
	return pg_bind(ps, i, ps->nums[i - 1]);
}

static int
pg_bind_null(struct db_stmt *st, int i)
{
	return pg_bind(pst(st), i, NULL);
}

/* Runs the statement whole: prepared first if this session has not yet. */
static int
pg_run(struct pg_stmt *ps)
{
	struct pg	*p = ps->pg;
	const char	*cmd;
	int		 rc;

	if (pg_alive(p) == -1 || pg_lock_timeout(p) == -1)
		return DB_ERROR;
	/* The name again after a reset: the old session's statements are gone. */
	if (ps->gen != p->gen && (rc = pg_server_prepare(ps)) != DB_DONE)
		return rc;
	ps->res = pqlib.PQexecPrepared(p->conn, ps->name, ps->nparams, ps->values,
	    NULL, NULL, 0);
	p->in_tx = pqlib.PQtransactionStatus(p->conn) == PQTRANS_INTRANS ||
	    pqlib.PQtransactionStatus(p->conn) == PQTRANS_INERROR;
	switch (pqlib.PQresultStatus(ps->res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		break;
	default:
		return pg_failed(p, ps->res);
	}
	cmd = pqlib.PQcmdStatus(ps->res);
	/* INSERT, UPDATE, DELETE (RETURNING too) count; SELECT leaves it. */
	if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
	    strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0)
		p->changes = atoi(pqlib.PQcmdTuples(ps->res));
	return DB_DONE;
}

static int
pg_step(struct db_stmt *st)
{
	struct pg_stmt	*ps = pst(st);
	int		 rc;

	if (!ps->ran) {
		ps->ran = 1;
		ps->row = -1;
		if ((rc = pg_run(ps)) != DB_DONE)
			return rc;
	}
	if (ps->res == NULL)
		return DB_ERROR;
	if (ps->row + 1 < pqlib.PQntuples(ps->res)) {
		ps->row++;
		return DB_ROW;
	}
	ps->row = pqlib.PQntuples(ps->res);
	return DB_DONE;
}

static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt	*ps = pst(st);

	pqlib.PQclear(ps->res);
	ps->res = NULL;
	ps->ran = 0;
	ps->row = -1;
	memset(ps->values, 0, sizeof(ps->values));
}

static int
pg_has(struct pg_stmt *ps, int col)
{
	return ps->res != NULL && ps->row >= 0 &&
	    ps->row < pqlib.PQntuples(ps->res) && col >= 0 && col < pqlib.PQnfields(ps->res);
}

static const char *
pg_col_text(struct db_stmt *st, int col)
{
	struct pg_stmt	*ps = pst(st);

	if (!pg_has(ps, col) || pqlib.PQgetisnull(ps->res, ps->row, col))
		return NULL;
	return pqlib.PQgetvalue(ps->res, ps->row, col);
}

static size_t
pg_col_len(struct db_stmt *st, int col)
{
	struct pg_stmt	*ps = pst(st);

	if (!pg_has(ps, col) || pqlib.PQgetisnull(ps->res, ps->row, col))
		return 0;
	return (size_t)pqlib.PQgetlength(ps->res, ps->row, col);
}

/* A boolean column ("t" or "f") as SQLite's 1 or 0: 1 when v is one, *truth set. */
static int
pg_truth(const char *v, int *truth)
{
	if ((v[0] != 't' && v[0] != 'f') || v[1] != '\0')
		return 0;
	*truth = v[0] == 't';
	return 1;
}

static int64_t
pg_col_int64(struct db_stmt *st, int col)
{
	const char	*v = pg_col_text(st, col);
	int		 truth;

	if (v == NULL)
		return 0;
	if (pg_truth(v, &truth))
		return truth;
	/* A float column read as an integer truncates, as SQLite's does. */
	if (strpbrk(v, ".eE") != NULL)
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

static double
pg_col_double(struct db_stmt *st, int col)
{
	const char	*v = pg_col_text(st, col);
	int		 truth;

	if (v == NULL)
		return 0;
	if (pg_truth(v, &truth))
		return truth;
	return strtod(v, NULL);
}

static int
pg_col_null(struct db_stmt *st, int col)
{
	struct pg_stmt	*ps = pst(st);

	return !pg_has(ps, col) || pqlib.PQgetisnull(ps->res, ps->row, col);
}

static int
pg_changes(struct db *d)
{
	return conn(d)->changes;
}

static const char *
pg_errmsg(struct db *d)
{
	return conn(d)->err;
}

static void
pg_busy_wait(struct db *d, int ms)
{
	conn(d)->busy_ms = ms > 0 ? ms : BUSY_WAIT_MS;
}

static void
pg_busy_cap(struct db *d, int ms)
{
	conn(d)->busy_cap = ms;
}

static void
pg_close(struct db *d)
{
	pqlib.PQfinish(conn(d)->conn);
	free(conn(d));
}

/*
 * Migrations under an advisory lock: the API and the worker may start
 * together, one migrates and the other waits, then finds nothing to do.
 * Each migration and its schema_migrations row commit together.
 */
#define MIGRATE_LOCK	"SELECT pg_advisory_lock(1869901940)"
#define MIGRATE_UNLOCK	"SELECT pg_advisory_unlock(1869901940)"

static int
pg_migrate(struct pg *p, char *err, size_t errlen)
{
	PGresult	*r = NULL;
	char		 stamp[ISO_TIME_LEN], ins[128];
	int		 have, locked = 0;
	size_t		 i;

	if (pg_exec_simple(p, MIGRATE_LOCK) == -1)
		goto fail;
	locked = 1;
	if (pg_exec_simple(p, "CREATE TABLE IF NOT EXISTS schema_migrations "
	    "(version bigint PRIMARY KEY, applied_at text NOT NULL)") == -1)
		goto fail;
	r = pqlib.PQexec(p->conn, "SELECT coalesce(max(version), 0) FROM "
	    "schema_migrations");
	if (pqlib.PQresultStatus(r) != PGRES_TUPLES_OK || pqlib.PQntuples(r) != 1) {
		(void)pg_failed(p, r);
		goto fail;
	}
	have = atoi(pqlib.PQgetvalue(r, 0, 0));
	pqlib.PQclear(r);
	r = NULL;
	util_iso_now(stamp);
	for (i = 0; i < store_pg_nmigrations; i++) {
		if (store_pg_migrations[i].version <= have)
			continue;
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES "
		    "(%d, '%s')", store_pg_migrations[i].version, stamp);
		if (pg_exec_simple(p, "BEGIN") == -1)
			goto fail;
		if (pg_exec_simple(p, store_pg_migrations[i].sql) == -1 ||
		    pg_exec_simple(p, ins) == -1 ||
		    pg_exec_simple(p, "COMMIT") == -1) {
			pqlib.PQclear(pqlib.PQexec(p->conn, "ROLLBACK"));
			goto fail;
		}
	}
	if (pg_exec_simple(p, MIGRATE_UNLOCK) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "migration: %s", p->err);
	pqlib.PQclear(r);
	if (locked)
		pqlib.PQclear(pqlib.PQexec(p->conn, MIGRATE_UNLOCK));
	return -1;
}

/* libpq's notices (a NOTICE of CREATE ... IF NOT EXISTS) are not ours to print. */
static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * The database at uri (a libpq connection URI), migrated if need be; NULL
 * and err.  err never holds the URI: libpq quotes a connection string it
 * cannot parse, and the URI may carry a password.
 */
struct db *
db_pg_open(const char *uri, char *err, size_t errlen)
{
	/* connect_timeout first: the URI's own, expanded after it, wins. */
	static const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char	*values[] = { CONNECT_TIMEOUT, uri, NULL };
	struct pg	*p;
	const char	*msg;

	err[0] = '\0';
	if (pqlib_load(err, errlen) == -1)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->base.ops = &pg_ops;
	p->base.kind = DB_PG;
	p->busy_ms = BUSY_WAIT_MS;
	p->notified = 1;	/* the first db_pg_notified() says 1, as SQLite's first look */
	p->conn = pqlib.PQconnectdbParams(keys, values, 1);
	if (p->conn == NULL || pqlib.PQstatus(p->conn) != CONNECTION_OK) {
		msg = p->conn != NULL ? pqlib.PQerrorMessage(p->conn) : "out of memory";
		/* An unparsable URI's message quotes it: say that alone. */
		if (strstr(msg, uri) != NULL || strstr(msg, "invalid") != NULL ||
		    strstr(msg, "missing") != NULL)
			pg_seterr(p, "PostgreSQL: the connection URI is not valid");
		else
			pg_seterr(p, msg);
		snprintf(err, errlen, "PostgreSQL: %s", p->err);
		goto fail;
	}
	pqlib.PQsetNoticeProcessor(p->conn, pg_quiet, NULL);
	/* Every time the store writes is UTC text: the session's zone is not used. */
	if (pg_exec_simple(p, "SET TIME ZONE 'UTC'") == -1 ||
	    pg_migrate(p, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "PostgreSQL: %s", p->err);
		goto fail;
	}
	return &p->base;
fail:
	pqlib.PQfinish(p->conn);
	free(p);
	return NULL;
}

/* The connection's socket, for poll(): readable when a notification comes. */
int
db_pg_socket(struct db *d)
{
	struct pg	*p = conn(d);

	if (!p->listening && pg_alive(p) != -1)
		(void)pg_listen(p);
	return pqlib.PQsocket(p->conn);
}

/*
 * 1 when another connection committed a change to tasks, look-ups,
 * subscriptions or deliveries since the last call (002_notify.sql's
 * triggers; the first call always says 1), 0 when none, -1 and
 * db_errmsg() when the connection is lost and cannot be made again.
 * Our own commits' notifications are read away and not counted.
 */
int
db_pg_notified(struct db *d)
{
	struct pg	*p = conn(d);
	PGnotify	*n;
	int		 pid, rc;

	if (pg_alive(p) == -1 || (!p->listening && pg_listen(p) == -1))
		return -1;
	if (pqlib.PQconsumeInput(p->conn) == 0) {
		pg_seterr(p, pqlib.PQerrorMessage(p->conn));
		return -1;
	}
	pid = pqlib.PQbackendPID(p->conn);
	while ((n = pqlib.PQnotifies(p->conn)) != NULL) {
		if (n->be_pid != pid)
			p->notified = 1;
		pqlib.PQfreemem(n);
	}
	rc = p->notified;
	p->notified = 0;
	return rc;
}

static const struct db_ops pg_ops = {
	.prepare =	pg_prepare,
	.finalize =	pg_finalize,
	.bind_text =	pg_bind_text,
	.bind_int64 =	pg_bind_int64,
	.bind_double =	pg_bind_double,
	.bind_null =	pg_bind_null,
	.step =		pg_step,
	.reset =	pg_reset,
	.col_text =	pg_col_text,
	.col_len =	pg_col_len,
	.col_int64 =	pg_col_int64,
	.col_double =	pg_col_double,
	.col_null =	pg_col_null,
	.changes =	pg_changes,
	.errmsg =	pg_errmsg,
	.busy_wait =	pg_busy_wait,
	.busy_cap =	pg_busy_cap,
	.close =	pg_close,
};
