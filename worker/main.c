/* main.c: offlinetube-worker: the process that runs yt-dlp, driven by rows in the database. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "dbwatch.h"
#include "fleet.h"
#include "job.h"
#include "jsonin.h"
#include "lane.h"
#include "notify.h"
#include "log.h"
#include "privdrop.h"
#include "proc.h"
#include "reconcile.h"
#include "signals.h"
#include "spawn.h"
#include "store.h"
#include "tally.h"
#include "util.h"
#include "ytdlp.h"

#define TICK_MS		50	/* timers; and commits, should inotify be missing */
#define RECHECK_MS	2	/* a commit seen being written, not yet visible, */
#define RECHECKS	5	/* is looked for this many times */
#define LEASE_MS	10000	/* the leases' refresh (job.c) */
#define REAP_BEATS	3	/* dead workers are looked for every this many beats */
#define SHORT_WAIT_MS	250	/* a lock wait for writes made again anyway */
#define RECOVER_FIRST_MS 500	/* a refused recovery: tried again after, */
#define RECOVER_MAX_MS	8000	/* doubling up to this */
#define VERSION_MS	15000	/* yt-dlp --version may be slow on a cold cache */
#define VERSION_LEN	128
#define SWEEP_VALUES	20000	/* JSON values freed a turn: a few ms */
#define CHECKPOINT_MS	200	/* the WAL is copied back this often (db_sqlite.c) */

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr, "usage: offlinetube-worker [-hv] [-c file]\n"
	    "  -c file  read OFFLINETUBE_* settings from file "
	    "(the environment wins)\n"
	    "  -h       this help\n"
	    "  -v       verbose: log every yt-dlp command and line\n");
	exit(status);
}

/*
 * On SQLite, one worker per data directory: SQLite is one host's, and its
 * start takes every other worker's row for a dead one's (fleet.c).  On
 * PostgreSQL several run, each with its lease: each takes the lock shared
 * (F_RDLCK), which only tells the API that a worker is starting, and goes
 * on without it where the file system has no locks (an NFS mount without).
 * The lock dies with the process,
 * so a crash never leaves a stale lock behind.  An open-file-description
 * lock, not flock(): the API can then ask whether a worker holds it
 * (F_OFD_GETLK) without taking it, and waits for a worker that is starting.
 */
static int
lock_data_dir(const struct config *c, int shared)
{
	struct flock	 fl;
	char		 path[PATH_MAX], pid[32];
	int		 fd, n;

	if (util_path_join(path, sizeof(path), c->data_dir, WORKER_LOCK) == -1) {
		log_warnx(NULL, "lock path too long");
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_warnx(NULL, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = shared ? F_RDLCK : F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == -1) {
		if (errno == EAGAIN || errno == EACCES)
			log_warnx(NULL, "another offlinetube-worker is already "
			    "running on %s (%s is locked)", c->data_dir, path);
		else
			log_warnx(NULL, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (shared)
		return fd;
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, pid, (size_t)n) != n)
		log_warnx(NULL, "%s: cannot write pid", path);
	return fd;
}

/*
 * yt-dlp calls FFmpeg by --ffmpeg-location, which wants a path: a bare name
 * like the default "ffmpeg" is looked up in PATH.  NULL: not found, yt-dlp
 * looks for itself (and merging or audio extraction will fail).
 */
static const char *
find_ffmpeg(const char *name, char *buf, size_t len)
{
	return util_find_program(name, buf, len);
}

/* The first line of yt-dlp --version. */
static void
version_line(void *arg, char *s, size_t n)
{
	char	*out = arg;

	if (out[0] == '\0' && n > 0 && n < VERSION_LEN)
		memcpy(out, s, n + 1);
}

static void
version_ended(void *arg, int wstatus)
{
	(void)arg;
	(void)wstatus;
}

/* "yt-dlp --version", for /api/health; a yt-dlp that does not answer is worth a warning. */
static void
ytdlp_version(struct store *db, const struct config *c)
{
	static const struct proc_ops ops = { version_line, NULL, version_ended };
	const char	*argv[] = { c->ytdlp, "--version", NULL };
	struct proc	 p;
	char		 out[VERSION_LEN];

	out[0] = '\0';
	proc_init(&p, &ops, out, NULL);
	if (proc_start(&p, argv, c->tmp_dir, VERSION_LEN) == -1)
		log_warnx(NULL, "cannot run %s: %s", c->ytdlp, strerror(errno));
	else
		(void)proc_wait(&p, VERSION_MS);
	proc_close(&p);
	if (out[0] == '\0') {
		log_warnx(NULL, "%s --version gave no answer", c->ytdlp);
		snprintf(out, sizeof(out), "unknown");
	} else
		log_info(NULL, "yt-dlp %s", out);
	ytdlp_set_version(out);
	if (store_meta_set(db, "yt_dlp_version", out) == -1)
		log_warnx(NULL, "meta: %s", store_errmsg(db));
}

/*
 * SIGHUP: the file and the environment again.  What changes applies to the
 * jobs and look-ups started from now on; running ones keep their process,
 * deadline and files.  The data directory cannot move under a running worker.
 */
static void
reload(struct config *c, const char *file, struct store *db, char *ffbuf,
    size_t fflen, const char **ff)
{
	struct config	 n;
	char		 err[512], *before = NULL, *after = NULL, *l, *e, *o;
	size_t		 blen, alen;
	FILE		*f;

	if (config_load(&n, file, err, sizeof(err)) == -1) {
		log_warnx(NULL, "reload: %s; keeping the running configuration", err);
		return;
	}
	/* The store stays open: the setting waits for a restart. */
	if (strcmp(n.database, c->database) != 0) {
		log_warnx(NULL, "reload: OFFLINETUBE_DATABASE cannot change without "
		    "a restart; keeping the one in use");
		memcpy(n.database, c->database, sizeof(n.database));
		memcpy(n.db_path, c->db_path, sizeof(n.db_path));
	}
	if (strcmp(n.data_dir, c->data_dir) != 0) {
		log_warnx(NULL, "reload: OFFLINETUBE_DATA_DIR cannot change without a "
		    "restart; keeping %s", c->data_dir);
		memcpy(n.data_dir, c->data_dir, sizeof(n.data_dir));
		memcpy(n.db_path, c->db_path, sizeof(n.db_path));
		memcpy(n.downloads_dir, c->downloads_dir, sizeof(n.downloads_dir));
		memcpy(n.thumbnails_dir, c->thumbnails_dir, sizeof(n.thumbnails_dir));
		memcpy(n.subtitles_dir, c->subtitles_dir, sizeof(n.subtitles_dir));
		memcpy(n.tmp_dir, c->tmp_dir, sizeof(n.tmp_dir));
	}
	fleet_apply(&n);
	/* Name each setting that changed, from the same lines -h and startup print. */
	if ((f = open_memstream(&before, &blen)) != NULL) {
		config_print(c, f);
		fclose(f);
	}
	if ((f = open_memstream(&after, &alen)) != NULL) {
		config_print(&n, f);
		fclose(f);
	}
	if (before != NULL && after != NULL)
		for (l = after, o = before; *l != '\0'; l = e + 1) {
			if ((e = strchr(l, '\n')) == NULL)
				break;
			*e = '\0';
			if (strncmp(o, l, (size_t)(e - l)) != 0 || o[e - l] != '\n')
				log_info(NULL, "reload: %s", l + 2);
			if ((o = strchr(o, '\n')) == NULL)
				break;
			o++;
		}
	free(before);
	free(after);
	*c = n;
	if ((*ff = find_ffmpeg(c->ffmpeg, ffbuf, fflen)) == NULL)
		log_warnx(NULL, "%s: not found; merging and audio extraction "
		    "will fail", c->ffmpeg);
	/* The lane reads *c as it is; lane_init() would also recover look-ups. */
	jobs_init(db, c, *ff);
	/* Also after an upgrade of yt-dlp itself: /api/health shows the new version. */
	ytdlp_version(db, c);
	log_info(NULL, "reloaded: up to %d downloads and %d look-ups for new "
	    "work, %zu running kept", c->max_downloads, c->max_lookups,
	    jobs_count());
}

/*
 * What dead workers left: on SQLite (we hold the lock: every other worker
 * is gone) every file no row names is looked at first; then each dead
 * worker's finished file is re-attached to its row, not downloaded again,
 * and its rows still running go back to pending (fleet.c).  A database that
 * refuses (another program holds its lock, the disk is full) is asked
 * again from the loop with a growing wait, not at the next start; until
 * then nothing is claimed, or a dead worker's row could be taken for ours.
 * Returns 0 when done; else *wait_ms is the wait before the next try.
 */
static int
recover(struct store *db, struct config *c, int *wait_ms)
{
	char	 err[256];
	int	 rc = 0;

	store_busy_wait(db, SHORT_WAIT_MS);
	/* Our row before any claim: the claims name its id. */
	if (fleet_id() == 0)
		rc = fleet_join(db, c);
	if (rc == 0 && !store_is_pg(c->db_path))
		rc = reconcile_files(db, c);
	snprintf(err, sizeof(err), "%s", store_errmsg(db));
	if (rc == 0)
		rc = fleet_reap(db, c, 1, err, sizeof(err));
	if (rc == 0)
		fleet_clean_tmp(db, c);
	store_busy_wait(db, 0);
	if (rc >= 0)
		return 0;
	*wait_ms = *wait_ms == 0 ? RECOVER_FIRST_MS :
	    *wait_ms * 2 > RECOVER_MAX_MS ? RECOVER_MAX_MS : *wait_ms * 2;
	log_warnx(NULL, "cannot recover the tasks of the worker before (%s): "
	    "trying again in %d ms", err, *wait_ms);
	return -1;
}

/*
 * The heartbeat (HEARTBEAT_MS, config.h) is written again and again: a
 * database locked by another program gets a short wait, never the loop's.
 */
static void
heartbeat(struct store *db, const struct config *c)
{
	store_busy_wait(db, SHORT_WAIT_MS);
	(void)fleet_beat(db, c);
	if (store_heartbeat_set(db, (int64_t)time(NULL)) == -1)
		log_warnx(NULL, "heartbeat: %s", store_errmsg(db));
	/* Refused: the counts wait for the next beat. */
	if (tally_flush(db) == -1)
		log_debug(NULL, "metrics: %s", store_errmsg(db));
	store_busy_wait(db, 0);
}

int
main(int argc, char *argv[])
{
	struct config	 conf;
	struct store	*db = NULL;
	struct pollfd	 pfd[2 + 2 * PROC_MAX + 4 * NOTIFY_MAX];
	const char	*cfile = NULL, *ff;
	char		 err[512], ffbuf[PATH_MAX];
	unsigned char	 sig[64];
	int64_t		 now, next_beat = 0, next_lease = 0, next_ckpt = 0;
	int64_t		 recover_at;
	int		 recovered, recover_ms = 0, beats = 0;
	ssize_t		 n, k;
	size_t		 nfd, nproc;
	int		 ch, lockfd = -1, stopping = 0, children, claims, rc, hup;
	int		 watchfd, woken, rechecks = 0, sweeping = 0, unreachable = 0;

	log_init("offlinetube-worker");
	privdrop_umask();
	while ((ch = getopt(argc, argv, "c:hv")) != -1) {
		switch (ch) {
		case 'c':
			cfile = optarg;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (config_load(&conf, cfile, err, sizeof(err)) == -1) {
		log_warnx(NULL, "%s", err);
		return 1;
	}
	fprintf(stderr, "offlinetube-worker: configuration:\n");
	config_print(&conf, stderr);
	if (config_make_dirs(&conf) == -1) {
		log_warnx(NULL, "cannot create the directories under %s: %s",
		    conf.data_dir, strerror(errno));
		return 1;
	}
	/* Before the lock, the database and any yt-dlp: never as root. */
	if (privdrop(&conf, err, sizeof(err)) == -1) {
		log_warnx(NULL, "%s", err);
		return 1;
	}
	if ((lockfd = lock_data_dir(&conf, store_is_pg(conf.db_path))) == -1 &&
	    !store_is_pg(conf.db_path))
		return 1;
	if (signals_init() == -1) {
		log_warnx(NULL, "signals: %s", strerror(errno));
		return 1;
	}
	if ((db = store_open(conf.db_path, err, sizeof(err))) == NULL) {
		log_warnx(NULL, "%s", err);
		return 1;
	}
	/* Checkpoints are ours, on a timer below, not inline in a commit. */
	store_autocheckpoint(db, 0);
	if ((ff = find_ffmpeg(conf.ffmpeg, ffbuf, sizeof(ffbuf))) == NULL)
		log_warnx(NULL, "%s: not found; merging and audio extraction "
		    "will fail", conf.ffmpeg);
	/* Before our row: /api/health says alive once the version is there. */
	ytdlp_version(db, &conf);
	recovered = recover(db, &conf, &recover_ms) == 0;
	recover_at = util_now_ms() + recover_ms;
	jobs_init(db, &conf, ff);
	lane_init(db, &conf);
	check_init(db, &conf);
	notify_init(db, &conf);
	/* PostgreSQL: its notifications come on the connection's socket. */
	watchfd = store_wait_fd(db) == -1 ? dbwatch_open(conf.db_path) : -1;
	log_info(NULL, "running, pid %ld, worker %lld on %s, up to %d downloads, "
	    "%d look-ups and %d subscription checks", (long)getpid(),
	    (long long)fleet_id(), store_is_pg(conf.db_path) ? "a shared "
	    "database" : "this data directory alone", conf.max_downloads,
	    conf.max_lookups, conf.max_checks);
	log_info(NULL, "database %s", config_database_shown(&conf, err, sizeof(err)));

	while (!stopping) {
		pfd[0].fd = signals_fd();
		pfd[0].events = POLLIN;
		/* -1: poll ignores it; the socket may change at a reconnect. */
		pfd[1].fd = watchfd != -1 ? watchfd : store_wait_fd(db);
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		nfd = 2 + proc_pollfds(pfd + 2, 2 * PROC_MAX);
		nproc = nfd - 2;
		nfd += notify_pollfds(pfd + nfd, 4 * NOTIFY_MAX);
		if (poll(pfd, nfd, rechecks > 0 || sweeping ? RECHECK_MS : TICK_MS) == -1 &&
		    errno != EINTR) {
			log_warnx(NULL, "poll: %s", strerror(errno));
			break;
		}
		children = claims = hup = 0;
		if (pfd[0].revents & POLLIN) {
			while ((n = read(signals_fd(), sig, sizeof(sig))) > 0)
				for (k = 0; k < n; k++) {
					if (sig[k] == SIGCHLD)
						children = 1;
					else if (sig[k] == SIGHUP)
						hup = 1;
					else
						stopping = 1;
				}
		}
		if (hup && !stopping) {
			reload(&conf, cfile, db, ffbuf, sizeof(ffbuf), &ff);
			claims = 1;	/* maybe more slots */
		}
		if ((woken = (pfd[1].revents & POLLIN) != 0) && watchfd != -1)
			dbwatch_drain(watchfd);
		proc_read_ready(pfd + 2, nproc);
		if (children && proc_reap() > 0)
			claims = 1;	/* a slot is free */
		if (jobs_timers() > 0)
			claims = 1;	/* a run's end is written: its slot is free */
		proc_timers();
		lane_timers();
		check_timers();
		if (!recovered && util_now_ms() >= recover_at) {
			if ((recovered = recover(db, &conf, &recover_ms) == 0))
				claims = 1;
			recover_at = util_now_ms() + recover_ms;
		}
		/* Answers' and listings' trees, a slice a turn; sooner while some are left. */
		sweeping = jsonin_sweep(SWEEP_VALUES);
		/* Our own commits do not count (data_version, or notifications). */
		if ((rc = store_changed(db)) == 1) {
			jobs_cancel_requested();
			lane_check_abandoned();
			check_changed();
			notify_changed();
			claims = 1;
		} else if (rc == -1 && !unreachable)
			log_warnx(NULL, "changes: %s", store_errmsg(db));
		/* A database gone away is said once, not at every tick until it is back. */
		unreachable = rc == -1;
		/*
		 * The -wal is written before the commit shows in the WAL index
		 * (seen here to take more than 2 ms now and then): woken with
		 * nothing new yet, look again every RECHECK_MS for a while, not
		 * only at the next tick.
		 */
		if (rc == 1)
			rechecks = 0;
		else if (woken && watchfd != -1)	/* notifications come whole */
			rechecks = RECHECKS;
		else if (rechecks > 0)
			rechecks--;
		/* Nothing is claimed before this worker has its row (recover()). */
		if (claims && !stopping && fleet_id() != 0) {
			if (recovered)
				jobs_start_pending();
			lane_start_pending();
		}
		/* Cheap: the database is read only when something changed. */
		if (!stopping && fleet_id() != 0) {
			check_start_due();
			notify_start_due();
		}
		/* Never waits: a slow receiver holds only its own slot. */
		notify_perform();
		now = util_now_ms();
		if (now >= next_beat) {
			heartbeat(db, &conf);
			/* Every few beats: one cheap query while every worker lives. */
			if (recovered && !stopping && ++beats % REAP_BEATS == 0 &&
			    fleet_reap(db, &conf, 0, err, sizeof(err)) == -1)
				log_warnx(NULL, "dead workers: %s", err);
			/* A safety net: tasks held back by the disk guard start once space is freed. */
			if (!stopping && recovered)
				jobs_start_pending();
			next_beat = now + fleet_beat_ms(&conf);
		}
		if (now >= next_lease && jobs_count() > 0) {
			jobs_lease_refresh();
			next_lease = now + LEASE_MS;
		}
		/* Cheap when there is nothing to copy: no write, no fsync. */
		if (now >= next_ckpt) {
			if (store_checkpoint(db) == -1)
				log_warnx(NULL, "checkpoint: %s", store_errmsg(db));
			next_ckpt = now + CHECKPOINT_MS;
		}
	}
	log_info(NULL, "stopping %zu download(s)", jobs_count());
	/*
	 * A database locked by another program would hold each write of the
	 * stop for the whole wait; what is not written now, the next start does.
	 */
	store_busy_cap(db, SHORT_WAIT_MS);
	jobs_stop_all();
	lane_stop_all();
	check_stop_all();
	notify_stop_all();
	(void)jsonin_sweep(SIZE_MAX);
	/* Health says "not running" at once, not 15 s later. */
	if (tally_flush(db) == -1)
		log_warnx(NULL, "metrics: %s", store_errmsg(db));
	/* On PostgreSQL other workers may still beat. */
	if (!store_is_pg(conf.db_path) && store_heartbeat_set(db, 0) == -1)
		log_warnx(NULL, "heartbeat: %s", store_errmsg(db));
	fleet_leave(db);
	store_close(db);
	if (watchfd != -1)
		close(watchfd);
	if (lockfd != -1)
		close(lockfd);
	log_info(NULL, "stopped");
	return 0;
}
