/* db.h: what store.c asks of a database backend, statement by statement. */
/*
 * store.c holds the SQL and the store_* functions; a backend runs them:
 * SQLite (db_sqlite.c) or PostgreSQL (db_pg.c, libpq).  The calls are
 * shaped so that both sit behind them unchanged:
 *
 *  - A statement is prepared once per connection from its text, at first
 *    use, and kept until the connection closes.  Parameters are numbered
 *    from 1; the text names them ?N on SQLite and $N on PostgreSQL (each
 *    backend has its own text of every statement).
 *  - Values are bound as text, a 64-bit integer, a double, or NULL; a
 *    backend that sends parameters as text (libpq) formats the numbers
 *    itself, into memory the statement owns.  Where the server needs a
 *    parameter's type, the backend's text of the statement says it
 *    ($1::bigint): nothing here carries types.
 *  - db_step() runs the statement at its first call and then walks its
 *    rows; libpq executes it whole at the first step and keeps the
 *    PGresult, which later steps walk and db_reset() frees.
 *  - Columns are read from the row the last db_step() returned.
 *
 * What every backend guarantees:
 *
 *  1. db_step() returns DB_ROW while there is a row, then DB_DONE once,
 *     having run the statement to its end (a write is then made, within
 *     the transaction if one is open).  A failed step returns DB_ERROR, or
 *     DB_CONSTRAINT when a UNIQUE, CHECK or foreign key refused the row;
 *     db_errmsg() then says why.  Stepping again after DB_DONE or an error
 *     is not allowed: db_reset() first.
 *  2. A statement that returns rows (RETURNING included) has made its
 *     change by the time the first DB_ROW comes back, even if the caller
 *     never steps to DB_DONE; db_reset() does not undo it.
 *  3. db_reset() makes the statement ready to be bound and run again,
 *     forgets every binding (an unbound parameter is NULL) and frees what
 *     the last run held; it is safe on a statement never stepped.
 *  4. Text bound with db_bind_text() is not copied: the caller keeps it
 *     valid until db_reset() (SQLite may read it at any step; libpq reads
 *     it at the first).  Text read with db_col_text() is valid until the next step or
 *     reset of that statement; db_col_len() is its length in bytes, the
 *     terminating NUL not counted, read after db_col_text().
 *  5. A column read as an integer gives booleans as 1 and 0 (PostgreSQL's
 *     't' and 'f' included) and NULL as 0; db_col_null() tells NULL apart.
 *  6. db_changes() is the number of rows the last statement that ran to
 *     its end on this connection inserted, updated or deleted (libpq:
 *     PQcmdTuples of its result); other statements (SELECT, BEGIN) leave
 *     it as it was or set it to 0, never to a count of rows returned.
 *  7. Transactions are statements like the others (store.c's STMT_BEGIN,
 *     STMT_COMMIT, STMT_ROLLBACK), so each backend's table says how it
 *     begins one.  What a transaction of store.c's reads is not changed by
 *     another before it commits: SQLite takes the write lock at its start
 *     (BEGIN IMMEDIATE); PostgreSQL's text of such reads locks the rows it
 *     reads (FOR UPDATE).  A ROLLBACK with no transaction open is no
 *     error store.c looks at.
 *  8. Connections are not shared between threads; each thread opens its
 *     own, and nothing here takes a lock of its own.
 *
 * Opening, closing and what only one backend has (SQLite's checkpoints
 * and query plans, the data directory's lock, its migrations) are the
 * backend's own functions, named after it.  The calls above go through a
 * table of functions the connection and its statements get at their open
 * (db_backend.h, db.c), and store.c does not change.
 */
#ifndef OT_DB_H
#define OT_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_kind {
	DB_SQLITE,
	DB_PG,
};

/* What db_step() returns: errors are negative. */
#define DB_ROW		 1
#define DB_DONE		 0
#define DB_ERROR	-1
#define DB_CONSTRAINT	-2

/* NULL when the backend refused the text; db_errmsg() says why. */
struct db_stmt	*db_prepare(struct db *, const char *sql);
void		 db_finalize(struct db_stmt *);

/* 0, or -1 when the parameter number is out of range. */
int		 db_bind_text(struct db_stmt *, int i, const char *v);	/* NULL: SQL NULL */
int		 db_bind_int64(struct db_stmt *, int i, int64_t v);
int		 db_bind_double(struct db_stmt *, int i, double v);
int		 db_bind_null(struct db_stmt *, int i);

int		 db_step(struct db_stmt *);
void		 db_reset(struct db_stmt *);

const char	*db_col_text(struct db_stmt *, int col);	/* NULL: SQL NULL */
size_t		 db_col_len(struct db_stmt *, int col);
int		 db_col_int(struct db_stmt *, int col);
int64_t		 db_col_int64(struct db_stmt *, int col);
double		 db_col_double(struct db_stmt *, int col);
int		 db_col_null(struct db_stmt *, int col);

int		 db_changes(struct db *);
const char	*db_errmsg(struct db *);

/*
 * How long the next statements wait for a lock another connection holds
 * (SQLite: its busy handler; PostgreSQL: lock_timeout), after which the
 * step fails; 0 puts back the usual wait.  db_busy_cap(): never longer
 * than ms, whatever db_busy_wait() asks (0: no cap).
 */
void		 db_busy_wait(struct db *, int ms);
void		 db_busy_cap(struct db *, int ms);

void		 db_close(struct db *);
enum db_kind	 db_kind(const struct db *);

/* SQLite's own: see db_sqlite.c. */
struct db	*db_sqlite_open(const char *path, char *err, size_t errlen);
void		 db_sqlite_autocheckpoint(struct db *, int pages);
int		 db_sqlite_checkpoint(struct db *);
int		 db_sqlite_plan(struct db *, const char *sql, char *buf, size_t len);

/* PostgreSQL's own: see db_pg.c.  uri: a libpq connection URI. */
struct db	*db_pg_open(const char *uri, char *err, size_t errlen);
int		 db_pg_socket(struct db *);
int		 db_pg_notified(struct db *);

#endif
