/* filename.c: the name a finished file gets in downloads/: {title}__{id}.{ext}. */
#include <string.h>

#include "filename.h"

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not
 * well formed (overlong, surrogate, beyond U+10FFFF, truncated).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned int	 cp;
	size_t		 len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Titles keep their Unicode; what a file name cannot or should not hold
 * becomes '_': '/', control characters (C0, DEL, C1), bytes that are not
 * UTF-8, and a leading '.' (a hidden file nobody would find).  The title is
 * cut on a character boundary so the whole name fits FILENAME_MAX_BYTES;
 * an empty title is "video".  Returns -1 when id and ext alone do not fit.
 */
int
filename_build(const char *title, const char *id, const char *ext, char *out,
    size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)(title != NULL ? title : "");
	size_t			 slen, suffix, room, n = 0, i = 0, cl;

	slen = strlen((const char *)s);
	/* "__" id "." ext */
	suffix = 2 + strlen(id) + 1 + strlen(ext);
	if (suffix >= FILENAME_MAX_BYTES || FILENAME_MAX_BYTES + 1 > outlen)
		return -1;
	room = FILENAME_MAX_BYTES - suffix;
	while (i < slen) {
		cl = utf8_len(s + i, slen - i);
		if (cl == 0 || s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' ||
		    (cl == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) ||
		    (n == 0 && s[i] == '.')) {
			if (n + 1 > room)
				break;
			out[n++] = '_';
			i += cl == 0 ? 1 : cl;
			continue;
		}
		if (n + cl > room)
			break;
		memcpy(out + n, s + i, cl);
		n += cl;
		i += cl;
	}
	if (n == 0) {
		memcpy(out, "video", 5);
		n = 5;
	}
	out[n] = '\0';
	/* outlen > FILENAME_MAX_BYTES and n + suffix <= FILENAME_MAX_BYTES, so this fits. */
	strcat(out, "__");
	strcat(out, id);
	strcat(out, ".");
	strcat(out, ext);
	return 0;
}
