/* unitdb.h: the store's tests on SQLite or on PostgreSQL, as run.sh asks. */
#ifndef OT_UNITDB_H
#define OT_UNITDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"

/*
 * OFFLINETUBE_TEST_BACKEND=postgresql: the tests' databases are databases
 * of the server OFFLINETUBE_TEST_PG names (run.sh starts one), else SQLite
 * files.  A test that reads SQLite's files itself asks unit_pg() and skips.
 */
static inline int
unit_pg(void)
{
	const char	*b = getenv("OFFLINETUBE_TEST_BACKEND");

	return b != NULL && strcmp(b, "postgresql") == 0;
}

/*
 * What store_open() takes for the SQLite file at path: the path itself, or
 * on PostgreSQL a database named after the file, made empty at its first
 * use in this process.  NULL if the server could not make it.
 */
static inline const char *
unit_database(const char *path, char *buf, size_t len)
{
	static char	 made[32][64];
	static int	 nmade;
	const char	*uri = getenv("OFFLINETUBE_TEST_PG"), *base, *q;
	char		 name[64], sql[160];
	PGconn		*c;
	PGresult	*r;
	size_t		 i, n = 0;
	int		 k, ok = 1;

	if (!unit_pg()) {
		snprintf(buf, len, "%s", path);
		return buf;
	}
	if (uri == NULL || (q = strstr(uri, "/offlinetube?")) == NULL)
		return NULL;
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	n = (size_t)snprintf(name, sizeof(name), "t_");
	for (i = 0; base[i] != '\0' && n + 1 < sizeof(name); i++)
		name[n++] = (base[i] >= 'a' && base[i] <= 'z') ||
		    (base[i] >= '0' && base[i] <= '9') ? base[i] : '_';
	name[n] = '\0';
	snprintf(buf, len, "%.*s/%s%s", (int)(q - uri), uri, name,
	    q + strlen("/offlinetube"));
	for (k = 0; k < nmade; k++)
		if (strcmp(made[k], name) == 0)
			return buf;
	if ((c = PQconnectdb(uri)) == NULL || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	PQfinish(c);
	if (!ok)
		return NULL;
	/*
	 * The tests' own checks are written in SQLite's SQL: the few SQLite
	 * functions they use, for them alone (SQLite's JSON paths are
	 * PostgreSQL's jsonpath for what the tests ask).
	 */
	if ((c = PQconnectdb(buf)) == NULL || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	r = PQexec(c,
	    "CREATE FUNCTION json_extract(j text, p text) RETURNS text "
	    "LANGUAGE sql RETURN jsonb_path_query_first(j::jsonb, p::jsonpath) #>> '{}';"
	    "CREATE FUNCTION json_array_length(j text, p text) RETURNS int "
	    "LANGUAGE sql RETURN jsonb_array_length(jsonb_path_query_first(j::jsonb, "
	    "p::jsonpath));"
	    "CREATE FUNCTION strftime(f text, n text) RETURNS bigint "
	    "LANGUAGE sql RETURN extract(epoch FROM now())::bigint;");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	PQfinish(c);
	if (!ok)
		return NULL;
	if (nmade < 32)
		snprintf(made[nmade++], sizeof(made[0]), "%s", name);
	return buf;
}

/* store_open() of the database unit_database() gives for path. */
static inline struct store *
unit_store_open(const char *path, char *err, size_t errlen)
{
	char	 db[512];

	if (unit_database(path, db, sizeof(db)) == NULL) {
		snprintf(err, errlen, "no test database for %s", path);
		return NULL;
	}
	return store_open(db, err, errlen);
}

/*
 * The first column of the first row sql answers, as an integer, in the
 * database of path (either backend); -1 when none.  For statements run for
 * what they do, -1 too when they fail, else 0.
 */
static inline long long
unit_sql_int(const char *path, const char *sql)
{
	char		 db[512];
	long long	 v = -1;
	sqlite3		*lite;
	sqlite3_stmt	*st;
	PGconn		*c;
	PGresult	*r;
	int		 rc;

	if (unit_database(path, db, sizeof(db)) == NULL)
		return -1;
	if (unit_pg()) {
		if ((c = PQconnectdb(db)) == NULL || PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			return -1;
		}
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			v = PQgetisnull(r, 0, 0) ? -1 :
			    strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? 1 :
			    atoll(PQgetvalue(r, 0, 0));
		else if (PQresultStatus(r) == PGRES_COMMAND_OK)
			v = 0;
		PQclear(r);
		PQfinish(c);
		return v;
	}
	if (sqlite3_open(db, &lite) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(lite, sql, -1, &st, NULL) == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		else if (rc == SQLITE_DONE)
			v = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(lite);
	return v;
}

#endif /* OT_UNITDB_H */
