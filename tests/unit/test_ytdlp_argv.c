/* test_ytdlp_argv.c: the yt-dlp command line a task becomes, and the error a failed run leaves. */
#include <limits.h>

#include "unit.h"
#include "ytdlp.h"

static struct ytdlp_opts
opts(const char *type, const char *quality, const char *format_id,
    const char *audio_format, const char *url)
{
	struct ytdlp_opts	 o;

	memset(&o, 0, sizeof(o));
	o.ytdlp = "yt-dlp";
	o.ffmpeg = "/usr/bin/ffmpeg";
	o.outdir = "/d/tmp/x/out";
	o.download_type = type;
	o.quality = quality;
	o.format_id = format_id;
	o.audio_format = audio_format;
	o.url = url;
	return o;
}

/* The value after the first occurrence of flag, or NULL. */
static const char *
after(const struct ytdlp_argv *a, const char *flag)
{
	size_t	 i;

	for (i = 0; i + 1 < a->argc; i++) {
		if (strcmp(a->argv[i], "--") == 0)
			return NULL;
		if (strcmp(a->argv[i], flag) == 0)
			return a->argv[i + 1];
	}
	return NULL;
}

static int
has(const struct ytdlp_argv *a, const char *flag)
{
	size_t	 i;

	for (i = 0; i < a->argc && strcmp(a->argv[i], "--") != 0; i++)
		if (strcmp(a->argv[i], flag) == 0)
			return 1;
	return 0;
}

/* An argument before "--" that starts with prefix. */
static int
has_prefix(const struct ytdlp_argv *a, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < a->argc && strcmp(a->argv[i], "--") != 0; i++)
		if (strncmp(a->argv[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static int
ends_with_url(const struct ytdlp_argv *a, const char *url)
{
	return a->argc >= 2 && a->argv[a->argc] == NULL &&
	    strcmp(a->argv[a->argc - 2], "--") == 0 &&
	    strcmp(a->argv[a->argc - 1], url) == 0;
}

static void
test_video_best_merges_to_mp4(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a",
	    "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(a.argv[0], "yt-dlp");
	CHECK_STR(after(&a, "-f"), "bv*+ba/b");
	CHECK_STR(after(&a, "--merge-output-format"), "mp4/mkv");
	CHECK_STR(after(&a, "-P"), "/d/tmp/x/out");
	CHECK_STR(after(&a, "--ffmpeg-location"), "/usr/bin/ffmpeg");
	CHECK(has(&a, "--ignore-config"));
	CHECK(has(&a, "--no-playlist"));
	/* The one run lists a playlist instead of downloading it. */
	CHECK(has(&a, "--flat-playlist"));
	CHECK(has_prefix(&a, "video:" YTDLP_MARK_ENTRY));
	CHECK(has(&a, "--newline"));
	CHECK_STR(after(&a, "--progress-template"), "download:%(progress)j");
	CHECK(!has(&a, "-x"));
	CHECK(!has(&a, "--load-info-json"));
	CHECK(ends_with_url(&a, "https://e.com/v"));
}

static void
test_video_quality_caps_height(void)
{
	struct ytdlp_opts	 o = opts("video", "720p", "", "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-f"), "bv*[height<=720]+ba/b[height<=720]/"
	    "bv*[height<=?720]+ba/b[height<=?720]");
	o.quality = "144p";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(strstr(after(&a, "-f"), "height<=144]") != NULL);
	CHECK(strstr(after(&a, "-f"), "720") == NULL);
}

static void
test_format_id_overrides_quality(void)
{
	struct ytdlp_opts	 o = opts("video", "720p", "137", "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-f"), "137+ba/137");
	o = opts("audio", "128kbps", "251", "opus", "https://e.com/v");
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-f"), "251");
	CHECK(has(&a, "-x"));
}

static void
test_audio_extracts_with_bitrate(void)
{
	struct ytdlp_opts	 o = opts("audio", "320kbps", NULL, "mp3", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-f"), "ba/b");
	CHECK(has(&a, "-x"));
	CHECK_STR(after(&a, "--audio-format"), "mp3");
	CHECK_STR(after(&a, "--audio-quality"), "320K");
	CHECK(!has(&a, "--merge-output-format"));
	o.quality = "best";
	o.audio_format = "flac";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--audio-quality"), "0");
	CHECK_STR(after(&a, "--audio-format"), "flac");
}

/* A URL that looks like an option stays an operand: it comes after "--". */
static void
test_dash_url_stays_after_double_dash(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "--exec=touch /tmp/pwned");
	struct ytdlp_argv	 a;
	size_t			 i;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(ends_with_url(&a, "--exec=touch /tmp/pwned"));
	for (i = 0; i + 2 < a.argc; i++)
		CHECK(strcmp(a.argv[i], "--exec=touch /tmp/pwned") != 0);
	CHECK(ytdlp_resolve_argv("yt-dlp", "-J", NULL, &a) == 0);
	CHECK(ends_with_url(&a, "-J"));
	CHECK(has(&a, "--flat-playlist"));
	CHECK(has(&a, "--no-playlist"));
}

/* A check: a flat listing of the newest N as one JSON answer, the URL last, never an option. */
static void
test_a_check_lists_the_newest_entries_flat(void)
{
	struct ytdlp_argv	 a;

	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/@chan", 50,
	    LISTING_NEWEST_FIRST, NULL, &a) == 0);
	CHECK_STR(a.argv[0], "yt-dlp");
	CHECK(has(&a, "--ignore-config"));
	CHECK(has(&a, "--flat-playlist"));
	CHECK(has(&a, "-J"));
	CHECK(!has(&a, "--no-playlist"));	/* a list= in the URL is what is meant */
	CHECK_STR(after(&a, "--playlist-end"), "50");
	CHECK(!has(&a, "--playlist-items"));
	CHECK(ends_with_url(&a, "https://e.com/@chan"));
	CHECK(ytdlp_check_argv("yt-dlp", "--exec=x", 500,
	    LISTING_NEWEST_FIRST, NULL, &a) == 0);
	CHECK_STR(after(&a, "--playlist-end"), "500");
	CHECK(ends_with_url(&a, "--exec=x"));
	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/c", 0,
	    LISTING_NEWEST_FIRST, NULL, &a) == -1);
	CHECK(ytdlp_check_argv("yt-dlp", NULL, 5, LISTING_NEWEST_FIRST,
	    NULL, &a) == -1);
}

/*
 * A listing that adds new entries at its end: its last N, last first
 * (yt-dlp's negative step), so the newest come first as from a channel;
 * never --playlist-end, which would take its oldest.
 */
static void
test_an_oldest_first_check_lists_the_last_entries_last_first(void)
{
	struct ytdlp_argv	 a;

	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/playlist?list=PL1", 50,
	    LISTING_OLDEST_FIRST, NULL, &a) == 0);
	CHECK(has(&a, "--flat-playlist"));
	CHECK(has(&a, "-J"));
	CHECK_STR(after(&a, "--playlist-items"), "-1:-50:-1");
	CHECK(!has(&a, "--playlist-end"));
	CHECK(ends_with_url(&a, "https://e.com/playlist?list=PL1"));
	CHECK(ytdlp_check_argv("yt-dlp", "--exec=x", 500, LISTING_OLDEST_FIRST,
	    NULL, &a) == 0);
	CHECK_STR(after(&a, "--playlist-items"), "-1:-500:-1");
	CHECK(ends_with_url(&a, "--exec=x"));
	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/c", INT_MAX,
	    LISTING_OLDEST_FIRST, NULL, &a) == 0);
	CHECK_STR(after(&a, "--playlist-items"), "-1:-2147483647:-1");
	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/c", 0,
	    LISTING_OLDEST_FIRST, NULL, &a) == -1);
}

/*
 * The owner's cookies reach every kind of run as --cookies and the job's
 * copy, before "--"; a run without them carries no --cookies at all.
 */
static void
test_cookies_are_passed_when_the_run_has_them(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "--cookies"));
	o.cookies = "";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "--cookies"));
	o.cookies = "/d/tmp/x/cookies.txt";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--cookies"), "/d/tmp/x/cookies.txt");
	CHECK(ends_with_url(&a, "https://e.com/v"));
	o = opts("audio", "best", NULL, "mp3", "https://e.com/v");
	o.cookies = "/d/tmp/x/cookies.txt";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--cookies"), "/d/tmp/x/cookies.txt");
	CHECK(ytdlp_resolve_argv("yt-dlp", "https://e.com/p", NULL, &a) == 0);
	CHECK(!has(&a, "--cookies"));
	CHECK(ytdlp_resolve_argv("yt-dlp", "https://e.com/p", "/t/j/cookies.txt",
	    &a) == 0);
	CHECK_STR(after(&a, "--cookies"), "/t/j/cookies.txt");
	CHECK(ends_with_url(&a, "https://e.com/p"));
	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/c", 50,
	    LISTING_NEWEST_FIRST, NULL, &a) == 0);
	CHECK(!has(&a, "--cookies"));
	CHECK(ytdlp_check_argv("yt-dlp", "https://e.com/c", 50,
	    LISTING_OLDEST_FIRST, "/t/check-1/cookies.txt", &a) == 0);
	CHECK_STR(after(&a, "--cookies"), "/t/check-1/cookies.txt");
	CHECK(ends_with_url(&a, "https://e.com/c"));
}

static void
test_info_json_is_loaded_when_given(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	o.info_json = "/d/tmp/x/info.json";
	o.ffmpeg = NULL;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--load-info-json"), "/d/tmp/x/info.json");
	CHECK(!has(&a, "--ffmpeg-location"));
	CHECK(ends_with_url(&a, "https://e.com/v"));
}

/* OFFLINETUBE_DOWNLOAD_RATE caps a download's speed; a listing is never slowed. */
static void
test_the_rate_cap_is_passed_to_downloads_only(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "-r") && !has(&a, "--limit-rate"));
	o.rate = "";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "-r"));
	o.rate = "2M";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-r"), "2M");
	CHECK(ends_with_url(&a, "https://e.com/v"));
	o = opts("audio", "128kbps", NULL, "mp3", "https://e.com/v");
	o.rate = "500K";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "-r"), "500K");
	CHECK(ytdlp_resolve_argv("yt-dlp", "https://e.com/p", NULL, &a) == 0);
	CHECK(!has(&a, "-r"));
}

/* Without options yt-dlp is asked for no step that would change the site's file. */
static void
test_no_option_asks_for_no_postprocessing(void)
{
	static const char *const changers[] = { "--embed-metadata",
	    "--embed-chapters", "--embed-thumbnail", "--embed-subs",
	    "--add-metadata", "--sponsorblock-mark", "--sponsorblock-remove",
	    "--remux-video", "--recode-video", "--remove-chapters",
	    "--embed-info-json", "--parse-metadata", "--exec" };
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;
	size_t			 i;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	for (i = 0; i < sizeof(changers) / sizeof(changers[0]); i++)
		CHECK(!has(&a, changers[i]));
	CHECK(!has_prefix(&a, "--sponsorblock"));
	CHECK(!has_prefix(&a, "--embed"));
}

static void
test_embed_metadata_adds_metadata_chapters_and_an_audio_cover(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	o.embed_metadata = 1;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(has(&a, "--embed-metadata"));
	CHECK(has(&a, "--embed-chapters"));
	CHECK(has(&a, "--no-embed-info-json"));
	/* A cover for audio only. */
	CHECK(!has(&a, "--embed-thumbnail"));
	CHECK(has(&a, "--write-thumbnail"));
	CHECK(ends_with_url(&a, "https://e.com/v"));
	o = opts("audio", "best", NULL, "mp3", "https://e.com/v");
	o.embed_metadata = 1;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(has(&a, "--embed-metadata"));
	CHECK(has(&a, "--embed-thumbnail"));
	/* yt-dlp cannot put a cover into WAV, and would fail the download. */
	o.audio_format = "wav";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(has(&a, "--embed-metadata"));
	CHECK(!has(&a, "--embed-thumbnail"));
	o.embed_metadata = 0;
	o.audio_format = "m4a";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "--embed-thumbnail") && !has(&a, "--embed-metadata"));
}

static void
test_sponsorblock_marks_all_or_removes_sponsors(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	o.sponsorblock = SPONSORBLOCK_MARK;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--sponsorblock-mark"), "all");
	CHECK(!has(&a, "--sponsorblock-remove"));
	o.sponsorblock = SPONSORBLOCK_REMOVE;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--sponsorblock-remove"), "sponsor");
	CHECK(!has(&a, "--sponsorblock-mark"));
	CHECK(!has(&a, "--embed-metadata"));
	CHECK(ends_with_url(&a, "https://e.com/v"));
	o.sponsorblock = SPONSORBLOCK_OFF;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has_prefix(&a, "--sponsorblock"));
	/* OFFLINETUBE_SPONSORBLOCK_API: only when SponsorBlock is asked for. */
	o.sponsorblock_api = "https://sb.example";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has_prefix(&a, "--sponsorblock"));
	o.sponsorblock = SPONSORBLOCK_REMOVE;
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--sponsorblock-api"), "https://sb.example");
	CHECK(ends_with_url(&a, "https://e.com/v"));
}

/*
 * Subtitles: uploaded ones, else automatic captions, as WebVTT files beside
 * the media (never embedded: the file stays the site's), each language
 * anchored so that yt-dlp reads it as that language only.
 */
static void
test_subtitles_are_asked_as_webvtt_files_in_those_languages(void)
{
	struct ytdlp_opts	 o = opts("video", "best", NULL, "m4a", "https://e.com/v");
	struct ytdlp_argv	 a;

	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has_prefix(&a, "--write-sub") && !has_prefix(&a, "--write-auto"));
	CHECK(!has(&a, "--sub-langs") && !has(&a, "--convert-subs"));
	o.subtitles = "";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(!has(&a, "--sub-langs"));
	o.subtitles = "en,es";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(has(&a, "--write-subs"));
	CHECK(has(&a, "--write-auto-subs"));
	CHECK_STR(after(&a, "--sub-langs"), "^en$,^es$");
	CHECK_STR(after(&a, "--convert-subs"), "vtt");
	CHECK(!has(&a, "--embed-subs"));
	CHECK(ends_with_url(&a, "https://e.com/v"));
	/* Not yt-dlp's "every language", nor "all but en": those codes as such. */
	o.subtitles = "all,-en";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--sub-langs"), "^all$,^-en$");
	/* Audio too: the words of a talk or a song. */
	o = opts("audio", "128kbps", NULL, "mp3", "https://e.com/v");
	o.subtitles = "pt-BR";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK_STR(after(&a, "--sub-langs"), "^pt-BR$");
	CHECK(has(&a, "-x"));
	/* A list the store could not hold is refused, not cut. */
	o.subtitles = "en,,es";
	CHECK(ytdlp_download_argv(&o, &a) == -1);
}

/* Every option at once, the longest list of languages included, fits the argv. */
static void
test_every_option_at_once_fits(void)
{
	struct ytdlp_opts	 o = opts("audio", "320kbps", "251-drc", "opus",
	    "https://e.com/v");
	struct ytdlp_argv	 a;

	o.max_filesize = "2G";
	o.rate = "2M";
	o.info_json = "/d/tmp/x/info.json";
	o.embed_metadata = 1;
	o.sponsorblock = SPONSORBLOCK_REMOVE;
	o.sponsorblock_api = "https://sb.example";
	o.cookies = "/d/tmp/x/cookies.txt";
	o.subtitles = "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb,cccccccccccccccc,"
	    "dddddddddddddddd,eeeeeeeeeeeeeeee,ffffffffffffffff,"
	    "gggggggggggggggg,hhhhhhhhhhhhhhhh";
	CHECK(ytdlp_download_argv(&o, &a) == 0);
	CHECK(has(&a, "--embed-thumbnail"));
	CHECK_STR(after(&a, "--sponsorblock-remove"), "sponsor");
	CHECK_STR(after(&a, "--cookies"), "/d/tmp/x/cookies.txt");
	CHECK(strlen(after(&a, "--sub-langs") ? after(&a, "--sub-langs") : "") ==
	    8 * 18 + 7);
	CHECK(ends_with_url(&a, "https://e.com/v"));
}

/* What yt-dlp 2023.03.04 prints (and exits 1) when the SponsorBlock API cannot be reached. */
static void
test_an_unreachable_sponsorblock_is_told_from_other_failures(void)
{
	static const char unreachable[] =
	    "WARNING: Unable to communicate with SponsorBlock API: <urlopen "
	    "error [Errno -2] Name or service not known>. Retrying (1/3)...\n"
	    "ERROR: Preprocessing: Unable to communicate with SponsorBlock API: "
	    "<urlopen error [Errno -2] Name or service not known>\n";
	static const char other[] =
	    "ERROR: [generic] Unable to download webpage: HTTP Error 404: Not "
	    "Found (caused by <HTTPError 404: 'Not Found'>)\n";

	CHECK(ytdlp_sponsorblock_unreachable(unreachable, sizeof(unreachable) - 1));
	CHECK(!ytdlp_sponsorblock_unreachable(other, sizeof(other) - 1));
	CHECK(!ytdlp_sponsorblock_unreachable(unreachable, 30));
	CHECK(!ytdlp_sponsorblock_unreachable(NULL, 0));
}

/* What yt-dlp 2023.03.04 prints (and exits 1) when a subtitles file cannot be fetched. */
static void
test_a_failed_subtitles_download_names_its_language(void)
{
	static const char	 failed[] =
	    "WARNING: fr subtitles not available for x\n"
	    "ERROR: Unable to download video subtitles for 'es': HTTP Error 404: "
	    "Not Found\n";
	static const char	 twice[] =
	    "ERROR: Unable to download video subtitles for 'es': HTTP Error 429\n"
	    "ERROR: Unable to download video subtitles for 'en-US': HTTP Error 429\n";
	static const char	 odd[] =
	    "ERROR: Unable to download video subtitles for 'e\033[0m': x\n";
	static const char	 other[] =
	    "ERROR: [generic] Unable to download webpage: HTTP Error 404\n";
	char			 lang[17];

	CHECK(ytdlp_subtitle_failed(failed, sizeof(failed) - 1, lang, sizeof(lang)));
	CHECK_STR(lang, "es");
	CHECK(ytdlp_subtitle_failed(twice, sizeof(twice) - 1, lang, sizeof(lang)));
	CHECK_STR(lang, "en-US");
	/* Not a language, or too long for one: known to fail, unknown which. */
	CHECK(ytdlp_subtitle_failed(odd, sizeof(odd) - 1, lang, sizeof(lang)));
	CHECK_STR(lang, "");
	CHECK(ytdlp_subtitle_failed(failed, sizeof(failed) - 1, lang, 2));
	CHECK_STR(lang, "");
	CHECK(!ytdlp_subtitle_failed(other, sizeof(other) - 1, lang, sizeof(lang)));
	CHECK(!ytdlp_subtitle_failed(failed, 40, lang, sizeof(lang)));
	CHECK(!ytdlp_subtitle_failed(NULL, 0, lang, sizeof(lang)));
}

/* The language that failed leaves the list; one it cannot tell, all of them. */
static void
test_a_failed_language_is_dropped_from_the_list(void)
{
	char	 l[64];

	snprintf(l, sizeof(l), "en,es,fr");
	CHECK(ytdlp_subtitles_drop(l, "es") == 1);
	CHECK_STR(l, "en,fr");
	CHECK(ytdlp_subtitles_drop(l, "fr") == 1);
	CHECK_STR(l, "en");
	CHECK(ytdlp_subtitles_drop(l, "EN") == 1);
	CHECK_STR(l, "");
	CHECK(ytdlp_subtitles_drop(l, "en") == 0);
	snprintf(l, sizeof(l), "en-us,pt");
	CHECK(ytdlp_subtitles_drop(l, "en-US") == 1);
	CHECK_STR(l, "pt");
	/* A prefix is another language; one not asked for, or unknown: all go. */
	snprintf(l, sizeof(l), "en,es");
	CHECK(ytdlp_subtitles_drop(l, "e") == 1);
	CHECK_STR(l, "");
	snprintf(l, sizeof(l), "en,es");
	CHECK(ytdlp_subtitles_drop(l, "") == 1);
	CHECK_STR(l, "");
}

static void
test_error_message_is_the_last_error_line(void)
{
	char		 m[1024];
	const char	*err =
	    "WARNING: something minor\n"
	    "ERROR: first\n"
	    "[ot-pp:x]\n"
	    "\033[0;31mERROR:\033[0m [generic] None: Unable to download webpage: "
	    "HTTP Error 404: File not found; please report this issue on  "
	    "https://github.com/yt-dlp/yt-dlp/issues?q= , filling out\n"
	    "\n";

	ytdlp_error_message(err, strlen(err), 1, m, sizeof(m));
	/* The last ERROR line wins, colour codes and yt-dlp's bug-report plea gone. */
	CHECK_STR(m, "ERROR: [generic] None: Unable to download webpage: "
	    "HTTP Error 404: File not found");
	err = "x\nERROR: [generic] None: Unable to download webpage: HTTP "
	    "Error 404: File not found; please report this issue on  https://x\n";
	ytdlp_error_message(err, strlen(err), 1, m, sizeof(m));
	CHECK_STR(m, "ERROR: [generic] None: Unable to download webpage: "
	    "HTTP Error 404: File not found");
	err = "Traceback (most recent call last):\n  File \"x\", line 8\n"
	    "yt_dlp.utils.ExtractorError: [html5] a: Requested format is not "
	    "available. Use --list-formats for a list of available formats\n";
	ytdlp_error_message(err, strlen(err), 1, m, sizeof(m));
	CHECK_STR(m, "ERROR: [html5] a: Requested format is not available. "
	    "Use --list-formats for a list of available formats");
	err = "some\nlast words \033[1mbold\033[0m\n\n";
	ytdlp_error_message(err, strlen(err), 2, m, sizeof(m));
	CHECK_STR(m, "last words bold");
	ytdlp_error_message("", 0, 2, m, sizeof(m));
	CHECK_STR(m, "yt-dlp exited with status 2");
	ytdlp_error_message("\n \n", 3, -9, m, sizeof(m));
	CHECK_STR(m, "yt-dlp was killed by signal 9");
}

static void
test_error_message_is_bounded_on_a_character(void)
{
	char	 err[2000], m[1024];
	size_t	 i, n;

	memcpy(err, "ERROR: ", 7);
	for (i = 7; i + 2 < 1500; i += 2)
		memcpy(err + i, "\xc3\xa9", 2);		/* é */
	err[i] = '\0';
	ytdlp_error_message(err, strlen(err), 1, m, sizeof(m));
	n = strlen(m);
	CHECK(n <= 500 && n >= 498);
	CHECK(((unsigned char)m[n - 1] & 0xc0) == 0x80);	/* ends on a whole é */
	CHECK(((unsigned char)m[n - 2]) == 0xc3);
}

int
main(void)
{
	test_video_best_merges_to_mp4();
	test_video_quality_caps_height();
	test_format_id_overrides_quality();
	test_audio_extracts_with_bitrate();
	test_dash_url_stays_after_double_dash();
	test_cookies_are_passed_when_the_run_has_them();
	test_info_json_is_loaded_when_given();
	test_the_rate_cap_is_passed_to_downloads_only();
	test_no_option_asks_for_no_postprocessing();
	test_embed_metadata_adds_metadata_chapters_and_an_audio_cover();
	test_sponsorblock_marks_all_or_removes_sponsors();
	test_an_unreachable_sponsorblock_is_told_from_other_failures();
	test_subtitles_are_asked_as_webvtt_files_in_those_languages();
	test_a_failed_subtitles_download_names_its_language();
	test_a_failed_language_is_dropped_from_the_list();
	test_every_option_at_once_fits();
	test_a_check_lists_the_newest_entries_flat();
	test_an_oldest_first_check_lists_the_last_entries_last_first();
	test_error_message_is_the_last_error_line();
	test_error_message_is_bounded_on_a_character();
	return unit_done("test_ytdlp_argv");
}
