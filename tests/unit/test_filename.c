/* test_filename.c: {title}__{id}.{ext} keeps Unicode, drops what a file name cannot hold on any share, fits 255 bytes. */
#include <stdint.h>
#include <strings.h>

#include "filename.h"
#include "unit.h"

#define ID	"0b0e4a3c-2f5b-4c1e-9a57-2d8e3f4a5b6c"

static const char *
build(const char *title, const char *ext)
{
	static char	 out[FILENAME_MAX_BYTES + 1];

	if (filename_build(title, ID, ext, out, sizeof(out)) == -1)
		return NULL;
	return out;
}

static void
test_unicode_is_kept_and_quotes_are_replaced(void)
{
	CHECK_STR(build("Canción \"en vivo\" 🎉 l'été", "mp4"),
	    "Canción _en vivo_ 🎉 l'été__" ID ".mp4");
	CHECK_STR(build("日本語のタイトル", "m4a"), "日本語のタイトル__" ID ".m4a");
	CHECK_STR(build("100% #1 & [live] {x} (y) ~ ' ; = @ + ! ` ^ $", "mp4"),
	    "100% #1 & [live] {x} (y) ~ ' ; = @ + ! ` ^ $__" ID ".mp4");
}

static void
test_slash_control_and_leading_dot_are_replaced(void)
{
	CHECK_STR(build("AC/DC - Back/In Black", "mp4"),
	    "AC_DC - Back_In Black__" ID ".mp4");
	CHECK_STR(build("line\nbreak\ttab\x7f" "del", "mp4"),
	    "line_break_tab_del__" ID ".mp4");
	CHECK_STR(build("c1\xc2\x85x", "mp4"), "c1_x__" ID ".mp4");
	CHECK_STR(build("..hidden", "mp4"), "_.hidden__" ID ".mp4");
	CHECK_STR(build("bad\xff\xfe utf8", "mp4"), "bad__ utf8__" ID ".mp4");
	CHECK_STR(build("../../etc/passwd", "mp4"), "_._.._etc_passwd__" ID ".mp4");
}

/* What Windows, and so an SMB share, cannot hold: the API streamed none of the backslash ones. */
static void
test_windows_forbidden_characters_are_replaced(void)
{
	CHECK_STR(build("AC\\DC - Live", "mp4"), "AC_DC - Live__" ID ".mp4");
	CHECK_STR(build("¯\\_(ツ)_/¯", "mp4"), "¯__(ツ)__¯__" ID ".mp4");
	CHECK_STR(build("a:b*c?d\"e<f>g|h", "mp4"), "a_b_c_d_e_f_g_h__" ID ".mp4");
	CHECK_STR(build("Who? What?", "webm"), "Who_ What___" ID ".webm");
}

/* Windows drops a trailing dot or space from a name's parts: the title never ends so. */
static void
test_trailing_dots_and_spaces_go(void)
{
	CHECK_STR(build("The End.", "mp4"), "The End__" ID ".mp4");
	CHECK_STR(build("Wait for it...   ", "mp4"), "Wait for it__" ID ".mp4");
	CHECK_STR(build("a . . ", "mp4"), "a__" ID ".mp4");
	CHECK_STR(build("...", "mp4"), "___" ID ".mp4");
	CHECK_STR(build(" . ", "mp4"), "video__" ID ".mp4");
	CHECK_STR(build("Mr. Robot", "mp4"), "Mr. Robot__" ID ".mp4");
}

/*
 * Windows reads the part of a name before its first '.' as a device when it
 * is one: "Con. Air" would be CON.  A name without a dot in the title is
 * never one ("CON__{id}" is not), so only the dotted ones change.
 */
static void
test_windows_device_names_get_an_underscore(void)
{
	CHECK_STR(build("Con. Air (1997)", "mp4"), "Con_. Air (1997)__" ID ".mp4");
	CHECK_STR(build("nul.txt", "mp4"), "nul_.txt__" ID ".mp4");
	CHECK_STR(build("AUX  .x", "mp4"), "AUX_  .x__" ID ".mp4");
	CHECK_STR(build("com7.live", "mp4"), "com7_.live__" ID ".mp4");
	CHECK_STR(build("LPT\xc2\xb9.x", "mp4"), "LPT\xc2\xb9_.x__" ID ".mp4");
	CHECK_STR(build("CONOUT$.y", "mp4"), "CONOUT$_.y__" ID ".mp4");
	CHECK_STR(build("CON", "mp4"), "CON__" ID ".mp4");
	CHECK_STR(build("NUL.", "mp4"), "NUL__" ID ".mp4");
	CHECK_STR(build("COM0.x", "mp4"), "COM0.x__" ID ".mp4");
	CHECK_STR(build("CONSOLE.x", "mp4"), "CONSOLE.x__" ID ".mp4");
	CHECK_STR(build("xCON.x", "mp4"), "xCON.x__" ID ".mp4");
}

static void
test_empty_title_is_video(void)
{
	CHECK_STR(build("", "mp4"), "video__" ID ".mp4");
	CHECK_STR(build(NULL, "webm"), "video__" ID ".webm");
}

static void
test_extension_is_letters_and_digits(void)
{
	CHECK(build("t", "mp4") != NULL);
	CHECK(build("t", "m4a") != NULL);
	CHECK(build("t", "") == NULL);
	CHECK(build("t", "mp4 ") == NULL);
	CHECK(build("t", "a:b") == NULL);
	CHECK(build("t", "mp4.") == NULL);
	CHECK(build("t", "123456789") == NULL);
	CHECK(filename_ext_ok("12345678"));
	CHECK(!filename_ext_ok("p\xc3\xa9"));
}

/* 255 bytes at most, and never half a character: 4-byte emoji cannot all fit. */
static void
test_long_title_is_cut_on_a_character_boundary(void)
{
	char		 title[2048];
	const char	*s;
	size_t		 i, n, tl;

	title[0] = 'a';
	for (i = 1; i + 4 < sizeof(title) - 1; i += 4)
		memcpy(title + i, "\xf0\x9f\x8e\x89", 4);
	title[i] = '\0';
	s = build(title, "mp4");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	n = strlen(s);
	CHECK(n <= 255);
	/* 255 - 42 = 213 bytes for the title: 'a' + 53 emoji. */
	tl = n - strlen("__" ID ".mp4");
	CHECK(tl == 213);
	CHECK(strcmp(s + tl, "__" ID ".mp4") == 0);
	CHECK((tl - 1) % 4 == 0);
	memset(title, 'x', 1000);
	title[1000] = '\0';
	s = build(title, "mp4");
	CHECK(s != NULL && strlen(s) == 255);
	/* Cut just after a space or dot: those go too. */
	memset(title, 'x', 1000);
	title[212] = '.';
	title[211] = ' ';
	s = build(title, "mp4");
	CHECK(s != NULL && strlen(s) == 255 - 2);
	/* A device name at the very limit: a character makes room for the '_'. */
	memcpy(title, "con.", 4);
	memset(title + 4, 'y', 996);
	title[1000] = '\0';
	s = build(title, "mp4");
	CHECK(s != NULL && strlen(s) == 255 && strncmp(s, "con_.yyy", 8) == 0);
}

static void
test_parse_knows_only_our_names(void)
{
	char	 id[FILENAME_ID_LEN + 1];

	CHECK(filename_parse("Title__" ID ".mp4", FILENAME_MEDIA, id) == 1);
	CHECK_STR(id, ID);
	CHECK(filename_parse("a__b__" ID ".webm", FILENAME_MEDIA, id) == 1);
	CHECK(filename_parse("__" ID ".m4a", FILENAME_MEDIA, id) == 1);
	CHECK(filename_parse(ID ".jpg", FILENAME_THUMBNAIL, id) == 1);
	CHECK(filename_parse(ID ".webp", FILENAME_THUMBNAIL, id) == 1);
	CHECK(filename_parse(ID ".png", FILENAME_THUMBNAIL, id) == 1);
	/* Not ours: a user's files, partial files, other shapes. */
	CHECK(filename_parse("holiday.mp4", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse("Title_" ID ".mp4", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse("Title__" ID ".mp4.part", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse("Title__" ID, FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse("Title__" ID ".", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse("Title__0B0E4A3C-2F5B-4C1E-9A57-2D8E3F4A5B6C.mp4",
	    FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse(".x__" ID ".mp4", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse(ID ".mp4", FILENAME_MEDIA, id) == 0);
	CHECK(filename_parse(ID ".gif", FILENAME_THUMBNAIL, id) == 0);
	CHECK(filename_parse(ID ".JPG", FILENAME_THUMBNAIL, id) == 0);
	CHECK(filename_parse("x" ID ".jpg", FILENAME_THUMBNAIL, id) == 0);
	CHECK(filename_parse("Title__" ID ".jpg", FILENAME_THUMBNAIL, id) == 0);
}

static void
test_parse_subtitle_knows_only_our_names(void)
{
	char	 id[FILENAME_ID_LEN + 1], lang[FILENAME_LANG_MAX + 1];

	CHECK(filename_parse_subtitle(ID ".en.vtt", id, lang) == 1);
	CHECK_STR(id, ID);
	CHECK_STR(lang, "en");
	CHECK(filename_parse_subtitle(ID ".pt-BR.vtt", id, lang) == 1);
	CHECK_STR(lang, "pt-BR");
	CHECK(filename_parse_subtitle(ID ".abcdefghijklmnop.vtt", id, lang) == 1);
	CHECK(filename_parse_subtitle(ID ".abcdefghijklmnopq.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".e.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".en.srt", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".en.VTT", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".e_n.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".en.x.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle(ID ".vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle("x" ID ".en.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle("Title__" ID ".en.vtt", id, lang) == 0);
	CHECK(filename_parse_subtitle("0B0E4A3C-2F5B-4C1E-9A57-2D8E3F4A5B6C.en.vtt",
	    id, lang) == 0);
	CHECK(filename_parse_subtitle("notes.en.vtt", id, lang) == 0);
}

/* -- the property: whatever the title, the name is one every share can hold -- */

static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Pieces a hostile title is made of: each a trap for some rule. */
static const char *const pieces[] = {
	"a", "Z", "0", " ", ".", "..", "...", "_", "-", "__", "%", "%2F", "%00",
	"#", "&amp;", "+", "'", "/", "\\", ":", "*", "?", "\"", "<", ">", "|",
	"\t", "\n", "\r", "\x01", "\x1f", "\x7f", "\xc2\x80", "\xc2\x9f",
	"\xc2\xa0", "é", "ß", "ツ", "¯", "日本", "🎉", "👩‍👩‍👧", "\xe2\x80\xae",
	"\xef\xbb\xbf", "\xcc\x81", "\xe2\x80\x8b", "\xff", "\xfe", "\x80",
	"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xe2\x82", "\xf0\x9f\x8e", "CON", "con", "NUL", "Aux", "COM1", "lpt9",
	"LPT\xc2\xb3", "CONIN$", "PRN", " .", ". ",
};
#define NPIECES	(sizeof(pieces) / sizeof(pieces[0]))

/* An independent UTF-8 check: every sequence well formed, nothing overlong or a surrogate. */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t		 i = 0, k, len;
	uint32_t	 cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			len = 2, cp = s[i] & 0x1f, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3, cp = s[i] & 0x0f, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4, cp = s[i] & 0x07, min = 0x10000;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static int
reserved(const char *t, size_t n)
{
	static const char *const dev[] = { "CON", "PRN", "AUX", "NUL", "CONIN$",
	    "CONOUT$", "COM1", "COM9", "LPT1", "LPT9", "COM\xc2\xb9",
	    "LPT\xc2\xb3" };
	const char	*dot = memchr(t, '.', n);
	size_t		 e, i;

	if (dot == NULL)
		return 0;
	for (e = (size_t)(dot - t); e > 0 && t[e - 1] == ' '; e--)
		;
	for (i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
		if (e == strlen(dev[i]) && strncasecmp(t, dev[i], e) == 0)
			return 1;
	return e == 4 && (strncasecmp(t, "COM", 3) == 0 ||
	    strncasecmp(t, "LPT", 3) == 0) && t[3] >= '1' && t[3] <= '9';
}

/* Every rule at once, for one generated title; 0 when one fails (and says which). */
static int
name_holds(const char *title, const char *ext)
{
	char		 out[FILENAME_MAX_BYTES + 1], again[FILENAME_MAX_BYTES + 1];
	char		 tail[64], head[FILENAME_MAX_BYTES + 1];
	const unsigned char *u = (const unsigned char *)out;
	size_t		 n, tl, hl, i;
	const char	*why = NULL;

	snprintf(tail, sizeof(tail), "__%s.%s", ID, ext);
	if (filename_build(title, ID, ext, out, sizeof(out)) == -1) {
		why = "build failed";
		goto fail;
	}
	n = strlen(out);
	tl = strlen(tail);
	if (n > FILENAME_MAX_BYTES)
		why = "longer than 255 bytes";
	else if (n <= tl || strcmp(out + n - tl, tail) != 0)
		why = "does not end in __{id}.{ext}";
	else if (!valid_utf8(u, n))
		why = "not valid UTF-8";
	else if (out[0] == '.')
		why = "starts with a dot";
	else if (out[n - tl - 1] == '.' || out[n - tl - 1] == ' ')
		why = "a dot or space before __";
	else if (reserved(out, n - tl))
		why = "a Windows device name";
	if (why != NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || strchr("/\\:*?\"<>|", u[i]) ||
		    (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] < 0xa0)) {
			why = "a character no share can hold";
			goto fail;
		}
	/* The worker's start-up (reconcile.c) knows it for one of its own. */
	if (filename_parse(out, FILENAME_MEDIA, head) != 1 || strcmp(head, ID) != 0) {
		why = "not known as ours";
		goto fail;
	}
	/* A clean title is its own name: building again changes nothing. */
	hl = n - tl;
	memcpy(head, out, hl);
	head[hl] = '\0';
	if (filename_build(head, ID, ext, again, sizeof(again)) == -1 ||
	    strcmp(again, out) != 0) {
		why = "not a fixed point";
		goto fail;
	}
	return 1;
fail:
	fprintf(stderr, "title \"%s\" -> \"%s\": %s\n", title, out, why);
	return 0;
}

static void
test_every_generated_title_makes_a_portable_name(void)
{
	static const char *const exts[] = { "mp4", "webm", "m4a", "opus", "bin" };
	char		 title[1200];
	const char	*p;
	size_t		 n, pl;
	int		 i, k, parts, bad = 0;

	for (i = 0; i < 20000 && bad < 5; i++) {
		/* Mostly short titles; every tenth long enough to be cut. */
		parts = 1 + (int)rnd(i % 10 == 0 ? 300 : 24);
		for (n = 0, k = 0; k < parts; k++) {
			p = pieces[rnd(NPIECES)];
			if (n + (pl = strlen(p)) >= sizeof(title))
				break;
			memcpy(title + n, p, pl);
			n += pl;
		}
		title[n] = '\0';
		if (!name_holds(title, exts[rnd(5)]))
			bad++;
	}
	CHECK(i == 20000 && bad == 0);
}

int
main(void)
{
	test_unicode_is_kept_and_quotes_are_replaced();
	test_slash_control_and_leading_dot_are_replaced();
	test_windows_forbidden_characters_are_replaced();
	test_trailing_dots_and_spaces_go();
	test_windows_device_names_get_an_underscore();
	test_empty_title_is_video();
	test_extension_is_letters_and_digits();
	test_long_title_is_cut_on_a_character_boundary();
	test_parse_knows_only_our_names();
	test_parse_subtitle_knows_only_our_names();
	test_every_generated_title_makes_a_portable_name();
	return unit_done("test_filename");
}
