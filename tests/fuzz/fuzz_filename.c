/* fuzz_filename.c: whatever a title holds, its file name is portable, fits 255 bytes, and is known as ours. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "filename.h"

#define ID	"0b0e4a3c-2f5b-4c1e-9a57-2d8e3f4a5b6c"
#define TAIL	"__" ID ".mp4"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		 title[2048], out[FILENAME_MAX_BYTES + 1], again[FILENAME_MAX_BYTES + 1];
	char		 id[FILENAME_ID_LEN + 1];
	const unsigned char *u = (const unsigned char *)out;
	size_t		 n, tl = strlen(TAIL), i;

	if (len >= sizeof(title))
		return 0;
	memcpy(title, data, len);
	title[len] = '\0';
	if (filename_build(title, ID, "mp4", out, sizeof(out)) != 0)
		__builtin_trap();
	n = strlen(out);
	if (n > FILENAME_MAX_BYTES || n <= tl || strcmp(out + n - tl, TAIL) != 0 ||
	    out[0] == '.' || out[n - tl - 1] == '.' || out[n - tl - 1] == ' ')
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || strchr("/\\:*?\"<>|", u[i]) != NULL ||
		    (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] < 0xa0))
			__builtin_trap();
	/* The worker's start-up knows it for one of its own, by this id. */
	if (filename_parse(out, FILENAME_MEDIA, id) != 1 || strcmp(id, ID) != 0)
		__builtin_trap();
	/* A name's title is already clean: building again changes nothing. */
	memcpy(title, out, n - tl);
	title[n - tl] = '\0';
	if (filename_build(title, ID, "mp4", again, sizeof(again)) != 0 ||
	    strcmp(again, out) != 0)
		__builtin_trap();
	return 0;
}
