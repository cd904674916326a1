/* req.h: one FastCGI request: what came in, and the only ways to answer it. */
#ifndef OT_REQ_H
#define OT_REQ_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "store.h"

struct config;
struct json_object;

#define REQ_BODY_MAX	(64 * 1024)	/* api.md: a POST body is at most 64 KiB */
#define REQ_DRAIN_MAX	(16 * REQ_BODY_MAX)	/* read and dropped past REQ_BODY_MAX */
#define REQ_NAME_MAX	1024		/* a {filename} path segment */
#define REQ_RECORD_MAX	65528		/* a FastCGI record's content: 16 bits, 8-aligned */

/* What one API thread owns for its whole life; requests borrow it. */
struct thread_ctx {
	struct store		*db;
	const struct config	*cfg;
	int			 keys_exist;	/* auth: whether any key exists, as of ... */
	int64_t			 keys_checked;	/* ... this monotonic ms (0: never) */
	const volatile sig_atomic_t *stopping;	/* main.c: a stop signal came */
};

struct req {
	FCGX_Request		*fcgi;
	struct thread_ctx	*ctx;
	const char		*method;	/* HEAD is answered as GET */
	const char		*path;		/* DOCUMENT_URI, already decoded by nginx */
	const char		*query;
	const char		*request_id;
	char			 id[STORE_ID_LEN];	/* {id}, checked as a UUID */
	char			 name[REQ_NAME_MAX];	/* {filename} */
	struct json_object	*body;		/* a JSON object, for routes that take one */
	char			 buf[REQ_BODY_MAX + 1];
	char			*big;		/* a text body's buffer, NULL: buf */
	size_t			 buflen;	/* bytes of the body kept in buf (or big) */
	size_t			 bodylen;	/* bytes of the body read in all */
	int			 status;	/* what was answered, for the log */
	int			 keys_on;	/* this request needed a key or a signed link */
	long long		 owner;		/* whose tasks it sees: a key id; 0 or -1 all */
	long long		 key_id;	/* the key it carried, 0 none */
	int			 direct;	/* reply_write() fills out, not libfcgi */
	size_t			 outlen;
	char			 out[REQ_RECORD_MAX];
};

int	 req_query_get(const struct req *, const char *key, char *buf,
	    size_t len);
void	 req_drain_body(struct req *, size_t keep);
int	 req_read_body(struct req *, const char **detail, int *status);
int	 req_read_text(struct req *, size_t max, const char **detail,
	    int *status, const char **text, size_t *len);
struct json_object *req_parse_json(const char *, size_t, const char **detail);
void	 req_reset(struct req *);

int	 reply_header(struct req *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 reply_begin(struct req *, int status, size_t len);
int	 reply_begin_type(struct req *, int status, const char *type, size_t len);
int	 reply_json(struct req *, int status, struct json_object *);
int	 reply_error(struct req *, int status, const char *detail);
int	 reply_dberr(struct req *, const char *what);
int	 reply_message(struct req *, int status, const char *message);
int	 reply_record(struct req *, const struct store_text *);
typedef int (*store_list_fn)(struct store *, long long owner, store_text_cb,
	    void *);
int	 reply_record_list(struct req *, store_list_fn, const char *what);
int	 reply_accel(struct req *, const char *location, const char *name,
	    const char *content_type, const char *disposition);
int	 reply_not_modified(struct req *, const char *etag);
int	 reply_stream_begin(struct req *, int status);
int	 reply_stream_end(struct req *);
int	 reply_write(struct req *, const char *, size_t);

#endif
