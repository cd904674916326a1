/* fuzz_ytdlp.c: a line of a download run's stdout through the line reader, and stderr through the mark scan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ytdlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ytdlp_line	 l;
	char			*s, note[32], step[64];
	size_t			 n, scan;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	/* As proc.c hands lines over: NUL-terminated, no newline. */
	n = strlen(s);
	if (ytdlp_parse_line(s, n, &l) == YTDLP_ENTRY_FLAT)
		json_object_put(l.entry);
	else if (l.kind == YTDLP_FORMAT) {
		(void)ytdlp_format_note(&l.format, "audio", "128kbps", "m4a",
		    note, sizeof(note));
		(void)ytdlp_format_note(&l.format, "video", "best", "m4a",
		    note, sizeof(note));
	}
	/* As a stderr tail: any bytes, scanned from the start and again. */
	memcpy(s, data, len);
	n = len;
	scan = 0;
	(void)ytdlp_pp_scan(s, &n, &scan, step, sizeof(step));
	(void)ytdlp_pp_scan(s, &n, &scan, step, sizeof(step));
	free(s);
	return 0;
}
