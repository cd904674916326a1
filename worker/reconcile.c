/* reconcile.c: files no task names (SQLite, at start) or a dead worker's task's files: re-attached or removed. */
/*
 * A worker killed between moving a finished file into downloads/ and
 * completing its row, or an API killed between deleting a row and its files,
 * leaves files that no row names.  At start, before running rows are
 * re-queued, the worker looks at every file of ours:
 *
 *	downloads/{title}__{id}.{ext}	kept when its row is completed and names
 *					it; re-attached when its row is still
 *					downloading or processing; else removed
 *	thumbnails/{id}.{jpg,webp,png}	kept while its task exists
 *	subtitles/{id}.{lang}.vtt	kept when its row is completed and lists
 *					lang among its stored subtitles; else
 *					removed (a run that died before its
 *					completion, a remove that died before
 *					its files)
 *
 * Re-attaching is safe because a name of ours in downloads/ is only ever
 * given to a whole file: job.c syncs it to the disk before the rename.  So
 * the row is completed with it instead of downloading again (the file's
 * format_note, known only to the dead run, stays empty), and with the
 * thumbnail and subtitles the run had moved into place before it.  Two files for one
 * running row cannot both be right: both go, and the task runs again.
 *
 * Nothing else is touched: a name of any other form is the user's.  Nor is
 * a file whose task the database does not know at all, unless the file is
 * younger than the database: an older one may be a library that a deleted
 * or restored database never knew, and downloads/ is often shared on the
 * network as the household's media folder.
 *
 * That scan of every file (reconcile_files) is right only while one worker
 * runs: it is SQLite's, whose worker holds the data directory's lock.  With
 * several workers (PostgreSQL) a live one may have just renamed its file
 * into place and not yet completed its row, and the scan would take that
 * file for a dead run's.  There, only what a dead worker's rows name is
 * looked at (reconcile_task, from the transaction that recovers it), and a
 * file no row names at all (an API killed between a row's delete and its
 * files) is left in place.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "filename.h"
#include "log.h"
#include "reconcile.h"
#include "store.h"
#include "util.h"

struct tally {
	int	 attached, removed, left;
	int	 refused;	/* the database refused a look or a write */
};

/*
 * When the database file was made (statx's birth time), 0 when the file
 * system does not say: then no file without a task is ever removed.
 */
static int
db_born(const char *path, struct timespec *ts)
{
	struct statx	 sx;

	/* A PostgreSQL URI is no file: reconcile_files() is not run there. */
	if (store_is_pg(path) ||
	    statx(AT_FDCWD, path, 0, STATX_BTIME, &sx) == -1 ||
	    (sx.stx_mask & STATX_BTIME) == 0)
		return 0;
	ts->tv_sec = sx.stx_btime.tv_sec;
	ts->tv_nsec = sx.stx_btime.tv_nsec;
	return 1;
}

static int
younger(const struct stat *st, const struct timespec *born)
{
	return st->st_mtim.tv_sec > born->tv_sec ||
	    (st->st_mtim.tv_sec == born->tv_sec &&
	    st->st_mtim.tv_nsec >= born->tv_nsec);
}

static void
drop(const char *dir, const char *name, const char *id, const char *why,
    struct tally *t)
{
	char	 p[PATH_MAX];

	if (util_path_join(p, sizeof(p), dir, name) == -1 ||
	    (unlink(p) == -1 && errno != ENOENT)) {
		log_warnx(id, "cannot remove %s/%s: %s", dir, name, strerror(errno));
		return;
	}
	log_info(id, "removed %s/%s: %s", dir, name, why);
	t->removed++;
}

/*
 * A file of ours whose task the database does not know: removed when it is
 * younger than the database, else left (see above).
 */
static void
no_task(const char *dir, const char *name, const char *id,
    const struct stat *st, const struct timespec *born, int known_born,
    struct tally *t)
{
	if (known_born && younger(st, born))
		drop(dir, name, id, "no task has this id", t);
	else
		t->left++;
}

/*
 * How many files of task id downloads/ holds; with why set, each of them is
 * removed (which then says 0).
 */
static int
media_files(const char *dir, const char *id, const char *why, struct tally *t)
{
	DIR		*d;
	struct dirent	*de;
	char		 other[FILENAME_ID_LEN + 1];
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!filename_parse(de->d_name, FILENAME_MEDIA, other) ||
		    strcmp(other, id) != 0)
			continue;
		if (why != NULL)
			drop(dir, de->d_name, id, why, t);
		else
			n++;
	}
	closedir(d);
	return n;
}

/*
 * The languages of the subtitles of task id in dir, "en,es": those a run
 * moved there before it died.  At most as many as a task may ask for.
 */
static void
subtitles_of(const char *dir, const char *id, char langs[STORE_SUBTITLES_LEN])
{
	DIR		*d;
	struct dirent	*de;
	char		 other[FILENAME_ID_LEN + 1], lang[FILENAME_LANG_MAX + 1];
	size_t		 o = 0, n = 0;

	langs[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return;
	while (n < STORE_SUBTITLES_MAX && (de = readdir(d)) != NULL) {
		if (!filename_parse_subtitle(de->d_name, other, lang) ||
		    strcmp(other, id) != 0)
			continue;
		o += (size_t)snprintf(langs + o, STORE_SUBTITLES_LEN - o, "%s%s",
		    n++ > 0 ? "," : "", lang);
	}
	closedir(d);
}

/* A finished file of a row still marked running: the row is completed with it. */
static int
attach(struct store *db, const struct config *c, const char *name,
    const char *id, off_t size)
{
	char		 p[PATH_MAX], langs[STORE_SUBTITLES_LEN];
	struct task_done d = { name, (int64_t)size, NULL, NULL, 0, langs };
	int		 rc;

	if (util_thumb_find(c->thumbnails_dir, id, p, sizeof(p)))
		d.local_thumbnail = 1;
	subtitles_of(c->subtitles_dir, id, langs);
	if ((rc = store_task_complete(db, id, &d)) == -1)
		log_warnx(id, "complete: %s", store_errmsg(db));
	return rc;
}

static void
media_file(struct store *db, const struct config *c, const char *name,
    const struct stat *st, const struct timespec *born, int known_born,
    struct tally *t)
{
	char	 id[FILENAME_ID_LEN + 1], named[STORE_FILENAME_MAX + 1];
	char	 why[STORE_FILENAME_MAX + 64];
	enum task_status status;
	int	 rc, n, running, gone = 0;

	if (!filename_parse(name, FILENAME_MEDIA, id))
		return;
	if ((rc = store_task_file(db, id, 0, &status, named)) == -1) {
		log_warnx(id, "reconcile: %s", store_errmsg(db));
		t->refused++;
		return;
	}
	if (rc == 0) {
		no_task(c->downloads_dir, name, id, st, born, known_born, t);
		return;
	}
	if (status == TASK_COMPLETED && strcmp(named, name) == 0)
		return;
	running = status == TASK_DOWNLOADING || status == TASK_PROCESSING;
	if (running && (n = media_files(c->downloads_dir, id, NULL, t)) > 1) {
		/* Which one is right?  Neither: the task runs again. */
		snprintf(why, sizeof(why), "its task is %s, and %d files have "
		    "its id", task_status_str[status], n);
		media_files(c->downloads_dir, id, why, t);
		return;
	}
	if (running && st->st_size > 0) {
		if ((rc = attach(db, c, name, id, st->st_size)) == 1) {
			log_info(id, "re-attached downloads/%s: the download had "
			    "finished when the worker stopped", name);
			t->attached++;
			return;
		}
		if (rc == -1) {
			t->refused++;
			return;
		}
		/* Cancelled or removed since we looked: as below. */
		gone = store_task_file(db, id, 0, &status, named) != 1;
	}
	if (!gone && status == TASK_COMPLETED)
		snprintf(why, sizeof(why), "its task's file is %s", named);
	else
		snprintf(why, sizeof(why), "its task is %s", gone ? "gone" :
		    task_status_str[status]);
	drop(c->downloads_dir, name, id, why, t);
}

static void
thumbnail_file(struct store *db, const struct config *c, const char *name,
    const struct stat *st, const struct timespec *born, int known_born,
    struct tally *t)
{
	char	 id[FILENAME_ID_LEN + 1], named[STORE_FILENAME_MAX + 1];
	enum task_status status;
	int	 rc;

	if (!filename_parse(name, FILENAME_THUMBNAIL, id))
		return;
	if ((rc = store_task_file(db, id, 0, &status, named)) == -1) {
		log_warnx(id, "reconcile: %s", store_errmsg(db));
		t->refused++;
	}
	if (rc == 0)
		no_task(c->thumbnails_dir, name, id, st, born, known_born, t);
}

/* Whether lang is one of the comma-separated list langs, as it is spelled there. */
static int
lang_listed(const char *langs, const char *lang)
{
	size_t	 n, ll = strlen(lang);

	for (; *langs != '\0'; langs += n + (langs[n] == ',')) {
		n = strcspn(langs, ",");
		if (n == ll && memcmp(langs, lang, n) == 0)
			return 1;
	}
	return 0;
}

static void
subtitle_file(struct store *db, const struct config *c, const char *name,
    const struct stat *st, const struct timespec *born, int known_born,
    struct tally *t)
{
	char	 id[FILENAME_ID_LEN + 1], lang[FILENAME_LANG_MAX + 1];
	char	 langs[STORE_SUBTITLES_LEN], why[64];
	enum task_status status;
	int	 rc;

	if (!filename_parse_subtitle(name, id, lang))
		return;
	if ((rc = store_task_subtitles(db, id, 0, &status, langs)) == -1) {
		log_warnx(id, "reconcile: %s", store_errmsg(db));
		t->refused++;
		return;
	}
	if (rc == 0) {
		no_task(c->subtitles_dir, name, id, st, born, known_born, t);
		return;
	}
	if (status == TASK_COMPLETED && lang_listed(langs, lang))
		return;
	if (status == TASK_COMPLETED)
		snprintf(why, sizeof(why), "its task stored no %s subtitles",
		    lang);
	else
		snprintf(why, sizeof(why), "its task is %s",
		    task_status_str[status]);
	drop(c->subtitles_dir, name, id, why, t);
}

typedef void (*file_fn)(struct store *, const struct config *, const char *,
    const struct stat *, const struct timespec *, int, struct tally *);

/* Whether name is one of task id's files (media, thumbnail or subtitles). */
static int
of_task(const char *name, const char *id)
{
	char	 other[FILENAME_ID_LEN + 1], lang[FILENAME_LANG_MAX + 1];

	return ((filename_parse(name, FILENAME_MEDIA, other) ||
	    filename_parse(name, FILENAME_THUMBNAIL, other) ||
	    filename_parse_subtitle(name, other, lang)) &&
	    strcmp(other, id) == 0);
}

/* Every file of dir, or only task only's (NULL: every one). */
static void
walk(struct store *db, const struct config *c, const char *dir, file_fn fn,
    const struct timespec *born, int known_born, struct tally *t,
    const char *only)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 p[PATH_MAX];

	if ((d = opendir(dir)) == NULL) {
		log_warnx(NULL, "%s: %s", dir, strerror(errno));
		return;
	}
	/* Removing entries while reading is fine: readdir may or may not show them. */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (only != NULL && !of_task(de->d_name, only)) ||
		    util_path_join(p, sizeof(p), dir, de->d_name) == -1 ||
		    lstat(p, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		fn(db, c, de->d_name, &st, born, known_born, t);
	}
	closedir(d);
}

/*
 * -1 when the database refused to look up or complete a row: the caller
 * tries again (nothing is removed that a row may name, so it may).
 */
int
reconcile_files(struct store *db, const struct config *c)
{
	struct timespec	 born;
	struct tally	 t;
	int		 known;

	memset(&t, 0, sizeof(t));
	known = db_born(c->db_path, &born);
	/* downloads/ first: a row completed there owns its subtitles after. */
	walk(db, c, c->downloads_dir, media_file, &born, known, &t, NULL);
	walk(db, c, c->thumbnails_dir, thumbnail_file, &born, known, &t, NULL);
	walk(db, c, c->subtitles_dir, subtitle_file, &born, known, &t, NULL);
	if (t.attached > 0 || t.removed > 0)
		log_info(NULL, "files no task named: %d re-attached, %d removed",
		    t.attached, t.removed);
	if (t.left > 0)
		log_info(NULL, "left %d file(s) in downloads/, thumbnails/ and subtitles/ "
		    "whose task this database does not know: %s", t.left,
		    known ? "they are older than the database" :
		    "the file system does not tell when the database was made");
	return t.refused > 0 ? -1 : 0;
}


/*
 * One running task of a dead worker, before its row goes back to pending
 * (fleet.c, in that transaction): its files alone, as reconcile_files()
 * treats them.  A whole file the run had moved into downloads/ completes
 * the row; two cannot both be right and go; its subtitles go unless the
 * row was completed.  -1: the database refused.
 */
int
reconcile_task(struct store *db, const struct config *c, const char *id)
{
	struct tally	 t;

	memset(&t, 0, sizeof(t));
	/* downloads/ first: a row completed there owns its subtitles after. */
	walk(db, c, c->downloads_dir, media_file, NULL, 0, &t, id);
	walk(db, c, c->subtitles_dir, subtitle_file, NULL, 0, &t, id);
	return t.refused > 0 ? -1 : 0;
}
