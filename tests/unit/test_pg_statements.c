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

#include <libpq-fe.h>

#include "store_pg.h"
#include "unit.h"

#define SCHEMA	"sql/pg/001_schema.sql"

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (buf = malloc(len + 1)) == NULL ||
	    fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	} else
		buf[len] = '\0';
	fclose(f);
	return buf;
}

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

int
main(void)
{
	PGconn		*c = NULL;
	PGresult	*r;
	const char	*conninfo;
	char		*schema = NULL, name[32];
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
	CHECK((schema = slurp(SCHEMA)) != NULL);
	if (schema == NULL) {
		fprintf(stderr, "%s: %s\n", SCHEMA, strerror(errno));
		goto done;
	}
	CHECK(exec_ok(c, "BEGIN"));
	CHECK(exec_ok(c, schema));
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
done:
	free(schema);
	if (c != NULL) {
		if (PQstatus(c) == CONNECTION_OK)
			exec_ok(c, "DROP SCHEMA IF EXISTS unit_statements CASCADE");
		PQfinish(c);
	}
	return unit_done("test_pg_statements");
}
