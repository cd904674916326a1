/* fuzz_jsonin.c: any bytes fed as pipe reads of any size, cut anywhere, then freed a slice at a time. */
#include <stddef.h>
#include <stdint.h>

#include "jsonin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/*
 * The first byte says where the text is cut (a run stopped at its bound),
 * the second how long each read is.  Whatever the bytes, the tree is put
 * aside or freed, never leaked, and every slice of the sweep is bounded.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct jsonin	*p;
	size_t		 cut, step, off, n;

	if (len < 2 || (p = jsonin_new()) == NULL)
		return 0;
	cut = 2 + (len - 2) * data[0] / 255;
	step = 1 + data[1] % 64;
	for (off = 2; off < cut; off += n) {
		n = cut - off < step ? cut - off : step;
		(void)jsonin_feed(p, (const char *)data + off, n);
	}
	jsonin_free(p);
	while (jsonin_sweep(7))
		;
	return 0;
}
