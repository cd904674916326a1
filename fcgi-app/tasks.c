/* tasks.c: the /api/download(s) routes: create, list, get, cancel, retry, remove. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <uuid.h>

#include "auth.h"
#include "config.h"
#include "etag.h"
#include "log.h"
#include "msg.h"
#include "record.h"
#include "req.h"
#include "route.h"
#include "util.h"
#include "validate.h"

#define LIST_LIMIT_MAX	100000

/* POST /api/download: the URL, then the download fields (validate.c). */
static const struct field url_field = { "url", 1, NULL, validate_url };
static const struct field sponsorblock_field =
	{ "sponsorblock", 0, "off", validate_sponsorblock };

/* 429: the owner's queue holds OFFLINETUBE_MAX_PENDING tasks already. */
static int
queue_full(struct req *r)
{
	char	 detail[128];

	snprintf(detail, sizeof(detail), "Too many pending downloads (limit "
	    "%d); wait for some to start", r->ctx->cfg->max_pending);
	return reply_error(r, 429, detail);
}

int
tasks_create(struct req *r)
{
	const char		*url, *v[VD__MAX], *sb;
	char			 detail[256], id[STORE_ID_LEN];
	char			 subs[STORE_SUBTITLES_LEN];
	struct task_new		 t;
	struct store_task_copy	 c;
	uuid_t			 uu;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if (validate_fields(r->body, &url_field, 1, &url, detail,
	    sizeof(detail)) == -1 ||
	    validate_fields(r->body, validate_download, VD__MAX, v, detail,
	    sizeof(detail)) == -1 ||
	    validate_fields(r->body, &sponsorblock_field, 1, &sb, detail,
	    sizeof(detail)) == -1 || validate_bool(r->body, "embed_metadata",
	    &t.embed_metadata, detail, sizeof(detail)) == -1 ||
	    validate_subtitles(r->body, "subtitles", subs, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	if (validate_url_host(r->ctx->cfg, "url", url, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	uuid_generate_random(uu);
	uuid_unparse_lower(uu, id);
	t.id = id;
	t.url = url;
	t.download_type = v[VD_TYPE];
	t.quality = v[VD_QUALITY];
	t.format_id = v[VD_FORMAT_ID];
	t.audio_format = v[VD_AUDIO_FORMAT];
	/* Checked by its validator: a name of the set. */
	(void)sponsorblock_parse(sb, &t.sponsorblock);
	t.subtitles = subs;
	t.owner = r->key_id;
	/* One user cannot fill the queue: checked by the insert itself. */
	t.max_pending = r->ctx->cfg->max_pending;
	if ((rc = store_task_create(r->ctx->db, &t, &c)) == -1)
		return reply_dberr(r, "task insert");
	if (rc == 0)
		return queue_full(r);
	log_info(id, "created (%s, %s) %s", t.download_type, t.quality, t.url);
	rc = record_send(r, 200, &c.row);
	store_task_copy_free(&c);
	return rc;
}

struct list_state {
	struct req	*r;
	int		 n;
};

/* Writes one record of the list as it comes off the database. */
static int
list_emit(void *arg, const struct store_task_row *row)
{
	struct list_state	*ls = arg;

	if ((ls->n++ > 0 && reply_write(ls->r, ",", 1) == -1) ||
	    record_write(ls->r, row) == -1)
		return 1;
	return 0;
}

static int
query_number(struct req *r, const char *key, long long min, long long max,
    long long *out, char *detail, size_t len)
{
	char	 buf[32];
	int	 rc;

	if ((rc = req_query_get(r, key, buf, sizeof(buf))) == 0)
		return 0;
	if (rc == -1 || util_strtonum(buf, min, max, out) == -1) {
		snprintf(detail, len, "%s: must be an integer from %lld to %lld",
		    key, min, max);
		return -1;
	}
	return 0;
}

/* "status: must be one of: pending, ...", from the statuses' own names. */
static void
status_refusal(char *detail, size_t len)
{
	size_t	 i;

	snprintf(detail, len, "status: must be one of: ");
	for (i = 0; i < TASK_STATUS__MAX; i++)
		snprintf(detail + strlen(detail), len - strlen(detail), "%s%s",
		    i > 0 ? ", " : "", task_status_str[i]);
}

/*
 * The list's ETag, without reading the list: the count of changes to any
 * task (migration 016), who asks (their key, whose tasks and links they
 * get), what they ask (the query) and, while links are signed, their
 * expiry.  1: the client's If-None-Match names it; 0: it does not; -1.
 */
static int
list_tag(struct req *r, char tag[ETAG_MAX])
{
	int64_t		 changes;
	long long	 who[3];
	uint64_t	 h;

	if (store_task_changes(r->ctx->db, &changes) == -1)
		return -1;
	who[0] = r->key_id;
	who[1] = r->owner;
	who[2] = r->keys_on ? auth_link_expiry(r) : 0;
	h = etag_hash(ETAG_SEED, &changes, sizeof(changes));
	h = etag_hash(h, who, sizeof(who));
	h = etag_hash(h, r->query, strlen(r->query));
	etag_format(tag, 'l', h);
	return etag_matches(FCGX_GetParam("HTTP_IF_NONE_MATCH",
	    r->fcgi->envp), tag);
}

int
tasks_list(struct req *r)
{
	struct list_state	 ls = { r, 0 };
	char			 name[32], detail[128], tag[ETAG_MAX];
	enum task_status	 status;
	long long		 limit = -1, offset = 0;
	int			 has_status;

	if ((has_status = req_query_get(r, "status", name, sizeof(name))) == -1) {
		snprintf(detail, sizeof(detail), "status: not a valid value");
		return reply_error(r, 400, detail);
	}
	if (has_status == 1 && task_status_parse(name, &status) == -1) {
		status_refusal(detail, sizeof(detail));
		return reply_error(r, 400, detail);
	}
	if (query_number(r, "limit", 1, LIST_LIMIT_MAX, &limit, detail,
	    sizeof(detail)) == -1 ||
	    query_number(r, "offset", 0, LLONG_MAX / 2, &offset, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	switch (list_tag(r, tag)) {
	case 1:
		return reply_not_modified(r, tag);
	case 0:
		break;
	default:
		return reply_dberr(r, "task list");
	}
	/* The array is streamed: memory does not grow with the table. */
	if (reply_header(r, "ETag: %s\r\n", tag) == -1 ||
	    reply_stream_begin(r, 200) == -1 || reply_write(r, "[", 1) == -1)
		return -1;
	if (store_task_list(r->ctx->db, has_status == 1 ? &status : NULL, r->owner,
	    limit, offset, list_emit, &ls) == -1) {
		/* Too late for a status code: cut the array so no client takes it as whole. */
		log_warnx(r->request_id, "task list: %s", store_errmsg(r->ctx->db));
		return -1;
	}
	return reply_write(r, "]\n", 2);
}

static int
get_emit(void *arg, const struct store_task_row *row)
{
	return record_send_tagged(arg, row);
}

int
tasks_get(struct req *r)
{
	switch (store_task_get(r->ctx->db, r->id, r->owner, get_emit, r)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_TASK_NOT_FOUND]);
	case 1:
		return 0;
	default:
		/* A failed write leaves nothing to answer; a status is still unsent. */
		return r->status != 0 ? -1 : reply_dberr(r, "task get");
	}
}

/*
 * Marks the row cancelled; the worker sees the change within a poll tick and
 * stops the job's process group.  A pending row is never claimed again.  A
 * row the update did not touch has ended already, or is not this owner's.
 */
int
tasks_cancel(struct req *r)
{
	char			 filename[STORE_FILENAME_MAX + 1];
	enum task_status	 status;
	int			 rc;

	if ((rc = store_task_cancel(r->ctx->db, r->id, r->owner)) == -1)
		return reply_dberr(r, "task cancel");
	if (rc == 1) {
		log_info(r->id, "cancelled");
		return reply_message(r, 200, msg_str[MSG_TASK_CANCELLED]);
	}
	if ((rc = store_task_file(r->ctx->db, r->id, r->owner, &status,
	    filename)) == -1)
		return reply_dberr(r, "task cancel");
	if (rc == 0)
		return reply_error(r, 404, msg_str[MSG_TASK_NOT_FOUND]);
	if (status == TASK_COMPLETED)
		return reply_error(r, 409, msg_str[MSG_TASK_ALREADY_COMPLETED]);
	return reply_message(r, 200, msg_str[MSG_TASK_CANCELLED]);
}

/*
 * A task in error or cancelled goes back to pending, same id, same options.
 * The worker starts every run in an empty temporary directory, so nothing
 * of the run that failed or was cancelled is taken for the new one; a run
 * still being stopped must end first (it holds that directory), which a
 * cancel's stop does within a second: the answer waits that long for it.
 */
#define RETRY_WAIT_MS	2000
#define RETRY_STEP_MS	50

int
tasks_retry(struct req *r)
{
	char			 detail[160];
	struct task_retry	 why;
	struct store_task_copy	 c;
	struct timespec		 step = { 0, RETRY_STEP_MS * 1000000L };
	int			 rc, waited = 0;

	/* A retry right after a cancel waits for the worker to stop that run. */
	while ((rc = store_task_retry(r->ctx->db, r->id, r->owner,
	    r->ctx->cfg->max_pending, &why, &c)) == 0 &&
	    why.refused == RETRY_STOPPING && waited < RETRY_WAIT_MS) {
		nanosleep(&step, NULL);
		waited += RETRY_STEP_MS;
	}
	if (rc == -1)
		return reply_dberr(r, "task retry");
	if (rc == 1) {
		log_info(r->id, "retried");
		rc = record_send(r, 200, &c.row);
		store_task_copy_free(&c);
		return rc;
	}
	switch (why.refused) {
	case RETRY_NOT_FOUND:
		return reply_error(r, 404, msg_str[MSG_TASK_NOT_FOUND]);
	case RETRY_STOPPING:
		return reply_error(r, 409, msg_str[MSG_TASK_STOPPING]);
	case RETRY_FULL:
		return queue_full(r);
	default:
		snprintf(detail, sizeof(detail), "Download is %s; only a download "
		    "in error or cancelled can be retried",
		    task_status_str[why.status]);
		return reply_error(r, 409, detail);
	}
}

/* Unlinks dir/name; a file already gone is what we wanted. */
static void
unlink_in(struct req *r, const char *dir, const char *name)
{
	char	 path[PATH_MAX];

	if (util_path_join(path, sizeof(path), dir, name) == -1)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warnx(r->id, "unlink %s: %s", path, strerror(errno));
}

/*
 * Deletes the row first: from then on the worker, if it runs the job, finds
 * the row gone, stops the process group and removes the job's partial files;
 * a job that finishes meanwhile finds nothing to complete and deletes its file.
 */
int
tasks_remove(struct req *r)
{
	const struct config	*cfg = r->ctx->cfg;
	char			 filename[STORE_FILENAME_MAX + 1];
	char			 name[STORE_ID_LEN + STORE_SUBTITLES_LEN + 8];
	char			 subs[STORE_SUBTITLES_LEN], *lang, *next;
	static const char *const exts[] = { "jpg", "webp", "png" };
	size_t			 i;

	switch (store_task_delete(r->ctx->db, r->id, r->owner, filename, subs)) {
	case 0:
		return reply_error(r, 404, msg_str[MSG_TASK_NOT_FOUND]);
	case 1:
		break;
	default:
		return reply_dberr(r, "task delete");
	}
	if (filename[0] != '\0' && strchr(filename, '/') == NULL)
		unlink_in(r, cfg->downloads_dir, filename);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(name, sizeof(name), "%s.%s", r->id, exts[i]);
		unlink_in(r, cfg->thumbnails_dir, name);
	}
	/* The stored languages name the files: {id}.{lang}.vtt. */
	for (lang = subs; *lang != '\0'; lang = next) {
		if ((next = strchr(lang, ',')) != NULL)
			*next++ = '\0';
		else
			next = lang + strlen(lang);
		snprintf(name, sizeof(name), "%s.%s.vtt", r->id, lang);
		unlink_in(r, cfg->subtitles_dir, name);
	}
	log_info(r->id, "removed");
	return reply_message(r, 200, msg_str[MSG_TASK_REMOVED]);
}
