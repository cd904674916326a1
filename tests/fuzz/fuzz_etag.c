/* fuzz_etag.c: any If-None-Match value judged against a tag, as GET /api/downloads judges it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*v, tag[ETAG_MAX];
	int	 rc;

	if ((v = malloc(len + 1)) == NULL)
		return 0;
	memcpy(v, data, len);
	v[len] = '\0';
	etag_format(tag, 'l', etag_hash(ETAG_SEED, data, len));
	rc = etag_matches(v, tag);
	/* A yes or a no, and a value that is exactly the tag is always a yes. */
	if ((rc != 0 && rc != 1) || (strcmp(v, tag) == 0 && rc != 1))
		__builtin_trap();
	if (etag_matches(tag, tag) != 1)
		__builtin_trap();
	free(v);
	return 0;
}
