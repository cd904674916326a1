/* fuzz_query.c: query-string look-ups and URL decoding, as the list and search routes use them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const keys[] = { "status", "limit", "offset", "q",
	    "max_results" };
	static struct req	 r;
	char			*q, buf[1501];
	size_t			 i;
	int			 rc;

	if ((q = malloc(len + 1)) == NULL)
		return 0;
	memcpy(q, data, len);
	q[len] = '\0';
	r.query = q;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		rc = req_query_get(&r, keys[i], buf, sizeof(buf));
		/* A decoded value never holds a NUL before its end, nor overflows. */
		if (rc == 1 && strlen(buf) >= sizeof(buf))
			__builtin_trap();
	}
	free(q);
	return 0;
}
