/* record.c: a task record as the API sends it: the stored JSON and this request's links. */
/*
 * The store keeps each task's record as JSON text (migration 005) without
 * the fields that depend on who asks.  They go in before its closing brace:
 *
 *	{"id":...,"audio_format":"m4a"  ,"thumbnail":...,"stream_url":...,"file_url":...}
 *	`-- record, less its last byte  `-- tail (from auth_links)
 *
 * so a list is a copy per row, never a JSON tree built and serialised again.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "record.h"
#include "req.h"
#include "store.h"

#define TAIL_MAX	(3 * AUTH_LINK_MAX + 64)

/* The fields after the thumbnail's value: the links, and the closing brace. */
static int
tail_format(const struct auth_links *l, char *buf, size_t len)
{
	int	 n;

	n = snprintf(buf, len, ",\"stream_url\":\"%s\",\"file_url\":\"%s\"}",
	    l->stream_url, l->file_url);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Writes the pieces of one record; *len, when not NULL, only counts them. */
static int
record_pieces(struct req *r, const struct store_task_row *row,
    const struct auth_links *l, size_t *len)
{
	static const char	 key[] = ",\"thumbnail\":";
	char			 tail[TAIL_MAX], th[AUTH_LINK_MAX + 2];
	const char		*tv;
	size_t			 tl;
	int			 n;

	if ((n = tail_format(l, tail, sizeof(tail))) == -1)
		return -1;
	if (l->thumbnail[0] != '\0') {
		tl = (size_t)snprintf(th, sizeof(th), "\"%s\"", l->thumbnail);
		tv = th;
	} else {
		tl = row->thumbnail_json_len;
		tv = row->thumbnail_json;
	}
	if (len != NULL) {
		*len = row->record_len - 1 + sizeof(key) - 1 + tl + (size_t)n;
		return 0;
	}
	if (reply_write(r, row->record, row->record_len - 1) == -1 ||
	    reply_write(r, key, sizeof(key) - 1) == -1 ||
	    reply_write(r, tv, tl) == -1 ||
	    reply_write(r, tail, (size_t)n) == -1)
		return -1;
	return 0;
}

/* One record in a list being streamed: the caller writes the commas. */
int
record_write(struct req *r, const struct store_task_row *row)
{
	struct auth_links	 l;

	if (auth_links(r, row, &l) == -1)
		return -1;
	return record_pieces(r, row, &l, NULL);
}

/* One record as the whole answer, with its length, like reply_json(). */
int
record_send(struct req *r, int status, const struct store_task_row *row)
{
	struct auth_links	 l;
	size_t			 len;

	if (auth_links(r, row, &l) == -1 ||
	    record_pieces(r, row, &l, &len) == -1)
		return reply_error(r, 500, "Internal error");
	if (reply_begin(r, status, len + 1) == -1 ||
	    record_pieces(r, row, &l, NULL) == -1 ||
	    reply_write(r, "\n", 1) == -1)
		return -1;
	return 0;
}
