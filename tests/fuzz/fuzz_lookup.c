/* fuzz_lookup.c: yt-dlp's -J answer (any JSON) made into search results and info. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lookup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	 err[128], *s;

	if ((s = lookup_answer(LOOKUP_SEARCH, 20, (const char *)data, len, err,
	    sizeof(err))) != NULL)
		free(s);
	if ((s = lookup_answer(LOOKUP_INFO, 0, (const char *)data, len, err,
	    sizeof(err))) != NULL)
		free(s);
	return 0;
}
