/* test_store_hook.c: webhooks in the store: events recorded with their cause, per owner, once; the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "store.h"
#include "unit.h"
#include "unitdb.h"

static char	 dir[] = "/tmp/ot-hook-XXXXXX";
static char	 dbpath[64];

#define W1	"00000000-0000-4000-8000-000000000a01"	/* key 1's, completed only */
#define W2	"00000000-0000-4000-8000-000000000a02"	/* key 2's, every event */
#define W3	"00000000-0000-4000-8000-000000000a03"	/* the admin key's */
#define T1	"00000000-0000-4000-8000-000000000a11"
#define T2	"00000000-0000-4000-8000-000000000a12"
#define S1	"00000000-0000-4000-8000-000000000a21"

static long long
one_int(const char *sql)
{
	return unit_sql_int(dbpath, sql);
}

static struct webhook
hook_of(const char *id, long long owner, unsigned int events)
{
	struct webhook	 w;

	memset(&w, 0, sizeof(w));
	snprintf(w.id, sizeof(w.id), "%s", id);
	w.owner = owner;
	snprintf(w.url, sizeof(w.url), "http://example.com/hook/%s", id);
	w.events = events;
	snprintf(w.secret, sizeof(w.secret), "secret-%s", id);
	return w;
}

/* A subscription as the API makes one with nothing but a URL (every 15 min). */
static struct subscription
sub_of(const char *id, long long owner, const char *url)
{
	struct subscription	 u;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	u.owner = owner;
	snprintf(u.url, sizeof(u.url), "%s", url);
	snprintf(u.download_type, sizeof(u.download_type), "video");
	snprintf(u.quality, sizeof(u.quality), "best");
	snprintf(u.audio_format, sizeof(u.audio_format), "m4a");
	u.check_every = 900;
	u.min_duration = u.max_duration = -1;
	return u;
}

static void
task_make(struct store *s, const char *id, long long owner)
{
	struct task_new	 t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = "http://example.com/v";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	t.title = "A title";
	t.owner = owner;
	CHECK(store_task_insert(s, &t) == 1);
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

/* Records without the secret; each owner sees its own; a ping queued only for one's own. */
static void
test_records_and_ownership(void)
{
	struct store		*s;
	struct webhook		 w;
	struct store_text	 rec;
	char			 err[256];
	int			 n = 0;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_key_insert(s, "one", "otk_00000001", "h1", 0) == 1);
	CHECK(store_key_insert(s, "two", "otk_00000002", "h2", 0) == 1);
	CHECK(store_key_insert(s, "adm", "otk_00000003", "h3", 1) == 1);
	w = hook_of(W1, 1, 1u << HOOK_TASK_COMPLETED);
	CHECK(store_hook_create(s, &w, 2, &rec) == 1);
	CHECK(rec.text != NULL && strstr(rec.text, "\"events\":[\"task.completed\"]") != NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "secret") == NULL);
	CHECK(rec.text != NULL && strstr(rec.text, "\"last_status\":null,\"failures\":0}") != NULL);
	store_text_free(&rec);
	w = hook_of(W2, 2, HOOK_EVENTS_ALL);
	CHECK(store_hook_create(s, &w, 2, &rec) == 1);
	CHECK(rec.text != NULL && strstr(rec.text, "\"events\":[\"task.completed\","
	    "\"task.error\",\"subscription.new\",\"subscription.error\"]") != NULL);
	store_text_free(&rec);
	w = hook_of(W3, 3, HOOK_EVENTS_ALL);
	CHECK(store_hook_create(s, &w, 2, &rec) == 1);
	store_text_free(&rec);
	CHECK(store_hook_list(s, 1, count_cb, &n) == 1 && n == 1);
	n = 0;
	CHECK(store_hook_list(s, 0, count_cb, &n) == 1 && n == 3);
	CHECK(store_hook_record(s, W2, 1, &rec) == 0 && rec.text == NULL);
	CHECK(store_hook_ping(s, W2, 1) == 0);
	CHECK(store_hook_delete(s, W2, 1) == 0);
	CHECK(store_hook_ping(s, W1, 1) == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = 'ping' AND "
	    "webhook_id = '" W1 "' AND json_extract(body, '$.data.webhook.id') = '"
	    W1 "' AND json_extract(body, '$.delivery_id') = id") == 1);
	store_close(s);
}

/* A completion and a failure each record one event per webhook that sees it, in the same statement. */
static void
test_task_events(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct task_done	 d;
	char			 err[256];

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(one_int("DELETE FROM deliveries RETURNING 0") >= -1);
	task_make(s, T1, 1);
	task_make(s, T2, 2);
	CHECK(store_task_claim(s, 7, 0, &c) == 1);
	CHECK(store_task_claim(s, 7, 0, &c) == 1);
	memset(&d, 0, sizeof(d));
	d.filename = "A title__x.mp4";
	d.filesize = 10;
	CHECK(store_task_complete(s, T1, &d) == 1);
	/* Key 1's (completed), the admin's; not key 2's. */
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = 'task.completed'") == 2);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE webhook_id = '" W2 "'") == 0);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = 'task.completed' "
	    "AND json_extract(body, '$.data.id') = '" T1 "' AND "
	    "json_extract(body, '$.data.status') = 'completed' AND "
	    "title = 'Downloaded: A title'") == 2);
	/* Completing again changes nothing and records nothing. */
	CHECK(store_task_complete(s, T1, &d) == 0);
	CHECK(one_int("SELECT count(*) FROM deliveries") == 2);
	CHECK(store_task_fail(s, T2, "It broke") == 1);
	/* Key 2's (every event) and the admin's; key 1's wants completions only. */
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = 'task.error' "
	    "AND message = 'Failed: A title: It broke' AND "
	    "json_extract(body, '$.data.error_message') = 'It broke'") == 2);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = 'task.error' "
	    "AND webhook_id = '" W1 "'") == 0);
	/* A rolled-back failure leaves no event behind. */
	task_make(s, "00000000-0000-4000-8000-000000000a13", 2);
	CHECK(store_begin(s) == 1);
	CHECK(store_task_fail(s, "00000000-0000-4000-8000-000000000a13", "x") == 1);
	store_rollback(s);
	CHECK(one_int("SELECT count(*) FROM deliveries") == 4);
	store_close(s);
}

/* A check that made tasks: one subscription.new with them; a failed check: subscription.error. */
static void
test_subscription_events(void)
{
	struct store		*s;
	struct subscription	 u;
	struct store_text	 rec;
	struct task_new		 t;
	char			 err[256];
	int64_t			 now = (int64_t)time(NULL);

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(one_int("DELETE FROM deliveries RETURNING 0") >= -1);
	u = sub_of(S1, 2, "http://example.com/channel");
	CHECK(store_sub_create(s, &u, 5, now, &rec) == 1);
	store_text_free(&rec);
	CHECK(store_sub_claim(s, 7, now, &u) == 1);
	CHECK(store_begin(s) == 1);
	memset(&t, 0, sizeof(t));
	t.url = "http://example.com/e";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	t.owner = 2;
	t.subscription_id = S1;
	t.id = "00000000-0000-4000-8000-000000000a31";
	CHECK(store_task_insert(s, &t) == 1);
	t.id = "00000000-0000-4000-8000-000000000a32";
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_sub_checked(s, S1, 7, now, now + 900, 2, 2, "Chan") == 1);
	CHECK(store_commit(s) == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = "
	    "'subscription.new' AND json_array_length(body, '$.data.tasks') = 2 "
	    "AND json_extract(body, '$.data.subscription.id') = '" S1 "' AND "
	    "json_extract(body, '$.data.tasks[0].id') = "
	    "'00000000-0000-4000-8000-000000000a31'") == 2);
	/* A check with nothing new tells nobody. */
	CHECK(one_int("UPDATE subscriptions SET next_check_at = 0 RETURNING 0") == 0);
	CHECK(store_sub_claim(s, 7, now, &u) == 1);
	CHECK(store_sub_checked(s, S1, 7, now, now + 900, 0, 0, NULL) == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries") == 2);
	CHECK(one_int("UPDATE subscriptions SET next_check_at = 0 RETURNING 0") == 0);
	CHECK(store_sub_claim(s, 7, now, &u) == 1);
	CHECK(store_sub_failed(s, S1, 7, now, "gone", 300) == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = "
	    "'subscription.error' AND json_extract(body, "
	    "'$.data.subscription.last_error') = 'gone' AND "
	    "json_array_length(body, '$.data.tasks') = 0") == 2);
	/* A check a gone worker left goes back to "error" at the start: no event. */
	CHECK(one_int("UPDATE subscriptions SET next_check_at = 0 RETURNING 0") == 0);
	CHECK(store_sub_claim(s, 7, now, &u) == 1);
	CHECK(store_sub_recover(s, 0) == 1);
	CHECK(one_int("SELECT state = 'error' FROM subscriptions") == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE event = "
	    "'subscription.error'") == 2);
	store_close(s);
}

/* The outbox: claimed once, retried, given up and counted; a gone worker's sends are due again. */
static void
test_outbox(void)
{
	struct store		*s;
	struct delivery		 d, e;
	char			 err[256], body[128];
	int64_t			 at;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(one_int("DELETE FROM deliveries RETURNING 0") >= -1);
	CHECK(store_delivery_claim(s, 1, 1000, &d) == 0);
	CHECK(store_hook_ping(s, W3, 0) == 1);
	CHECK(store_delivery_next_due(s, &at) == 1 && at == 0);
	CHECK(store_delivery_claim(s, 1, 1000, &d) == 1);
	CHECK(d.event == HOOK_PING && d.attempts == 1 && d.may_private == 1);
	CHECK_STR(d.secret, "secret-" W3);
	CHECK_STR(d.webhook_id, W3);
	CHECK(d.body != NULL && d.body_len == strlen(d.body));
	snprintf(body, sizeof(body), "{\"event\":\"ping\",\"delivery_id\":\"%s\"", d.id);
	CHECK(d.body != NULL && strncmp(d.body, body, strlen(body)) == 0);
	CHECK(store_delivery_claim(s, 1, 1000, &e) == 0);
	CHECK(store_delivery_end(s, &d, DELIVERY_RETRY, 5000, "500") == 1);
	CHECK(store_delivery_claim(s, 1, 4999, &e) == 0);
	CHECK(store_delivery_claim(s, 1, 5000, &e) == 1);
	CHECK(e.attempts == 2 && strcmp(e.id, d.id) == 0 &&
	    e.body != NULL && strcmp(e.body, d.body) == 0);
	/* The worker dies here: at the next start it is due again. */
	CHECK(store_delivery_recover(s, 0, 86400) == 1);
	store_delivery_free(&e);
	CHECK(store_delivery_claim(s, 1, 5000, &e) == 1 && e.attempts == 3);
	CHECK(store_delivery_end(s, &e, DELIVERY_FAILED, 0, "timeout") == 1);
	CHECK(one_int("SELECT failures FROM webhooks WHERE id = '" W3 "'") == 1);
	CHECK(one_int("SELECT last_status = 'timeout' AND last_delivery_at IS NOT "
	    "NULL FROM webhooks WHERE id = '" W3 "'") == 1);
	store_delivery_free(&e);
	CHECK(store_delivery_claim(s, 1, INT64_MAX, &e) == 0);
	/* Ended once: a second end changes nothing. */
	CHECK(store_delivery_end(s, &d, DELIVERY_DELIVERED, 0, "200") == 0);
	/* A deleted webhook takes its deliveries. */
	CHECK(store_hook_ping(s, W1, 0) == 1);
	CHECK(store_hook_delete(s, W1, 1) == 1);
	CHECK(one_int("SELECT count(*) FROM deliveries WHERE webhook_id = '" W1 "'") == 0);
	store_delivery_free(&d);
	store_delivery_free(&e);
	store_close(s);
}

#define K4	4	/* "leaver", revoked */
#define W4	"00000000-0000-4000-8000-000000000a04"
#define S4	"00000000-0000-4000-8000-000000000a24"
#define P4	"00000000-0000-4000-8000-000000000a4"	/* + 1, 2 pending, 6 running, 3 done */
#define P1	"00000000-0000-4000-8000-000000000a1"	/* key 1's: + 5 */

static const char *
status_of(struct store *s, const char *id)
{
	enum task_status	 st;

	return store_task_status(s, id, &st) == 1 ? task_status_str[st] : "?";
}

/*
 * Migration 019: revoking a key stops its work in the same statement: its
 * subscriptions paused, its live tasks cancelled, its webhooks gone.
 * Nobody else's work moves.
 */
static void
test_a_revoked_keys_work_stops(void)
{
	struct store		*s;
	struct webhook		 w;
	struct subscription	 u;
	struct store_text	 rec;
	struct task_claim	 c;
	char			 err[256];
	int64_t			 now = (int64_t)time(NULL);

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	CHECK(store_key_insert(s, "leaver", "otk_00000004", "h4", 0) == 1);
	w = hook_of(W4, K4, HOOK_EVENTS_ALL);
	CHECK(store_hook_create(s, &w, 5, &rec) == 1);
	store_text_free(&rec);
	u = sub_of(S4, K4, "http://example.com/leaver");
	CHECK(store_sub_create(s, &u, 5, now, &rec) == 1);
	store_text_free(&rec);
	task_make(s, P4 "1", K4);
	task_make(s, P4 "2", K4);
	task_make(s, P4 "3", K4);
	task_make(s, P1 "5", 1);
	while (store_task_claim(s, 7, 0, &c) == 1 && strcmp(c.id, P4 "3") != 0)
		;
	CHECK(store_task_complete(s, P4 "3", &(struct task_done){ "x.mp4", 1,
	    NULL, NULL, 0, NULL }) == 1);
	task_make(s, P4 "6", K4);
	while (store_task_claim(s, 7, 0, &c) == 1 && strcmp(c.id, P4 "6") != 0)
		;
	CHECK_STR(status_of(s, P4 "6"), "downloading");

	CHECK(store_key_revoke(s, "leaver") == 1);
	CHECK(one_int("SELECT enabled FROM subscriptions WHERE id = '" S4 "'") == 0);
	CHECK_STR(status_of(s, P4 "1"), "cancelled");
	CHECK_STR(status_of(s, P4 "2"), "cancelled");
	CHECK_STR(status_of(s, P4 "6"), "cancelled");
	CHECK_STR(status_of(s, P4 "3"), "completed");
	CHECK(one_int("SELECT count(*) FROM webhooks WHERE owner_key = 4") == 0);
	CHECK(one_int("SELECT pending FROM owner_queue WHERE owner = 4") == 0);
	/* Nobody else's work moved. */
	CHECK(one_int("SELECT count(*) FROM webhooks WHERE owner_key != 4") >= 2);
	CHECK(one_int("SELECT enabled FROM subscriptions WHERE id = '" S1 "'") == 1);
	CHECK(strcmp(status_of(s, P1 "5"), "cancelled") != 0);
	/* Revoked once: a second revoke changes nothing. */
	CHECK(store_key_revoke(s, "leaver") == 0);
	store_close(s);
}

int
main(void)
{
	char	 p[128];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_records_and_ownership();
	test_task_events();
	test_subscription_events();
	test_outbox();
	test_a_revoked_keys_work_stops();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return unit_done("test_store_hook");
}
