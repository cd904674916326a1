/* resolve.c: what a URL turned out to be: a playlist turned into one task per entry, a subscription's listing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <uuid/uuid.h>

#include "log.h"
#include "resolve.h"
#include "urlform.h"
#include "store.h"
#include "util.h"


/* A string field; NULL when absent, not a string, or cut short by a NUL inside. */
static const char *
str(struct json_object *o, const char *key)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

/* Copies s into buf when it fits; a value that does not fit is not worth half of. */
static void
copy(char *buf, size_t len, const char *s)
{
	buf[0] = '\0';
	if (s != NULL && strlen(s) < len)
		memcpy(buf, s, strlen(s) + 1);
}

/*
 * A title into buf, cut to fit (never inside a UTF-8 sequence): a cut title
 * still names the video.  "" when there is none.
 */
static void
copy_title(char *buf, size_t len, const char *s)
{
	size_t	 n;

	buf[0] = '\0';
	if (s == NULL || len == 0)
		return;
	n = util_utf8_len(s, len - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* Whether u is a URL a task may hold (urlform.c: what the API accepts). */
static int
url_ok(const char *u)
{
	return u != NULL && urlform_check(u) == NULL;
}

/*
 * The URL of a flat entry: "url" when it passes the rule a submitted URL
 * passes, else "webpage_url".  NULL when neither does; why then says what
 * is wrong with the first of them present.
 */
static const char *
entry_url(struct json_object *e, const char **why)
{
	const char	*u, *w;

	*why = "the entry names no URL";
	if (!json_object_is_type(e, json_type_object))
		return NULL;
	if ((u = str(e, "url")) != NULL && (*why = urlform_check(u)) == NULL)
		return u;
	if ((w = str(e, "webpage_url")) != NULL && urlform_check(w) == NULL)
		return w;
	if (u == NULL && w != NULL)
		*why = urlform_check(w);
	return NULL;
}

/*
 * A skipped entry, in the log: the reason, and the start of the URL (the
 * log replaces its control characters: they never reach a terminal).
 */
static void
entry_skipped(const struct task_claim *c, struct json_object *e, size_t i,
    const char *why)
{
	const char	*u = NULL;

	if (json_object_is_type(e, json_type_object) &&
	    (u = str(e, "url")) == NULL)
		u = str(e, "webpage_url");
	log_warnx(c->id, "playlist entry %zu skipped: url %s: %.120s%s", i + 1,
	    why, u != NULL ? u : "(none)",
	    u != NULL && strlen(u) > 120 ? "..." : "");
}

/*
 * Entry 1 is the claimed task itself, the others become pending tasks with
 * the same options.  One transaction: a crash never leaves half a playlist,
 * and a claim again after a crash finds the claimed task no longer a bare
 * URL (is_playlist), so entries are never inserted twice.  The owner's
 * OFFLINETUBE_MAX_PENDING (max_pending) holds for entries as for a POST: an
 * entry past it is stored as an error that says so, visible in the list,
 * instead of waiting.
 */
int
resolve_playlist(struct store *db, const struct task_claim *c,
    struct json_object *entries, int max_pending, struct resolved *r,
    char *err, size_t errlen)
{
	struct task_new	 t;
	uuid_t		 u;
	char		 pid[STORE_ID_LEN], id[STORE_ID_LEN], refused[160];
	char		 title[sizeof(r->title)];
	const char	*url, *why;
	size_t		 i, n;
	int		 index = 0, total = 0, over = 0, rc;

	/* All of r is ours to say: job_playlist() hands us its stack as it is. */
	memset(r, 0, sizeof(*r));
	/* An entry no client could have submitted is skipped, never stored. */
	n = json_object_array_length(entries);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);

		if (entry_url(e, &why) != NULL)
			total++;
		else
			entry_skipped(c, e, i, why);
	}
	if (total == 0) {
		snprintf(err, errlen, "The playlist has no entries that can be "
		    "downloaded");
		return -1;
	}
	if (total > RESOLVE_ENTRIES_MAX) {
		log_warnx(c->id, "playlist has %d entries, keeping %d", total,
		    RESOLVE_ENTRIES_MAX);
		total = RESOLVE_ENTRIES_MAX;
	}
	uuid_generate_random(u);
	uuid_unparse_lower(u, pid);
	if (store_begin(db) == -1)
		goto dberr;
	for (i = 0; i < n && index < total; i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);

		if ((url = entry_url(e, &why)) == NULL)
			continue;
		index++;
		if (index == 1) {
			copy(r->url, sizeof(r->url), url);
			copy_title(r->title, sizeof(r->title), str(e, "title"));
			if ((rc = store_task_set_playlist(db, c->id, pid, 1,
			    total, url)) == -1)
				goto dberr_rollback;
			if (rc == 0) {
				/* The row is no longer running: cancelled or removed. */
				snprintf(err, errlen, "The task ended while its "
				    "playlist was being read");
				store_rollback(db);
				return -1;
			}
			continue;
		}
		memset(&t, 0, sizeof(t));
		uuid_generate_random(u);
		uuid_unparse_lower(u, id);
		t.id = id;
		t.url = url;
		t.download_type = c->download_type;
		t.quality = c->quality;
		t.format_id = c->format_id[0] != '\0' ? c->format_id : NULL;
		t.audio_format = c->audio_format;
		t.embed_metadata = c->embed_metadata;
		t.sponsorblock = c->sponsorblock;
		t.subtitles = c->subtitles;
		/* A task row holds what the first entry's would: a bounded title. */
		copy_title(title, sizeof(title), str(e, "title"));
		t.title = title;
		t.playlist_id = pid;
		t.playlist_index = index;
		t.playlist_total = total;
		t.owner = c->owner;	/* a playlist's entries belong to whoever asked for it */
		t.max_pending = max_pending;
		if ((rc = store_task_insert(db, &t)) == 0) {
			snprintf(refused, sizeof(refused), "Too many pending "
			    "downloads (limit %d): this playlist entry was not "
			    "queued; submit its URL again once some have started",
			    max_pending);
			t.error = refused;
			rc = store_task_insert(db, &t);
			over++;
		}
		if (rc != 1)
			goto dberr_rollback;
	}
	if (store_commit(db) == -1)
		goto dberr_rollback;
	r->playlist = 1;
	r->total = total;
	log_info(c->id, "playlist %s: %d entries%s", pid, total, over > 0 ?
	    ", some not queued (OFFLINETUBE_MAX_PENDING)" : "");
	return 0;
dberr_rollback:
	snprintf(err, errlen, "database: %s", store_errmsg(db));
	store_rollback(db);
	return -1;
dberr:
	snprintf(err, errlen, "database: %s", store_errmsg(db));
	return -1;
}

/*
 * Reads yt-dlp's -J answer for a claimed task, as parsed (NULL: none).  A
 * playlist is expanded into tasks (see above) and r->url is its first entry;
 * a single video keeps the URL and, when the answer lists formats, the
 * download can load it instead of extracting the page a second time.
 */
int
resolve_apply(struct store *db, const struct task_claim *c,
    struct json_object *o, int max_pending, struct resolved *r, char *err,
    size_t errlen)
{
	struct json_object	*entries, *v;
	const char		*type;

	memset(r, 0, sizeof(*r));
	r->total = 1;
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "yt-dlp gave no information for this URL");
		return -1;
	}
	type = str(o, "_type");
	if (type != NULL && strcmp(type, "playlist") == 0 &&
	    json_object_object_get_ex(o, "entries", &entries) &&
	    json_object_is_type(entries, json_type_array))
		return resolve_playlist(db, c, entries, max_pending, r, err,
		    errlen);
	copy(r->url, sizeof(r->url), c->url);
	copy_title(r->title, sizeof(r->title), str(o, "title"));
	if (url_ok(str(o, "thumbnail")))
		copy(r->thumbnail, sizeof(r->thumbnail), str(o, "thumbnail"));
	r->has_formats = (type == NULL || strcmp(type, "video") == 0) &&
	    json_object_object_get_ex(o, "formats", &v) &&
	    json_object_is_type(v, json_type_array);
	/* A direct file link has no "formats", only its own "url": still loadable. */
	if (!r->has_formats && (type == NULL || strcmp(type, "video") == 0) &&
	    str(o, "url") != NULL)
		r->has_formats = 1;
	return 0;
}

/* Live now, or yet to come: yt-dlp's live_status, or the older is_live. */
static int
entry_live(struct json_object *e)
{
	struct json_object	*v;
	const char		*ls = str(e, "live_status");

	if (ls != NULL)
		return strcmp(ls, "is_live") == 0 || strcmp(ls, "is_upcoming") == 0 ||
		    strcmp(ls, "post_live") == 0;
	return json_object_object_get_ex(e, "is_live", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* One entry of a listing into le; -1 when it names no URL a task may hold. */
static int
listing_entry_of(struct json_object *e, struct listing_entry *le)
{
	struct json_object	*v;
	const char		*u, *id, *why;
	double			 d;

	if ((u = entry_url(e, &why)) == NULL)
		return -1;
	copy(le->url, sizeof(le->url), u);
	id = str(e, "id");
	copy(le->key, sizeof(le->key), id != NULL && *id != '\0' ? id : u);
	copy_title(le->title, sizeof(le->title), str(e, "title"));
	le->duration = -1;
	if (json_object_object_get_ex(e, "duration", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) &&
	    (d = json_object_get_double(v)) >= 0 && d < 1e9)
		le->duration = (long long)(d + 0.5);
	le->live = entry_live(e);
	return 0;
}

/*
 * A subscription's listing (yt-dlp -J --flat-playlist): its title and at
 * most max entries, newest first as the site lists them.  A URL that is
 * one video is a listing of that one entry.
 */
int
resolve_listing(struct json_object *o, const char *url, size_t max,
    struct listing *l, char *err, size_t errlen)
{
	struct json_object	*entries, *e;
	const char		*type;
	size_t			 i, n;

	memset(l, 0, sizeof(*l));
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "yt-dlp gave no listing for this URL");
		return -1;
	}
	copy_title(l->title, sizeof(l->title), str(o, "title"));
	type = str(o, "_type");
	if (type == NULL || strcmp(type, "playlist") != 0 ||
	    !json_object_object_get_ex(o, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		/* One video: its page is what a task fetches. */
		if ((l->entries = calloc(1, sizeof(*l->entries))) == NULL)
			goto nomem;
		if (str(o, "webpage_url") == NULL && str(o, "url") == NULL) {
			json_object_object_add(o, "webpage_url",
			    json_object_new_string(url));
		}
		if (listing_entry_of(o, &l->entries[0]) == 0)
			l->n = 1;
		else
			l->skipped = 1;
		return 0;
	}
	n = json_object_array_length(entries);
	if (n > max)
		n = max;
	if (n > 0 && (l->entries = calloc(n, sizeof(*l->entries))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(entries, i);
		if (json_object_is_type(e, json_type_object) &&
		    listing_entry_of(e, &l->entries[l->n]) == 0)
			l->n++;
		else
			l->skipped++;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
resolve_listing_free(struct listing *l)
{
	free(l->entries);
	memset(l, 0, sizeof(*l));
}
