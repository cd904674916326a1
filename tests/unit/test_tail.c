/* test_tail.c: the stderr tail keeps yt-dlp's reason, whatever the sizes of the reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tail.h"
#include "unit.h"
#include "ytdlp.h"

#define REASON	"ERROR: [generic] Unable to download webpage: HTTP Error 404"

/* 40 KB of warnings, then the reason: what a noisy yt-dlp leaves behind. */
static size_t
noisy_stderr(char *buf, size_t len)
{
	size_t	 n = 0;
	int	 w;

	while (n < 40000) {
		w = snprintf(buf + n, len - n, "WARNING: [generic] falling back "
		    "on generic information extractor, line %zu\n", n);
		n += (size_t)w;
	}
	n += (size_t)snprintf(buf + n, len - n, "%s\n", REASON);
	return n;
}

/*
 * Every read size from 1 byte to more than the whole stream: the tail is
 * always the stream's last bytes, at least TAIL_MAX of them, and the reason
 * is always found in it.
 */
static void
test_the_tail_is_the_last_bytes_for_reads_of_every_size(void)
{
	static struct tail	 t;
	static char		 in[48000];
	char			 msg[512];
	size_t			 len, k, off, n, bad = 0, badmsg = 0, badoff = 0;
	size_t			 total, drop, pos = 0, at;
	int			 have;

	len = noisy_stderr(in, sizeof(in));
	/* A byte near the end: once in the tail, an offset follows it there. */
	at = len - 200;
	for (k = 1; k <= len + 1; k++) {
		tail_clear(&t);
		total = 0;
		have = 0;
		for (off = 0; off < len; off += n) {
			n = len - off < k ? len - off : k;
			drop = tail_add(&t, in + off, n);
			total += n;
			if (have)
				pos -= drop;
			else if (total > at) {
				pos = at - (total - t.len);
				have = 1;
			}
		}
		if (t.len < TAIL_MAX || t.len > 2 * TAIL_MAX ||
		    memcmp(t.data, in + len - t.len, t.len) != 0 ||
		    t.data[t.len] != '\0')
			bad++;
		if (!have || memcmp(t.data + pos, in + at, 16) != 0)
			badoff++;
		/* Each size's reason: cheap enough only for some of them. */
		if (k < 70 || k % 997 == 0 || k > 32700) {
			ytdlp_error_message(t.data, t.len, 1, msg, sizeof(msg));
			if (strcmp(msg, REASON) != 0)
				badmsg++;
		}
	}
	CHECK(bad == 0);
	CHECK(badmsg == 0);
	CHECK(badoff == 0);
}

/* Less than the tail holds is kept whole, in order. */
static void
test_a_short_stderr_is_kept_whole(void)
{
	static struct tail	 t;

	tail_clear(&t);
	CHECK(tail_add(&t, "ERROR: ", 7) == 0);
	CHECK(tail_add(&t, "no", 2) == 0);
	CHECK(t.len == 9);
	CHECK_STR(t.data, "ERROR: no");
}

int
main(void)
{
	test_a_short_stderr_is_kept_whole();
	test_the_tail_is_the_last_bytes_for_reads_of_every_size();
	return unit_done("test_tail");
}
