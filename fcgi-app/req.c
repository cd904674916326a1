/* req.c: one FastCGI request: what came in, and the only ways to answer it. */
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fastcgi.h>
#include <json-c/json.h>

#include "encode.h"
#include "log.h"
#include "msg.h"
#include "req.h"
#include "util.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:  return "Internal Server Error";
	}
}

/*
 * Finds key in the query string and decodes its value into buf.
 * 1: found; 0: absent; -1: present but undecodable or too long.
 */
int
req_query_get(const struct req *r, const char *key, char *buf, size_t len)
{
	const char	*p, *amp, *eq;
	char		 k[64];
	size_t		 n;

	for (p = r->query; p != NULL && *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		n = (size_t)((eq != NULL ? eq : amp) - p);
		if (encode_url_decode(p, n, k, sizeof(k)) == -1 ||
		    strcmp(k, key) != 0)
			continue;
		if (eq == NULL) {
			buf[0] = '\0';
			return 1;
		}
		return encode_url_decode(eq + 1, (size_t)(amp - eq - 1), buf,
		    len) == -1 ? -1 : 1;
	}
	return 0;
}

/*
 * Reads the request's body to its end, before any answer (the dispatcher
 * calls this first, whatever it then answers).  A refusal sent with the body
 * unread left a kept connection mid-request: libfcgi then took the body's
 * records for the next request's and dropped the connection, and nginx
 * answered 502 to whoever's request came next on it.  The first REQ_BODY_MAX
 * bytes are kept for req_read_body(); the rest is read and dropped.  A body
 * past REQ_DRAIN_MAX (nginx never sends one: it refuses bodies over 64 KiB
 * itself) is not read further: the connection is closed after the answer
 * instead of kept.
 */
void
req_drain_body(struct req *r, size_t keep)
{
	char	 scratch[8192];
	char	*dst = r->buf;
	size_t	 cap = REQ_BODY_MAX, drain = REQ_DRAIN_MAX;
	int	 n;

	r->buflen = 0;
	r->bodylen = 0;
	/* A route that takes a larger text body (cookies) keeps it all. */
	if (keep > REQ_BODY_MAX && (r->big = malloc(keep + 1)) != NULL) {
		dst = r->big;
		cap = keep;
		drain = keep + REQ_DRAIN_MAX;
	}
	for (;;) {
		if (r->buflen < cap)
			n = FCGX_GetStr(dst + r->buflen, (int)(cap - r->buflen),
			    r->fcgi->in);
		else if (r->bodylen < drain)
			n = FCGX_GetStr(scratch, (int)sizeof(scratch), r->fcgi->in);
		else {
			r->fcgi->keepConnection = 0;
			break;
		}
		if (n <= 0)
			break;
		if (r->buflen < cap)
			r->buflen += (size_t)n;
		r->bodylen += (size_t)n;
	}
	dst[r->buflen] = '\0';
}

/* The Content-Length header: 0 absent; -1 past max. */
static int
content_length(struct req *r, size_t max, long long *want)
{
	const char	*clen;

	*want = 0;
	clen = FCGX_GetParam("CONTENT_LENGTH", r->fcgi->envp);
	if (clen == NULL || *clen == '\0')
		return 0;
	return util_strtonum(clen, 0, (long long)max, want);
}

/*
 * A text/plain body of at most max bytes (req_drain_body() kept it, with
 * keep = max): *text and *len point at it, in the request's buffer.  415 for
 * another type, 413 past max; detail says which.
 */
int
req_read_text(struct req *r, size_t max, const char **detail, int *status,
    const char **text, size_t *len)
{
	const char	*ctype;
	long long	 want;

	*status = 400;
	*text = NULL;
	*len = 0;
	ctype = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);
	if (ctype == NULL || strncasecmp(ctype, "text/plain", 10) != 0 ||
	    (ctype[10] != '\0' && ctype[10] != ';' && ctype[10] != ' ')) {
		*status = 415;
		*detail = msg_str[MSG_BODY_NOT_TEXT_TYPE];
		return -1;
	}
	if (content_length(r, max, &want) == -1 || r->bodylen > max) {
		*status = 413;
		*detail = msg_str[MSG_COOKIES_TOO_LARGE];
		return -1;
	}
	if ((max > REQ_BODY_MAX && r->big == NULL) || r->buflen < r->bodylen) {
		*status = 500;
		*detail = msg_str[MSG_INTERNAL_ERROR];
		return -1;
	}
	if (r->bodylen < (size_t)want) {
		*detail = msg_str[MSG_BODY_SHORT];
		return -1;
	}
	*text = r->big != NULL ? r->big : r->buf;
	*len = (size_t)want;
	return 0;
}

/* The body req_drain_body() read, as a JSON object; refuses what api.md refuses. */
int
req_read_body(struct req *r, const char **detail, int *status)
{
	const char		*ctype;
	long long		 want;

	*status = 400;
	ctype = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ')) {
		*status = 415;
		*detail = msg_str[MSG_BODY_NOT_JSON_TYPE];
		return -1;
	}
	if (content_length(r, REQ_BODY_MAX, &want) == -1) {
		*status = 413;
		*detail = msg_str[MSG_BODY_TOO_LARGE];
		return -1;
	}
	if (r->bodylen < (size_t)want) {
		*detail = msg_str[MSG_BODY_SHORT];
		return -1;
	}
	/* Bytes past Content-Length were read (the stream is clean) but are not the body. */
	r->buflen = (size_t)want;
	r->buf[r->buflen] = '\0';
	if ((r->body = req_parse_json(r->buf, r->buflen, detail)) == NULL) {
		*status = *detail == NULL ? 500 : 400;
		if (*detail == NULL)
			*detail = msg_str[MSG_INTERNAL_ERROR];
		return -1;
	}
	return 0;
}

/*
 * The body as a JSON object, or NULL with detail saying why (NULL detail:
 * out of memory).  The whole buffer must be the one value: trailing bytes
 * other than whitespace make it invalid, so no parser disagreement hides there.
 */
struct json_object *
req_parse_json(const char *buf, size_t len, const char **detail)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	enum json_tokener_error	 jerr;
	size_t			 off;

	*detail = NULL;
	if (len > REQ_BODY_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (off < len && strchr(" \t\r\n", buf[off]) != NULL && buf[off] != '\0')
		off++;
	if (o == NULL || jerr != json_tokener_success || off != len) {
		*detail = msg_str[MSG_BODY_INVALID_JSON];
		goto fail;
	}
	if (!json_object_is_type(o, json_type_object)) {
		*detail = msg_str[MSG_BODY_NOT_OBJECT];
		goto fail;
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

void
req_reset(struct req *r)
{
	json_object_put(r->body);
	r->body = NULL;
	free(r->big);
	r->big = NULL;
	r->buflen = 0;
	r->bodylen = 0;
	r->id[0] = '\0';
	r->name[0] = '\0';
	r->status = 0;
	r->keys_on = 0;
	r->owner = 0;
	r->key_id = 0;
	r->direct = 0;
	r->outlen = 0;
}

/*
 * libfcgi's own printf knows no %zu and friends: headers are formatted here
 * with snprintf and written as plain bytes.
 */
int
reply_header(struct req *r, const char *fmt, ...)
{
	char	 line[REQ_NAME_MAX * 4 + 256];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return FCGX_PutStr(line, n, r->fcgi->out) < 0 ? -1 : 0;
}

static int
reply_head(struct req *r, int status, const char *content_type)
{
	r->status = status;
	return reply_header(r, "Status: %d %s\r\n"
	    "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", status, status_text(status),
	    content_type);
}

/* An answer of len bytes of type: headers now, the body by reply_write(). */
int
reply_begin_type(struct req *r, int status, const char *type, size_t len)
{
	if (reply_head(r, status, type) == -1 ||
	    reply_header(r, "Content-Length: %zu\r\n\r\n", len) == -1)
		return -1;
	return 0;
}

/* A JSON answer of len bytes. */
int
reply_begin(struct req *r, int status, size_t len)
{
	return reply_begin_type(r, status, "application/json; charset=utf-8",
	    len);
}

int
reply_json(struct req *r, int status, struct json_object *o)
{
	const char	*s;
	size_t		 len;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (reply_begin(r, status, len + 1) == -1 ||
	    FCGX_PutStr(s, (int)len, r->fcgi->out) < 0 ||
	    FCGX_PutChar('\n', r->fcgi->out) < 0)
		return -1;
	return 0;
}

static int
reply_one_field(struct req *r, int status, const char *key, const char *text)
{
	struct json_object	*o;
	int			 rc;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, key, json_object_new_string(text));
	rc = reply_json(r, status, o);
	json_object_put(o);
	return rc;
}

/* The one place an error body is built: {"detail": "..."}. */
int
reply_error(struct req *r, int status, const char *detail)
{
	return reply_one_field(r, status, "detail", detail);
}

/* A statement the database refused: logged with what was asked, answered 500. */
int
reply_dberr(struct req *r, const char *what)
{
	log_warnx(r->request_id, "%s: %s", what, store_errmsg(r->ctx->db));
	return reply_error(r, 500, msg_str[MSG_DATABASE_ERROR]);
}

int
reply_message(struct req *r, int status, const char *message)
{
	return reply_one_field(r, status, "message", message);
}

/* A record as SQLite made it (a JSON object), as the whole answer. */
int
reply_record(struct req *r, const struct store_text *t)
{
	if (reply_begin(r, 200, t->len + 1) == -1 ||
	    reply_write(r, t->text, t->len) == -1 ||
	    reply_write(r, "\n", 1) == -1)
		return -1;
	return 0;
}

struct list_state {
	struct req	*r;
	int		 n;
};

static int
list_emit(void *arg, const char *text, size_t len)
{
	struct list_state	*ls = arg;

	if ((ls->n++ > 0 && reply_write(ls->r, ",", 1) == -1) ||
	    reply_write(ls->r, text, len) == -1)
		return 1;
	return 0;
}

/* The records a store list gives for r->owner, streamed as one JSON array. */
int
reply_record_list(struct req *r, store_list_fn list, const char *what)
{
	struct list_state	 ls = { r, 0 };

	if (reply_stream_begin(r, 200) == -1 || reply_write(r, "[", 1) == -1)
		return -1;
	if (list(r->ctx->db, r->owner, list_emit, &ls) == -1) {
		/* Too late for a status code: cut the array so no client takes it as whole. */
		log_warnx(r->request_id, "%s: %s", what, store_errmsg(r->ctx->db));
		return -1;
	}
	return reply_write(r, "]\n", 2);
}

/*
 * Hands the file to nginx: location is an internal prefix, name the file name
 * the database gave (never request input); nginx decodes the URI it gets.
 */
int
reply_accel(struct req *r, const char *location, const char *name,
    const char *content_type, const char *disposition)
{
	char	 enc[REQ_NAME_MAX * 3 + 64];
	size_t	 n;

	n = strlen(location);
	if (n >= sizeof(enc) || (memcpy(enc, location, n),
	    encode_path(name, enc + n, sizeof(enc) - n)) == -1)
		return reply_error(r, 500, msg_str[MSG_NAME_TOO_LONG]);
	r->status = 200;
	if (reply_header(r, "Status: 200 OK\r\nContent-Type: %s\r\n"
	    "X-Accel-Redirect: %s\r\n", content_type, enc) == -1)
		return -1;
	if (disposition != NULL &&
	    reply_header(r, "Content-Disposition: %s\r\n", disposition) == -1)
		return -1;
	return FCGX_PutS("\r\n", r->fcgi->out) < 0 ? -1 : 0;
}

/*
 * A streamed body (the task list) goes out in FastCGI records of up to
 * 64 KiB that we write on libfcgi's connection ourselves: libfcgi's own
 * records are 8 KiB, each its own write(2), and a list of a thousand tasks
 * took 110 of them.  libfcgi's buffer (the headers) is flushed first, so
 * the bytes keep their order, and libfcgi still ends the stream and the
 * request in FCGX_Finish_r(): after reply_stream_end() it has nothing more
 * to send than that.
 */
static int
direct_flush(struct req *r)
{
	unsigned char	 h[FCGI_HEADER_LEN];
	struct iovec	 iov[2];
	size_t		 left = FCGI_HEADER_LEN + r->outlen;
	ssize_t		 n;

	if (r->outlen == 0)
		return 0;
	h[0] = FCGI_VERSION_1;
	h[1] = FCGI_STDOUT;
	h[2] = (unsigned char)(r->fcgi->requestId >> 8);
	h[3] = (unsigned char)r->fcgi->requestId;
	h[4] = (unsigned char)(r->outlen >> 8);
	h[5] = (unsigned char)r->outlen;
	h[6] = h[7] = 0;
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = r->out;
	iov[1].iov_len = r->outlen;
	r->outlen = 0;
	while (left > 0) {
		if ((n = writev(r->fcgi->ipcFd, iov, 2)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		left -= (size_t)n;
		/* A short write: go on from where it stopped. */
		if ((size_t)n >= iov[0].iov_len) {
			n -= (ssize_t)iov[0].iov_len;
			iov[0].iov_len = 0;
			iov[1].iov_base = (char *)iov[1].iov_base + n;
			iov[1].iov_len -= (size_t)n;
		} else {
			iov[0].iov_base = (char *)iov[0].iov_base + n;
			iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

/*
 * 304: the client's copy, named by If-None-Match, is the answer.  No body
 * and no Content-Type; the tag again, as RFC 9110 asks.
 */
int
reply_not_modified(struct req *r, const char *etag)
{
	r->status = 304;
	return reply_header(r, "Status: 304 Not Modified\r\nETag: %s\r\n"
	    "Cache-Control: no-store\r\n\r\n", etag);
}

/* For answers written in pieces (the task list): headers now, body by reply_write(). */
int
reply_stream_begin(struct req *r, int status)
{
	if (reply_head(r, status, "application/json; charset=utf-8") == -1 ||
	    FCGX_PutS("\r\n", r->fcgi->out) < 0 ||
	    FCGX_FFlush(r->fcgi->out) == -1)
		return -1;
	r->direct = 1;
	r->outlen = 0;
	return 0;
}

/* Sends what reply_write() still holds (main.c, after every request); libfcgi ends the stream. */
int
reply_stream_end(struct req *r)
{
	r->direct = 0;
	return direct_flush(r);
}

int
reply_write(struct req *r, const char *s, size_t len)
{
	size_t	 n;

	if (!r->direct)
		return FCGX_PutStr(s, (int)len, r->fcgi->out) < 0 ? -1 : 0;
	while (len > 0) {
		if (r->outlen == sizeof(r->out) && direct_flush(r) == -1)
			return -1;
		n = sizeof(r->out) - r->outlen;
		if (n > len)
			n = len;
		memcpy(r->out + r->outlen, s, n);
		r->outlen += n;
		s += n;
		len -= n;
	}
	return 0;
}
