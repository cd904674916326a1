/* record.c: a task record as the API sends it: the stored JSON and this request's links. */
/*
 * The store keeps each task's record as JSON text (migration 005), with
 * "thumbnail" last and without the links, which depend on who asks.  They
 * go in before its closing brace:
 *
 *	{"id":...,"thumbnail":"..."   ,"stream_url":"...","file_url":"...",
 *	`-- the record, less its '}'  `-- the links (auth_links)
 *
 *	    "subtitles":[{"lang":"en","url":"/api/subtitles/{id}/en"}]}
 *	    `-- a link per stored language (migration 013), signed likewise
 *
 * While keys are on, a local thumbnail's value is cut off and its signed
 * link written instead.  A list is thus a copy per row, never a JSON tree
 * built and serialised again.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#include "auth.h"
#include "etag.h"
#include "msg.h"
#include "record.h"
#include "req.h"
#include "route.h"
#include "store.h"

static const char	 thumb_key[] = "\"thumbnail\":\"";

/* A subtitle's link: the route, an id, a language, ?exp=&kid=&sig=. */
#define SUB_LINK_MAX	256
/* The record's bytes after what is kept: 3 links, the subtitles, keys, quotes. */
#define TAIL_MAX	(3 * AUTH_LINK_MAX + 64 + \
	STORE_SUBTITLES_MAX * (SUB_LINK_MAX + STORE_SUBTITLE_LANG_MAX + 32))

/* Appends n bytes of p at *o: the caller sized buf for everything. */
static void
put(char *buf, size_t *o, const char *p, size_t n)
{
	memcpy(buf + *o, p, n);
	*o += n;
}

/*
 * The length of the record's tail when the task has a thumbnail of ours
 * (the row says so): the record then ends in "thumbnail":"/api/thumbnails/{id}"}
 * as migration 008 builds it, nothing in it escaped.  0 when it has none.
 */
static size_t
local_thumbnail_tail(const struct store_task_row *row)
{
	size_t	 kl = sizeof(thumb_key) - 1;
	size_t	 tail = kl + sizeof(ROUTE_THUMBNAILS) - 1 + strlen(row->id) + 2;

	if (!row->local_thumbnail || row->record_len < tail + 1 ||
	    memcmp(row->record + row->record_len - tail, thumb_key, kl) != 0)
		return 0;
	return tail;
}

/* The bytes after what is kept: at most 3 links, their keys and quotes. */
static size_t
links_format(const struct auth_links *l, int thumb, char *buf)
{
	static const char	 s[] = ",\"stream_url\":\"", f[] = "\",\"file_url\":\"";
	size_t			 o = 0;

	if (thumb) {
		put(buf, &o, l->thumbnail, strlen(l->thumbnail));
		put(buf, &o, "\"", 1);
	}
	put(buf, &o, s, sizeof(s) - 1);
	put(buf, &o, l->stream_url, strlen(l->stream_url));
	put(buf, &o, f, sizeof(f) - 1);
	put(buf, &o, l->file_url, strlen(l->file_url));
	put(buf, &o, "\"", 1);
	return o;
}

/*
 * ,"subtitles":[...]} at *o: the row's stored languages, each with its
 * link.  The store lets only codes and commas into the list (migration
 * 013); anything else, or more languages than the API takes, is refused
 * here rather than written into the JSON.
 */
static int
subtitles_format(struct req *r, const struct store_task_row *row, char *buf,
    size_t *o)
{
	static const char	 key[] = ",\"subtitles\":[", lk[] = "{\"lang\":\"";
	static const char	 uk[] = "\",\"url\":\"";
	char			 path[128], link[SUB_LINK_MAX];
	const char		*lang = row->subtitle_files;
	size_t			 i, n, count = 0;

	put(buf, o, key, sizeof(key) - 1);
	for (; *lang != '\0'; lang += n + (lang[n] == ',')) {
		n = strcspn(lang, ",");
		if (n == 0 || n > STORE_SUBTITLE_LANG_MAX ||
		    count++ >= STORE_SUBTITLES_MAX)
			return -1;
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)lang[i]) && lang[i] != '-')
				return -1;
		snprintf(path, sizeof(path), "%s%s/%.*s", ROUTE_SUBTITLES,
		    row->id, (int)n, lang);
		if (auth_link(r, path, link, sizeof(link)) == -1)
			return -1;
		if (count > 1)
			put(buf, o, ",", 1);
		put(buf, o, lk, sizeof(lk) - 1);
		put(buf, o, lang, n);
		put(buf, o, uk, sizeof(uk) - 1);
		put(buf, o, link, strlen(link));
		put(buf, o, "\"}", 2);
	}
	put(buf, o, "]}", 2);
	return 0;
}

/*
 * The record's two pieces, ready to write: *keep bytes of the stored text
 * (all but its '}', or all but a thumbnail's value that a signed link
 * replaces) and tail.
 */
static int
record_pieces(struct req *r, const struct store_task_row *row, char *tail,
    size_t *keep, size_t *tl)
{
	struct auth_links	 l;
	size_t			 lt = local_thumbnail_tail(row);

	if (auth_links(r, row, lt != 0, &l) == -1)
		return -1;
	if (l.thumbnail[0] != '\0')
		*keep = row->record_len - lt + sizeof(thumb_key) - 1;
	else
		*keep = row->record_len - 1;
	*tl = links_format(&l, l.thumbnail[0] != '\0', tail);
	return subtitles_format(r, row, tail, tl);
}

/* One record in a list being streamed: the caller writes the commas. */
int
record_write(struct req *r, const struct store_task_row *row)
{
	char	 tail[TAIL_MAX];
	size_t	 keep, tl;

	if (record_pieces(r, row, tail, &keep, &tl) == -1 ||
	    reply_write(r, row->record, keep) == -1 ||
	    reply_write(r, tail, tl) == -1)
		return -1;
	return 0;
}

/* One record as the whole answer, with its length, like reply_json(). */
int
record_send(struct req *r, int status, const struct store_task_row *row)
{
	char	 tail[TAIL_MAX];
	size_t	 keep, tl;

	if (record_pieces(r, row, tail, &keep, &tl) == -1)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	if (reply_begin(r, status, keep + tl + 1) == -1 ||
	    reply_write(r, row->record, keep) == -1 ||
	    reply_write(r, tail, tl) == -1 ||
	    reply_write(r, "\n", 1) == -1)
		return -1;
	return 0;
}

/*
 * One record as the answer to a GET, with an ETag made from the very bytes
 * it holds (its signed links, whose expiry moves every ten minutes,
 * included): 304 when the client's If-None-Match names them.
 */
int
record_send_tagged(struct req *r, const struct store_task_row *row)
{
	char		 tail[3 * AUTH_LINK_MAX + 64], tag[ETAG_MAX];
	size_t		 keep, tl;
	uint64_t	 h;

	if (record_pieces(r, row, tail, &keep, &tl) == -1)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	h = etag_hash(etag_hash(ETAG_SEED, row->record, keep), tail, tl);
	etag_format(tag, 't', h);
	if (etag_matches(FCGX_GetParam("HTTP_IF_NONE_MATCH", r->fcgi->envp),
	    tag))
		return reply_not_modified(r, tag);
	if (reply_header(r, "ETag: %s\r\n", tag) == -1 ||
	    reply_begin(r, 200, keep + tl + 1) == -1 ||
	    reply_write(r, row->record, keep) == -1 ||
	    reply_write(r, tail, tl) == -1 ||
	    reply_write(r, "\n", 1) == -1)
		return -1;
	return 0;
}
