/* health.c: GET /api/health: are workers alive, which yt-dlp, how many tasks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "health.h"
#include "log.h"
#include "req.h"
#include "route.h"
#include "util.h"

/*
 * For this long after the API starts, a worker without a heartbeat may be
 * one that is starting beside it (make run starts both at once): look-ups
 * wait for it instead of answering 503.
 */
#define STARTUP_GRACE_MS	5000

static int64_t	 api_started_ms;

void
health_init(void)
{
	api_started_ms = util_now_ms();
}

struct workers {
	struct json_object	*list;		/* NULL: only counted */
	int64_t			 now, latest;
	int			 alive;
};

/* A worker is alive while its lease holds and its heartbeat is recent. */
static int
worker_alive(const struct worker_info *w, int64_t now)
{
	return w->lease_until >= now && now - w->heartbeat_at <= HEARTBEAT_STALE;
}

static int
worker_add(void *arg, const struct worker_info *w)
{
	struct workers		*ws = arg;
	struct json_object	*o;
	char			 t[ISO_TIME_LEN];
	int			 alive = worker_alive(w, ws->now);

	ws->alive |= alive;
	if (w->heartbeat_at > ws->latest)
		ws->latest = w->heartbeat_at;
	if (ws->list == NULL)
		return 0;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(w->id));
	json_object_object_add(o, "host", json_object_new_string(w->host));
	json_object_object_add(o, "pid", json_object_new_int64(w->pid));
	util_iso_time(w->started_at, t);
	json_object_object_add(o, "started_at", json_object_new_string(t));
	util_iso_time(w->heartbeat_at, t);
	json_object_object_add(o, "heartbeat_at", json_object_new_string(t));
	json_object_object_add(o, "alive", json_object_new_boolean(alive));
	json_object_array_add(ws->list, o);
	return 0;
}

/*
 * The latest heartbeat of the workers listed (0: none runs, all stopped
 * cleanly) into *at; 1 when one is alive, 0 when none is, -1 when the
 * database refused.
 */
int
health_worker_heartbeat(struct store *db, int64_t *at)
{
	struct workers	 ws = { NULL, (int64_t)time(NULL), 0, 0 };

	*at = 0;
	if (store_worker_list(db, worker_add, &ws) == -1)
		return -1;
	*at = ws.latest;
	return ws.alive;
}

/* Whether a worker is alive; *at gets the latest heartbeat of any (0: none). */
int
health_worker_alive(struct store *db, int64_t *at)
{
	return health_worker_heartbeat(db, at) == 1;
}

/*
 * Whether a worker without a heartbeat may still answer: one holds the data
 * directory's lock (it is up, opening the database or asking yt-dlp its
 * version), or the API itself has only just started.  F_OFD_GETLK asks
 * without taking the lock, so a worker starting at that moment still gets it.
 */
int
health_worker_may_come(const struct config *c)
{
	struct flock	 fl;
	char		 path[PATH_MAX];
	int		 fd, held = 0;

	if (util_now_ms() - api_started_ms < STARTUP_GRACE_MS)
		return 1;
	if (util_path_join(path, sizeof(path), c->data_dir, WORKER_LOCK) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	/* F_WRLCK: any lock conflicts, a SQLite worker's and PostgreSQL workers' shared ones. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		held = 1;
	close(fd);
	return held;
}

/* Free space where downloads land, against the worker's disk guard. */
static struct json_object *
health_disk(const struct config *c)
{
	struct json_object	*d;
	long long		 free_mb;

	if ((free_mb = util_free_mb(c->downloads_dir)) == -1)
		return NULL;
	d = json_object_new_object();
	json_object_object_add(d, "free_mb", json_object_new_int64(free_mb));
	json_object_object_add(d, "min_free_mb", json_object_new_int(c->min_free_mb));
	json_object_object_add(d, "low", json_object_new_boolean(free_mb < c->min_free_mb));
	return d;
}

int
health_get(struct req *r)
{
	struct json_object	*o, *worker, *tasks;
	struct workers		 ws;
	char			 beat[ISO_TIME_LEN], version[128];
	long long		 counts[TASK_STATUS__MAX];
	int64_t			 at;
	int			 alive, rc, i;

	memset(&ws, 0, sizeof(ws));
	ws.now = (int64_t)time(NULL);
	ws.list = json_object_new_array();
	if (store_worker_list(r->ctx->db, worker_add, &ws) == -1 ||
	    store_meta_get(r->ctx->db, "yt_dlp_version", version, sizeof(version)) == -1 ||
	    store_task_counts(r->ctx->db, counts) == -1) {
		json_object_put(ws.list);
		return reply_dberr(r, "health");
	}
	alive = ws.alive;
	at = ws.latest;
	o = json_object_new_object();
	worker = json_object_new_object();
	tasks = json_object_new_object();
	for (i = 0; i < TASK_STATUS__MAX; i++)
		json_object_object_add(tasks, task_status_str[i],
		    json_object_new_int64(counts[i]));
	json_object_object_add(worker, "alive", json_object_new_boolean(alive));
	if (at > 0)
		util_iso_time(at, beat);
	json_object_object_add(worker, "heartbeat_at",
	    at > 0 ? json_object_new_string(beat) : NULL);
	json_object_object_add(o, "status",
	    json_object_new_string(alive ? "ok" : "degraded"));
	json_object_object_add(o, "worker", worker);
	json_object_object_add(o, "workers", ws.list);
	json_object_object_add(o, "yt_dlp", json_object_new_string(version));
	json_object_object_add(o, "tasks", tasks);
	json_object_object_add(o, "disk", health_disk(r->ctx->cfg));
	rc = reply_json(r, alive ? 200 : 503, o);
	json_object_put(o);
	return rc;
}
