/* db.c: db.h's calls, passed to the backend the connection was opened with. */
#include "db_backend.h"

struct db_stmt *
db_prepare(struct db *d, const char *sql)
{
	return d->ops->prepare(d, sql);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->ops->finalize(st);
}

int
db_bind_text(struct db_stmt *st, int i, const char *v)
{
	return st->ops->bind_text(st, i, v);
}

int
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return st->ops->bind_int64(st, i, v);
}

int
db_bind_double(struct db_stmt *st, int i, double v)
{
	return st->ops->bind_double(st, i, v);
}

int
db_bind_null(struct db_stmt *st, int i)
{
	return st->ops->bind_null(st, i);
}

int
db_step(struct db_stmt *st)
{
	return st->ops->step(st);
}

void
db_reset(struct db_stmt *st)
{
	st->ops->reset(st);
}

const char *
db_col_text(struct db_stmt *st, int col)
{
	return st->ops->col_text(st, col);
}

size_t
db_col_len(struct db_stmt *st, int col)
{
	return st->ops->col_len(st, col);
}

int
db_col_int(struct db_stmt *st, int col)
{
	return (int)st->ops->col_int64(st, col);
}

int64_t
db_col_int64(struct db_stmt *st, int col)
{
	return st->ops->col_int64(st, col);
}

double
db_col_double(struct db_stmt *st, int col)
{
	return st->ops->col_double(st, col);
}

int
db_col_null(struct db_stmt *st, int col)
{
	return st->ops->col_null(st, col);
}

int
db_changes(struct db *d)
{
	return d->ops->changes(d);
}

const char *
db_errmsg(struct db *d)
{
	return d->ops->errmsg(d);
}

void
db_busy_wait(struct db *d, int ms)
{
	d->ops->busy_wait(d, ms);
}

void
db_busy_cap(struct db *d, int ms)
{
	d->ops->busy_cap(d, ms);
}

void
db_close(struct db *d)
{
	if (d != NULL)
		d->ops->close(d);
}

enum db_kind
db_kind(const struct db *d)
{
	return d->kind;
}
