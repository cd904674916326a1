/* job.c: the downloads in flight: claim, run yt-dlp, follow it, stop it, finish the row. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "fleet.h"
#include "cookiejar.h"
#include "filename.h"
#include "job.h"
#include "jsonin.h"
#include "log.h"
#include "media.h"
#include "progress.h"
#include "resolve.h"
#include "proc.h"
#include "store.h"
#include "tally.h"
#include "urlguard.h"
#include "util.h"
#include "ytdlp.h"

#define JOBS_MAX	32		/* config caps max_downloads here */
#define LEASE_SECS	60		/* refreshed every 10 s: a few refreshes may fail */
#define LEASE_WAIT_MS	250		/* a lease's wait for a lock */
/*
 * A -J listing: a flat YouTube entry is about 1.3 KiB, so the 5,000 entries
 * a playlist is cut at make about 6.5 MB.  Its JSON tree takes about seven
 * times that while it is read.
 */
#define LISTING_MAX	(16 << 20)	/* one listing's stdout */
#define LISTINGS_TOTAL	(32 << 20)	/* the listings running at once, together */
#define LINE_MAX_BYTES	(1 << 20)	/* one stdout line of a download run */
#define WRITE_EVERY_MS	250		/* progress rows: at most 4 a second */
#define SETTLE_WAIT_MS	100		/* a run's end: its wait for a lock, */
#define RETRY_FIRST_MS	500		/* then again after this, */
#define RETRY_MAX_MS	8000		/* doubling up to this */

/*
 * A job is one task's way from its claim to its row's end.  Its download
 * run (see ytdlp.c) also lists a playlist's entries instead of downloading
 * them.  A playlist whose entries are whole videos cannot be listed that
 * way (yt-dlp would download them all into this one task), so on seeing
 * such an entry the run is stopped and the URL listed with -J instead; the
 * download run follows.
 *
 * The states, and what leads from one to the next.  job_enter() is the one
 * transition; when a child ends, job_next_state() says where the job goes.
 *
 *   CLAIMED  -> DOWNLOAD  the row is ours: the download run starts
 *   DOWNLOAD -> SYNC      yt-dlp exited 0 and left a file: to the disk first
 *   DOWNLOAD -> DOWNLOAD  it listed a playlist flat: one task per entry,
 *                         entry 1 downloaded by this job
 *   DOWNLOAD -> DOWNLOAD  it failed as the SponsorBlock service could not
 *                         be reached: again without SponsorBlock
 *   DOWNLOAD -> LISTING   a playlist of whole videos: the run is stopped
 *                         (STOP_RELIST) and the URL listed with -J
 *   LISTING  -> DOWNLOAD  the listing says what to download (and is loaded
 *                         instead of extracting the page again)
 *   SYNC     -> SETTLE    the file is moved into downloads/: complete
 *   any      -> SETTLE    a failure, or a stop: a cancel, the timeout, a
 *                         listing past its bound, the worker's own stop
 *   SETTLE   -> SETTLE    the database refused the row's end: asked again
 *   SETTLE   -> (freed)   the row's end is written
 */
enum state { ST_CLAIMED, ST_DOWNLOAD, ST_LISTING, ST_SYNC, ST_SETTLE };

static const char *const state_str[] = { "claimed", "download", "listing",
	"sync", "settle" };

/*
 * SETTLE: no child any more; what the row becomes is kept here and written
 * by job_settle().  A database that refuses the write (another program
 * holds its lock, the disk is full) is asked again from the loop, the job
 * keeping its slot, its lease and its finished file meanwhile: a file is
 * never thrown away because a write failed.  OUT_NONE writes nothing (the
 * run was cancelled or removed).
 */
enum outcome { OUT_NONE, OUT_COMPLETE, OUT_FAIL, OUT_RELEASE };

/* Why we are stopping a child ourselves; what happens to the row depends on it. */
enum stop { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT, STOP_TOOBIG, STOP_CROWDED,
	STOP_SHUTDOWN, STOP_RELIST };

/*
 * What the run in progress has told and done: forgotten at once as the next
 * run starts (job_enter()), so nothing of a stopped run is taken for it.
 */
struct run_facts {
	enum stop		 stop;		/* why we stop its child, if we do */
	size_t			 errscan;	/* proc.err is marker-free before this */
	struct progress		 last;
	int			 dirty;		/* progress not yet written */
	int			 processing;
	int			 over_max_filesize;	/* yt-dlp skipped the file: too big */
	struct json_object	*entries;	/* a playlist's flat entries, NULL: none */
	int			 entries_over;	/* listed past RESOLVE_ENTRIES_MAX */
	char			 filepath[PATH_MAX];
};

struct job {
	struct task_claim	 claim;
	enum state		 state;
	char			 dir[PATH_MAX];		/* tmp_dir/{id}, TMPDIR too */
	char			 outdir[PATH_MAX];	/* dir/out: yt-dlp's files only */
	char			 info[PATH_MAX];	/* dir/info.json */
	char			 cookies[PATH_MAX];	/* dir/cookies.txt, "": none */
	char			 url[STORE_URL_MAX + 1];	/* what DOWNLOAD fetches, */
	int			 use_info;	/* or info.json, loaded */
	int			 listed;	/* no more listing: the URL is known */
	int			 no_sponsorblock;	/* its service was out of reach */
	char			 subs[STORE_SUBTITLES_LEN];	/* the languages still asked */
	struct proc		 proc;		/* yt-dlp, or sync */
	struct run_facts	 run;
	struct jsonin		*listing;	/* LISTING: parsed as it comes, */
	int			 infofd;	/* and written to info, -1: not */
	size_t			 listed_bytes;	/* stdout taken */
	int64_t			 deadline;	/* job timeout, monotonic ms */
	struct progress_total	 total;
	int64_t			 written;	/* when progress was last written */
	char			 title[1024];
	char			 format_note[32];
	char			 media[PATH_MAX];	/* the finished file, in outdir */
	char			 thumb[PATH_MAX];	/* its thumbnail, "" when none */
	const char		*thumb_ext;
	/* Its subtitles in outdir, one per language asked ("" none), in order. */
	char			 subsrc[STORE_SUBTITLES_MAX][PATH_MAX];
	enum outcome		 outcome;	/* SETTLE: what to write */
	char			 message[1024];	/* OUT_FAIL: the error_message */
	char			 name[FILENAME_MAX_BYTES + 1];	/* OUT_COMPLETE: */
	char			 dest[PATH_MAX];	/* the file in downloads/, */
	char			 thumbdest[PATH_MAX];	/* in thumbnails/ or "" */
	char			 subfiles[STORE_SUBTITLES_LEN];	/* languages now in subtitles/ */
	int64_t			 size;
	int			 let_go;	/* the row ended elsewhere: say so once gone */
	int			 retry_ms;	/* the last wait between two tries */
	int64_t			 retry_at;
};

static struct store		*db;
static const struct config	*conf;
static const char		*ffmpeg;	/* absolute, or NULL */
static struct job		*jobs[JOBS_MAX];
static size_t			 njobs;
static size_t			 listings_held;	/* stdout bytes the listings hold */
static int			 stopping;	/* jobs_stop_all(): a last try */

static void		 job_start(const struct task_claim *);
static void		 job_enter(struct job *, enum state);
static int		 job_run_download(struct job *);
static int		 job_run_listing(struct job *);
static int		 job_run_sync(struct job *);
static enum state	 job_next_state(struct job *, int);
static void		 job_line(struct job *, char *, size_t);
static void		 job_format(struct job *, const struct ytdlp_format *);
static void		 job_entry(struct job *, struct json_object *);
static void		 listing_take(struct job *, const char *, size_t);
static void		 job_stop(struct job *, enum stop);
static enum state	 job_listed(struct job *);
static enum state	 job_playlist(struct job *);
static enum state	 job_next(struct job *, const struct resolved *, int);
static void		 job_fail(struct job *, const char *);
static void		 job_complete(struct job *);
static int		 job_settle(struct job *);
static void		 job_free(struct job *);
static void		 listing_release(struct job *);
static void		 progress_write(struct job *);
static void		 job_out(void *, char *, size_t);
static void		 job_err(void *, size_t);
static void		 job_ended(void *, int);

static const struct proc_ops job_ops = { job_out, job_err, job_ended };

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

/*
 * The leases of our running rows, written again and again: a database
 * locked by another program gets a short wait from them, never the loop's.
 */
void
jobs_lease_refresh(void)
{
	store_busy_wait(db, LEASE_WAIT_MS);
	if (store_lease_refresh(db, fleet_id(),
	    (int64_t)time(NULL) + LEASE_SECS) == -1)
		log_warnx(NULL, "lease: %s", store_errmsg(db));
	store_busy_wait(db, 0);
}

/* ---- Claims and starts: jobs_start_pending() -> job_start() -> DOWNLOAD. */

/*
 * The disk guard: no download starts while the downloads directory has less
 * than OFFLINETUBE_MIN_FREE_MB free.  Tasks wait as pending; main.c retries
 * with every heartbeat, so they start once space is made.
 */
static int
disk_low(void)
{
	static int	 was_low;
	long long	 free_mb;
	int		 low;

	if (conf->min_free_mb == 0 ||
	    (free_mb = util_free_mb(conf->downloads_dir)) == -1)
		return 0;
	low = free_mb < conf->min_free_mb;
	if (low != was_low)
		log_info(NULL, low ? "only %lld MB free in %s (minimum %d): new "
		    "downloads wait" : "%lld MB free in %s (minimum %d): "
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
		rc = store_task_claim(db, fleet_id(),
		    (int64_t)time(NULL) + LEASE_SECS, &c);
		if (rc == -1)
			log_warnx(NULL, "claim: %s", store_errmsg(db));
		if (rc != 1)
			return;
		tally_wait(c.waited);
		job_start(&c);
	}
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
	j->state = ST_CLAIMED;
	proc_init(&j->proc, &job_ops, j, j->claim.id);
	j->infofd = -1;
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
	/* The owner's cookies, if any: theirs only, a copy of the job's own. */
	if (cookiejar_copy(conf, c->owner, j->dir, j->cookies,
	    sizeof(j->cookies)) == -1) {
		job_fail(j, "cannot copy the owner's cookies for the job");
		goto fail;
	}
	/* A playlist's entry is one video: nothing in it is listed again. */
	j->listed = c->is_playlist;
	memcpy(j->subs, c->subtitles, sizeof(j->subs));
	memcpy(j->url, c->url, sizeof(j->url));
	job_enter(j, ST_DOWNLOAD);
	return;
fail:
	job_enter(j, ST_SETTLE);
}

/* ---- The transition, and what each state runs. */

/*
 * The one transition.  Entering DOWNLOAD or LISTING forgets what the run
 * before told and starts the new run; SYNC starts sync.  A child that
 * cannot start leaves the outcome set (failed, or complete without sync)
 * and the job goes on to SETTLE, which writes the row's end and frees the
 * job, unless the database refuses: then jobs_timers() asks again.  j may
 * be gone on return.
 */
static void
job_enter(struct job *j, enum state to)
{
	int	 rc = -1;

	log_debug(j->claim.id, "%s -> %s", state_str[j->state], state_str[to]);
	j->state = to;
	switch (to) {
	case ST_CLAIMED:
		return;
	case ST_DOWNLOAD:
	case ST_LISTING:
		json_object_put(j->run.entries);
		memset(&j->run, 0, sizeof(j->run));
		rc = to == ST_DOWNLOAD ? job_run_download(j) : job_run_listing(j);
		break;
	case ST_SYNC:
		rc = job_run_sync(j);
		break;
	case ST_SETTLE:
		listing_release(j);
		if (job_settle(j) == 1)
			job_free(j);
		return;
	}
	if (rc == -1)
		job_enter(j, ST_SETTLE);
}

/* Starts the state's child: a download run's stdout is read as lines, the others' as it comes. */
static int
job_spawn(struct job *j, const char *const argv[], size_t line_max)
{
	char	 msg[1024];

	if (proc_start(&j->proc, argv, j->dir, line_max) == -1) {
		snprintf(msg, sizeof(msg), "cannot run %s: %s", argv[0],
		    strerror(errno));
		job_fail(j, msg);
		return -1;
	}
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

/* DOWNLOAD: yt-dlp fetches j->url (or loads info.json). */
static int
job_run_download(struct job *j)
{
	struct ytdlp_opts	 o;
	struct ytdlp_argv	 a;

	memset(&o, 0, sizeof(o));
	o.ytdlp = conf->ytdlp;
	o.ffmpeg = ffmpeg;
	o.outdir = j->outdir;
	o.info_json = j->use_info ? j->info : NULL;
	o.download_type = j->claim.download_type;
	o.quality = j->claim.quality;
	o.format_id = j->claim.format_id;
	o.audio_format = j->claim.audio_format;
	o.max_filesize = conf->max_filesize;
	o.rate = conf->download_rate;
	o.sponsorblock_api = conf->sponsorblock_api;
	o.embed_metadata = j->claim.embed_metadata;
	o.cookies = j->cookies;
	o.sponsorblock = j->no_sponsorblock ? SPONSORBLOCK_OFF :
	    j->claim.sponsorblock;
	o.subtitles = j->subs;
	o.url = j->url;
	if (ytdlp_download_argv(&o, &a) == -1) {
		job_fail(j, "cannot build the yt-dlp command line");
		return -1;
	}
	progress_total_init(&j->total, 1);
	return job_spawn(j, a.argv, LINE_MAX_BYTES);
}

/* LISTING: the -J listing of a playlist whose entries are whole videos. */
static int
job_run_listing(struct job *j)
{
	struct ytdlp_argv	 a;

	j->listed = 1;
	j->title[0] = '\0';
	if (job_fresh_outdir(j) == -1)
		return -1;
	if (ytdlp_resolve_argv(conf->ytdlp, j->claim.url, j->cookies, &a) == -1) {
		job_fail(j, "cannot build the yt-dlp command line");
		return -1;
	}
	/* The listing goes to info.json as it comes: the download may load it. */
	(void)unlink(j->info);
	if ((j->listing = jsonin_new()) == NULL ||
	    (j->infofd = open(j->info, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		job_fail(j, "cannot create the temporary directory");
		return -1;
	}
	return job_spawn(j, a.argv, 0);
}

/* The i-th language of the comma-separated list l into lang; -1 past the last. */
static int
lang_at(const char *l, size_t i, char lang[STORE_SUBTITLE_LANG_MAX + 1])
{
	size_t	 n;

	for (;;) {
		if (*l == '\0')
			return -1;
		n = strcspn(l, ",");
		if (i-- == 0)
			break;
		l += n + (l[n] == ',');
	}
	if (n == 0 || n > STORE_SUBTITLE_LANG_MAX)
		return -1;
	memcpy(lang, l, n);
	lang[n] = '\0';
	return 0;
}

/*
 * The subtitles yt-dlp wrote, one file per language asked at most (a
 * language the video lacks has none, which is no error): into j->subsrc
 * and, for sync, paths.  Returns how many.
 */
static size_t
job_subtitles_find(struct job *j, const char **paths)
{
	char	 lang[STORE_SUBTITLE_LANG_MAX + 1];
	size_t	 i, n = 0;

	for (i = 0; i < STORE_SUBTITLES_MAX; i++) {
		j->subsrc[i][0] = '\0';
		if (lang_at(j->claim.subtitles, i, lang) == -1 ||
		    !media_subtitle_find(j->outdir, lang, j->subsrc[i],
		    sizeof(j->subsrc[i])))
			continue;
		paths[n++] = j->subsrc[i];
	}
	return n;
}

/*
 * Moves the subtitles found into subtitles/{id}.{lang}.vtt, and lists in
 * j->subfiles the languages that are there now: what the completion
 * records, in the same write.
 */
static void
job_subtitles_move(struct job *j)
{
	char	 lang[STORE_SUBTITLE_LANG_MAX + 1], dest[PATH_MAX];
	size_t	 i, o = 0;

	j->subfiles[0] = '\0';
	for (i = 0; i < STORE_SUBTITLES_MAX; i++) {
		if (j->subsrc[i][0] == '\0' ||
		    lang_at(j->claim.subtitles, i, lang) == -1 ||
		    !media_subtitle_move(j->subsrc[i], conf->subtitles_dir,
		    j->claim.id, lang, dest, sizeof(dest)))
			continue;
		/* The languages fit: they came from a list of this size. */
		o += (size_t)snprintf(j->subfiles + o, sizeof(j->subfiles) - o,
		    "%s%s", o > 0 ? "," : "", lang);
	}
}

/* A completion nobody will ask for: its subtitles go with its file. */
static void
job_subtitles_unlink(struct job *j)
{
	char	 lang[STORE_SUBTITLE_LANG_MAX + 1], p[PATH_MAX];
	char	 name[STORE_ID_LEN + STORE_SUBTITLE_LANG_MAX + 8];
	size_t	 i;

	for (i = 0; lang_at(j->subfiles, i, lang) == 0; i++) {
		snprintf(name, sizeof(name), "%s.%s.vtt", j->claim.id, lang);
		if (util_path_join(p, sizeof(p), conf->subtitles_dir, name) == 0)
			(void)unlink(p);
	}
}

/*
 * SYNC: the download run ended well.  The file and its thumbnail reach the disk
 * before they get the names that say they are finished, so a name of ours
 * in downloads/ always holds a whole file, even after a power cut: that is
 * what lets a restarted worker re-attach a file whose row it never got to
 * complete (reconcile.c).  `sync --data` waits for the disk in a child, so
 * a slow disk never stalls the loop (progress, cancels, the heartbeat).
 * 0 while it runs; -1 when the task failed, or when sync could not run
 * (then completing goes on without it).
 */
static int
job_run_sync(struct job *j)
{
	const char	*argv[5 + STORE_SUBTITLES_MAX + 1] = { "sync", "--data",
			    "--", j->media };
	char		 msg[256];
	size_t		 n = 4;

	if (j->run.dirty)
		progress_write(j);
	if (media_find(j->outdir, j->run.filepath, j->media,
	    sizeof(j->media)) == -1) {
		/*
		 * --max-filesize makes yt-dlp skip the file and still exit 0;
		 * its notice is hidden by the quiet mode --print implies, so a
		 * missing file under a size cap is most likely that.
		 */
		if (j->run.over_max_filesize || conf->max_filesize[0] != '\0') {
			snprintf(msg, sizeof(msg), "No file was written: %s "
			    "larger than OFFLINETUBE_MAX_FILESIZE (%s)",
			    j->run.over_max_filesize ? "it is" :
			    "most likely it is", conf->max_filesize);
			job_fail(j, msg);
		} else
			job_fail(j, "yt-dlp finished but left no media file");
		return -1;
	}
	j->thumb[0] = '\0';
	if (media_thumbnail_find(j->outdir, j->media, j->thumb, sizeof(j->thumb),
	    &j->thumb_ext))
		argv[n++] = j->thumb;
	n += job_subtitles_find(j, argv + n);
	argv[n] = NULL;
	j->run.errscan = 0;
	if (proc_start(&j->proc, argv, j->dir, 0) == -1) {
		log_warnx(j->claim.id, "cannot run sync: %s; the file may not "
		    "survive a power cut", strerror(errno));
		job_complete(j);
		return -1;
	}
	return 0;
}

/* ---- While a child runs: its stdout, its stderr, our stops. */

/* stdout: a listing's bytes, or a download run's lines; sync says nothing. */
static void
job_out(void *arg, char *p, size_t n)
{
	struct job	*j = arg;

	if (j->state == ST_LISTING)
		listing_take(j, p, n);
	else if (j->state == ST_DOWNLOAD)
		job_line(j, p, n);
}

/* A download run's stdout line, parsed by ytdlp.c, acted on here. */
static void
job_line(struct job *j, char *line, size_t len)
{
	struct ytdlp_line	 l;

	switch (ytdlp_parse_line(line, len, &l)) {
	case YTDLP_PROGRESS:
		progress_total_add(&j->total, &l.progress);
		j->run.last = l.progress;
		j->run.dirty = 1;
		if (util_now_ms() - j->written >= WRITE_EVERY_MS)
			progress_write(j);
		break;
	case YTDLP_ENTRY:
		break;
	case YTDLP_ENTRY_FLAT:
		job_entry(j, l.entry);
		break;
	case YTDLP_ENTRY_INDEXED:
		/*
		 * yt-dlp is about to download a playlist's videos into this
		 * one task: the run is stopped and the URL listed instead.
		 */
		if (!j->listed) {
			log_info(j->claim.id, "a playlist of whole videos: "
			    "listing it first");
			job_stop(j, STOP_RELIST);
		}
		break;
	case YTDLP_FORMAT:
		job_format(j, &l.format);
		break;
	case YTDLP_FILE:
		if (l.pathlen < sizeof(j->run.filepath))
			memcpy(j->run.filepath, l.path, l.pathlen + 1);
		break;
	case YTDLP_TOO_BIG:
		j->run.over_max_filesize = 1;
		log_debug(j->claim.id, "yt-dlp: %s", line);
		break;
	case YTDLP_OTHER:
		log_debug(j->claim.id, "yt-dlp: %s", line);
		break;
	}
}

/* "[ot-fmt]": the format chosen; the first one also names the video. */
static void
job_format(struct job *j, const struct ytdlp_format *f)
{
	progress_total_init(&j->total, f->nfiles);
	(void)ytdlp_format_note(f, j->claim.download_type, j->claim.quality,
	    j->claim.audio_format, j->format_note, sizeof(j->format_note));
	/*
	 * Its title (a playlist's listing gave only a provisional one) and
	 * the remote thumbnail go into the row before the download starts.
	 */
	if (j->title[0] != '\0' || f->title[0] == '\0')
		return;
	memcpy(j->title, f->title, sizeof(j->title));
	if (store_task_set_info(db, j->claim.id, j->title, f->thumbnail[0] ?
	    f->thumbnail : NULL, NULL) == -1)
		log_warnx(j->claim.id, "set_info: %s", store_errmsg(db));
}

/* A playlist's entry listed flat: kept for job_playlist(); past the cap only counted. */
static void
job_entry(struct job *j, struct json_object *e)
{
	if (e == NULL)
		return;
	if (j->run.entries == NULL)
		j->run.entries = json_object_new_array();
	if (j->run.entries == NULL ||
	    json_object_array_length(j->run.entries) >= RESOLVE_ENTRIES_MAX) {
		j->run.entries_over++;
		json_object_put(e);
	} else if (json_object_array_add(j->run.entries, e) == -1)
		json_object_put(e);
}

/* The row's progress: the bar, speed, eta and bytes the run has reached. */
static void
progress_write(struct job *j)
{
	char	 speed[32], eta[32];

	if (j->run.last.status == PROGRESS_FINISHED) {
		speed[0] = eta[0] = '\0';
	} else {
		progress_speed(j->run.last.speed, speed, sizeof(speed));
		progress_eta(j->run.last.eta, eta, sizeof(eta));
	}
	/* The next write supersedes this one: no long wait for a lock. */
	store_busy_wait(db, SETTLE_WAIT_MS);
	if (store_task_progress(db, j->claim.seq, j->total.percent, speed, eta,
	    j->total.total, j->total.downloaded) == -1)
		log_warnx(j->claim.id, "progress: %s", store_errmsg(db));
	store_busy_wait(db, 0);
	j->run.dirty = 0;
	j->written = util_now_ms();
}

/* More stderr in the tail, dropped bytes gone from its front: the marks taken out. */
static void
job_err(void *arg, size_t drop)
{
	struct job	*j = arg;
	char		 step[64];

	j->run.errscan = j->run.errscan > drop ? j->run.errscan - drop : 0;
	if (!ytdlp_pp_scan(j->proc.err.data, &j->proc.err.len, &j->run.errscan,
	    step, sizeof(step)) || j->run.processing)
		return;
	/* FFmpeg work begins: the row says "processing". */
	j->run.processing = 1;
	if (j->run.dirty)
		progress_write(j);
	log_debug(j->claim.id, "processing: %s", step);
	if (store_task_set_processing(db, j->claim.id) == -1)
		log_warnx(j->claim.id, "processing: %s", store_errmsg(db));
}

/*
 * n more bytes of a -J listing: parsed as they come (the loop never parses a
 * whole listing at once) and written to info.json, unless they take it or
 * all listings past their bound.
 */
static void
listing_take(struct job *j, const char *p, size_t n)
{
	ssize_t	 w;
	size_t	 off;

	if (j->listing == NULL)
		return;
	if (j->listed_bytes + n > LISTING_MAX || listings_held + n > LISTINGS_TOTAL) {
		log_warnx(j->claim.id, "listing at %zu bytes, all listings at %zu: "
		    "past the bound", j->listed_bytes + n, listings_held + n);
		job_stop(j, j->listed_bytes + n > LISTING_MAX ? STOP_TOOBIG :
		    STOP_CROWDED);
		listing_release(j);
		return;
	}
	/* No info.json (the disk is full?): the download extracts the page again. */
	for (off = 0; j->infofd != -1 && off < n; off += (size_t)w)
		if ((w = write(j->infofd, p + off, n - off)) == -1) {
			log_warnx(j->claim.id, "%s: %s", j->info, strerror(errno));
			close(j->infofd);
			j->infofd = -1;
			(void)unlink(j->info);
			break;
		}
	j->listed_bytes += n;
	listings_held += n;
	(void)jsonin_feed(j->listing, p, n);
}

/* A stop for a re-listing gives way to any other reason: a cancel, a shutdown. */
static void
job_stop(struct job *j, enum stop why)
{
	if (j->run.stop == why || (j->run.stop != STOP_NONE && j->run.stop != STOP_RELIST) ||
	    !proc_running(&j->proc))
		return;
	j->run.stop = why;
	proc_stop(&j->proc);
}

/* Rows cancelled or removed through the API: stop their runs, never touch the row again. */
void
jobs_cancel_requested(void)
{
	enum task_status status;
	size_t	 i;
	int	 rc;

	for (i = 0; i < njobs; i++) {
		/* Someone could write: the database may take a refused end now. */
		if (jobs[i]->state == ST_SETTLE) {
			jobs[i]->retry_at = 0;
			continue;
		}
		if (jobs[i]->run.stop != STOP_NONE && jobs[i]->run.stop != STOP_RELIST)
			continue;
		rc = store_task_status(db, jobs[i]->claim.id, &status);
		if (rc == -1) {
			log_warnx(jobs[i]->claim.id, "status: %s", store_errmsg(db));
			continue;
		}
		if (rc == 0 || status == TASK_CANCELLED) {
			log_info(jobs[i]->claim.id, "%s: stopping",
			    rc == 0 ? "removed" : "cancelled");
			job_stop(jobs[i], STOP_CANCEL);
		}
	}
}

/*
 * Enforces timeouts, writes progress held back by the
 * throttle, and tries again the ends the database refused.  Returns how
 * many jobs ended (their slots are free).
 */
int
jobs_timers(void)
{
	int64_t		 now = util_now_ms();
	struct job	*j;
	size_t		 i;
	int		 ended = 0;

	for (i = 0; i < njobs; ) {
		j = jobs[i];
		if (j->state == ST_SETTLE) {
			if (now >= j->retry_at && job_settle(j)) {
				job_free(j);	/* the last job moves into slot i */
				ended++;
			} else
				i++;
			continue;
		}
		if (j->run.stop == STOP_NONE && now >= j->deadline) {
			log_info(j->claim.id, "timed out");
			job_stop(j, STOP_TIMEOUT);
		}
		if (j->run.dirty && j->run.stop == STOP_NONE &&
		    now - j->written >= WRITE_EVERY_MS)
			progress_write(j);
		i++;
	}
	return ended;
}

/* ---- A child's end: where it leads. */

/* A child is gone: the job goes where its end leads. */
static void
job_ended(void *arg, int wstatus)
{
	struct job	*j = arg;

	job_enter(j, job_next_state(j, wstatus));
}

/*
 * What a child's end makes of the job: the next state, with what it needs
 * made ready (the outcome for SETTLE, the URL for DOWNLOAD).  A stop of
 * ours says more than the exit status of what we stopped.
 */
static enum state
job_next_state(struct job *j, int wstatus)
{
	char	 msg[1024], lang[STORE_SUBTITLE_LANG_MAX + 1];
	int	 status;

	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
	    -WTERMSIG(wstatus);
	log_debug(j->claim.id, "%s exited: %d", state_str[j->state], status);
	if (j->state == ST_DOWNLOAD || j->state == ST_LISTING)
		tally_run(j->state == ST_DOWNLOAD ? RUN_DOWNLOAD : RUN_LISTING,
		    wstatus, j->run.stop != STOP_NONE);
	switch (j->run.stop) {
	case STOP_NONE:
		break;
	case STOP_RELIST:
		return ST_LISTING;
	case STOP_CANCEL:
		log_info(j->claim.id, "stopped");
		return ST_SETTLE;
	case STOP_SHUTDOWN:
		j->outcome = OUT_RELEASE;
		return ST_SETTLE;
	case STOP_TIMEOUT:
		snprintf(msg, sizeof(msg), "The download took longer than %d "
		    "seconds and was stopped", conf->job_timeout);
		job_fail(j, msg);
		return ST_SETTLE;
	case STOP_TOOBIG:
		snprintf(msg, sizeof(msg), "yt-dlp's listing of this URL was larger "
		    "than %d MiB", LISTING_MAX >> 20);
		job_fail(j, msg);
		return ST_SETTLE;
	case STOP_CROWDED:
		snprintf(msg, sizeof(msg), "Other listings already hold %d MiB; "
		    "submit this URL again later", LISTINGS_TOTAL >> 20);
		job_fail(j, msg);
		return ST_SETTLE;
	}
	if (j->state == ST_SYNC) {
		if (status != 0)
			log_warnx(j->claim.id, "sync exited %d: the file may not "
			    "survive a power cut", status);
		job_complete(j);
		return ST_SETTLE;
	}
	/*
	 * SponsorBlock is asked before the download: a service that cannot be
	 * reached has cost nothing yet, and never fails a download.
	 */
	if (status != 0 && j->state == ST_DOWNLOAD && !j->no_sponsorblock &&
	    j->claim.sponsorblock != SPONSORBLOCK_OFF &&
	    ytdlp_sponsorblock_unreachable(j->proc.err.data, j->proc.err.len)) {
		log_info(j->claim.id, "SponsorBlock cannot be reached: "
		    "downloading without it");
		j->no_sponsorblock = 1;
		return job_fresh_outdir(j) == -1 ? ST_SETTLE : ST_DOWNLOAD;
	}
	/*
	 * Likewise subtitles, fetched before the media: one that cannot be
	 * had (asked for, listed, and then refused) is no reason to fail the
	 * download.  Each run drops one language, so this ends.
	 */
	if (status != 0 && j->state == ST_DOWNLOAD &&
	    ytdlp_subtitle_failed(j->proc.err.data, j->proc.err.len, lang,
	    sizeof(lang)) && ytdlp_subtitles_drop(j->subs, lang)) {
		log_info(j->claim.id, "the %s subtitles cannot be downloaded: "
		    "downloading without them", lang[0] != '\0' ? lang : "asked");
		return job_fresh_outdir(j) == -1 ? ST_SETTLE : ST_DOWNLOAD;
	}
	if (status != 0) {
		ytdlp_error_message(j->proc.err.data, j->proc.err.len, status,
		    msg, sizeof(msg));
		job_fail(j, msg);
		return ST_SETTLE;
	}
	if (j->state == ST_LISTING)
		return job_listed(j);
	if (j->run.entries != NULL && j->run.filepath[0] == '\0')
		return job_playlist(j);
	return ST_SYNC;
}

/* The -J listing ended well. */
static enum state
job_listed(struct job *j)
{
	struct resolved	 r;
	char		 err[256];
	int		 rc, have_info = j->infofd != -1;

	if (j->infofd != -1 && close(j->infofd) == -1)
		have_info = 0;
	j->infofd = -1;
	rc = resolve_apply(db, &j->claim, jsonin_root(j->listing),
	    conf->max_pending, &r, err, sizeof(err));
	listing_release(j);
	if (rc == -1) {
		job_fail(j, err);
		return ST_SETTLE;
	}
	return job_next(j, &r, have_info);
}

/* The download run listed a playlist instead: one task per entry, and entry 1 here. */
static enum state
job_playlist(struct job *j)
{
	struct resolved	 r;
	char		 err[256];

	if (j->claim.is_playlist) {
		job_fail(j, "This playlist entry is a playlist itself; submit its "
		    "URL on its own");
		return ST_SETTLE;
	}
	if (j->run.entries_over > 0)
		log_warnx(j->claim.id, "playlist has more than %d entries, keeping "
		    "%d", RESOLVE_ENTRIES_MAX, RESOLVE_ENTRIES_MAX);
	if (resolve_playlist(db, &j->claim, j->run.entries, conf->max_pending, &r,
	    err, sizeof(err)) == -1) {
		job_fail(j, err);
		return ST_SETTLE;
	}
	json_object_put(j->run.entries);
	j->run.entries = NULL;
	return job_next(j, &r, 0);
}

/*
 * The URL turned out to be a playlist (r) or, from a -J listing, one video:
 * what is known goes into the row, and the download run of r->url is next.
 */
static enum state
job_next(struct job *j, const struct resolved *r, int have_info)
{
	const char	*why;
	char		 msg[256];

	/* A playlist's entry 1 is fetched by this job: the guard, as for entries 2 to N. */
	if (r->playlist && !conf->allow_private_urls &&
	    urlguard_check(r->url, &why) == -1) {
		snprintf(msg, sizeof(msg), "URL refused: %s", why);
		job_fail(j, msg);
		return ST_SETTLE;
	}
	if (store_task_set_info(db, j->claim.id, r->title[0] ? r->title : NULL,
	    r->thumbnail[0] ? r->thumbnail : NULL, NULL) == -1)
		log_warnx(j->claim.id, "set_info: %s", store_errmsg(db));
	/* A playlist's listing title is provisional, as for the other entries: the download says. */
	if (!r->playlist)
		memcpy(j->title, r->title, sizeof(j->title));
	/* The download loads the listing instead of extracting the page again. */
	if (!(j->use_info = have_info && r->has_formats && !r->playlist))
		(void)unlink(j->info);
	j->listed = 1;
	j->claim.is_playlist |= r->playlist;
	if (job_fresh_outdir(j) == -1)
		return ST_SETTLE;
	memcpy(j->url, r->url, sizeof(j->url));
	return ST_DOWNLOAD;
}

/*
 * The file goes to downloads/, the thumbnail to thumbnails/, the subtitles
 * to subtitles/; the row is completed in SETTLE (the files stay where they
 * are until it is).
 */
static void
job_complete(struct job *j)
{
	struct stat	 st;
	char		 msg[256];
	const char	*base, *ext;

	base = strrchr(j->media, '/') + 1;
	ext = strrchr(base, '.');
	ext = ext != NULL && filename_ext_ok(ext + 1) ? ext + 1 : "bin";
	if (filename_build(j->title, j->claim.id, ext, j->name,
	    sizeof(j->name)) == -1 || util_path_join(j->dest, sizeof(j->dest),
	    conf->downloads_dir, j->name) == -1) {
		job_fail(j, "cannot build the file name");
		return;
	}
	/*
	 * No sync of downloads/ after the rename: the commit that follows is
	 * not synced either (synchronous=NORMAL), and when SQLite does sync
	 * it, a journalling file system (ext4, XFS) has the older rename on
	 * the disk too.  A worker that dies between the two finds the file
	 * at its next start (reconcile.c).
	 */
	if (stat(j->media, &st) == -1 || rename(j->media, j->dest) == -1) {
		snprintf(msg, sizeof(msg), "cannot move the file into the "
		    "downloads directory: %s", strerror(errno));
		job_fail(j, msg);
		return;
	}
	/*
	 * Readable by the group too: deployed, nginx reads media as the group
	 * of the setgid downloads directory; nobody else reads anything.
	 */
	(void)chmod(j->dest, 0640);
	j->size = (int64_t)st.st_size;
	j->thumbdest[0] = '\0';
	if (j->thumb[0] == '\0' || !media_thumbnail_move(j->thumb, j->thumb_ext,
	    conf->thumbnails_dir, j->claim.id, j->thumbdest,
	    sizeof(j->thumbdest)))
		j->thumbdest[0] = '\0';
	job_subtitles_move(j);
	j->outcome = OUT_COMPLETE;
}

/* ---- The end: the row written, the job gone. */

/* The run failed: the row is to say so (SETTLE). */
static void
job_fail(struct job *j, const char *msg)
{
	log_info(j->claim.id, "failed: %s", msg);
	j->outcome = OUT_FAIL;
	snprintf(j->message, sizeof(j->message), "%s", msg);
}

/*
 * SETTLE: writes what the run's end makes of the row.  1: written (or nothing to
 * write); 0: the database refused, try again at j->retry_at.
 */
static int
job_settle(struct job *j)
{
	static const char *const what[] = { "", "completion", "failure",
	    "release" };
	struct task_done	 d;
	int			 rc = 0;

	store_busy_wait(db, SETTLE_WAIT_MS);
	switch (j->outcome) {
	case OUT_NONE:
		break;
	case OUT_COMPLETE:
		d.filename = j->name;
		d.filesize = j->size;
		d.format_note = j->format_note[0] ? j->format_note : NULL;
		d.title = j->title[0] ? j->title : NULL;
		d.local_thumbnail = j->thumbdest[0] != '\0';
		d.subtitles = j->subfiles;
		rc = store_task_complete(db, j->claim.id, &d);
		break;
	case OUT_FAIL:
		rc = store_task_fail(db, j->claim.id, j->message);
		break;
	case OUT_RELEASE:
		rc = store_task_release(db, j->claim.id);
		break;
	}
	store_busy_wait(db, 0);
	if (rc == -1) {
		if (stopping) {
			log_warnx(j->claim.id, "cannot record the %s (%s): left "
			    "to the next start", what[j->outcome], store_errmsg(db));
			return 1;
		}
		j->retry_ms = j->retry_ms == 0 ? RETRY_FIRST_MS :
		    j->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : j->retry_ms * 2;
		j->retry_at = util_now_ms() + j->retry_ms;
		log_warnx(j->claim.id, "cannot record the %s (%s): trying again "
		    "in %d ms", what[j->outcome], store_errmsg(db), j->retry_ms);
		return 0;
	}
	/* Cancelled (or removed) through the API: job_free() hands the row back. */
	j->let_go = j->outcome == OUT_NONE || rc == 0;
	if (j->outcome != OUT_COMPLETE)
		return 1;
	if (rc == 1) {
		log_info(j->claim.id, "completed: %s (%lld bytes)", j->name,
		    (long long)j->size);
		return 1;
	}
	/* Cancelled or removed while we were finishing: nobody will ask for these. */
	log_info(j->claim.id, "cancelled while finishing; file deleted");
	(void)unlink(j->dest);
	if (j->thumbdest[0] != '\0')
		(void)unlink(j->thumbdest);
	job_subtitles_unlink(j);
	return 1;
}

/* Lets go of a listing: its parse, its share of the bound, its file (kept). */
static void
listing_release(struct job *j)
{
	jsonin_free(j->listing);
	j->listing = NULL;
	listings_held -= j->listed_bytes;
	j->listed_bytes = 0;
	if (j->infofd != -1)
		close(j->infofd);
	j->infofd = -1;
}

static void
job_free(struct job *j)
{
	size_t	 i;

	proc_close(&j->proc);
	listing_release(j);
	if (util_rm_rf(j->dir) == -1)
		log_warnx(j->claim.id, "cannot remove %s: %s", j->dir,
		    strerror(errno));
	/*
	 * Only now, its processes and files gone, may a retry run the task
	 * again (the new run takes the same temporary directory).  Should the
	 * write fail, the lease runs out within LEASE_SECS instead.
	 */
	if (j->let_go && store_task_unlease(db, j->claim.id, fleet_id()) == -1)
		log_warnx(j->claim.id, "unlease: %s", store_errmsg(db));
	json_object_put(j->run.entries);
	for (i = 0; i < njobs; i++)
		if (jobs[i] == j) {
			jobs[i] = jobs[--njobs];
			break;
		}
	free(j);
}

/*
 * On SIGTERM: every run stops, and its row goes back to pending for the
 * next start.  An end the database still refuses gets one last try; after
 * that the next start deals with the row (reconcile.c finds a finished
 * file in downloads/, and any other run is re-queued).
 */
void
jobs_stop_all(void)
{
	size_t	 i;

	for (i = 0; i < njobs; i++)
		job_stop(jobs[i], STOP_SHUTDOWN);
	/* A child still there after that (not ours any more?): its row is released anyway. */
	(void)proc_wait_stopped(1000);
	stopping = 1;
	while (njobs > 0) {
		(void)job_settle(jobs[0]);
		job_free(jobs[0]);
	}
}
