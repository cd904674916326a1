/* encode.c: the byte-level encodings of names in URLs and headers. */
#include <string.h>
#include <strings.h>

#include "encode.h"

static const char hexdig[] = "0123456789ABCDEF";

enum keep { PATH = 1, ATTR = 2, BOTH = 3 };

/*
 * The bytes a path keeps (A-Za-z0-9._~/-) and RFC 5987 attr-char, the bytes
 * filename*= may carry unencoded.  A table: this runs for every byte of the
 * file name of every row of every list.
 */
static const unsigned char keeps[256] = {
	['0'] = BOTH, ['1'] = BOTH, ['2'] = BOTH, ['3'] = BOTH, ['4'] = BOTH,
	['5'] = BOTH, ['6'] = BOTH, ['7'] = BOTH, ['8'] = BOTH, ['9'] = BOTH,
	['A'] = BOTH, ['B'] = BOTH, ['C'] = BOTH, ['D'] = BOTH, ['E'] = BOTH,
	['F'] = BOTH, ['G'] = BOTH, ['H'] = BOTH, ['I'] = BOTH, ['J'] = BOTH,
	['K'] = BOTH, ['L'] = BOTH, ['M'] = BOTH, ['N'] = BOTH, ['O'] = BOTH,
	['P'] = BOTH, ['Q'] = BOTH, ['R'] = BOTH, ['S'] = BOTH, ['T'] = BOTH,
	['U'] = BOTH, ['V'] = BOTH, ['W'] = BOTH, ['X'] = BOTH, ['Y'] = BOTH,
	['Z'] = BOTH, ['a'] = BOTH, ['b'] = BOTH, ['c'] = BOTH, ['d'] = BOTH,
	['e'] = BOTH, ['f'] = BOTH, ['g'] = BOTH, ['h'] = BOTH, ['i'] = BOTH,
	['j'] = BOTH, ['k'] = BOTH, ['l'] = BOTH, ['m'] = BOTH, ['n'] = BOTH,
	['o'] = BOTH, ['p'] = BOTH, ['q'] = BOTH, ['r'] = BOTH, ['s'] = BOTH,
	['t'] = BOTH, ['u'] = BOTH, ['v'] = BOTH, ['w'] = BOTH, ['x'] = BOTH,
	['y'] = BOTH, ['z'] = BOTH, ['.'] = BOTH, ['_'] = BOTH, ['~'] = BOTH,
	['-'] = BOTH,
	['/'] = PATH,
	['!'] = ATTR, ['#'] = ATTR, ['$'] = ATTR, ['&'] = ATTR, ['+'] = ATTR,
	['^'] = ATTR, ['`'] = ATTR, ['|'] = ATTR,
};

/* Appends in to out at *o, %XX-escaping every byte k does not keep. */
static int
pct_append(const char *in, enum keep k, char *out, size_t outlen, size_t *o)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (keeps[*p] & k) {
			if (*o + 1 >= outlen)
				return -1;
			out[(*o)++] = (char)*p;
		} else {
			if (*o + 3 >= outlen)
				return -1;
			out[(*o)++] = '%';
			out[(*o)++] = hexdig[*p >> 4];
			out[(*o)++] = hexdig[*p & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

/*
 * Percent-encodes every byte outside A-Za-z0-9._~/- so that nginx, which
 * decodes an X-Accel-Redirect URI, gets back exactly the file name we looked
 * up, whatever the title held (spaces, '%', '?', '#', quotes, UTF-8).
 */
int
encode_path(const char *in, char *out, size_t outlen)
{
	size_t	 o = 0;

	if (outlen == 0)
		return -1;
	return pct_append(in, PATH, out, outlen, &o);
}

/*
 * attachment; filename="ASCII fallback"; filename*=UTF-8''percent-encoded.
 * Old clients read the fallback (non-ASCII, quotes, backslashes and controls
 * become '_'); RFC 6266 clients read filename* and get the exact name.
 */
int
encode_disposition(const char *filename, char *out, size_t outlen)
{
	const unsigned char	*p;
	size_t			 o;
	static const char	 head[] = "attachment; filename=\"";
	static const char	 mid[] = "\"; filename*=UTF-8''";

	if (outlen < sizeof(head))
		return -1;
	memcpy(out, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (p = (const unsigned char *)filename; *p != '\0'; p++) {
		/* One '_' per UTF-8 character: continuation bytes add nothing. */
		if (*p >= 0x80 && *p < 0xc0)
			continue;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') ?
		    '_' : (char)*p;
	}
	if (o + sizeof(mid) >= outlen)
		return -1;
	memcpy(out + o, mid, sizeof(mid) - 1);
	o += sizeof(mid) - 1;
	return pct_append(filename, ATTR, out, outlen, &o);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Query-string decoding: %XX and '+' for space; a NUL or a bad escape is refused. */
int
encode_url_decode(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < inlen; i++) {
		if (o + 1 >= outlen)
			return -1;
		if (in[i] == '+')
			out[o++] = ' ';
		else if (in[i] == '%') {
			if (i + 2 >= inlen)
				return -1;
			if ((hi = hexval(in[i + 1])) == -1 ||
			    (lo = hexval(in[i + 2])) == -1 || (hi == 0 && lo == 0))
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = in[i];
	}
	out[o] = '\0';
	return 0;
}

/* Media types by extension: the API names them, nginx only sends the bytes. */
const char *
encode_media_type(const char *filename)
{
	static const struct {
		const char	*ext;
		const char	*type;
	} types[] = {
		{ "mp4", "video/mp4" }, { "m4v", "video/mp4" },
		{ "webm", "video/webm" }, { "mkv", "video/x-matroska" },
		{ "mov", "video/quicktime" }, { "m4a", "audio/mp4" },
		{ "mp3", "audio/mpeg" }, { "opus", "audio/ogg" },
		{ "ogg", "audio/ogg" }, { "oga", "audio/ogg" },
		{ "flac", "audio/flac" }, { "wav", "audio/wav" },
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "webp", "image/webp" }, { "png", "image/png" },
	};
	const char	*dot;
	size_t		 i;

	if ((dot = strrchr(filename, '.')) == NULL)
		return "application/octet-stream";
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}
