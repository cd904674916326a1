/* fuzz_encode.c: the X-Accel path encoder, Content-Disposition and URL decoding round trips. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "urlguard.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	 in[1024], enc[3 * 1024 + 1], back[1024], disp[4 * 1024 + 128];
	char	 host[256];
	size_t	 i;

	if (len >= sizeof(in))
		return 0;
	memcpy(in, data, len);
	in[len] = '\0';
	len = strlen(in);
	if (encode_path(in, enc, sizeof(enc)) == 0) {
		for (i = 0; enc[i] != '\0'; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._~/-%", enc[i]) == NULL)
				__builtin_trap();
		/* nginx decodes it back to exactly the name (no '+' rule in paths). */
		if (strchr(in, '+') == NULL &&
		    (encode_url_decode(enc, strlen(enc), back, sizeof(back)) != 0 ||
		    strcmp(back, in) != 0))
			__builtin_trap();
	}
	if (encode_disposition(in, disp, sizeof(disp)) == 0 &&
	    (strchr(disp, '\r') != NULL || strchr(disp, '\n') != NULL))
		__builtin_trap();
	(void)encode_url_decode(in, len, back, sizeof(back));
	(void)encode_media_type(in);
	(void)validate_url(in, NULL);
	(void)validate_format_id(in, NULL);
	(void)urlguard_host(in, host, sizeof(host));
	return 0;
}
