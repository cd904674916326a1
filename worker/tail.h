/* tail.h: the last bytes a child wrote to stderr, whatever the sizes of the reads. */
#ifndef OT_TAIL_H
#define OT_TAIL_H

#include <stddef.h>

#define TAIL_MAX	16384	/* at least this much is kept: yt-dlp's last ERROR: line */

struct tail {
	char	 data[2 * TAIL_MAX + 1];	/* NUL-terminated */
	size_t	 len;
};

size_t	 tail_add(struct tail *, const char *, size_t);
void	 tail_clear(struct tail *);

#endif
