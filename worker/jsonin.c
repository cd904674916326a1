/* jsonin.c: yt-dlp's JSON as it arrives: parsed a read at a time, its tree freed a slice at a time. */
/*
 * The worker's one loop serves every download and look-up, so no JSON may
 * hold it: json-c parses about 40 MB/s here, and frees the tree of a 4 MiB
 * answer in about 25 ms, of a 16 MiB listing in about 100.  So the text is
 * fed to an incremental parser as each pipe read comes, and a tree that is
 * done with is put aside and freed from the loop a slice at a time
 * (jsonin_sweep()).
 *
 * A tree left unfinished (its run stopped past a bound) is inside json-c's
 * tokener, which would free it at once.  So the structure of the text is
 * followed as it is fed, just enough to write what completes it (close the
 * string, finish the literal, a null where a value is due, then every open
 * bracket); the tokener then hands the tree over to be put aside.  Should
 * that fail, the tree goes at once, as it would have anyway.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonin.h"

#define DEPTH	JSON_TOKENER_DEFAULT_DEPTH

/* What a level of the text waits for. */
enum want { W_KEY, W_COLON, W_VALUE, W_NEXT };

struct jsonin {
	struct json_tokener	*tok;
	struct json_object	*root;	/* the first JSON value, once complete */
	int			 ended;	/* root is complete, or the text is not JSON */
	/* The text's structure so far, for jsonin_free(). */
	char			 open[DEPTH];	/* '{' or '[' */
	enum want		 want[DEPTH];
	int			 depth;
	int			 top;		/* the root's first byte was seen */
	int			 str;		/* 1 in a string, 2 after '\', 3+k in \u after k digits */
	int			 key;		/* that string is a key */
	int			 lit;		/* a literal's first byte: t f n, or 0 for a number; -1 none */
	int			 litlen;
	char			 last;		/* the literal's last byte */
	int			 lost;		/* the structure could not be followed */
};

static struct json_object	**grave;
static size_t			  ngrave, grave_cap;

struct jsonin *
jsonin_new(void)
{
	struct jsonin	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->tok = json_tokener_new_ex(DEPTH)) == NULL) {
		free(p);
		return NULL;
	}
	p->lit = -1;
	return p;
}

/* A value began (or ended) at this level: once it is whole, the next comes. */
static void
value_done(struct jsonin *p)
{
	if (p->depth > 0)
		p->want[p->depth - 1] = W_NEXT;
}

/* Follows one byte of the text (json-c says whether it is valid). */
static void
follow(struct jsonin *p, char c)
{
	enum want	*w = p->depth > 0 ? &p->want[p->depth - 1] : NULL;

	if (p->str == 1) {
		if (c == '\\')
			p->str = 2;
		else if (c == '"') {
			p->str = 0;
			if (p->key)
				*w = W_COLON;
			else
				value_done(p);
		}
		return;
	}
	if (p->str == 2) {
		p->str = c == 'u' ? 3 : 1;
		return;
	}
	if (p->str >= 3) {
		p->str = p->str == 6 ? 1 : p->str + 1;
		return;
	}
	if (p->lit != -1) {
		if (strchr(",]} \t\r\n", c) == NULL) {
			p->litlen++;
			p->last = c;
			return;
		}
		p->lit = -1;
		value_done(p);
	}
	switch (c) {
	case ' ': case '\t': case '\r': case '\n':
		return;
	case '{': case '[':
		if (p->depth == DEPTH) {
			p->lost = 1;
			return;
		}
		/* A value has begun: once it closes, the level wants the next. */
		value_done(p);
		p->open[p->depth] = c;
		p->want[p->depth++] = c == '{' ? W_KEY : W_VALUE;
		p->top = 1;
		return;
	case '}': case ']':
		if (p->depth > 0)
			p->depth--;
		value_done(p);
		return;
	case ',':
		if (w != NULL)
			*w = p->open[p->depth - 1] == '{' ? W_KEY : W_VALUE;
		return;
	case ':':
		if (w != NULL)
			*w = W_VALUE;
		return;
	case '"':
		p->str = 1;
		p->key = w != NULL && *w == W_KEY;
		if (!p->key)
			value_done(p);
		p->top = 1;
		return;
	default:
		value_done(p);
		p->lit = c == 't' || c == 'f' || c == 'n' ? c : 0;
		p->litlen = 1;
		p->last = c;
		p->top = 1;
		return;
	}
}

/*
 * Takes the next n bytes.  The first JSON value is the answer; what follows
 * it (a newline) is ignored.  -1: this is not JSON, and the rest is ignored.
 */
int
jsonin_feed(struct jsonin *p, const char *s, size_t n)
{
	struct json_object	*o;
	size_t			 i;
	int			 k;

	while (!p->ended && n > 0) {
		k = n > INT_MAX ? INT_MAX : (int)n;
		o = json_tokener_parse_ex(p->tok, s, k);
		if (o != NULL) {
			p->root = o;
			p->ended = 1;
			break;
		}
		if (json_tokener_get_error(p->tok) != json_tokener_continue) {
			p->ended = 1;
			return -1;
		}
		if (!p->lost)
			for (i = 0; i < (size_t)k; i++)
				follow(p, s[i]);
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The first JSON value, once complete; NULL before, or when it is not JSON. */
struct json_object *
jsonin_root(struct jsonin *p)
{
	return p != NULL ? p->root : NULL;
}

/* What completes the text so far; 0: nothing can (or need). */
static size_t
closing(struct jsonin *p, char *buf, size_t len)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t			 n = 0, i, w;
	int			 d;

	if (p->ended || p->lost || !p->top || p->depth == 0)
		return 0;
	if (p->str == 2)
		buf[n++] = 'n';
	for (; p->str >= 3 && p->str < 7; p->str++)
		buf[n++] = "0020"[p->str - 3];
	if (p->str != 0) {
		buf[n++] = '"';
		p->want[p->depth - 1] = p->key ? W_COLON : W_NEXT;
	} else if (p->lit != -1) {
		if (p->lit != 0) {
			for (w = 0; w < 3 && words[w][0] != p->lit; w++)
				;
			for (i = (size_t)p->litlen; w < 3 && i < strlen(words[w]); i++)
				buf[n++] = words[w][i];
		} else if (strchr("-+.eE", p->last) != NULL)
			buf[n++] = '0';
		p->want[p->depth - 1] = W_NEXT;
	}
	for (d = p->depth - 1; d >= 0; d--) {
		if (n + 8 > len)
			return 0;
		if (p->want[d] == W_COLON) {
			memcpy(buf + n, ":null", 5);
			n += 5;
		} else if (p->want[d] == W_VALUE && p->open[d] == '{') {
			memcpy(buf + n, "null", 4);
			n += 4;
		}
		buf[n++] = p->open[d] == '{' ? '}' : ']';
	}
	return n;
}

static int
grave_push(struct json_object *o)
{
	struct json_object	**g;
	size_t			  cap;

	if (ngrave == grave_cap) {
		cap = grave_cap ? grave_cap * 2 : 64;
		if ((g = reallocarray(grave, cap, sizeof(*g))) == NULL)
			return -1;
		grave = g;
		grave_cap = cap;
	}
	grave[ngrave++] = o;
	return 0;
}

/*
 * The tree, finished or not, is put aside for jsonin_sweep(); only one that
 * cannot be completed goes at once, with the tokener.
 */
void
jsonin_free(struct jsonin *p)
{
	char	 buf[DEPTH * 8 + 16];
	size_t	 n;

	if (p == NULL)
		return;
	if (p->root == NULL && (n = closing(p, buf, sizeof(buf))) > 0)
		p->root = json_tokener_parse_ex(p->tok, buf, (int)n);
	if (p->root != NULL && grave_push(p->root) == -1)
		json_object_put(p->root);
	json_tokener_free(p->tok);
	free(p);
}

/*
 * Frees up to n values of the trees put aside; 1 while some are left.  A
 * container gives up its last value (which goes on the stack) until it is
 * empty, then goes itself: every step is one value, whatever the tree.
 */
int
jsonin_sweep(size_t n)
{
	struct json_object	*o, *v;
	struct lh_entry		*e;
	size_t			 len;

	while (n > 0 && ngrave > 0) {
		o = grave[ngrave - 1];
		if (json_object_is_type(o, json_type_array) &&
		    (len = json_object_array_length(o)) > 0) {
			v = json_object_get(json_object_array_get_idx(o, len - 1));
			json_object_array_del_idx(o, len - 1, 1);
		} else if (json_object_is_type(o, json_type_object) &&
		    (e = lh_table_head(json_object_get_object(o))) != NULL) {
			v = json_object_get((struct json_object *)lh_entry_v(e));
			json_object_object_del(o, (const char *)lh_entry_k(e));
		} else {
			ngrave--;
			json_object_put(o);
			n--;
			continue;
		}
		if (v != NULL && grave_push(v) == -1)
			json_object_put(v);
	}
	if (ngrave == 0) {
		free(grave);
		grave = NULL;
		grave_cap = 0;
	}
	return ngrave > 0;
}
