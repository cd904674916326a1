/* job.c: the downloads in flight: claim, run yt-dlp, follow it, stop it, finish the row. */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "filename.h"
#include "job.h"
#include "log.h"
#include "media.h"
#include "progress.h"
#include "resolve.h"
#include "spawn.h"
#include "store.h"
#include "urlguard.h"
#include "util.h"
#include "ytdlp.h"

#define JOBS_MAX	32		/* config caps max_downloads here */
#define LEASE_SECS	60		/* main.c refreshes every 10 s */
#define LISTING_MAX	(64 << 20)	/* a -J answer: a 5000-entry playlist is a few MiB */
#define LINE_MAX_BYTES	(1 << 20)	/* one stdout line of a download run */
#define ERR_TAIL	16384		/* stderr kept for error_message */
#define WRITE_EVERY_MS	250		/* progress rows: at most 4 a second */
#define KILL_AFTER_MS	300		/* SIGTERM, then SIGKILL: stopped within 1 s */

/*
 * A job is one download run (see ytdlp.c), which also lists a playlist's
 * entries instead of downloading them.  A playlist whose entries are whole
 * videos cannot be listed that way (yt-dlp would download them all into
 * this one task), so on seeing such an entry the run is stopped and the URL
 * listed with -J instead; the download run follows.
 */
enum phase { PHASE_DOWNLOAD, PHASE_LISTING };

/* Why we are stopping a child ourselves; what happens to the row depends on it. */
enum stop { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT, STOP_TOOBIG, STOP_SHUTDOWN,
	STOP_RELIST };

struct buf {
	char	*data;
	size_t	 len, cap;
};

struct job {
	struct task_claim	 claim;
	char			 dir[PATH_MAX];		/* tmp_dir/{id}, TMPDIR too */
	char			 outdir[PATH_MAX];	/* dir/out: yt-dlp's files only */
	char			 info[PATH_MAX];	/* dir/info.json */
	enum phase		 phase;
	struct child		 child;
	struct buf		 out;		/* listing: all of it; download: a partial line */
	struct buf		 err;		/* the tail of stderr */
	size_t			 errscan;	/* err is marker-free before this */
	enum stop		 stop;
	int64_t			 deadline;	/* job timeout, monotonic ms */
	int64_t			 kill_at;	/* SIGKILL escalation, 0 = none */
	struct progress_total	 total;
	struct progress		 last;
	int			 dirty;		/* progress not yet written */
	int64_t			 written;	/* when progress was last written */
	int			 processing;
	int			 over_max_filesize;	/* yt-dlp skipped the file: too big */
	int			 listed;	/* no more listing: the URL is known */
	struct json_object	*entries;	/* a playlist's flat entries, NULL: none */
	int			 entries_over;	/* listed past RESOLVE_ENTRIES_MAX */
	char			 title[1024];
	char			 format_note[32];
	char			 filepath[PATH_MAX];
};

static struct store		*db;
static const struct config	*conf;
static const char		*ffmpeg;	/* absolute, or NULL */
static struct job		*jobs[JOBS_MAX];
static size_t			 njobs;

void
jobs_init(struct store *s, const struct config *c, const char *ff)
{
	db = s;
	conf = c;
	ffmpeg = ff;
}

size_t
jobs_count(void)
{
	return njobs;
}

/* Appends n bytes; -1 when that would pass max (the caller decides what that means). */
static int
buf_add(struct buf *b, const char *p, size_t n, size_t max)
{
	char	*d;
	size_t	 cap;

	if (n > max || b->len > max - n)
		return -1;
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 4096; cap < b->len + n + 1; cap *= 2)
			;
		if ((d = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static void
buf_drop(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
	}
	if (b->data != NULL)
		b->data[b->len] = '\0';
}

static void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void
child_close(struct child *c)
{
	if (c->out != -1)
		close(c->out);
	if (c->err != -1)
		close(c->err);
	c->out = c->err = -1;
}

/* Sends sig to the job's whole process group: yt-dlp and the FFmpeg it started. */
static void
job_signal(struct job *j, int sig)
{
	if (j->child.pid > 0 && kill(-j->child.pid, sig) == -1 && errno != ESRCH)
		log_warnx(j->claim.id, "kill %ld: %s", (long)j->child.pid,
		    strerror(errno));
}

/* A stop for a re-listing gives way to any other reason: a cancel, a shutdown. */
static void
job_stop(struct job *j, enum stop why)
{
	if (j->stop == why || (j->stop != STOP_NONE && j->stop != STOP_RELIST) ||
	    j->child.pid <= 0)
		return;
	j->stop = why;
	job_signal(j, SIGTERM);
	j->kill_at = util_now_ms() + KILL_AFTER_MS;
}

static void
job_free(struct job *j)
{
	size_t	 i;

	child_close(&j->child);
	if (util_rm_rf(j->dir) == -1)
		log_warnx(j->claim.id, "cannot remove %s: %s", j->dir,
		    strerror(errno));
	buf_free(&j->out);
	buf_free(&j->err);
	json_object_put(j->entries);
	for (i = 0; i < njobs; i++)
		if (jobs[i] == j) {
			jobs[i] = jobs[--njobs];
			break;
		}
	free(j);
}

static void
job_fail(struct job *j, const char *msg)
{
	log_info(j->claim.id, "failed: %s", msg);
	if (store_task_fail(db, j->claim.id, msg) == -1)
		log_warnx(j->claim.id, "store: %s", store_errmsg(db));
}

static int
job_spawn(struct job *j, const struct ytdlp_argv *a)
{
	char	 line[1024];
	size_t	 i, n = 0;

	for (i = 0; i < a->argc && n < sizeof(line) - 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "", a->argv[i]) ;
	log_debug(j->claim.id, "run: %s", line);
	if (spawn_run(a->argv, j->dir, &j->child) == -1) {
		snprintf(line, sizeof(line), "cannot run %s: %s", a->argv[0],
		    strerror(errno));
		job_fail(j, line);
		return -1;
	}
	/* What one run learnt is not the next run's: a stopped run leaves no trace. */
	buf_drop(&j->out, j->out.len);
	buf_drop(&j->err, j->err.len);
	j->errscan = 0;
	j->stop = STOP_NONE;
	j->kill_at = 0;
	j->filepath[0] = '\0';
	j->over_max_filesize = 0;
	j->processing = 0;
	j->dirty = 0;
	memset(&j->last, 0, sizeof(j->last));
	json_object_put(j->entries);
	j->entries = NULL;
	j->entries_over = 0;
	return 0;
}

/* Empties outdir between two runs of a job: nothing a stopped run left is taken for the next. */
static int
job_fresh_outdir(struct job *j)
{
	if (util_rm_rf(j->outdir) == -1 || mkdir(j->outdir, 0700) == -1) {
		job_fail(j, "cannot empty the temporary directory");
		return -1;
	}
	return 0;
}

static int
job_download(struct job *j, const char *url, int use_info)
{
	struct ytdlp_opts	 o;
	struct ytdlp_argv	 a;

	memset(&o, 0, sizeof(o));
	o.ytdlp = conf->ytdlp;
	o.ffmpeg = ffmpeg;
	o.outdir = j->outdir;
	o.info_json = use_info ? j->info : NULL;
	o.download_type = j->claim.download_type;
	o.quality = j->claim.quality;
	o.format_id = j->claim.format_id;
	o.audio_format = j->claim.audio_format;
	o.max_filesize = conf->max_filesize;
	o.url = url;
	if (ytdlp_download_argv(&o, &a) == -1) {
		job_fail(j, "cannot build the yt-dlp command line");
		return -1;
	}
	j->phase = PHASE_DOWNLOAD;
	progress_total_init(&j->total, 1);
	return job_spawn(j, &a);
}

/* The -J listing of a playlist whose entries are whole videos. */
static int
job_list(struct job *j)
{
	struct ytdlp_argv	 a;

	j->listed = 1;
	j->title[0] = '\0';
	if (job_fresh_outdir(j) == -1)
		return -1;
	if (ytdlp_resolve_argv(conf->ytdlp, j->claim.url, &a) == -1) {
		job_fail(j, "cannot build the yt-dlp command line");
		return -1;
	}
	j->phase = PHASE_LISTING;
	return job_spawn(j, &a);
}

/* Starts one claimed task; on failure the row is failed and the job gone. */
static void
job_start(const struct task_claim *c)
{
	struct job		*j;
	const char		*why;
	char			 msg[256];

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_warnx(c->id, "out of memory");
		store_task_fail(db, c->id, "out of memory");
		return;
	}
	j->claim = *c;
	j->child.pid = -1;
	j->child.out = j->child.err = -1;
	j->deadline = util_now_ms() + (int64_t)conf->job_timeout * 1000;
	jobs[njobs++] = j;
	log_info(c->id, "claimed (attempt %d): %s %s %s", c->attempts,
	    c->download_type, c->quality, c->url);
	if (util_path_join(j->dir, sizeof(j->dir), conf->tmp_dir, c->id) == -1 ||
	    util_path_join(j->outdir, sizeof(j->outdir), j->dir, "out") == -1 ||
	    util_path_join(j->info, sizeof(j->info), j->dir, "info.json") == -1) {
		job_fail(j, "temporary path too long");
		goto fail;
	}
	/*
	 * The API checked the URL at submit time; checked again here because a
	 * name may resolve elsewhere now, and a playlist's entries were never
	 * submitted at all.  (getaddrinfo blocks the loop for as long as DNS
	 * takes: a cached or local answer is quick.)
	 */
	if (!conf->allow_private_urls && urlguard_check(c->url, &why) == -1) {
		snprintf(msg, sizeof(msg), "URL refused: %s", why);
		job_fail(j, msg);
		goto fail;
	}
	/* A retry starts clean: nothing from an earlier run may be taken for this one. */
	(void)util_rm_rf(j->dir);
	if (mkdir(j->dir, 0700) == -1 || mkdir(j->outdir, 0700) == -1) {
		job_fail(j, "cannot create the temporary directory");
		goto fail;
	}
	/* A playlist's entry is one video: nothing in it is listed again. */
	j->listed = c->is_playlist;
	if (job_download(j, c->url, 0) == -1)
		goto fail;
	return;
fail:
	job_free(j);
}

/*
 * The disk guard: no download starts while the downloads directory has less
 * than OFFLINETUBE_MIN_FREE_MB free.  Tasks wait as pending; main.c retries
 * with every heartbeat, so they start once space is made.
 */
static int
disk_low(void)
{
	static int	 was_low;
	struct statvfs	 sv;
	unsigned long long free_mb;
	int		 low;

	if (conf->min_free_mb == 0 || statvfs(conf->downloads_dir, &sv) == -1)
		return 0;
	free_mb = (unsigned long long)sv.f_bavail * sv.f_frsize / (1024 * 1024);
	low = free_mb < (unsigned long long)conf->min_free_mb;
	if (low != was_low)
		log_info(NULL, low ? "only %llu MB free in %s (minimum %d): new "
		    "downloads wait" : "%llu MB free in %s (minimum %d): "
		    "downloads start again", free_mb, conf->downloads_dir,
		    conf->min_free_mb);
	was_low = low;
	return low;
}

/* Claims pending tasks while there is room; the claim itself is atomic in SQL. */
void
jobs_start_pending(void)
{
	struct task_claim	 c;
	int			 rc;

	if (njobs < (size_t)conf->max_downloads && disk_low())
		return;
	while (njobs < (size_t)conf->max_downloads && njobs < JOBS_MAX) {
		rc = store_task_claim(db, (long)getpid(),
		    (int64_t)time(NULL) + LEASE_SECS, &c);
		if (rc == -1)
			log_warnx(NULL, "claim: %s", store_errmsg(db));
		if (rc != 1)
			return;
		job_start(&c);
	}
}

/* Rows cancelled or removed through the API: stop their runs, never touch the row again. */
void
jobs_cancel_requested(void)
{
	char	 status[STORE_STATUS_LEN];
	size_t	 i;
	int	 rc;

	for (i = 0; i < njobs; i++) {
		if (jobs[i]->stop != STOP_NONE && jobs[i]->stop != STOP_RELIST)
			continue;
		rc = store_task_status(db, jobs[i]->claim.id, status);
		if (rc == -1) {
			log_warnx(jobs[i]->claim.id, "status: %s", store_errmsg(db));
			continue;
		}
		if (rc == 0 || strcmp(status, "cancelled") == 0) {
			log_info(jobs[i]->claim.id, "%s: stopping",
			    rc == 0 ? "removed" : "cancelled");
			job_stop(jobs[i], STOP_CANCEL);
		}
	}
}

static void
progress_write(struct job *j)
{
	char	 speed[32], eta[32];

	if (j->last.status == PROGRESS_FINISHED) {
		speed[0] = eta[0] = '\0';
	} else {
		progress_speed(j->last.speed, speed, sizeof(speed));
		progress_eta(j->last.eta, eta, sizeof(eta));
	}
	if (store_task_progress(db, j->claim.id, j->total.percent, speed, eta,
	    j->total.total, j->total.downloaded) == -1)
		log_warnx(j->claim.id, "progress: %s", store_errmsg(db));
	j->dirty = 0;
	j->written = util_now_ms();
}

/* "[ot-fmt] {...}": the format yt-dlp chose, before it downloads. */
static void
format_line(struct job *j, const char *json)
{
	struct json_object	*o, *v;
	const char		*fid = NULL, *t;
	int			 nfiles = 1, height = 0, kbps = 0, cap;

	if ((o = json_tokener_parse(json)) == NULL)
		return;
	if (json_object_object_get_ex(o, "format_id", &v) &&
	    (fid = json_object_get_string(v)) != NULL)
		for (t = fid; (t = strchr(t, '+')) != NULL; t++)
			nfiles++;
	progress_total_init(&j->total, nfiles);
	if (json_object_object_get_ex(o, "height", &v) &&
	    json_object_is_type(v, json_type_int))
		height = json_object_get_int(v);
	if (json_object_object_get_ex(o, "abr", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		kbps = (int)(json_object_get_double(v) + 0.5);
	/*
	 * format_note says what was obtained: the height of the video, or the
	 * audio bitrate: the source's, or the bitrate we had FFmpeg encode to
	 * when that is lower (m4a from an AAC source is copied, not encoded).
	 */
	if (strcmp(j->claim.download_type, "video") == 0) {
		if (height > 0)
			snprintf(j->format_note, sizeof(j->format_note), "%dp",
			    height);
	} else {
		cap = ytdlp_quality_kbps(j->claim.quality);
		if (json_object_object_get_ex(o, "acodec", &v) &&
		    (t = json_object_get_string(v)) != NULL &&
		    strncmp(t, "mp4a", 4) == 0 &&
		    strcmp(j->claim.audio_format, "m4a") == 0)
			cap = 0;
		if (strcmp(j->claim.audio_format, "flac") == 0 ||
		    strcmp(j->claim.audio_format, "wav") == 0)
			cap = 0;
		if (cap > 0 && (kbps == 0 || cap < kbps))
			kbps = cap;
		if (kbps > 0)
			snprintf(j->format_note, sizeof(j->format_note),
			    "%dkbps", kbps);
	}
	/*
	 * The first format line names the video: its title (a playlist's
	 * listing gave only a provisional one) and the remote thumbnail go
	 * into the row before the download starts.
	 */
	if (j->title[0] == '\0' && json_object_object_get_ex(o, "title", &v) &&
	    (t = json_object_get_string(v)) != NULL && strlen(t) < sizeof(j->title)) {
		memcpy(j->title, t, strlen(t) + 1);
		if (!json_object_object_get_ex(o, "thumbnail", &v) ||
		    (t = json_object_get_string(v)) == NULL || strlen(t) > STORE_URL_MAX ||
		    (strncmp(t, "http://", 7) != 0 && strncmp(t, "https://", 8) != 0))
			t = NULL;
		if (store_task_set_info(db, j->claim.id, j->title, t, NULL) == -1)
			log_warnx(j->claim.id, "set_info: %s", store_errmsg(db));
	}
	json_object_put(o);
}

/*
 * "[ot-entry] {...}": a playlist's entry listed flat ("_type": "url") is kept
 * for job_playlist().  A whole video with a playlist index means yt-dlp is
 * about to download a playlist's videos into this one task: the run is
 * stopped and the URL listed instead.  A lone video has neither, and is the
 * download itself.
 */
static void
entry_line(struct job *j, const char *json)
{
	struct json_object	*o, *v;
	const char		*type = NULL;

	if ((o = json_tokener_parse(json)) == NULL)
		return;
	if (json_object_object_get_ex(o, "_type", &v))
		type = json_object_get_string(v);
	if (type != NULL && strcmp(type, "url") == 0) {
		if (j->entries == NULL)
			j->entries = json_object_new_array();
		/* Past the cap the entries are only counted: resolve.c cuts there. */
		if (j->entries != NULL &&
		    json_object_array_length(j->entries) < RESOLVE_ENTRIES_MAX &&
		    json_object_array_add(j->entries, o) == 0)
			return;
		j->entries_over++;
	} else if (!j->listed &&
	    json_object_object_get_ex(o, "playlist_index", &v) &&
	    json_object_is_type(v, json_type_int)) {
		log_info(j->claim.id, "a playlist of whole videos: listing it first");
		job_stop(j, STOP_RELIST);
	}
	json_object_put(o);
}

static void
stdout_line(struct job *j, char *line, size_t len)
{
	struct progress	 p;
	size_t		 ml;

	if (progress_parse(line, len, &p) == 0) {
		progress_total_add(&j->total, &p);
		j->last = p;
		j->dirty = 1;
		if (util_now_ms() - j->written >= WRITE_EVERY_MS)
			progress_write(j);
		return;
	}
	ml = strlen(YTDLP_MARK_ENTRY);
	if (len > ml && strncmp(line, YTDLP_MARK_ENTRY, ml) == 0) {
		entry_line(j, line + ml);
		return;
	}
	ml = strlen(YTDLP_MARK_FORMAT);
	if (len > ml && strncmp(line, YTDLP_MARK_FORMAT, ml) == 0) {
		format_line(j, line + ml);
		return;
	}
	ml = strlen(YTDLP_MARK_FILE);
	if (len > ml && strncmp(line, YTDLP_MARK_FILE, ml) == 0 &&
	    len - ml < sizeof(j->filepath)) {
		memcpy(j->filepath, line + ml, len - ml + 1);
		return;
	}
	/* "[download] File is larger than max-filesize (...). Aborting.": exit 0, no file. */
	if (memmem(line, len, "larger than max-filesize", 24) != NULL)
		j->over_max_filesize = 1;
	log_debug(j->claim.id, "yt-dlp: %s", line);
}

/* A download run's stdout, line by line; a line longer than LINE_MAX_BYTES is dropped. */
static void
stdout_lines(struct job *j)
{
	char	*nl;
	size_t	 n;

	while ((nl = memchr(j->out.data, '\n', j->out.len)) != NULL) {
		*nl = '\0';
		n = (size_t)(nl - j->out.data);
		if (n > 0 && j->out.data[n - 1] == '\r')
			j->out.data[--n] = '\0';
		stdout_line(j, j->out.data, n);
		buf_drop(&j->out, (size_t)(nl - j->out.data) + 1);
	}
}

/*
 * "[ot-pp:started:Merger]": FFmpeg work begins.  MoveFiles is only a rename,
 * and Concat, which runs after any playlist, joins nothing unless asked to
 * with --concat-playlist, which we never pass.
 */
static void
pp_marker(struct job *j, const char *m, size_t len)
{
	static const char	 started[] = YTDLP_MARK_PP "started:";
	static const char *const idle[] = { "MoveFiles]", "Concat]" };
	size_t			 i, sl = sizeof(started) - 1;

	if (j->processing || len < sl || memcmp(m, started, sl) != 0)
		return;
	for (i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		if (len - sl == strlen(idle[i]) &&
		    memcmp(m + sl, idle[i], len - sl) == 0)
			return;
	j->processing = 1;
	if (j->dirty)
		progress_write(j);
	log_debug(j->claim.id, "processing: %.*s", (int)len, m);
	if (store_task_set_processing(db, j->claim.id) == -1)
		log_warnx(j->claim.id, "processing: %s", store_errmsg(db));
}

/*
 * Takes the postprocessor markers out of stderr (they come without a newline,
 * in the middle of other text) and keeps the tail for error_message.
 */
static void
stderr_scan(struct job *j)
{
	char	*m, *end;
	size_t	 ml = strlen(YTDLP_MARK_PP), keep;

	while (j->errscan < j->err.len) {
		m = memmem(j->err.data + j->errscan, j->err.len - j->errscan,
		    YTDLP_MARK_PP, ml);
		if (m == NULL) {
			/* A marker cut by the read may start in the last bytes. */
			j->errscan = j->err.len > ml ? j->err.len - ml : 0;
			break;
		}
		if ((end = memchr(m, ']', (size_t)(j->err.data + j->err.len - m))) == NULL) {
			j->errscan = (size_t)(m - j->err.data);
			break;
		}
		end++;
		pp_marker(j, m, (size_t)(end - m));
		memmove(m, end, (size_t)(j->err.data + j->err.len - end));
		j->err.len -= (size_t)(end - m);
		j->err.data[j->err.len] = '\0';
		j->errscan = (size_t)(m - j->err.data);
	}
	if (j->err.len > ERR_TAIL) {
		keep = ERR_TAIL / 2;
		j->errscan = j->errscan > j->err.len - keep ?
		    j->errscan - (j->err.len - keep) : 0;
		buf_drop(&j->err, j->err.len - keep);
	}
}

static void
job_read(struct job *j, int fd)
{
	char	 chunk[65536];
	ssize_t	 n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (fd == j->child.err) {
			if (buf_add(&j->err, chunk, (size_t)n, ERR_TAIL * 2) == -1)
				buf_drop(&j->err, j->err.len);
			else
				stderr_scan(j);
			continue;
		}
		if (j->phase == PHASE_LISTING) {
			if (buf_add(&j->out, chunk, (size_t)n, LISTING_MAX) == -1) {
				log_warnx(j->claim.id, "yt-dlp's answer passed %d "
				    "bytes", LISTING_MAX);
				buf_drop(&j->out, j->out.len);
				job_stop(j, STOP_TOOBIG);
			}
			continue;
		}
		if (buf_add(&j->out, chunk, (size_t)n, LINE_MAX_BYTES) == -1) {
			buf_drop(&j->out, j->out.len);
			continue;
		}
		stdout_lines(j);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		close(fd);
		if (fd == j->child.out)
			j->child.out = -1;
		else
			j->child.err = -1;
	}
}

size_t
jobs_pollfds(struct pollfd *pfd, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < njobs; i++) {
		if (jobs[i]->child.out != -1 && n < max) {
			pfd[n].fd = jobs[i]->child.out;
			pfd[n++].events = POLLIN;
		}
		if (jobs[i]->child.err != -1 && n < max) {
			pfd[n].fd = jobs[i]->child.err;
			pfd[n++].events = POLLIN;
		}
	}
	return n;
}

void
jobs_read_output(const struct pollfd *pfd, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		for (k = 0; k < njobs; k++)
			if (jobs[k]->child.out == pfd[i].fd ||
			    jobs[k]->child.err == pfd[i].fd) {
				job_read(jobs[k], pfd[i].fd);
				break;
			}
	}
}

/* A download run ended well: the file goes to downloads/, the thumbnail to thumbnails/. */
static void
job_complete(struct job *j)
{
	struct stat	 st;
	char		 media[PATH_MAX], name[FILENAME_MAX_BYTES + 1];
	char		 dest[PATH_MAX], thumb[PATH_MAX], url[64];
	const char	*base, *ext;
	int		 have_thumb, rc;

	if (j->dirty)
		progress_write(j);
	if (media_find(j->outdir, j->filepath, media, sizeof(media)) == -1) {
		/*
		 * --max-filesize makes yt-dlp skip the file and still exit 0;
		 * its notice is hidden by the quiet mode --print implies, so a
		 * missing file under a size cap is most likely that.
		 */
		if (j->over_max_filesize || conf->max_filesize[0] != '\0') {
			snprintf(dest, sizeof(dest), "No file was written: %s larger "
			    "than OFFLINETUBE_MAX_FILESIZE (%s)", j->over_max_filesize ?
			    "it is" : "most likely it is", conf->max_filesize);
			job_fail(j, dest);
		} else
			job_fail(j, "yt-dlp finished but left no media file");
		return;
	}
	base = strrchr(media, '/') + 1;
	ext = strrchr(base, '.');
	ext = ext != NULL && ext[1] != '\0' && strlen(ext + 1) <= 8 ?
	    ext + 1 : "bin";
	if (filename_build(j->title, j->claim.id, ext, name, sizeof(name)) == -1 ||
	    util_path_join(dest, sizeof(dest), conf->downloads_dir, name) == -1) {
		job_fail(j, "cannot build the file name");
		return;
	}
	if (stat(media, &st) == -1 || rename(media, dest) == -1) {
		snprintf(dest, sizeof(dest), "cannot move the file into the "
		    "downloads directory: %s", strerror(errno));
		job_fail(j, dest);
		return;
	}
	/*
	 * Readable by the group too: deployed, nginx reads media as the group
	 * of the setgid downloads directory; nobody else reads anything.
	 */
	(void)chmod(dest, 0640);
	have_thumb = media_thumbnail(j->outdir, media, conf->thumbnails_dir,
	    j->claim.id, thumb, sizeof(thumb));
	if (have_thumb) {
		snprintf(url, sizeof(url), "/api/thumbnails/%s", j->claim.id);
		if (store_task_set_info(db, j->claim.id, NULL, url, NULL) == -1)
			log_warnx(j->claim.id, "set_info: %s", store_errmsg(db));
	}
	rc = store_task_complete(db, j->claim.id, name, (int64_t)st.st_size,
	    j->format_note[0] != '\0' ? j->format_note : NULL);
	if (rc == 1) {
		log_info(j->claim.id, "completed: %s (%lld bytes)", name,
		    (long long)st.st_size);
		return;
	}
	/* Cancelled or removed while we were finishing: nobody will ask for these. */
	if (rc == -1)
		log_warnx(j->claim.id, "complete: %s", store_errmsg(db));
	else
		log_info(j->claim.id, "cancelled while finishing; file deleted");
	(void)unlink(dest);
	if (have_thumb)
		(void)unlink(thumb);
}

/*
 * The URL turned out to be a playlist (r) or, from a -J listing, one video:
 * what is known goes into the row, then the download run of r->url.
 */
static int
job_next(struct job *j, const struct resolved *r, const char *listing, size_t len)
{
	FILE		*f;
	const char	*why;
	char		 msg[256];
	int		 use_info = 0;

	/* A playlist's entry 1 is fetched by this job: the guard, as for entries 2 to N. */
	if (r->playlist && !conf->allow_private_urls &&
	    urlguard_check(r->url, &why) == -1) {
		snprintf(msg, sizeof(msg), "URL refused: %s", why);
		job_fail(j, msg);
		return -1;
	}
	if (store_task_set_info(db, j->claim.id, r->title[0] ? r->title : NULL,
	    r->thumbnail[0] ? r->thumbnail : NULL, NULL) == -1)
		log_warnx(j->claim.id, "set_info: %s", store_errmsg(db));
	/* A playlist's listing title is provisional, as for the other entries: the download says. */
	if (!r->playlist)
		memcpy(j->title, r->title, sizeof(j->title));
	/* The download loads the listing instead of extracting the page again. */
	if (listing != NULL && r->has_formats && !r->playlist) {
		if ((f = fopen(j->info, "wx")) != NULL) {
			use_info = fwrite(listing, 1, len, f) == len;
			if (fclose(f) != 0)
				use_info = 0;
		}
	}
	j->listed = 1;
	j->claim.is_playlist |= r->playlist;
	if (job_fresh_outdir(j) == -1)
		return -1;
	return job_download(j, r->url, use_info);
}

/* The -J listing ended well. */
static int
job_listed(struct job *j)
{
	struct resolved	 r;
	char		 err[256];
	int		 rc;

	if (resolve_apply(db, &j->claim, j->out.data != NULL ? j->out.data : "",
	    j->out.len, conf->max_pending, &r, err, sizeof(err)) == -1) {
		job_fail(j, err);
		return -1;
	}
	rc = job_next(j, &r, j->out.data, j->out.len);
	buf_free(&j->out);
	return rc;
}

/* The download run listed a playlist instead: one task per entry, and entry 1 here. */
static int
job_playlist(struct job *j)
{
	struct resolved	 r;
	char		 err[256];

	if (j->claim.is_playlist) {
		job_fail(j, "This playlist entry is a playlist itself; submit its "
		    "URL on its own");
		return -1;
	}
	if (j->entries_over > 0)
		log_warnx(j->claim.id, "playlist has more than %d entries, keeping "
		    "%d", RESOLVE_ENTRIES_MAX, RESOLVE_ENTRIES_MAX);
	if (resolve_playlist(db, &j->claim, j->entries, conf->max_pending, &r,
	    err, sizeof(err)) == -1) {
		job_fail(j, err);
		return -1;
	}
	json_object_put(j->entries);
	j->entries = NULL;
	return job_next(j, &r, NULL, 0);
}

/* A child is gone: decide what its end means for the row.  1: the job goes on. */
static int
job_ended(struct job *j, int wstatus)
{
	char	 msg[1024];
	int	 status;

	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
	    -WTERMSIG(wstatus);
	log_debug(j->claim.id, "%s exited: %d", j->phase == PHASE_LISTING ?
	    "listing" : "download", status);
	switch (j->stop) {
	case STOP_RELIST:
		j->child.pid = -1;
		if (job_list(j) == 0)
			return 1;
		break;
	case STOP_CANCEL:
		log_info(j->claim.id, "stopped");
		break;
	case STOP_SHUTDOWN:
		if (store_task_release(db, j->claim.id) == -1)
			log_warnx(j->claim.id, "release: %s", store_errmsg(db));
		break;
	case STOP_TIMEOUT:
		snprintf(msg, sizeof(msg), "The download took longer than %d "
		    "seconds and was stopped", conf->job_timeout);
		job_fail(j, msg);
		break;
	case STOP_TOOBIG:
		job_fail(j, "yt-dlp's answer for this URL is too large");
		break;
	case STOP_NONE:
		if (status != 0) {
			ytdlp_error_message(j->err.data != NULL ? j->err.data : "",
			    j->err.len, status, msg, sizeof(msg));
			job_fail(j, msg);
		} else if (j->phase == PHASE_LISTING) {
			j->child.pid = -1;
			if (job_listed(j) == 0)
				return 1;
		} else if (j->entries != NULL && j->filepath[0] == '\0') {
			j->child.pid = -1;
			if (job_playlist(j) == 0)
				return 1;
		} else
			job_complete(j);
		break;
	}
	job_free(j);
	return 0;
}

/*
 * Reaps the children that exited; returns how many jobs ended.  The exited
 * child is looked at first without reaping it (WNOWAIT), so its process
 * group id cannot be reused while we kill whatever it left running.
 */
int
jobs_reap(void)
{
	siginfo_t	 si;
	struct job	*j;
	size_t		 i;
	int		 wstatus, ended = 0;

	for (i = 0; i < njobs; ) {
		j = jobs[i];
		memset(&si, 0, sizeof(si));
		if (j->child.pid <= 0 || waitid(P_PID, (id_t)j->child.pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == -1 || si.si_pid == 0) {
			i++;
			continue;
		}
		/* All it wrote is in the pipes now: read it before deciding. */
		if (j->child.out != -1)
			job_read(j, j->child.out);
		if (j->child.err != -1)
			job_read(j, j->child.err);
		if (j->phase == PHASE_DOWNLOAD && j->out.len > 0)
			stdout_line(j, j->out.data, j->out.len);
		child_close(&j->child);
		job_signal(j, SIGKILL);
		if (waitpid(j->child.pid, &wstatus, 0) == -1)
			wstatus = 0xff00;
		j->kill_at = 0;
		/* A freed job's slot now holds the last job, not yet looked at. */
		if (job_ended(j, wstatus))
			i++;
		else
			ended++;
	}
	return ended;
}

/* Escalates stops, enforces timeouts, writes progress held back by the throttle. */
void
jobs_timers(void)
{
	int64_t	 now = util_now_ms();
	size_t	 i;

	for (i = 0; i < njobs; i++) {
		if (jobs[i]->kill_at != 0 && now >= jobs[i]->kill_at) {
			job_signal(jobs[i], SIGKILL);
			jobs[i]->kill_at = 0;
		}
		if (jobs[i]->stop == STOP_NONE && now >= jobs[i]->deadline) {
			log_info(jobs[i]->claim.id, "timed out");
			job_stop(jobs[i], STOP_TIMEOUT);
		}
		if (jobs[i]->dirty && jobs[i]->stop == STOP_NONE &&
		    now - jobs[i]->written >= WRITE_EVERY_MS)
			progress_write(jobs[i]);
	}
}

/* On SIGTERM: every run stops, and its row goes back to pending for the next start. */
void
jobs_stop_all(void)
{
	int64_t	 until;
	size_t	 i;

	for (i = 0; i < njobs; i++)
		job_stop(jobs[i], STOP_SHUTDOWN);
	until = util_now_ms() + 1000;
	while (njobs > 0) {
		jobs_reap();
		if (njobs == 0)
			break;
		if (util_now_ms() >= until - 700)
			for (i = 0; i < njobs; i++)
				job_signal(jobs[i], SIGKILL);
		if (util_now_ms() >= until) {
			/* Not our children any more?  Release the rows anyway. */
			for (i = 0; i < njobs; i++)
				store_task_release(db, jobs[i]->claim.id);
			while (njobs > 0)
				job_free(jobs[0]);
			break;
		}
		usleep(20000);
	}
}
