/* cookies.c: the /api/cookies routes: store, describe and remove a key's cookies.txt. */
/*
 * A key's cookies live in one file, cookies/{key id}.txt (0.txt when keys
 * are off), mode 0600 in a 0700 directory: the clean copy cookiefile.c
 * writes, replaced whole (util_file_replace), so a reader (the worker,
 * copying it for a job) sees the old file or the new one, never a part.
 * What GET answers is read back from that file, so the description and the
 * cookies can never disagree; the file's time is when it was stored.  No
 * value leaves this file: not in an answer, not in a log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "cookiefile.h"
#include "cookies.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "util.h"

/* The most the stored (clean) copy of an accepted upload can take. */
#define STORED_MAX	COOKIEFILE_OUT_MAX(COOKIEFILE_MAX)

/* Whose cookies a request means: the key it carried; 0 when keys are off. */
static long long
cookies_owner(const struct req *r)
{
	return r->key_id > 0 ? r->key_id : 0;
}

/*
 * Whose cookies a look-up of this request runs with: its owner's when that
 * owner has some stored, else -1 (none, and the answer is anyone's).  The
 * worker copies them when it starts the run; removed in between, the run
 * goes without, and its answer still stays this owner's.
 */
long long
cookies_lookup_owner(const struct req *r)
{
	char	 path[PATH_MAX];

	if (config_cookies_path(r->ctx->cfg, cookies_owner(r), path,
	    sizeof(path)) == -1 || access(path, F_OK) == -1)
		return -1;
	return cookies_owner(r);
}

/* The answer of GET and PUT: what is stored, never a value. */
static int
cookies_reply(struct req *r, const struct cookiefile_summary *s,
    int64_t updated)
{
	struct json_object	*o, *d;
	char			 when[ISO_TIME_LEN];
	size_t			 i;
	int			 rc;

	if ((o = json_object_new_object()) == NULL ||
	    (d = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	}
	json_object_object_add(o, "present", json_object_new_boolean(s != NULL));
	if (s != NULL) {
		util_iso_time(updated, when);
		json_object_object_add(o, "updated_at",
		    json_object_new_string(when));
	} else
		json_object_object_add(o, "updated_at", NULL);
	json_object_object_add(o, "cookies",
	    json_object_new_int64(s != NULL ? (int64_t)s->count : 0));
	for (i = 0; s != NULL && i < s->ndomains; i++)
		json_object_array_add(d, json_object_new_string(s->domains[i]));
	json_object_object_add(o, "domains", d);
	rc = reply_json(r, 200, o);
	json_object_put(o);
	return rc;
}

/*
 * Reads the owner's stored file and sums it up.  1: present, s and *updated
 * filled; 0: none stored; -1: it cannot be read (logged, without content).
 */
static int
cookies_load(struct req *r, struct cookiefile_summary *s, int64_t *updated)
{
	struct cookiefile_error	 e;
	struct stat		 st;
	const char		*why = NULL;
	char			 path[PATH_MAX], *buf = NULL;
	ssize_t			 n;
	size_t			 off = 0;
	int			 fd = -1, rc = -1;

	if (config_cookies_path(r->ctx->cfg, cookies_owner(r), path,
	    sizeof(path)) == -1) {
		why = "path too long";
		goto fail;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			rc = 0;
		goto fail;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)STORED_MAX) {
		why = "not a file of the size we store";
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, (size_t)st.st_size - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0) {
			why = "shorter than its size";
			goto fail;
		}
		off += (size_t)n;
	}
	if (cookiefile_parse(buf, off, s, NULL, 0, NULL, &e) == -1) {
		why = "the stored file does not read back";
		goto fail;
	}
	*updated = (int64_t)st.st_mtime;
	rc = 1;
fail:
	if (rc == -1)
		log_warnx(r->request_id, "cookies of key %lld: %s",
		    cookies_owner(r), why != NULL ? why : strerror(errno));
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

int
cookies_get(struct req *r)
{
	struct cookiefile_summary	*s;
	int64_t				 updated = 0;
	int				 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	if ((rc = cookies_load(r, s, &updated)) == -1)
		rc = reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	else
		rc = cookies_reply(r, rc == 1 ? s : NULL, updated);
	free(s);
	return rc;
}

/*
 * PUT: the body checked line by line; the clean copy replaces what the key
 * had.  A refusal names the line, never its content.
 */
int
cookies_put(struct req *r)
{
	struct cookiefile_summary	*s = NULL;
	struct cookiefile_error		 e;
	const char			*text, *detail = NULL;
	char				 name[32], msg[256], *out = NULL;
	size_t				 len, used;
	int				 status = 500;

	if (req_read_text(r, COOKIEFILE_MAX, &detail, &status, &text,
	    &len) == -1)
		goto fail;
	status = 500;
	detail = msg_str[MSG_INTERNAL_ERROR];
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (out = malloc(COOKIEFILE_OUT_MAX(len))) == NULL)
		goto fail;
	if (cookiefile_parse(text, len, s, out, COOKIEFILE_OUT_MAX(len), &used,
	    &e) == -1) {
		status = 400;
		if (e.line > 0)
			snprintf(msg, sizeof(msg), "cookies.txt line %zu: %s",
			    e.line, e.why);
		else
			snprintf(msg, sizeof(msg), "cookies.txt: %s", e.why);
		detail = msg;
		goto fail;
	}
	if (config_cookies_name(cookies_owner(r), name, sizeof(name)) == -1 ||
	    util_mkdir_p(r->ctx->cfg->cookies_dir, 0700) == -1 ||
	    util_file_replace(r->ctx->cfg->cookies_dir, name, out, used,
	    0600) == -1) {
		log_warnx(r->request_id, "cookies of key %lld: cannot store "
		    "them in %s: %s", cookies_owner(r), r->ctx->cfg->cookies_dir,
		    strerror(errno));
		goto fail;
	}
	log_info(r->request_id, "cookies of key %lld stored: %zu cookies, "
	    "%zu domains", cookies_owner(r), s->count, s->ndomains);
	free(out);
	free(s);
	/* Read back: the answer describes the file as stored, with its time. */
	return cookies_get(r);
fail:
	free(out);
	free(s);
	return reply_error(r, status, detail);
}

int
cookies_delete(struct req *r)
{
	char	 path[PATH_MAX];

	if (config_cookies_path(r->ctx->cfg, cookies_owner(r), path,
	    sizeof(path)) == -1)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	if (unlink(path) == -1) {
		if (errno == ENOENT)
			return reply_error(r, 404, msg_str[MSG_COOKIES_NONE]);
		log_warnx(r->request_id, "cookies of key %lld: cannot remove "
		    "them: %s", cookies_owner(r), strerror(errno));
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	}
	log_info(r->request_id, "cookies of key %lld removed", cookies_owner(r));
	return reply_message(r, 200, msg_str[MSG_COOKIES_REMOVED]);
}
