/* test_store_sub.c: subscriptions in the store: the limit, ownership, the schedule, seen entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "store.h"
#include "unit.h"
#include "unitdb.h"

static char	 dir[] = "/tmp/ot-sub-XXXXXX";
static char	 dbpath[64];

#define S1	"00000000-0000-4000-8000-000000000901"
#define S2	"00000000-0000-4000-8000-000000000902"
#define S3	"00000000-0000-4000-8000-000000000903"
#define T1	"00000000-0000-4000-8000-000000000911"

static struct subscription
sub_of(const char *id, long long owner)
{
	struct subscription	 u;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	u.owner = owner;
	snprintf(u.url, sizeof(u.url), "http://example.com/channel/%s", id);
	snprintf(u.download_type, sizeof(u.download_type), "video");
	snprintf(u.quality, sizeof(u.quality), "720p");
	snprintf(u.audio_format, sizeof(u.audio_format), "m4a");
	u.check_every = 21600;
	u.min_duration = u.max_duration = -1;
	u.skip_live = 1;
	u.enabled = 1;
	return u;
}

/* One integer a query answers; -1 when none. */
static long long
one_int(const char *sql)
{
	return unit_sql_int(dbpath, sql);
}

static int
count_cb(void *arg, const char *text, size_t len)
{
	int	*n = arg;

	(void)text;
	(void)len;
	(*n)++;
	return 0;
}

/* The record is SQLite's JSON, every field of docs/api.md, the defaults as null. */
static void
test_create_answers_the_record_and_the_limit_holds_per_owner(void)
{
	struct store		*s;
	struct subscription	 u;
	struct store_text	 rec;
	char			 err[256];
	int64_t			 now = 1800000000;
	int			 n = 0;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	/* Owners are keys: 1 and 2. */
	CHECK(store_key_insert(s, "one", "otk_00000001", "h1", 0) == 1);
	CHECK(store_key_insert(s, "two", "otk_00000002", "h2", 0) == 1);
	u = sub_of(S1, 1);
	CHECK(store_sub_create(s, &u, 2, now, &rec) == 1);
	CHECK(rec.text != NULL && strstr(rec.text, "\"id\":\"" S1 "\"") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"name\":\"\",") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"format_id\":null,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"title_include\":null,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"min_duration\":null,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"skip_live\":true,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text,
	    "\"skip_live\":true,\"listing_order\":\"newest_first\",") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"enabled\":true,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"state\":\"new\",") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"last_checked_at\":null,") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text,
	    "\"next_check_at\":\"2027-01-15T08:00:00Z\",") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"seen_count\":0,") != NULL);
	store_text_free(&rec);
	u = sub_of(S2, 1);
	CHECK(store_sub_create(s, &u, 2, now, &rec) == 1);
	store_text_free(&rec);
	/* A third for the same owner is refused, and leaves no row; another owner's goes in. */
	u = sub_of(S3, 1);
	CHECK(store_sub_create(s, &u, 2, now, &rec) == 0);
	CHECK(rec.text == NULL);
	CHECK(store_sub_get(s, S3, 0, &u) == 0);
	u = sub_of(S3, 2);
	CHECK(store_sub_create(s, &u, 2, now, &rec) == 1);
	store_text_free(&rec);
	/* Owner 1 sees its two, owner 2 its one, an admin (0) all three. */
	CHECK(store_sub_list(s, 1, count_cb, &n) == 1 && n == 2);
	n = 0;
	CHECK(store_sub_list(s, 2, count_cb, &n) == 1 && n == 1);
	n = 0;
	CHECK(store_sub_list(s, 0, count_cb, &n) == 1 && n == 3);
	CHECK(store_sub_get(s, S3, 1, &u) == 0);
	CHECK(store_sub_record(s, S3, 1, &rec) == 0 && rec.text == NULL);
	CHECK(store_sub_delete(s, S3, 1) == 0);
	CHECK(store_sub_check_now(s, S3, 1, now) == 0);
	CHECK(store_sub_get(s, S3, 2, &u) == 1);
	CHECK_STR(u.quality, "720p");
	CHECK(u.min_duration == -1 && u.state == SUB_NEW && u.enabled == 1);
	store_close(s);
}

/* Only what is due is claimed, once; a finished check moves it on and counts. */
static void
test_a_check_claims_what_is_due_and_records_it(void)
{
	struct store		*s;
	struct subscription	 u, v;
	struct task_new		 t;
	char			 err[256];
	int64_t			 at, now = 1800000000;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_sub_next_due(s, &at) == 1 && at == now);
	CHECK(store_sub_claim(s, 42, now - 1, &u) == 0);
	CHECK(store_sub_claim(s, 42, now, &u) == 1);
	CHECK(u.state == SUB_CHECKING && u.primed == 0);
	CHECK(store_sub_claim(s, 43, now, &v) == 1);
	CHECK(strcmp(u.id, v.id) != 0);
	CHECK(store_sub_claim(s, 44, now, &v) == 1);
	CHECK(store_sub_claim(s, 45, now, &v) == 0);
	CHECK(store_sub_next_due(s, &at) == 0);

	/* The check's transaction: seen entries, one task, the row moved on. */
	CHECK(store_begin(s) == 1);
	CHECK(store_sub_seen_add(s, u.id, "a") == 1);
	CHECK(store_sub_seen_add(s, u.id, "b") == 1);
	CHECK(store_sub_seen_add(s, u.id, "a") == 0);
	memset(&t, 0, sizeof(t));
	t.id = T1;
	t.url = "http://example.com/a";
	t.download_type = "video";
	t.quality = "720p";
	t.audio_format = "m4a";
	t.subscription_id = u.id;
	CHECK(store_task_insert(s, &t) == 1);
	/* Another worker's pid cannot finish it. */
	CHECK(store_sub_checked(s, u.id, 99, now, now + 100, 2, 1, "T") == 0);
	CHECK(store_sub_checked(s, u.id, 42, now, now + 100, 2, 1, "The channel") == 1);
	CHECK(store_commit(s) == 1);
	CHECK(store_sub_get(s, u.id, 0, &v) == 1);
	CHECK(v.state == SUB_IDLE && v.primed == 1);
	CHECK_STR(v.name, "The channel");
	CHECK(one_int("SELECT seen_count * 10 + downloaded_count FROM "
	    "subscriptions WHERE id = '" S1 "' OR id = '" S2 "' ORDER BY "
	    "seen_count DESC LIMIT 1") == 21);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE subscription_id IS NOT NULL "
	    "AND json_extract(record, '$.subscription_id') = subscription_id") == 1);
	/* A named subscription keeps its name. */
	CHECK(store_sub_claim(s, 42, now + 99, &v) == 0);
	CHECK(store_sub_next_due(s, &at) == 1 && at == now + 100);

	/* A failure: error, the reason, and the next try backed off, not now. */
	CHECK(store_sub_failed(s, v.id, 43, now, "boom", 300) == 0);
	CHECK(store_sub_failed(s, S2, 43, now, "boom", 300) == 1 ||
	    store_sub_failed(s, S3, 43, now, "boom", 300) == 1);
	CHECK(one_int("SELECT count(*) FROM subscriptions WHERE state = 'error' "
	    "AND last_error = 'boom' AND failures = 1 AND "
	    "next_check_at >= strftime('%s', 'now') + 299") == 1);

	/* A worker gone mid-check: the row is due as it was, nothing recorded. */
	CHECK(store_sub_recover(s, 0) == 1);
	CHECK(one_int("SELECT count(*) FROM subscriptions WHERE state = 'checking'") == 0);
	CHECK(one_int("SELECT count(*) FROM subscriptions WHERE state = 'new'") == 1);
	store_close(s);
}

/* PATCH's update: enabling makes it due, a shorter interval applies now; delete takes the seen rows. */
static void
test_update_moves_the_schedule_and_delete_keeps_the_tasks(void)
{
	struct store		*s;
	struct subscription	 u;
	char			 err[256];
	int64_t			 at, now = 1900000000;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_sub_get(s, S1, 0, &u) == 1);
	u.enabled = 0;
	CHECK(store_sub_update(s, &u, 1, now) == 1);
	CHECK(store_sub_update(s, &u, 2, now) == 0);
	CHECK(store_sub_check_now(s, S1, 1, now) == 0);	/* disabled */
	u.enabled = 1;
	snprintf(u.title_include, sizeof(u.title_include), "news");
	CHECK(u.listing_order == LISTING_NEWEST_FIRST);
	u.listing_order = LISTING_OLDEST_FIRST;
	CHECK(store_sub_update(s, &u, 0, now) == 1);
	CHECK(one_int("SELECT next_check_at FROM subscriptions WHERE id = '"
	    S1 "'") == now);
	CHECK(store_sub_get(s, S1, 0, &u) == 1);
	CHECK_STR(u.title_include, "news");
	CHECK(u.listing_order == LISTING_OLDEST_FIRST);
	CHECK(one_int("SELECT count(*) FROM subscription_records WHERE id = '"
	    S1 "' AND record LIKE '%\"listing_order\":\"oldest_first\",%'") == 1);
	CHECK(store_sub_next_due(s, &at) == 1 && at <= now);
	CHECK(store_sub_delete(s, S1, 1) == 1);
	CHECK(store_sub_delete(s, S1, 1) == 0);
	CHECK(one_int("SELECT count(*) FROM subscription_seen WHERE "
	    "subscription_id = '" S1 "'") == 0);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE id = '" T1 "'") == 1);
	store_close(s);
}

#define S4	"00000000-0000-4000-8000-000000000904"
#define T4	"00000000-0000-4000-8000-000000000914"

/*
 * Claims S4 (the others due are claimed and left: this test is the last),
 * runs meanwhile from another connection, then a check's transaction on
 * it: 1 when it was recorded, 0 when it was rolled back and released.
 */
static int
check_s4(struct store *s, int64_t now, const char *meanwhile)
{
	struct subscription	 v;
	struct task_new		 t;
	int			 rc;

	while (store_sub_claim(s, 50, now + 86400, &v) == 1 &&
	    strcmp(v.id, S4) != 0)
		;
	CHECK_STR(v.id, S4);
	CHECK(one_int(meanwhile) == 0);
	CHECK(store_begin(s) == 1);
	CHECK(store_sub_seen_add(s, S4, "x") == 1);
	memset(&t, 0, sizeof(t));
	t.id = T4;
	t.url = "http://example.com/x";
	t.download_type = "video";
	t.quality = "720p";
	t.audio_format = "m4a";
	t.owner = 2;
	t.subscription_id = S4;
	CHECK(store_task_insert(s, &t) == 1);
	if ((rc = store_sub_checked(s, S4, 50, now, now + 100, 1, 1, "T")) == 1) {
		CHECK(store_commit(s) == 1);
		return 1;
	}
	store_rollback(s);
	CHECK(store_sub_release(s, S4, 50) == 1);
	return rc;
}

/*
 * A check that ends after its subscription was paused, or its key revoked,
 * records nothing: no entry seen, no task, and the subscription as it was
 * before the check (not primed: after a resume its backlog rule holds).
 */
static void
test_a_check_ended_after_a_pause_or_revocation_records_nothing(void)
{
	struct store		*s;
	struct subscription	 u = sub_of(S4, 2);
	struct store_text	 rec;
	char			 err[256];
	int64_t			 now = 2000000000;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_sub_create(s, &u, 10, now, &rec) == 1);
	store_text_free(&rec);
	CHECK(check_s4(s, now, "UPDATE subscriptions SET enabled = 0 WHERE id = '"
	    S4 "' RETURNING 0") == 0);
	CHECK(one_int("SELECT count(*) FROM subscription_seen WHERE "
	    "subscription_id = '" S4 "'") == 0);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE id = '" T4 "'") == 0);
	CHECK(one_int("SELECT state = 'new' AND primed = 0 AND lease_worker IS NULL "
	    "FROM subscriptions WHERE id = '" S4 "'") == 1);
	/*
	 * Its key revoked (019's trigger pauses it) and the subscription
	 * enabled again by hand: the revocation alone still stops the check.
	 */
	CHECK(one_int("UPDATE api_keys SET revoked_at = 'now' WHERE id = 2 "
	    "RETURNING 0") == 0);
	CHECK(one_int("UPDATE subscriptions SET enabled = 1 WHERE id = '" S4
	    "' RETURNING 0") == 0);
	CHECK(check_s4(s, now, "SELECT 0") == 0);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE id = '" T4 "'") == 0);
	/* Neither: the check is recorded as ever. */
	CHECK(one_int("UPDATE api_keys SET revoked_at = NULL WHERE id = 2 "
	    "RETURNING 0") == 0);
	CHECK(one_int("UPDATE subscriptions SET enabled = 1 WHERE id = '" S4
	    "' RETURNING 0") == 0);
	CHECK(check_s4(s, now, "SELECT 0") == 1);
	CHECK(one_int("SELECT count(*) FROM tasks WHERE id = '" T4 "'") == 1);
	CHECK(one_int("SELECT primed FROM subscriptions WHERE id = '" S4 "'") == 1);
	store_close(s);
}

#define S5	"00000000-0000-4000-8000-000000000905"

/*
 * Check-now asked while a check runs (after its claim) is kept by the
 * check's end, well or not: the subscription is due again at once, where
 * the end alone moves it to its next interval or backoff.
 */
static void
test_a_check_asked_for_during_a_check_follows_it(void)
{
	struct store		*s;
	struct subscription	 u, v;
	struct store_text	 rec;
	char			 err[256], sql[160];
	int64_t			 at, now = (int64_t)time(NULL);
	int			 failed;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	/* Only S5 is left due: the others are moved out of the way. */
	CHECK(one_int("UPDATE subscriptions SET enabled = 0 RETURNING 0") == 0 ||
	    one_int("SELECT count(*) FROM subscriptions") == 0);
	u = sub_of(S5, 0);
	CHECK(store_sub_create(s, &u, 100, now, &rec) == 1);
	store_text_free(&rec);
	for (failed = 0; failed <= 1; failed++) {
		/* Claimed and asked for in the same second: still after the claim. */
		CHECK(store_sub_claim(s, 42, now, &v) == 1);
		CHECK(strcmp(v.id, S5) == 0);
		CHECK(store_sub_check_now(s, S5, 0, now) == 1);
		CHECK(failed ? store_sub_failed(s, S5, 42, now, "boom", 300) == 1 :
		    store_sub_checked(s, S5, 42, now, now + 1000, 0, 0, NULL) == 1);
		CHECK(store_sub_next_due(s, &at) == 1 && at == now + 1);
		/* Without it, the end moves the next check on. */
		CHECK(store_sub_claim(s, 42, now + 1, &v) == 1);
		CHECK(failed ? store_sub_failed(s, S5, 42, now + 1, "boom",
		    300) == 1 : store_sub_checked(s, S5, 42, now + 1, now + 1000,
		    0, 0, NULL) == 1);
		CHECK(store_sub_next_due(s, &at) == 1 && at > now + 2);
		snprintf(sql, sizeof(sql), "UPDATE subscriptions SET next_check_at "
		    "= %lld WHERE id = '" S5 "' RETURNING 0", (long long)now);
		CHECK(one_int(sql) == 0);
	}
	store_close(s);
}

int
main(void)
{
	char	 p[128];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_create_answers_the_record_and_the_limit_holds_per_owner();
	test_a_check_claims_what_is_due_and_records_it();
	test_update_moves_the_schedule_and_delete_keeps_the_tasks();
	test_a_check_ended_after_a_pause_or_revocation_records_nothing();
	test_a_check_asked_for_during_a_check_follows_it();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return unit_done("test_store_sub");
}
