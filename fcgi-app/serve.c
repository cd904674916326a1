/* serve.c: the routes that hand a file to nginx: /file, /stream, /thumbnails, /subtitles. */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "encode.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "util.h"

#define DOWNLOADS_LOCATION	"/_media/downloads/"
#define THUMBNAILS_LOCATION	"/_media/thumbnails/"
#define SUBTITLES_LOCATION	"/_media/subtitles/"

/* Whether dir/name is a regular file; the API looks, it never opens media. */
static int
is_file_in(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (util_path_join(path, sizeof(path), dir, name) == -1 ||
	    stat(path, &st) == -1)
		return 0;
	return S_ISREG(st.st_mode);
}

/* GET /api/download/{id}/file: the finished file as an attachment. */
int
serve_file(struct req *r)
{
	enum msg		 detail = MSG_TASK_NOT_READY;
	char			 disp[STORE_FILENAME_MAX * 4 + 128];
	char			 filename[STORE_FILENAME_MAX + 1];
	enum task_status	 st;
	int			 rc, status = 404;

	if ((rc = store_task_file(r->ctx->db, r->id, r->owner, &st,
	    filename)) == -1)
		return reply_dberr(r, "file");
	if (rc == 0 || st != TASK_COMPLETED)
		goto fail;
	if (filename[0] == '\0' || strchr(filename, '/') != NULL ||
	    !is_file_in(r->ctx->cfg->downloads_dir, filename)) {
		detail = MSG_FILE_MISSING;
		goto fail;
	}
	if (encode_disposition(filename, disp, sizeof(disp)) == -1) {
		status = 500;
		detail = MSG_NAME_TOO_LONG;
		goto fail;
	}
	return reply_accel(r, DOWNLOADS_LOCATION, filename,
	    encode_media_type(filename), disp);
fail:
	return reply_error(r, status, msg_str[detail]);
}

/*
 * GET /api/stream/{filename}: only a name the database holds as a completed
 * task's file; the path nginx opens is built from that row, not the request.
 * The row is the whole check: any byte the worker ever put in a name (a '\'
 * in files of earlier versions, say) must stream, as the record's stream_url
 * promises; only '/', which no name holds, is refused before the look-up.
 */
int
serve_stream(struct req *r)
{
	char	 id[STORE_ID_LEN];
	int	 rc;

	if (strchr(r->name, '/') != NULL)
		return reply_error(r, 404, msg_str[MSG_FILE_NOT_FOUND]);
	if ((rc = store_task_by_filename(r->ctx->db, r->name, r->owner, id)) == -1)
		return reply_dberr(r, "stream");
	if (rc == 0 || !is_file_in(r->ctx->cfg->downloads_dir, r->name))
		return reply_error(r, 404, msg_str[MSG_FILE_NOT_FOUND]);
	return reply_accel(r, DOWNLOADS_LOCATION, r->name,
	    encode_media_type(r->name), NULL);
}

/* GET /api/thumbnails/{id}: the first of {id}.jpg, .webp, .png of an existing task. */
int
serve_thumbnail(struct req *r)
{
	static const char *const exts[] = { "jpg", "webp", "png" };
	char			 name[64], filename[STORE_FILENAME_MAX + 1];
	enum task_status	 st;
	size_t			 i;
	int			 rc;

	/* Only a task this caller may see has a thumbnail for them. */
	rc = store_task_file(r->ctx->db, r->id, r->owner, &st, filename);
	if (rc == -1)
		return reply_dberr(r, "thumbnail");
	if (rc == 1) {
		for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
			snprintf(name, sizeof(name), "%s.%s", r->id, exts[i]);
			if (is_file_in(r->ctx->cfg->thumbnails_dir, name))
				return reply_accel(r, THUMBNAILS_LOCATION, name,
				    encode_media_type(name), NULL);
		}
	}
	return reply_error(r, 404, msg_str[MSG_THUMBNAIL_NOT_FOUND]);
}

/*
 * GET /api/subtitles/{id}/{lang}: a completed task's stored subtitles in
 * that language.  The name nginx opens, {id}.{lang}.vtt, is made of the
 * row's copy of the language, found by comparing the request's with each
 * stored one: never of the request itself.
 */
int
serve_subtitle(struct req *r)
{
	char			 langs[STORE_SUBTITLES_LEN], name[64];
	const char		*lang, *found = NULL;
	enum task_status	 st;
	size_t			 n, want = strlen(r->name);
	int			 rc;

	rc = store_task_subtitles(r->ctx->db, r->id, r->owner, &st, langs);
	if (rc == -1)
		return reply_dberr(r, "subtitles");
	if (rc == 1 && st == TASK_COMPLETED)
		for (lang = langs; *lang != '\0' && found == NULL; lang += n +
		    (lang[n] == ',')) {
			n = strcspn(lang, ",");
			if (n == want && memcmp(lang, r->name, n) == 0)
				found = lang;
		}
	if (found == NULL ||
	    snprintf(name, sizeof(name), "%s.%.*s.vtt", r->id, (int)want,
	    found) >= (int)sizeof(name) ||
	    !is_file_in(r->ctx->cfg->subtitles_dir, name))
		return reply_error(r, 404, msg_str[MSG_SUBTITLES_NOT_FOUND]);
	return reply_accel(r, SUBTITLES_LOCATION, name, "text/vtt; charset=utf-8",
	    NULL);
}
