/* test_shape.c: each closed set and each fixed text has one source, and the others agree with it. */
/*
 * Run from the top of the tree (tests/unit/run.sh is): it reads the files
 * that cannot include a C header, nginx's configuration and the web page,
 * and holds them to the tables they repeat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "msg.h"
#include "store.h"
#include "unit.h"

static char	 dir[] = "/tmp/ot-shape-XXXXXX";
static char	 dbpath[64];

/* The whole of a file, NUL-terminated; NULL when it cannot be read. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static int
in_msg_table(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < MSG__MAX; i++)
		if (msg_str[i] != NULL && strlen(msg_str[i]) == len &&
		    memcmp(msg_str[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * nginx answers some errors itself with a JSON body written in its
 * configuration: every "detail" there is a text of fcgi-app/msg.c, so the
 * API and nginx never spell one answer two ways.
 */
static void
test_nginx_details_are_in_the_message_table(void)
{
	static const char *const files[] = { "nginx/offlinetube.conf.in",
	    "nginx/offlinetube-site.conf.in", "nginx/offlinetube-snippet.conf.in" };
	static const char	 key[] = "\"detail\": \"";
	const char		*p, *end;
	char			*text;
	size_t			 i;
	int			 seen;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CHECK((text = slurp(files[i])) != NULL);
		if (text == NULL)
			continue;
		seen = 0;
		for (p = text; (p = strstr(p, key)) != NULL; p = end) {
			p += sizeof(key) - 1;
			if ((end = strchr(p, '"')) == NULL)
				break;
			seen++;
			if (!in_msg_table(p, (size_t)(end - p))) {
				fprintf(stderr, "%s: \"%.*s\" is not in msg.c\n",
				    files[i], (int)(end - p), p);
				CHECK(!"an nginx detail outside the message table");
			}
		}
		CHECK(seen > 0);
		free(text);
	}
}

/* Every entry of the table is filled: a gap would answer a NULL detail. */
static void
test_the_message_table_has_no_gaps(void)
{
	size_t	 i;

	for (i = 0; i < MSG__MAX; i++)
		CHECK(msg_str[i] != NULL && msg_str[i][0] != '\0');
}

/*
 * The names in "CHECK (column IN ('a', 'b', ...))" of the table's SQL as
 * the migrations leave it, compared with names[n] in order.
 */
static int
check_matches(const char *table, const char *column, const char *const *names,
    int n)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	const char	*sql, *p, *end;
	char		 head[64], want[32];
	int		 i, ok = 0;

	snprintf(head, sizeof(head), "CHECK (%s IN (", column);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?1", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (sql = (const char *)sqlite3_column_text(st, 0)) == NULL ||
	    (p = strstr(sql, head)) == NULL || (end = strchr(p, ')')) == NULL)
		goto done;
	p += strlen(head);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "'%s'", names[i]);
		p += strspn(p, " \t\n,");
		if (strncmp(p, want, strlen(want)) != 0 || p > end)
			goto done;
		p += strlen(want);
	}
	ok = *p == ')';
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/* The SQL CHECKs hold the very names of the enums, in their order. */
static void
test_the_schema_checks_the_enums_names(void)
{
	struct store	*s;
	char		 err[256];

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	store_close(s);
	CHECK(check_matches("tasks", "status", task_status_str, TASK_STATUS__MAX));
	CHECK(check_matches("lookups", "kind", lookup_kind_str, LOOKUP_KIND__MAX));
	CHECK(check_matches("lookups", "status", lookup_state_str,
	    LOOKUP_STATE__MAX));
	CHECK(check_matches("subscriptions", "state", sub_state_str,
	    SUB_STATE__MAX));
}

/* A name is read once into its enum; anything else is refused. */
static void
test_a_status_name_parses_to_its_enum(void)
{
	enum task_status	 st;
	int			 i;

	for (i = 0; i < TASK_STATUS__MAX; i++)
		CHECK(task_status_parse(task_status_str[i], &st) == 0 &&
		    (int)st == i);
	CHECK(task_status_parse("done", &st) == -1);
	CHECK(task_status_parse("Pending", &st) == -1);
	CHECK(task_status_parse("", &st) == -1);
}

/* The web page labels every status, and no status the API does not have. */
static void
test_the_web_page_labels_every_status(void)
{
	static const char	 head[] = "const STATUS_TEXT = {";
	char			*js, *p, *end, key[32];
	int			 i, n = 0, len;

	CHECK((js = slurp("web/tasks.js")) != NULL);
	if (js == NULL)
		return;
	if ((p = strstr(js, head)) == NULL || (end = strstr(p, "};")) == NULL) {
		CHECK(!"web/tasks.js has no STATUS_TEXT");
		free(js);
		return;
	}
	*end = '\0';
	for (p += sizeof(head) - 1; sscanf(p, " %31[a-z]:%n", key, &len) == 1;
	    p += len) {
		for (i = 0; i < TASK_STATUS__MAX; i++)
			if (strcmp(key, task_status_str[i]) == 0)
				break;
		if (i == TASK_STATUS__MAX)
			fprintf(stderr, "web/tasks.js: %s is no status\n", key);
		CHECK(i < TASK_STATUS__MAX);
		n++;
		if ((p = strchr(p + len, '\n')) == NULL)
			break;
		len = 0;
	}
	CHECK(n == TASK_STATUS__MAX);
	free(js);
}

#define SCHEMA_FILE	"sql/schema.sql"
#define SCHEMA_HEAD \
	"-- schema.sql: the database as the numbered migrations in sql/migrations/ leave it.\n" \
	"-- Generated, do not edit: `make schema` writes it from a database the migrations\n" \
	"-- made, and tests/unit/test_shape.c checks that it still is.  The programs never\n" \
	"-- read it: they apply the migrations, embedded at build time.  The comments are\n" \
	"-- those the migrations wrote inside each statement; why each change was made is\n" \
	"-- in the migration that made it.\n"

/* Every statement that makes the database, in the order SQLite keeps them. */
static char *
schema_text(void)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*f;

	if ((f = open_memstream(&text, &len)) == NULL)
		return NULL;
	fputs(SCHEMA_HEAD, f);
	if (sqlite3_open(dbpath, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE sql IS "
	    "NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &st,
	    NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(f, "\n%s;\n", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	fclose(f);
	return text;
}

/*
 * sql/schema.sql is what the migrations make, as SQLite holds it; with
 * OT_WRITE_SCHEMA set (make schema) it is written instead of checked.
 */
static void
test_schema_sql_is_what_the_migrations_make(void)
{
	struct store	*s;
	char		 err[256], *want, *have;
	FILE		*f;

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	store_close(s);
	CHECK((want = schema_text()) != NULL);
	if (want == NULL)
		return;
	if (getenv("OT_WRITE_SCHEMA") != NULL) {
		CHECK((f = fopen(SCHEMA_FILE, "w")) != NULL);
		if (f != NULL) {
			CHECK(fputs(want, f) != EOF);
			CHECK(fclose(f) == 0);
		}
	} else {
		have = slurp(SCHEMA_FILE);
		CHECK(have != NULL && strcmp(have, want) == 0);
		if (have == NULL || strcmp(have, want) != 0)
			fprintf(stderr, "%s is not what the migrations make: "
			    "run make schema\n", SCHEMA_FILE);
		free(have);
	}
	free(want);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_nginx_details_are_in_the_message_table();
	test_the_message_table_has_no_gaps();
	test_the_schema_checks_the_enums_names();
	test_a_status_name_parses_to_its_enum();
	test_the_web_page_labels_every_status();
	test_schema_sql_is_what_the_migrations_make();
	unlink(dbpath);
	rmdir(dir);
	return unit_done("test_shape");
}
