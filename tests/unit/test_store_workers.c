/* test_store_workers.c: workers' rows and leases in the store, and the recovery of a dead worker's work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "unit.h"
#include "unitdb.h"

static char	 dir[] = "/tmp/ot-workers-XXXXXX";
static char	 dbpath[64];

#define T1	"00000000-0000-4000-8000-000000000b01"
#define T2	"00000000-0000-4000-8000-000000000b02"
#define T3	"00000000-0000-4000-8000-000000000b03"
#define S1	"00000000-0000-4000-8000-000000000b11"
#define S2	"00000000-0000-4000-8000-000000000b12"
#define GAVE_UP	"gave up"

static long long
one_int(const char *sql)
{
	return unit_sql_int(dbpath, sql);
}

static void
task_make(struct store *s, const char *id)
{
	struct task_new	 t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = "http://example.com/v";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	CHECK(store_task_insert(s, &t) == 1);
}

static void
sub_make(struct store *s, const char *id, int64_t now)
{
	struct subscription	 u;
	struct store_text	 rec;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	snprintf(u.url, sizeof(u.url), "http://example.com/list/%s", id);
	snprintf(u.download_type, sizeof(u.download_type), "video");
	snprintf(u.quality, sizeof(u.quality), "best");
	snprintf(u.audio_format, sizeof(u.audio_format), "m4a");
	u.check_every = 900;
	u.min_duration = u.max_duration = -1;
	CHECK(store_sub_create(s, &u, 10, now, &rec) == 1);
	store_text_free(&rec);
}

static long long
task_int(const char *id, const char *col)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT %s FROM tasks WHERE id = '%s'", col, id);
	return one_int(sql);
}

struct seen {
	int		 n;
	int64_t		 ids[8];
	char		 host[256];
	long		 pid;
	int64_t		 lease_until;
};

static int
seen_cb(void *arg, const struct worker_info *w)
{
	struct seen	*s = arg;

	if (s->n < 8)
		s->ids[s->n] = w->id;
	s->n++;
	snprintf(s->host, sizeof(s->host), "%s", w->host);
	s->pid = w->pid;
	s->lease_until = w->lease_until;
	return 0;
}

struct orphans {
	int	 n;
	char	 last[STORE_ID_LEN];
	int	 refuse;
};

static int
orphan_cb(void *arg, const char *id)
{
	struct orphans	*o = arg;

	o->n++;
	snprintf(o->last, sizeof(o->last), "%s", id);
	return o->refuse ? -1 : 0;
}

/* Rows, ids the database gives, the lease a beat moves, a beat that finds its row gone. */
static void
test_rows_and_beats(void)
{
	struct store	*s;
	struct seen	 seen;
	char		 err[256];
	int64_t		 a, b, now = 2000000000;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_worker_add(s, "host-a", 4242, now, now + 30, &a) == 1);
	CHECK(store_worker_add(s, "host-b", 4242, now, now + 30, &b) == 1);
	CHECK(a > 0 && b > a);
	memset(&seen, 0, sizeof(seen));
	CHECK(store_worker_list(s, seen_cb, &seen) == 1);
	CHECK(seen.n == 2 && seen.ids[0] == a && seen.ids[1] == b);
	CHECK_STR(seen.host, "host-b");
	CHECK(seen.pid == 4242 && seen.lease_until == now + 30);
	CHECK(store_worker_beat(s, a, now + 10, now + 40) == 1);
	CHECK(one_int("SELECT heartbeat_at FROM workers ORDER BY id LIMIT 1") == now + 10);
	CHECK(store_worker_exists(s, a) == 1);
	CHECK(store_worker_remove(s, a) == 1);
	CHECK(store_worker_exists(s, a) == 0);
	/* Declared dead (or stopped): its beat says so. */
	CHECK(store_worker_beat(s, a, now + 20, now + 50) == 0);
	CHECK(store_worker_remove(s, b) == 1);
	/* An id is never given again. */
	CHECK(store_worker_add(s, "host-a", 1, now, now + 30, &a) == 1 && a > b);
	CHECK(store_worker_remove(s, a) == 1);
	store_close(s);
}

/*
 * A dead worker's tasks, look-ups and checks go back, in one transaction
 * with the deletion of its row; a live worker's stay as they are.
 */
static void
test_a_dead_workers_work_is_recovered_and_a_live_ones_is_not(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct lookup_claim	 lc;
	struct subscription	 u;
	struct worker_reap	 r;
	struct orphans		 o;
	char			 err[256], dead_task[STORE_ID_LEN];
	int64_t			 dead, live, now = (int64_t)time(NULL);
	long long		 lid;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_worker_add(s, "h", 10, now, now + 30, &dead) == 1);
	CHECK(store_worker_add(s, "h", 11, now, now + 30, &live) == 1);
	task_make(s, T1);
	task_make(s, T2);
	CHECK(store_task_claim(s, dead, now + 60, &c) == 1);
	snprintf(dead_task, sizeof(dead_task), "%s", c.id);
	CHECK(store_task_claim(s, live, now + 60, &c) == 1);
	CHECK(strcmp(c.id, dead_task) != 0);
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1,
	    now, &lid) == 1);
	CHECK(store_lookup_claim(s, dead, &lc) == 1 && lc.id == lid);
	sub_make(s, S1, now - 10);
	sub_make(s, S2, now - 10);
	CHECK(store_sub_claim(s, dead, now, &u) == 1);
	CHECK(store_sub_claim(s, live, now, &u) == 1);

	/* Both leases hold: nothing to do, not even a look. */
	CHECK(store_worker_dead_any(s, live, now) == 0);
	memset(&o, 0, sizeof(o));
	CHECK(store_worker_reap(s, live, now, 0, 3, GAVE_UP, orphan_cb, &o, &r) == 0);
	CHECK(r.dead == 0 && o.n == 0);
	CHECK(task_int(dead_task, "status = 'downloading'") == 1);

	/* The dead one's lease runs out. */
	CHECK(store_worker_beat(s, dead, now - 40, now - 1) == 1);
	CHECK(store_worker_dead_any(s, live, now) == 1);
	/* It looks at itself as live: its own row is never its to reap. */
	CHECK(store_worker_dead_any(s, dead, now) == 0);
	/* A refusal from the callback undoes everything. */
	memset(&o, 0, sizeof(o));
	o.refuse = 1;
	CHECK(store_worker_reap(s, live, now, 0, 3, GAVE_UP, orphan_cb, &o, &r) == -1);
	CHECK(store_worker_exists(s, dead) == 1);
	CHECK(task_int(dead_task, "status = 'downloading'") == 1);

	memset(&o, 0, sizeof(o));
	CHECK(store_worker_reap(s, live, now, 0, 3, GAVE_UP, orphan_cb, &o, &r) == 1);
	CHECK(r.dead == dead && r.requeued == 1 && r.abandoned == 0);
	CHECK(o.n == 1);
	CHECK_STR(o.last, dead_task);
	CHECK(store_worker_exists(s, dead) == 0);
	CHECK(store_worker_exists(s, live) == 1);
	CHECK(task_int(dead_task, "status = 'pending' AND lease_worker IS NULL "
	    "AND attempts = 1") == 1);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE status = 'downloading'") == 1);
	CHECK(task_int(c.id, "lease_worker") == live);
	CHECK(one_int("SELECT count(*) FROM lookups WHERE status = 'error' "
	    "AND error_status = 502 AND lease_worker IS NULL") == 1);
	CHECK(one_int("SELECT count(*) FROM subscriptions WHERE state = 'checking'") == 1);
	CHECK(one_int("SELECT lease_worker FROM subscriptions WHERE state = 'checking'") == live);
	/* The dead worker, back, finds its row gone. */
	CHECK(store_worker_beat(s, dead, now, now + 30) == 0);
	/* A second worker looking after the first finds nothing. */
	CHECK(store_worker_reap(s, live, now, 0, 3, GAVE_UP, orphan_cb, &o, &r) == 0);
	CHECK(r.dead == 0);

	/* The live worker stopping lets go of its own check. */
	CHECK(store_sub_recover(s, live) == 1);
	CHECK(one_int("SELECT count(*) FROM subscriptions WHERE state = 'checking'") == 0);
	CHECK(store_task_release(s, c.id) == 1);
	CHECK(store_worker_remove(s, live) == 1);
	CHECK(one_int("DELETE FROM tasks") == 0);
	CHECK(one_int("DELETE FROM subscriptions") == 0);
	store_close(s);
}

/* A task whose workers keep dying is given up after max_attempts, with the message. */
static void
test_attempts_are_counted_across_dead_workers(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct worker_reap	 r;
	char			 err[256];
	int64_t			 w, self, now = (int64_t)time(NULL);
	int			 i;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_worker_add(s, "h", 1, now, now + 30, &self) == 1);
	task_make(s, T3);
	for (i = 1; i <= 3; i++) {
		CHECK(store_worker_add(s, "h", 100 + i, now, now - 1, &w) == 1);
		CHECK(store_task_claim(s, w, now + 60, &c) == 1 && c.attempts == i);
		CHECK(store_worker_reap(s, self, now, 0, 3, GAVE_UP, NULL, NULL,
		    &r) == 1);
		CHECK(r.dead == w);
		CHECK(r.requeued == (i < 3) && r.abandoned == (i == 3));
	}
	CHECK(task_int(T3, "status = 'error' AND error_message = '" GAVE_UP "'") == 1);
	CHECK(one_int("DELETE FROM tasks") == 0);
	CHECK(store_worker_remove(s, self) == 1);
	store_close(s);
}

/*
 * Rows no worker holds (an older version's, whose leases named pids) are
 * recovered without a dead worker; SQLite's lock holder takes every other
 * worker for dead; a gone pid of this host is expired at once.
 */
static void
test_orphans_everyone_and_expiry(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct worker_reap	 r;
	struct seen		 seen;
	char			 err[256];
	int64_t			 self, other, now = (int64_t)time(NULL);

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_worker_add(s, "h", 1, now, now + 30, &self) == 1);
	CHECK(store_worker_add(s, "h", 2, now, now + 30, &other) == 1);
	task_make(s, T1);
	CHECK(store_task_claim(s, other, now + 60, &c) == 1);
	CHECK(one_int("UPDATE tasks SET lease_worker = NULL") == 0);
	CHECK(store_worker_dead_any(s, self, now) == 1);
	CHECK(store_worker_reap(s, self, now, 0, 3, GAVE_UP, NULL, NULL, &r) == 1);
	CHECK(r.dead == 0 && r.requeued == 1);
	CHECK(store_worker_exists(s, other) == 1);

	/* everyone: the other's lease holds, and it is dead all the same. */
	CHECK(store_task_claim(s, other, now + 60, &c) == 1);
	CHECK(store_worker_reap(s, self, now, 1, 3, GAVE_UP, NULL, NULL, &r) == 1);
	CHECK(r.dead == other && r.requeued == 1);

	/* Expiry needs the host and pid the row names, and never hits self. */
	CHECK(store_worker_add(s, "h", 2, now, now + 30, &other) == 1);
	CHECK(store_worker_expire(s, self, other, "elsewhere", 2) == 0);
	CHECK(store_worker_expire(s, self, other, "h", 3) == 0);
	CHECK(store_worker_expire(s, self, self, "h", 1) == 0);
	CHECK(store_worker_dead_any(s, self, now) == 0);
	CHECK(store_worker_expire(s, self, other, "h", 2) == 1);
	CHECK(store_worker_dead_any(s, self, now) == 1);
	memset(&seen, 0, sizeof(seen));
	CHECK(store_worker_list(s, seen_cb, &seen) == 1);
	CHECK(seen.n == 2 && seen.lease_until == 0);
	CHECK(store_worker_reap(s, self, now, 0, 3, GAVE_UP, NULL, NULL, &r) == 1);
	CHECK(r.dead == other && r.requeued == 0);
	CHECK(one_int("DELETE FROM tasks") == 0);
	CHECK(store_worker_remove(s, self) == 1);
	store_close(s);
}

int
main(void)
{
	char	 p[128];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_rows_and_beats();
	test_a_dead_workers_work_is_recovered_and_a_live_ones_is_not();
	test_attempts_are_counted_across_dead_workers();
	test_orphans_everyone_and_expiry();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return unit_done("test_store_workers");
}
