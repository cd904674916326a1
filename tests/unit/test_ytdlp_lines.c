/* test_ytdlp_lines.c: a download run's lines and stderr marks read into facts, and the format note made of them. */
#include <json-c/json.h>

#include "unit.h"
#include "ytdlp.h"

static enum ytdlp_line_kind
parse(const char *s, struct ytdlp_line *l)
{
	return ytdlp_parse_line(s, strlen(s), l);
}

static void
test_progress_file_and_other(void)
{
	struct ytdlp_line	 l;

	CHECK(parse("{\"status\": \"downloading\", \"downloaded_bytes\": 1024, "
	    "\"total_bytes\": 4096, \"eta\": 3, \"speed\": 100.0}", &l) ==
	    YTDLP_PROGRESS);
	CHECK(l.kind == YTDLP_PROGRESS);
	CHECK(l.progress.downloaded == 1024 && l.progress.total == 4096);
	CHECK(parse("[ot-file] /tmp/x/out/abc.mp4", &l) == YTDLP_FILE);
	CHECK(l.pathlen == strlen("/tmp/x/out/abc.mp4"));
	CHECK_STR(l.path, "/tmp/x/out/abc.mp4");
	CHECK(parse("[ot-file] ", &l) == YTDLP_OTHER);	/* no path */
	CHECK(parse("[download] File is larger than max-filesize (1000 bytes > "
	    "10 bytes). Aborting.", &l) == YTDLP_TOO_BIG);
	CHECK(parse("[youtube] abc: Downloading webpage", &l) == YTDLP_OTHER);
	CHECK(parse("", &l) == YTDLP_OTHER);
	CHECK(parse("[ot-fmt] {not json", &l) == YTDLP_OTHER);
	CHECK(parse("[ot-entry] [1,", &l) == YTDLP_OTHER);
}

static void
test_entries(void)
{
	struct ytdlp_line	 l;
	struct json_object	*v;
	char			 line[8192], title[2000];

	CHECK(parse("[ot-entry] {\"_type\": \"url\", \"url\": \"https://a.example/v/1\", "
	    "\"webpage_url\": null, \"title\": \"One\", \"playlist_index\": 1}",
	    &l) == YTDLP_ENTRY_FLAT);
	CHECK(l.entry != NULL);
	CHECK(json_object_object_get_ex(l.entry, "url", &v) &&
	    strcmp(json_object_get_string(v), "https://a.example/v/1") == 0);
	CHECK(!json_object_object_get_ex(l.entry, "webpage_url", &v));
	CHECK(!json_object_object_get_ex(l.entry, "playlist_index", &v));
	CHECK(json_object_object_get_ex(l.entry, "title", &v) &&
	    strcmp(json_object_get_string(v), "One") == 0);
	json_object_put(l.entry);

	/* A URL too long for a row is kept one byte past the limit; a title is cut as the row cuts it. */
	memset(title, 'b', sizeof(title));
	title[sizeof(title) - 1] = '\0';
	snprintf(line, sizeof(line), "[ot-entry] {\"_type\": \"url\", "
	    "\"url\": \"https://a.example/%03000d\", \"title\": \"%s\"}", 0, title);
	CHECK(parse(line, &l) == YTDLP_ENTRY_FLAT);
	CHECK(json_object_object_get_ex(l.entry, "url", &v) &&
	    json_object_get_string_len(v) == STORE_URL_MAX + 1);
	CHECK(json_object_object_get_ex(l.entry, "title", &v) &&
	    json_object_get_string_len(v) == 1023);
	json_object_put(l.entry);

	CHECK(parse("[ot-entry] {\"_type\": null, \"url\": null, \"title\": \"V\", "
	    "\"playlist_index\": 2}", &l) == YTDLP_ENTRY_INDEXED);
	CHECK(l.entry == NULL);
	CHECK(parse("[ot-entry] {\"_type\": null, \"title\": \"V\", "
	    "\"playlist_index\": null}", &l) == YTDLP_ENTRY);
	CHECK(parse("[ot-entry] {\"_type\": \"video\", \"playlist_index\": \"2\"}",
	    &l) == YTDLP_ENTRY);
}

/* A title past the row's 1,023 bytes is cut there on a character, not dropped. */
static void
test_format_long_title(void)
{
	struct ytdlp_line	 l;
	char			 line[4096];
	size_t			 n, i;

	n = (size_t)snprintf(line, sizeof(line), "[ot-fmt] {\"title\": \"A");
	for (i = 0; i < 600; i++)	/* 1 + 1,200 bytes: 'A' and 600 x U+00E9 */
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\xc3\xa9");
	snprintf(line + n, sizeof(line) - n, "\"}");
	CHECK(parse(line, &l) == YTDLP_FORMAT);
	CHECK(strlen(l.format.title) == 1023);
	CHECK(strncmp(l.format.title, "A\xc3\xa9", 3) == 0);
	CHECK(((unsigned char)l.format.title[1022] & 0xc0) == 0x80);
}

static void
test_format(void)
{
	struct ytdlp_line	 l;

	CHECK(parse("[ot-fmt] {\"height\": 720, \"abr\": 129.6, \"acodec\": "
	    "\"mp4a.40.2\", \"format_id\": \"136+140\", \"title\": \"T\", "
	    "\"thumbnail\": \"https://i.example/t.jpg\"}", &l) == YTDLP_FORMAT);
	CHECK(l.format.nfiles == 2);
	CHECK(l.format.height == 720);
	CHECK(l.format.kbps == 130);
	CHECK(l.format.mp4a == 1);
	CHECK_STR(l.format.title, "T");
	CHECK_STR(l.format.thumbnail, "https://i.example/t.jpg");
	CHECK(parse("[ot-fmt] {\"height\": null, \"abr\": 160, \"acodec\": \"opus\", "
	    "\"format_id\": \"251\", \"title\": null, \"thumbnail\": "
	    "\"file:///etc/passwd\"}", &l) == YTDLP_FORMAT);
	CHECK(l.format.nfiles == 1);
	CHECK(l.format.height == 0);
	CHECK(l.format.kbps == 160);
	CHECK(l.format.mp4a == 0);
	CHECK_STR(l.format.title, "");
	CHECK_STR(l.format.thumbnail, "");	/* only http(s) */
	CHECK(parse("[ot-fmt] {}", &l) == YTDLP_FORMAT);
	CHECK(l.format.nfiles == 1);
	/* A bitrate no audio has is unknown, not an overflow (found by fuzz_ytdlp). */
	CHECK(parse("[ot-fmt] {\"abr\":677777777777777777777777}", &l) ==
	    YTDLP_FORMAT);
	CHECK(l.format.kbps == 0);
	CHECK(parse("[ot-fmt] {\"abr\":-3e300}", &l) == YTDLP_FORMAT);
	CHECK(l.format.kbps == 0);
	test_format_long_title();
}

static const char *
note(int height, int kbps, int mp4a, const char *type, const char *quality,
    const char *afmt)
{
	static char		 out[32];
	struct ytdlp_format	 f;

	memset(&f, 0, sizeof(f));
	f.height = height;
	f.kbps = kbps;
	f.mp4a = mp4a;
	snprintf(out, sizeof(out), "(none)");
	(void)ytdlp_format_note(&f, type, quality, afmt, out, sizeof(out));
	return out;
}

static void
test_format_note(void)
{
	CHECK_STR(note(1080, 0, 0, "video", "best", "m4a"), "1080p");
	CHECK_STR(note(0, 128, 0, "video", "best", "m4a"), "(none)");
	/* Encoded to the asked bitrate when the source's is higher or unknown. */
	CHECK_STR(note(0, 160, 0, "audio", "128kbps", "mp3"), "128kbps");
	CHECK_STR(note(0, 0, 0, "audio", "128kbps", "mp3"), "128kbps");
	CHECK_STR(note(0, 96, 0, "audio", "128kbps", "mp3"), "96kbps");
	CHECK_STR(note(0, 160, 0, "audio", "best", "opus"), "160kbps");
	CHECK_STR(note(0, 0, 0, "audio", "best", "opus"), "(none)");
	/* m4a from AAC is copied; flac and wav have no bitrate to ask for. */
	CHECK_STR(note(0, 130, 1, "audio", "64kbps", "m4a"), "130kbps");
	CHECK_STR(note(0, 130, 0, "audio", "64kbps", "m4a"), "64kbps");
	CHECK_STR(note(0, 130, 1, "audio", "64kbps", "mp3"), "64kbps");
	CHECK_STR(note(0, 700, 0, "audio", "64kbps", "flac"), "700kbps");
	CHECK_STR(note(0, 0, 0, "audio", "64kbps", "wav"), "(none)");
}

static void
test_pp_scan(void)
{
	char	 tail[256], step[64];
	size_t	 len, scan = 0;

	snprintf(tail, sizeof(tail), "a[ot-pp:started:MoveFiles]b[ot-pp:"
	    "finished:MoveFiles]c");
	len = strlen(tail);
	CHECK(ytdlp_pp_scan(tail, &len, &scan, step, sizeof(step)) == 0);
	CHECK_STR(tail, "abc");
	CHECK(len == 3);

	/* A mark cut by a read is found once the rest comes. */
	snprintf(tail, sizeof(tail), "x\nERROR: y\n[ot-pp:star");
	len = strlen(tail);
	scan = 0;
	CHECK(ytdlp_pp_scan(tail, &len, &scan, step, sizeof(step)) == 0);
	CHECK(len == strlen("x\nERROR: y\n[ot-pp:star"));
	CHECK(scan == strlen("x\nERROR: y\n"));
	strcat(tail, "ted:Merger]z");
	len = strlen(tail);
	CHECK(ytdlp_pp_scan(tail, &len, &scan, step, sizeof(step)) == 1);
	CHECK_STR(step, "[ot-pp:started:Merger]");
	CHECK_STR(tail, "x\nERROR: y\nz");

	/* Concat joins nothing; FFmpegExtractAudio is work. */
	snprintf(tail, sizeof(tail), "[ot-pp:started:Concat][ot-pp:started:"
	    "FFmpegExtractAudio]");
	len = strlen(tail);
	scan = 0;
	CHECK(ytdlp_pp_scan(tail, &len, &scan, step, sizeof(step)) == 1);
	CHECK_STR(step, "[ot-pp:started:FFmpegExtractAudio]");
	CHECK(len == 0);

	/* Text without marks: the next look starts near the end. */
	snprintf(tail, sizeof(tail), "plain text that goes on for a while");
	len = strlen(tail);
	scan = 0;
	CHECK(ytdlp_pp_scan(tail, &len, &scan, step, sizeof(step)) == 0);
	CHECK(scan == len - strlen(YTDLP_MARK_PP));
}

int
main(void)
{
	test_progress_file_and_other();
	test_entries();
	test_format();
	test_format_note();
	test_pp_scan();
	return unit_done("test_ytdlp_lines");
}
