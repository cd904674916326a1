/* test_encode.c: percent-encoding for X-Accel-Redirect, Content-Disposition, query decoding. */
#include <string.h>

#include "encode.h"
#include "unit.h"

static void
test_encode_path_escapes_everything_outside_the_safe_set(void)
{
	char	 out[256];

	CHECK(encode_path("abc-XYZ_0.9~/x", out, sizeof(out)) == 0);
	CHECK_STR(out, "abc-XYZ_0.9~/x");
	CHECK(encode_path("a b%c#d?e\"f'g", out, sizeof(out)) == 0);
	CHECK_STR(out, "a%20b%25c%23d%3Fe%22f%27g");
	CHECK(encode_path("é😀", out, sizeof(out)) == 0);
	CHECK_STR(out, "%C3%A9%F0%9F%98%80");
	CHECK(encode_path("\\..\r\n", out, sizeof(out)) == 0);
	CHECK_STR(out, "%5C..%0D%0A");
}

static void
test_encode_path_refuses_to_overflow(void)
{
	char	 out[8];

	CHECK(encode_path("1234567", out, sizeof(out)) == 0);
	CHECK(encode_path("12345678", out, sizeof(out)) == -1);
	CHECK(encode_path("12345 ", out, sizeof(out)) == -1);
}

static void
test_disposition_has_ascii_fallback_and_rfc5987_name(void)
{
	char	 out[512];

	CHECK(encode_disposition("plain__id.mp4", out, sizeof(out)) == 0);
	CHECK_STR(out, "attachment; filename=\"plain__id.mp4\"; "
	    "filename*=UTF-8''plain__id.mp4");
	CHECK(encode_disposition("Café \"x\" 😀.mp4", out, sizeof(out)) == 0);
	CHECK_STR(out, "attachment; filename=\"Caf_ _x_ _.mp4\"; "
	    "filename*=UTF-8''Caf%C3%A9%20%22x%22%20%F0%9F%98%80.mp4");
	/* Nothing that could end the header or the quoted string gets through. */
	CHECK(encode_disposition("a\r\nSet-Cookie: x\\", out, sizeof(out)) == 0);
	CHECK(strchr(out, '\r') == NULL && strchr(out, '\n') == NULL);
	CHECK(strchr(out, '\\') == NULL);
}

static void
test_disposition_refuses_to_overflow(void)
{
	char	 out[40];

	CHECK(encode_disposition("a-very-long-file-name.mp4", out, sizeof(out)) == -1);
}

static void
test_url_decode(void)
{
	char	 out[64];

	CHECK(encode_url_decode("a%20b+c", 7, out, sizeof(out)) == 0);
	CHECK_STR(out, "a b c");
	CHECK(encode_url_decode("%C3%A9", 6, out, sizeof(out)) == 0);
	CHECK_STR(out, "é");
	CHECK(encode_url_decode("%", 1, out, sizeof(out)) == -1);
	CHECK(encode_url_decode("%4", 2, out, sizeof(out)) == -1);
	CHECK(encode_url_decode("%zz", 3, out, sizeof(out)) == -1);
	CHECK(encode_url_decode("a%00b", 5, out, sizeof(out)) == -1);
	CHECK(encode_url_decode("abcdef", 6, out, 4) == -1);
}

static void
test_media_types_by_extension(void)
{
	CHECK_STR(encode_media_type("x.mp4"), "video/mp4");
	CHECK_STR(encode_media_type("x.WEBM"), "video/webm");
	CHECK_STR(encode_media_type("x.mkv"), "video/x-matroska");
	CHECK_STR(encode_media_type("x.m4a"), "audio/mp4");
	CHECK_STR(encode_media_type("x.mp3"), "audio/mpeg");
	CHECK_STR(encode_media_type("x.opus"), "audio/ogg");
	CHECK_STR(encode_media_type("x.ogg"), "audio/ogg");
	CHECK_STR(encode_media_type("x.oga"), "audio/ogg");
	CHECK_STR(encode_media_type("x.flac"), "audio/flac");
	CHECK_STR(encode_media_type("x.wav"), "audio/wav");
	CHECK_STR(encode_media_type("x.jpg"), "image/jpeg");
	CHECK_STR(encode_media_type("x.webp"), "image/webp");
	CHECK_STR(encode_media_type("x.png"), "image/png");
	CHECK_STR(encode_media_type("noext"), "application/octet-stream");
}

int
main(void)
{
	test_encode_path_escapes_everything_outside_the_safe_set();
	test_encode_path_refuses_to_overflow();
	test_disposition_has_ascii_fallback_and_rfc5987_name();
	test_disposition_refuses_to_overflow();
	test_url_decode();
	test_media_types_by_extension();
	return unit_done("test_encode");
}
