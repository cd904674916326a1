/* store.h: every SQL statement both programs run, one function per statement. */
/*
 * One convention for every store_* function that returns an int:
 *
 *	-1	the database refused (store_errmsg() says why), or a value
 *		did not fit the caller's buffer;
 *	 0	nothing found, or nothing changed (a row that was not in the
 *		state the statement needs, a cap reached, a name taken);
 *	 1	found, changed, or done (a transaction begun, a list read to
 *		its end, whatever number of rows it had).
 *
 * Facts come back in out-parameters (structs, arrays, counts), never as a
 * return value and never as JSON built here.  Out-parameters are defined
 * on every return: emptied first, filled only from a row.
 */
#ifndef OT_STORE_H
#define OT_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_ID_LEN		37	/* UUID + NUL */
#define STORE_URL_MAX		2048
#define STORE_FILENAME_MAX	255
/*
 * Subtitles (migration 013): at most 8 languages, each 2 to 16 bytes of
 * A-Z a-z 0-9 '-' (the API's rule), kept comma-separated ("en,es"); a
 * buffer of STORE_SUBTITLES_LEN holds any such list and its NUL.
 */
#define STORE_SUBTITLES_MAX	8
#define STORE_SUBTITLE_LANG_MAX	16
#define STORE_SUBTITLES_LEN	(STORE_SUBTITLES_MAX * (STORE_SUBTITLE_LANG_MAX + 1))

/*
 * The closed sets the rows hold, each an enum and its names: the names are
 * what the database stores (the CHECKs of migrations 001 and 002) and the
 * API sends; a name is read into its enum once, where it comes in.
 */
enum task_status {
	TASK_PENDING,
	TASK_DOWNLOADING,
	TASK_PROCESSING,
	TASK_COMPLETED,
	TASK_ERROR,
	TASK_CANCELLED,
	TASK_STATUS__MAX
};
extern const char *const task_status_str[TASK_STATUS__MAX];

enum lookup_kind {
	LOOKUP_SEARCH,
	LOOKUP_TRENDING,
	LOOKUP_INFO,
	LOOKUP_KIND__MAX
};
extern const char *const lookup_kind_str[LOOKUP_KIND__MAX];

enum lookup_state {
	LOOKUP_PENDING,
	LOOKUP_RUNNING,
	LOOKUP_DONE,
	LOOKUP_ERROR,
	LOOKUP_STATE__MAX
};
extern const char *const lookup_state_str[LOOKUP_STATE__MAX];

/* A subscription's state (migration 009). */
enum sub_state {
	SUB_NEW,		/* never checked with success */
	SUB_IDLE,		/* the last check went well */
	SUB_CHECKING,		/* a worker is listing it now */
	SUB_ERROR,		/* the last check failed: last_error says why */
	SUB_STATE__MAX
};
extern const char *const sub_state_str[SUB_STATE__MAX];
/* What a download does with SponsorBlock's segments (migration 010). */
enum sponsorblock {
	SPONSORBLOCK_OFF,
	SPONSORBLOCK_MARK,	/* chapters for them */
	SPONSORBLOCK_REMOVE,	/* cut out */
	SPONSORBLOCK__MAX
};
extern const char *const sponsorblock_str[SPONSORBLOCK__MAX];
/*
 * Where a subscription's listing adds new entries (migration 021): a
 * channel lists its newest first, some playlists add new videos at the end.
 */
enum listing_order {
	LISTING_NEWEST_FIRST,
	LISTING_OLDEST_FIRST,	/* the check lists the last entries */
	LISTING_ORDER__MAX
};
extern const char *const listing_order_str[LISTING_ORDER__MAX];

/*
 * What a webhook is told of (migration 015): the first four are the bits
 * of webhooks.events; a ping is what POST /api/webhooks/{id}/test queues.
 */
enum hook_event {
	HOOK_TASK_COMPLETED,
	HOOK_TASK_ERROR,
	HOOK_SUB_NEW,
	HOOK_SUB_ERROR,
	HOOK_PING,
	HOOK_EVENT__MAX
};
#define HOOK_EVENTS_ALL	0xf	/* the bits a webhook may choose */
extern const char *const hook_event_str[HOOK_EVENT__MAX];

/* 0 and *st set when s names a status; -1 when it names none. */
int	 task_status_parse(const char *s, enum task_status *st);
int	 sponsorblock_parse(const char *s, enum sponsorblock *);
int	 listing_order_parse(const char *s, enum listing_order *);
int	 hook_event_parse(const char *s, enum hook_event *);

/* What the API knows when it creates a task (and the worker for playlist entries). */
struct task_new {
	const char	*id;
	const char	*url;
	const char	*download_type;	/* "video" | "audio" */
	const char	*quality;
	const char	*format_id;	/* NULL: none */
	const char	*audio_format;
	int		 embed_metadata;	/* 1: metadata written into the file */
	enum sponsorblock sponsorblock;
	const char	*title;		/* NULL: "" */
	const char	*thumbnail;	/* NULL: "" */
	const char	*playlist_id;	/* NULL: not from a playlist */
	long long	 owner;		/* api_keys.id, 0: none */
	int		 playlist_index;
	int		 playlist_total;
	int		 max_pending;	/* refused when the owner has this many pending; 0: no cap */
	const char	*error;		/* not NULL: stored as an error with this message */
	const char	*subscription_id;	/* NULL: not made by a subscription */
	const char	*subtitles;	/* languages asked for, "en,es"; NULL: none */
};

/* What the worker needs to run a task it has claimed. */
struct task_claim {
	char	 id[STORE_ID_LEN];
	int64_t	 seq;			/* the row, for store_task_progress() */
	char	 url[STORE_URL_MAX + 1];	/* media_url when set, else url */
	char	 download_type[8];
	char	 quality[16];
	char	 format_id[65];		/* "" when none */
	char	 audio_format[8];
	int	 embed_metadata;
	enum sponsorblock sponsorblock;
	char	 subtitles[STORE_SUBTITLES_LEN];	/* languages asked for, "" none */
	int	 is_playlist;		/* already resolved from a playlist */
	int	 attempts;		/* including this claim */
	long long owner;		/* api_keys.id, 0: none; playlist entries inherit it */
	double	 waited;		/* seconds pending before this claim, -1: unknown */
};

/*
 * A task as the store hands it out: its record (migration 005), the JSON
 * object of api.md less stream_url and file_url, with "thumbnail" last; and
 * what those links are made from.  The pointers live until the callback
 * returns.
 */
struct store_task_row {
	const char	*record;		/* "{...,\"thumbnail\":\"...\"}" */
	size_t		 record_len;
	const char	*filename;
	const char	*id;
	int		 completed;
	int		 local_thumbnail;	/* the record's thumbnail is ours (migration 008) */
	const char	*subtitle_files;	/* languages stored, "en,es" (migration 013) */
};

/* Returns 0 to go on; anything else stops, and the store call fails. */
typedef int (*store_task_cb)(void *arg, const struct store_task_row *);

/* A row copied out of the statement, for an answer sent after a commit. */
struct store_task_copy {
	struct store_task_row	 row;
	char			*mem;	/* what row points into; store_task_copy_free() */
};

/*
 * database: a PostgreSQL connection URI (postgresql:// or postgres://,
 * store_is_pg()), else the path of the SQLite file.
 */
struct store	*store_open(const char *database, char *err, size_t errlen);
int		 store_is_pg(const char *database);
void		 store_close(struct store *);
/*
 * Statements are prepared at their first use; this prepares every one now,
 * for the tests: 1, or -1 and err names the one the database refused.
 */
int		 store_prepare_all(struct store *, char *err, size_t errlen);
const char	*store_errmsg(struct store *);
/* SQLite's WAL checkpoints (db_sqlite.c). */
void		 store_autocheckpoint(struct store *, int pages);
int		 store_checkpoint(struct store *);
void		 store_busy_wait(struct store *, int ms);
void		 store_busy_cap(struct store *, int ms);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);

/* Tasks, as the API uses them. */
/*
 * A new task, and its record as the insert wrote it (a read after the
 * commit could already see the worker's claim, and a new task answers
 * "pending"): in a transaction of its own.  0: refused, the owner has
 * t->max_pending pending tasks already.
 */
int	 store_task_create(struct store *, const struct task_new *,
	    struct store_task_copy *);
void	 store_task_copy_free(struct store_task_copy *);
/* The same insert without the record, inside the caller's transaction. */
int	 store_task_insert(struct store *, const struct task_new *);
/*
 * owner: an api_keys.id to see only that key's tasks; 0 (keys off) or a
 * negative number (an admin key) to see every task.
 */
int	 store_task_get(struct store *, const char *id, long long owner,
	    store_task_cb, void *);
int	 store_task_file(struct store *, const char *id, long long owner,
	    enum task_status *, char filename[STORE_FILENAME_MAX + 1]);
/* status: only the tasks in it; NULL: all. */
int	 store_task_list(struct store *, const enum task_status *status,
	    long long owner, long long limit, long long offset, store_task_cb,
	    void *);
int	 store_task_cancel(struct store *, const char *id, long long owner);
/* Why store_task_retry() changed nothing. */
enum task_retry_refusal {
	RETRY_NONE,
	RETRY_NOT_FOUND,	/* no such task for this owner */
	RETRY_STATUS,		/* not in error or cancelled: status says which */
	RETRY_STOPPING,		/* cancelled, and its run not yet let go of */
	RETRY_FULL		/* its owner has max_pending tasks pending */
};
struct task_retry {
	enum task_retry_refusal	 refused;
	enum task_status	 status;
};
/* A task in error or cancelled back to pending; max_pending as in task_new. */
int	 store_task_retry(struct store *, const char *id, long long owner,
	    int max_pending, struct task_retry *, struct store_task_copy *);
int	 store_task_delete(struct store *, const char *id, long long owner,
	    char filename[STORE_FILENAME_MAX + 1],
	    char subtitles[STORE_SUBTITLES_LEN]);
/* The languages of a task's stored subtitles, and its status: 1 found. */
int	 store_task_subtitles(struct store *, const char *id, long long owner,
	    enum task_status *, char subtitles[STORE_SUBTITLES_LEN]);
int	 store_task_by_filename(struct store *, const char *filename,
	    long long owner, char id[STORE_ID_LEN]);
/* How many tasks are in each status, indexed by enum task_status. */
int	 store_task_counts(struct store *, long long counts[TASK_STATUS__MAX]);

/* Tasks, as the worker uses them. */
int	 store_changed(struct store *);
/* A descriptor readable when store_changed() may say 1, or -1: poll it. */
int	 store_wait_fd(struct store *);
int	 store_task_claim(struct store *, int64_t worker, int64_t lease_until,
	    struct task_claim *);
int	 store_task_claim_plan(struct store *, char *buf, size_t len);
int	 store_task_status(struct store *, const char *id, enum task_status *);
int	 store_task_progress(struct store *, int64_t seq, double progress,
	    const char *speed, const char *eta, int64_t filesize,
	    int64_t downloaded);
int	 store_task_set_info(struct store *, const char *id, const char *title,
	    const char *thumbnail, const char *format_note);
int	 store_task_set_playlist(struct store *, const char *id,
	    const char *playlist_id, int index, int total, const char *media_url);
int	 store_task_set_processing(struct store *, const char *id);
/* A finished run as its completion writes it; a NULL string keeps the row's value. */
struct task_done {
	const char	*filename;
	int64_t		 filesize;
	const char	*format_note;
	const char	*title;
	int		 local_thumbnail;	/* 1: thumbnails/ holds its image now */
	const char	*subtitles;	/* languages now in subtitles/, "en,es"; NULL: none */
};
int	 store_task_complete(struct store *, const char *id,
	    const struct task_done *);
int	 store_task_fail(struct store *, const char *id, const char *message);
/* *requeued: how many went back to pending; those out of attempts get message. */
int	 store_task_recover(struct store *, int max_attempts,
	    const char *message, int *requeued);
int	 store_task_release(struct store *, const char *id);
/* A cancelled run this worker has let go of: the task may be retried. */
int	 store_task_unlease(struct store *, const char *id, int64_t worker);
int	 store_lease_refresh(struct store *, int64_t worker, int64_t lease_until);

/* Look-ups (search, trending, info) and their cache. */
struct lookup {
	long long	 id;
	enum lookup_state state;
	char		*answer;	/* JSON, malloc'd, when done, else NULL; caller frees */
	char		 error[512];
	int		 error_status;	/* 502 or 504 when status is error */
};

struct lookup_claim {
	long long	 id;
	enum lookup_kind kind;
	char		 query[STORE_URL_MAX + 1];
	char		 search_prefix[64];	/* what the search runs with; '' for none */
	int		 max_results;
	long long	 cookie_owner;	/* whose cookies it runs with, -1: none (014) */
};

/*
 * cookie_owner: the key whose cookies the look-up runs with (0 when keys are
 * off), or -1 for none; part of the question, so an answer made with one
 * owner's cookies is never found by anyone else (migration 014).
 */
int	 store_lookup_find(struct store *, enum lookup_kind, const char *query,
	    const char *search_prefix, int max_results, long long cookie_owner,
	    int64_t now, struct lookup *);
int	 store_lookup_insert(struct store *, enum lookup_kind, const char *query,
	    const char *search_prefix, int max_results, long long cookie_owner,
	    int64_t now, long long *id);
int	 store_lookup_get(struct store *, long long id, struct lookup *);
int	 store_lookup_abandon(struct store *, long long id, const char *error);
int	 store_lookup_claim(struct store *, int64_t worker, struct lookup_claim *);
int	 store_lookup_finish(struct store *, long long id, const char *answer,
	    int64_t expires_at);
int	 store_lookup_fail(struct store *, long long id, int http_status,
	    const char *error);
/* *pruned (NULL: not asked): how many rows went. */
int	 store_lookup_prune(struct store *, int64_t now, int keep,
	    int64_t keep_bytes, int *pruned);

/* API keys: only their hashes are stored. */
struct api_key {
	long long	 id;
	char		 hash[65];	/* hex BLAKE2b-256 */
	int		 admin;
	int		 revoked;
};

int	 store_key_insert(struct store *, const char *name, const char *prefix,
	    const char *hash, int admin);
int	 store_key_by_prefix(struct store *, const char *prefix, struct api_key *);
int	 store_key_by_id(struct store *, long long id, struct api_key *);
int	 store_key_any(struct store *);
int	 store_key_list(struct store *, void (*)(void *, const char *name,
	    const char *prefix, int admin, const char *created,
	    const char *revoked), void *);
int	 store_key_revoke(struct store *, const char *name);

/* Subscriptions (migration 009). */
#define SUB_NAME_MAX	200	/* bytes of a name */
#define SUB_REGEX_MAX	200	/* bytes of a title filter */

/*
 * A subscription's settings and what the worker needs of its state.  As
 * the API validated it, as the worker checks it: "" is none for name,
 * format_id and the filters, -1 for the durations.
 */
struct subscription {
	char		 id[STORE_ID_LEN];
	long long	 owner;			/* api_keys.id, 0: none */
	char		 url[STORE_URL_MAX + 1];
	char		 name[SUB_NAME_MAX + 1];
	char		 download_type[8];
	char		 quality[16];
	char		 format_id[65];
	char		 audio_format[8];
	int		 embed_metadata;	/* given to the tasks it makes */
	enum sponsorblock sponsorblock;
	char		 subtitles[STORE_SUBTITLES_LEN];	/* languages, "en,es"; "" none */
	int		 check_every;		/* seconds */
	int		 backlog;
	char		 title_include[SUB_REGEX_MAX + 1];
	char		 title_exclude[SUB_REGEX_MAX + 1];
	long long	 min_duration;		/* seconds, -1: no bound */
	long long	 max_duration;
	int		 skip_live;
	enum listing_order listing_order;
	int		 enabled;
	int		 primed;		/* a check went well once: the backlog is taken */
	enum sub_state	 state;
};

/* A record as SQLite made it (the view of migration 009); malloc'd. */
struct store_text {
	char	*text;
	size_t	 len;
};
typedef int (*store_text_cb)(void *arg, const char *text, size_t len);

void	 store_text_free(struct store_text *);
/* 0: refused, the owner has max subscriptions already.  next_check_at: now. */
int	 store_sub_create(struct store *, const struct subscription *, int max,
	    int64_t now, struct store_text *record);
int	 store_sub_get(struct store *, const char *id, long long owner,
	    struct subscription *);
int	 store_sub_record(struct store *, const char *id, long long owner,
	    struct store_text *);
int	 store_sub_list(struct store *, long long owner, store_text_cb, void *);
/* The settings of sub (its id) replace the row's; the next check moves as they say. */
int	 store_sub_update(struct store *, const struct subscription *,
	    long long owner, int64_t now);
int	 store_sub_delete(struct store *, const char *id, long long owner);
/* 0: no such enabled subscription for this owner. */
int	 store_sub_check_now(struct store *, const char *id, long long owner,
	    int64_t now);

/* Subscriptions, as the worker checks them. */
/* 1 and *at: when the next enabled subscription is due; 0: none is. */
int	 store_sub_next_due(struct store *, int64_t *at);
int	 store_sub_claim(struct store *, int64_t worker, int64_t now,
	    struct subscription *);
/* Inside a check's transaction: 1 the entry is new, 0 seen before. */
int	 store_sub_seen_add(struct store *, const char *id, const char *entry);
/*
 * A check went well: 0 when the subscription is gone, no longer ours,
 * paused or its key revoked meanwhile (the caller rolls back).  claimed_at
 * (unix seconds): the claim's time, which the claim writes in next_check_at;
 * a check-now asked during the check moves it later, and the end then keeps
 * it, so that the next check follows at once.
 */
int	 store_sub_checked(struct store *, const char *id, int64_t worker,
	    int64_t claimed_at, int64_t next_at, int seen, int downloaded,
	    const char *title);
/* A check failed: tried again backoff << failures s later, at most check_every. */
int	 store_sub_failed(struct store *, const char *id, int64_t worker,
	    int64_t claimed_at, const char *error, int backoff);
/* Checks a gone (or stopping) worker left: back to what they were. */
/* Checks of no live worker, and this one's (mine; 0: none), are due again. */
int	 store_sub_recover(struct store *, int64_t mine);
/* One check of ours whose listing was not recorded: back to what it was. */
int	 store_sub_release(struct store *, const char *id, int64_t worker);

/* Webhooks and their deliveries (migration 015). */
#define HOOK_SECRET_MAX	128	/* bytes */

struct webhook {
	char		 id[STORE_ID_LEN];
	long long	 owner;			/* api_keys.id, 0: none */
	char		 url[STORE_URL_MAX + 1];
	unsigned int	 events;		/* 1 << enum hook_event */
	char		 secret[HOOK_SECRET_MAX + 1];
};

/* 0: refused, the owner has max webhooks already. */
int	 store_hook_create(struct store *, const struct webhook *, int max,
	    struct store_text *record);
int	 store_hook_record(struct store *, const char *id, long long owner,
	    struct store_text *);
int	 store_hook_list(struct store *, long long owner, store_text_cb, void *);
int	 store_hook_delete(struct store *, const char *id, long long owner);
/* Queues a ping; 0: no such webhook for this owner. */
int	 store_hook_ping(struct store *, const char *id, long long owner);

/* A delivery as the worker sends it. */
struct delivery {
	char		 id[STORE_ID_LEN];	/* the delivery id */
	char		 webhook_id[STORE_ID_LEN];
	enum hook_event	 event;
	char		*body;			/* the exact bytes; malloc'd */
	size_t		 body_len;
	char		 title[801];		/* 200 characters at most */
	char		 message[3601];		/* 900 */
	int		 attempts;		/* including this one */
	char		 url[STORE_URL_MAX + 1];
	char		 secret[HOOK_SECRET_MAX + 1];
	int		 may_private;		/* made with keys off or by an admin key */
};

enum delivery_end {
	DELIVERY_RETRY,			/* due again later */
	DELIVERY_DELIVERED,
	DELIVERY_FAILED,		/* given up */
	DELIVERY_END__MAX
};
extern const char *const delivery_end_str[DELIVERY_END__MAX];

/* 1 and *at (unix ms): when the next pending delivery is due; 0: none is. */
int	 store_delivery_next_due(struct store *, int64_t *at);
int	 store_delivery_claim(struct store *, int64_t worker, int64_t now_ms,
	    struct delivery *);
void	 store_delivery_free(struct delivery *);
int	 store_delivery_end(struct store *, const struct delivery *,
	    enum delivery_end, int64_t next_ms, const char *status);
/* keep_s: how long delivered and given-up rows are kept. */
int	 store_delivery_recover(struct store *, int64_t mine, int64_t keep_s);

/* Workers (migration 020): times in unix seconds. */
struct worker_info {
	int64_t		 id;
	char		 host[256];
	long		 pid;
	int64_t		 started_at, heartbeat_at, lease_until;
};
typedef int	(*store_worker_cb)(void *, const struct worker_info *);
/* Called for each orphaned running task before it is re-queued: -1 undoes the reap. */
typedef int	(*store_orphan_cb)(void *, const char *task_id);
struct worker_reap {
	int64_t		 dead;		/* the worker declared dead; 0: none */
	int		 requeued, abandoned;
	char		 error[256];	/* why it failed (the rollback may say another thing) */
};

int	 store_worker_add(struct store *, const char *host, long pid,
	    int64_t now, int64_t lease_until, int64_t *id);
int	 store_worker_beat(struct store *, int64_t id, int64_t now,
	    int64_t lease_until);
int	 store_worker_remove(struct store *, int64_t id);
int	 store_worker_exists(struct store *, int64_t id);
int	 store_worker_list(struct store *, store_worker_cb, void *);
int	 store_worker_expire(struct store *, int64_t self, int64_t id,
	    const char *host, long pid);
int	 store_worker_dead_any(struct store *, int64_t self, int64_t now);
int	 store_worker_reap(struct store *, int64_t self, int64_t now,
	    int everyone, int max_attempts, const char *message,
	    store_orphan_cb, void *, struct worker_reap *);

/* Small facts: the worker's heartbeat, versions. */
int	 store_heartbeat_set(struct store *, int64_t at);
int	 store_heartbeat_get(struct store *, int64_t *at);
/* 1 and *n: the count of changes to any task's record so far (a list's ETag). */
int	 store_task_changes(struct store *, int64_t *n);

/* One count for the metrics table (migration 017): added to its row, made when new. */
struct metric_add {
	const char	*name;		/* a family of common/metrics.h */
	char		 labels[96];	/* 'kind="download",outcome="ok"', or "" */
	double		 value;
};
typedef int (*store_metric_cb)(void *arg, const char *name, const char *labels,
	    double value);
int	 store_metrics_add(struct store *, const struct metric_add *, size_t n);
int	 store_metrics_each(struct store *, store_metric_cb, void *);
int	 store_meta_set(struct store *, const char *key, const char *value);
int	 store_meta_get(struct store *, const char *key, char *buf, size_t len);

#endif
