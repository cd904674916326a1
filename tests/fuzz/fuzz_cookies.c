/* fuzz_cookies.c: any bytes as a cookies.txt upload: checked, and the clean copy stable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookiefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct cookiefile_summary	 s, s2;
	struct cookiefile_error			 e, e2;
	char					*out, *out2;
	size_t					 used, used2, i;

	if (len > COOKIEFILE_MAX)
		return 0;
	out = malloc(COOKIEFILE_OUT_MAX(len));
	out2 = malloc(COOKIEFILE_OUT_MAX(COOKIEFILE_OUT_MAX(len)));
	if (out == NULL || out2 == NULL)
		goto done;
	if (cookiefile_parse((const char *)data, len, &s, out,
	    COOKIEFILE_OUT_MAX(len), &used, &e) == -1) {
		/* A refusal always says why; a line past the input is a bug. */
		if (e.why == NULL || e.line > len + 1)
			__builtin_trap();
		goto done;
	}
	if (s.count == 0 || used > COOKIEFILE_OUT_MAX(len) ||
	    used < sizeof(COOKIEFILE_HEADER) - 1 ||
	    memcmp(out, COOKIEFILE_HEADER, sizeof(COOKIEFILE_HEADER) - 1) != 0 ||
	    out[used - 1] != '\n' || memchr(out, '\r', used) != NULL ||
	    memchr(out, '\0', used) != NULL)
		__builtin_trap();
	for (i = 0; i < s.ndomains; i++)
		if (s.domains[i][0] == '\0' || s.domains[i][0] == '.' ||
		    (i > 0 && strcmp(s.domains[i - 1], s.domains[i]) >= 0))
			__builtin_trap();
	/* The clean copy is accepted as it is, with the same cookies. */
	if (cookiefile_parse(out, used, &s2, out2,
	    COOKIEFILE_OUT_MAX(used), &used2, &e2) != 0 ||
	    s2.count != s.count || s2.ndomains != s.ndomains ||
	    used2 != used || memcmp(out, out2, used) != 0)
		__builtin_trap();
done:
	free(out);
	free(out2);
	return 0;
}
