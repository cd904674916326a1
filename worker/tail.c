/* tail.c: the last bytes a child wrote to stderr, whatever the sizes of the reads. */
/*
 * A failed run's reason is its last ERROR: line, written after everything
 * else: what goes is always the oldest text, never the new.  One read may
 * bring more than the tail holds (64 KiB from a full pipe); then its own
 * last bytes are the tail.  The tail holds at least the last TAIL_MAX bytes
 * and at most twice that, so that text moves once per TAIL_MAX bytes taken,
 * not at every read.
 */
#include <string.h>

#include "tail.h"

/*
 * Appends n bytes and returns how many bytes of the whole stream (old text,
 * then these) went out at the front: an offset into the tail from before the
 * call is that much smaller after it, or gone when less than that.
 */
size_t
tail_add(struct tail *t, const char *p, size_t n)
{
	size_t	 drop = 0;

	if (n >= TAIL_MAX) {
		drop = t->len + n - TAIL_MAX;
		memcpy(t->data, p + n - TAIL_MAX, TAIL_MAX);
		t->len = TAIL_MAX;
	} else {
		if (t->len + n > 2 * TAIL_MAX) {
			drop = t->len - TAIL_MAX;
			memmove(t->data, t->data + drop, TAIL_MAX);
			t->len = TAIL_MAX;
		}
		memcpy(t->data + t->len, p, n);
		t->len += n;
	}
	t->data[t->len] = '\0';
	return drop;
}

void
tail_clear(struct tail *t)
{
	t->len = 0;
	t->data[0] = '\0';
}
