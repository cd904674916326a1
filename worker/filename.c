/* filename.c: the names of our files: {title}__{id}.{ext} in downloads/, {id}.{ext} in thumbnails/, {id}.{lang}.vtt in subtitles/. */
#include <string.h>
#include <strings.h>

#include "filename.h"
#include "util.h"

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
 * What Windows (and so SMB shares, and the TVs and players that read them)
 * refuses in a name, besides '/' and control characters: kept, such a file
 * shows up mangled to "ABCDEF~1.MP4" or not at all.
 */
static int
is_forbidden(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr("/\\:*?\"<>|", c) != NULL;
}

/*
 * Whether s[0..n) is a device name Windows reserves in any directory,
 * whatever the case: CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1 to COM9 and
 * LPT1 to LPT9, also with a superscript 1, 2 or 3 (the list of Python's
 * ntpath.isreserved).
 */
static int
is_device(const char *s, size_t n)
{
	static const char *const names[] = { "CON", "PRN", "AUX", "NUL",
	    "CONIN$", "CONOUT$" };
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i]) && strncasecmp(s, names[i], n) == 0)
			return 1;
	if (n < 4 || (strncasecmp(s, "COM", 3) != 0 &&
	    strncasecmp(s, "LPT", 3) != 0))
		return 0;
	if (n == 4)
		return s[3] >= '1' && s[3] <= '9';
	return n == 5 && (unsigned char)s[3] == 0xc2 &&
	    ((unsigned char)s[4] == 0xb9 || (unsigned char)s[4] == 0xb2 ||
	    (unsigned char)s[4] == 0xb3);
}

/*
 * Windows takes a name whose part before the first '.' (less trailing
 * spaces) is a device name for the device: "Con. Air" would open CON.  Only
 * a title with a '.' can do that here, as "__{id}" follows the title; a '_'
 * after the device name makes it an ordinary name.  Returns the offset to
 * put it at, or 0 when the title is fine.
 */
static size_t
device_end(const char *t, size_t n)
{
	const char	*dot;
	size_t		 e;

	if ((dot = memchr(t, '.', n)) == NULL)
		return 0;
	for (e = (size_t)(dot - t); e > 0 && t[e - 1] == ' '; e--)
		;
	return is_device(t, e) ? e : 0;
}

/* An extension as yt-dlp gives them: 1 to FILENAME_EXT_MAX letters and digits. */
int
filename_ext_ok(const char *ext)
{
	size_t	 i;

	for (i = 0; ext[i] != '\0'; i++)
		if (i >= FILENAME_EXT_MAX ||
		    !((ext[i] >= 'a' && ext[i] <= 'z') ||
		    (ext[i] >= 'A' && ext[i] <= 'Z') ||
		    (ext[i] >= '0' && ext[i] <= '9')))
			return 0;
	return i > 0;
}

/*
 * Titles keep their Unicode; what a file name cannot or should not hold
 * becomes '_': control characters (C0, DEL, C1), bytes that are not UTF-8,
 * what Windows forbids (/ \ : * ? " < > |), and a leading '.' (a hidden file
 * nobody would find).  The title is cut on a character boundary so that the
 * whole name fits FILENAME_MAX_BYTES, and loses trailing dots and spaces,
 * which Windows drops from a name's parts; a Windows device name gets a '_'
 * (see device_end); an empty title is "video".  The name then works on
 * every file system a home server shares its media folder with (SMB, NFS)
 * and in every URL the API hands out.  Returns -1 when id and ext alone do
 * not fit, or ext is not one filename_ext_ok() takes.
 */
int
filename_build(const char *title, const char *id, const char *ext, char *out,
    size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)(title != NULL ? title : "");
	size_t			 slen, suffix, room, n = 0, i = 0, cl, d;

	slen = strlen((const char *)s);
	/* "__" id "." ext */
	suffix = 2 + strlen(id) + 1 + strlen(ext);
	if (!filename_ext_ok(ext) || suffix >= FILENAME_MAX_BYTES ||
	    FILENAME_MAX_BYTES + 1 > outlen)
		return -1;
	room = FILENAME_MAX_BYTES - suffix;
	while (i < slen) {
		cl = utf8_len(s + i, slen - i);
		if (cl == 0 || is_forbidden(s[i]) ||
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
	for (;;) {
		while (n > 0 && (out[n - 1] == '.' || out[n - 1] == ' '))
			n--;
		if ((d = device_end(out, n)) == 0)
			break;
		if (n < room) {
			memmove(out + d + 1, out + d, n - d);
			out[d] = '_';
			n++;
			break;
		}
		/* No room for the '_': the title's last character goes instead. */
		while (n > 0 && ((unsigned char)out[--n] & 0xc0) == 0x80)
			;
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

/*
 * Whether name is one of ours in downloads/ (media: "*__{id}.{ext}") or in
 * thumbnails/ ("{id}.jpg", ".webp", ".png"); 1 with id filled when it is.
 * A name of any other form is never ours, whatever the directory.
 */
int
filename_parse(const char *name, enum filename_kind kind,
    char id[FILENAME_ID_LEN + 1])
{
	const char	*dot, *p;
	size_t		 il = FILENAME_ID_LEN;

	if ((dot = strrchr(name, '.')) == NULL || !filename_ext_ok(dot + 1))
		return 0;
	if (kind == FILENAME_THUMBNAIL) {
		if ((size_t)(dot - name) != il || (strcmp(dot + 1, "jpg") != 0 &&
		    strcmp(dot + 1, "webp") != 0 && strcmp(dot + 1, "png") != 0))
			return 0;
		p = name;
	} else {
		if ((size_t)(dot - name) < il + 2 || name[0] == '.')
			return 0;
		p = dot - il;
		if (p[-1] != '_' || p[-2] != '_')
			return 0;
	}
	memcpy(id, p, il);
	id[il] = '\0';
	return util_is_uuid(id);
}

/*
 * Whether name is one of ours in subtitles/: "{id}.{lang}.vtt", lang 2 to
 * 16 bytes of A-Z a-z 0-9 '-'; 1 with id and lang filled when it is.
 */
int
filename_parse_subtitle(const char *name, char id[FILENAME_ID_LEN + 1],
    char lang[FILENAME_LANG_MAX + 1])
{
	static const char	 ext[] = ".vtt";
	size_t			 il = FILENAME_ID_LEN, len = strlen(name), ll, i;

	if (len < il + 1 + 2 + sizeof(ext) - 1 || name[il] != '.' ||
	    strcmp(name + len - (sizeof(ext) - 1), ext) != 0)
		return 0;
	ll = len - il - 1 - (sizeof(ext) - 1);
	if (ll < 2 || ll > FILENAME_LANG_MAX)
		return 0;
	for (i = 0; i < ll; i++) {
		char	 c = name[il + 1 + i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	memcpy(id, name, il);
	id[il] = '\0';
	memcpy(lang, name + il + 1, ll);
	lang[ll] = '\0';
	return util_is_uuid(id);
}
