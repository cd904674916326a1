/* encode.h: the byte-level encodings of names in URLs and headers. */
#ifndef OT_ENCODE_H
#define OT_ENCODE_H

#include <stddef.h>

int		 encode_path(const char *in, char *out, size_t outlen);
int		 encode_disposition(const char *filename, char *out,
		    size_t outlen);
int		 encode_url_decode(const char *in, size_t inlen, char *out,
		    size_t outlen);
const char	*encode_media_type(const char *filename);

#endif
