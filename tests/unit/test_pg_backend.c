/* test_pg_backend.c: db.h's promises kept on PostgreSQL (db_pg.c), and its wake-ups. */
/*
 * Run by tests/unit/run.sh, which starts a PostgreSQL server; its
 * connection string comes in OFFLINETUBE_TEST_PG.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db.h"
#include "store.h"
#include "unit.h"
#include "unitdb.h"
#include "util.h"

static char	 uri[512];

static int
exec_ok(const char *sql)
{
	PGconn		*c = PQconnectdb(uri);
	PGresult	*r = PQexec(c, sql);
	int		 ok;

	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok;
}

static void
test_rows_changes_constraints_and_truth_values(void)
{
	struct db	*d;
	struct db_stmt	*ins, *sel, *upd;
	char		 err[256];

	CHECK((d = db_pg_open(uri, err, sizeof(err))) != NULL);
	if (d == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK(db_kind(d) == DB_PG);
	CHECK(exec_ok("CREATE TABLE IF NOT EXISTS t (k text PRIMARY KEY, "
	    "n bigint, x float8, b boolean)"));
	CHECK((ins = db_prepare(d, "INSERT INTO t VALUES ($1, $2, $3, $4::boolean)")) != NULL);
	CHECK((sel = db_prepare(d, "SELECT k, n, x, b FROM t ORDER BY k")) != NULL);
	CHECK((upd = db_prepare(d, "UPDATE t SET n = n + 1 RETURNING k")) != NULL);
	/* A refused text: NULL, and why. */
	CHECK(db_prepare(d, "SELEC nothing") == NULL);
	CHECK(strstr(db_errmsg(d), "syntax") != NULL);
	if (ins == NULL || sel == NULL || upd == NULL)
		goto done;
	CHECK(db_bind_text(ins, 1, "a") == 0 && db_bind_int64(ins, 2, 1LL << 40) == 0 &&
	    db_bind_double(ins, 3, 0.1) == 0 && db_bind_text(ins, 4, "true") == 0);
	CHECK(db_bind_text(ins, 5, "x") == -1);
	CHECK(db_step(ins) == DB_DONE);
	CHECK(db_changes(d) == 1);
	db_reset(ins);
	/* Unbound after the reset: NULL. */
	CHECK(db_bind_text(ins, 1, "b") == 0);
	CHECK(db_step(ins) == DB_DONE);
	db_reset(ins);
	CHECK(db_bind_text(ins, 1, "a") == 0);
	CHECK(db_step(ins) == DB_CONSTRAINT);
	CHECK(strstr(db_errmsg(d), "duplicate") != NULL);
	db_reset(ins);
	CHECK(db_step(sel) == DB_ROW);
	CHECK_STR(db_col_text(sel, 0), "a");
	CHECK(db_col_len(sel, 0) == 1);
	CHECK(db_col_int64(sel, 1) == 1LL << 40);
	CHECK(db_col_double(sel, 2) == 0.1);
	CHECK(db_col_int(sel, 3) == 1);
	CHECK(db_step(sel) == DB_ROW);
	CHECK(db_col_null(sel, 1) && db_col_int64(sel, 1) == 0);
	CHECK(db_col_text(sel, 3) == NULL);
	CHECK(db_step(sel) == DB_DONE);
	/* A SELECT leaves the count of the last write. */
	CHECK(db_changes(d) == 1);
	db_reset(sel);
	/* RETURNING: made at the first row, whatever follows. */
	CHECK(db_step(upd) == DB_ROW);
	CHECK(db_changes(d) == 2);
	db_reset(upd);
	CHECK(db_step(sel) == DB_ROW && db_col_int64(sel, 1) == (1LL << 40) + 1);
	db_reset(sel);
done:
	db_finalize(ins);
	db_finalize(sel);
	db_finalize(upd);
	db_close(d);
	CHECK(exec_ok("DROP TABLE t"));
}

/*
 * The server drops the connection (a restart, a network cut): the
 * statement that finds it so fails with a message, the next one runs on a
 * new session, its statements prepared again.
 */
static void
test_a_lost_connection_is_made_again(void)
{
	struct db	*d;
	struct db_stmt	*st;
	char		 err[256], q[128];
	int		 rc;

	CHECK((d = db_pg_open(uri, err, sizeof(err))) != NULL);
	if (d == NULL)
		return;
	CHECK((st = db_prepare(d, "SELECT pg_backend_pid()")) != NULL);
	CHECK(db_step(st) == DB_ROW);
	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%lld)",
	    (long long)db_col_int64(st, 0));
	db_reset(st);
	CHECK(exec_ok(q));
	usleep(100000);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ERROR)
		CHECK(db_errmsg(d)[0] != '\0');
	else
		CHECK(rc == DB_ROW);
	CHECK(db_step(st) == DB_ROW);
	db_reset(st);
	db_finalize(st);
	db_close(d);
}

/* Where the server was: a socket that counts the connections tried and closes each. */
struct door {
	int		 fd;
	atomic_int	 stop;
	atomic_int	 knocks;
};

static void *
door_run(void *arg)
{
	struct door	*d = arg;
	struct pollfd	 pfd;
	int		 c;

	while (!atomic_load(&d->stop)) {
		pfd.fd = d->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) == 1 && (c = accept(d->fd, NULL, NULL)) != -1) {
			atomic_fetch_add(&d->knocks, 1);
			close(c);
		}
	}
	return NULL;
}

/*
 * A server gone for a while (stopped, its host away): statements fail at
 * once with a message, the connection is tried again after a wait that
 * grows rather than at every statement (a caller's 50 ms loop would
 * otherwise knock 20 times a second), and once the server is back it is
 * made again.  The test reaches the server through a symbolic link to its
 * socket, which it takes away and puts back.
 */
static void
test_a_lost_server_is_asked_again_after_a_growing_wait(void)
{
	struct sockaddr_un	 sa;
	struct door		 door;
	struct db		*d = NULL;
	struct db_stmt		*st = NULL;
	pthread_t		 th;
	char			 dir[] = "/tmp/ot-pgdoor-XXXXXX", real[256], sock[64];
	char			 relay[sizeof(uri) + 128], err[256], q[128];
	const char		*h, *e;
	int64_t			 t0, took;
	int			 i, rc = DB_ERROR, failed = 0, opened = 0;

	memset(&door, 0, sizeof(door));
	door.fd = -1;
	if ((h = strstr(uri, "host=")) == NULL || mkdtemp(dir) == NULL) {
		CHECK(!"a host= in the test URI, and a directory");
		return;
	}
	h += 5;
	e = h + strcspn(h, "&");
	snprintf(real, sizeof(real), "%.*s/.s.PGSQL.5432", (int)(e - h), h);
	snprintf(sock, sizeof(sock), "%s/.s.PGSQL.5432", dir);
	snprintf(relay, sizeof(relay), "%.*s%s%s", (int)(h - uri), uri, dir, e);
	CHECK(symlink(real, sock) == 0);
	CHECK((d = db_pg_open(relay, err, sizeof(err))) != NULL);
	if (d == NULL || (st = db_prepare(d, "SELECT pg_backend_pid()")) == NULL ||
	    db_step(st) != DB_ROW) {
		CHECK(!"a connection through the link");
		goto done;
	}
	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%lld)",
	    (long long)db_col_int64(st, 0));
	db_reset(st);
	/* The server goes: its socket is now a door that closes at once. */
	CHECK(unlink(sock) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if ((door.fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(door.fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(door.fd, 64) == -1 ||
	    pthread_create(&th, NULL, door_run, &door) != 0) {
		CHECK(!"the door");
		goto done;
	}
	opened = 1;
	CHECK(exec_ok(q));
	usleep(100000);
	/* A second of a 25 ms loop. */
	t0 = util_now_ms();
	for (i = 0; i < 40; i++) {
		if (db_step(st) != DB_ROW && db_errmsg(d)[0] != '\0')
			failed++;
		db_reset(st);
		usleep(25000);
	}
	took = util_now_ms() - t0;
	CHECK(failed == 40);
	CHECK(took < 2500);
	CHECK(atomic_load(&door.knocks) >= 1);
	CHECK(atomic_load(&door.knocks) <= 6);
	if (atomic_load(&door.knocks) > 6)
		fprintf(stderr, "%d connections tried in %lld ms\n",
		    atomic_load(&door.knocks), (long long)took);
	/* The server is back: within the longest wait, the connection too. */
	atomic_store(&door.stop, 1);
	pthread_join(th, NULL);
	opened = 0;
	close(door.fd);
	door.fd = -1;
	CHECK(unlink(sock) == 0 && symlink(real, sock) == 0);
	for (i = 0; i < 200 && (rc = db_step(st)) != DB_ROW; i++) {
		db_reset(st);
		usleep(50000);
	}
	CHECK(rc == DB_ROW);
	db_reset(st);
done:
	if (opened) {
		atomic_store(&door.stop, 1);
		pthread_join(th, NULL);
	}
	if (door.fd != -1)
		close(door.fd);
	db_finalize(st);
	db_close(d);
	unlink(sock);
	rmdir(dir);
}

struct inserter {
	struct store	*s;
	struct task_new	 t;
	int		 rc;
};

static void *
insert_run(void *arg)
{
	struct inserter	*in = arg;

	in->rc = store_task_insert(in->s, &in->t);
	return NULL;
}

/*
 * A capped insert and another write of tasks at the same time: the other
 * holds task_changes' row (its triggers take it first) and then wants the
 * owner's owner_queue row.  The insert must not hold that row while it
 * waits for task_changes, or each waits for the other and the server ends
 * one of them as a deadlock (a create answered "Database error").
 */
static void
test_a_capped_insert_and_a_claim_do_not_deadlock(void)
{
	struct inserter	 in;
	pthread_t	 th;
	PGconn		*x;
	PGresult	*r;
	char		 err[256];
	int		 ok = 0;

	memset(&in, 0, sizeof(in));
	in.rc = -2;
	CHECK((in.s = store_open(uri, err, sizeof(err))) != NULL);
	x = PQconnectdb(uri);
	if (in.s == NULL || PQstatus(x) != CONNECTION_OK) {
		CHECK(!"two connections");
		goto done;
	}
	in.t.id = "00000000-0000-4000-8000-000000000092";
	in.t.url = "http://example.com/capped";
	in.t.download_type = "video";
	in.t.quality = "best";
	in.t.audio_format = "mp3";
	in.t.sponsorblock = SPONSORBLOCK_OFF;
	in.t.max_pending = 50;
	/* The claim's first trigger. */
	PQclear(PQexec(x, "BEGIN"));
	PQclear(PQexec(x, "UPDATE task_changes SET n = n + 1 WHERE id = 1"));
	if (pthread_create(&th, NULL, insert_run, &in) != 0) {
		CHECK(!"a thread");
		goto done;
	}
	usleep(300000);
	/* Its second, while the insert waits. */
	r = PQexec(x, "UPDATE owner_queue SET pending = pending WHERE owner = 0");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "the claim's side: %s", PQerrorMessage(x));
	PQclear(r);
	PQclear(PQexec(x, ok ? "COMMIT" : "ROLLBACK"));
	pthread_join(th, NULL);
	CHECK(ok);
	CHECK(in.rc == 1);
	if (in.rc != 1)
		fprintf(stderr, "the insert: %s\n", store_errmsg(in.s));
done:
	PQfinish(x);
	store_close(in.s);
}

/* Another program's commit wakes the worker; its own do not. */
static void
test_changes_are_notified(void)
{
	struct store	*w, *api;
	struct task_new	 t;
	char		 err[256];
	int		 i, rc = 0;

	CHECK((w = store_open(uri, err, sizeof(err))) != NULL);
	CHECK((api = store_open(uri, err, sizeof(err))) != NULL);
	if (w == NULL || api == NULL)
		goto done;
	CHECK(store_wait_fd(w) >= 0);
	CHECK(store_changed(w) == 0 || store_changed(w) == 0);
	memset(&t, 0, sizeof(t));
	t.id = "00000000-0000-4000-8000-000000000091";
	t.url = "http://example.com/v";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "mp3";
	t.sponsorblock = SPONSORBLOCK_OFF;
	CHECK(store_task_insert(api, &t) == 1);
	for (i = 0; i < 50 && (rc = store_changed(w)) == 0; i++)
		usleep(10000);
	CHECK(rc == 1);
	CHECK(store_changed(w) == 0);
	/* The worker's own write. */
	CHECK(store_task_cancel(w, t.id, 0) == 1);
	usleep(100000);
	CHECK(store_changed(w) == 0);
done:
	store_close(w);
	store_close(api);
}

/*
 * Only the connection that reads notifications listens: libpq keeps each
 * one a connection receives until it is read, and the API's never read.
 */
static void
test_only_a_reader_listens(void)
{
	struct db	*d;
	struct db_stmt	*st;
	char		 err[256];

	CHECK((d = db_pg_open(uri, err, sizeof(err))) != NULL);
	if (d == NULL)
		return;
	CHECK((st = db_prepare(d, "SELECT count(*) FROM pg_listening_channels()")) != NULL);
	CHECK(db_step(st) == DB_ROW && db_col_int(st, 0) == 0);
	db_reset(st);
	CHECK(db_pg_socket(d) >= 0);
	CHECK(db_step(st) == DB_ROW && db_col_int(st, 0) == 1);
	db_reset(st);
	db_finalize(st);
	db_close(d);
}

/* libpq quotes a connection string it cannot use: the password stays out. */
static void
test_the_password_is_never_said(void)
{
	static const char *const bad[] = {
		"postgresql://who:s3cretpw@/nodb?host=/nonexistent",
		"postgresql://who:s3cretpw@[::1/nodb",
		"postgresql:///nodb?password=s3cretpw&host=/nonexistent&bogus=1",
	};
	struct store	*s;
	char		 err[512];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK((s = store_open(bad[i], err, sizeof(err))) == NULL);
		store_close(s);
		CHECK(err[0] != '\0' && strstr(err, "s3cretpw") == NULL);
		if (strstr(err, "s3cretpw") != NULL)
			fprintf(stderr, "said: %s\n", err);
	}
}

int
main(void)
{
	setenv("OFFLINETUBE_TEST_BACKEND", "postgresql", 1);
	CHECK(unit_database("/pgbackend.db", uri, sizeof(uri)) != NULL);
	if (uri[0] == '\0') {
		fprintf(stderr, "OFFLINETUBE_TEST_PG is not set: run me by "
		    "tests/unit/run.sh, which starts a server\n");
		return unit_done("test_pg_backend");
	}
	test_rows_changes_constraints_and_truth_values();
	test_a_lost_connection_is_made_again();
	test_a_lost_server_is_asked_again_after_a_growing_wait();
	test_changes_are_notified();
	test_a_capped_insert_and_a_claim_do_not_deadlock();
	test_only_a_reader_listens();
	test_the_password_is_never_said();
	return unit_done("test_pg_backend");
}
