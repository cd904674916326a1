/* test_filename.c: {title}__{id}.{ext} keeps Unicode, drops what a file name cannot hold, fits 255 bytes. */
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
test_unicode_and_quotes_are_kept(void)
{
	CHECK_STR(build("Canción \"en vivo\" 🎉 l'été", "mp4"),
	    "Canción \"en vivo\" 🎉 l'été__" ID ".mp4");
	CHECK_STR(build("日本語のタイトル", "m4a"), "日本語のタイトル__" ID ".m4a");
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

static void
test_empty_title_is_video(void)
{
	CHECK_STR(build("", "mp4"), "video__" ID ".mp4");
	CHECK_STR(build(NULL, "webm"), "video__" ID ".webm");
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
	/* 255 - 41 = 214 bytes for the title: 'a' + 53 emoji = 213. */
	tl = n - strlen("__" ID ".mp4");
	CHECK(tl == 213);
	CHECK(strcmp(s + tl, "__" ID ".mp4") == 0);
	CHECK((tl - 1) % 4 == 0);
	memset(title, 'x', 1000);
	title[1000] = '\0';
	s = build(title, "mp4");
	CHECK(s != NULL && strlen(s) == 255);
}

int
main(void)
{
	test_unicode_and_quotes_are_kept();
	test_slash_control_and_leading_dot_are_replaced();
	test_empty_title_is_video();
	test_long_title_is_cut_on_a_character_boundary();
	return unit_done("test_filename");
}
