/* ytdlp.c: what we tell yt-dlp (argv) and what we read back from it (lines, markers, errors). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "resolve.h"
#include "util.h"
#include "ytdlp.h"

#define ERROR_MAX	500	/* bytes of yt-dlp's message kept in error_message */
#define ABR_MAX_KBPS	100000	/* an audio bitrate past this is nonsense */

static int
push(struct ytdlp_argv *a, const char *s)
{
	/* One slot stays free for the terminating NULL. */
	if (a->argc + 1 >= YTDLP_ARGV_MAX)
		return -1;
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
	return 0;
}

/*
 * --cookies PATH when the run has cookies: always a copy in the run's own
 * temporary directory, never the stored file, because yt-dlp writes the
 * file it is given back at the end (with what the site set).
 */
static int
push_cookies(struct ytdlp_argv *a, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return 0;
	return push(a, "--cookies") == -1 || push(a, path) == -1 ? -1 : 0;
}

/*
 * A quality's number before unit: "720p" is 720 with "p", "128kbps" 128
 * with "kbps"; "best" and anything else 0 (no cap, best quality).
 */
static int
quality_num(const char *q, const char *unit)
{
	int	 n = 0;
	size_t	 i;

	if (q == NULL)
		return 0;
	for (i = 0; q[i] >= '0' && q[i] <= '9' && i < 5; i++)
		n = n * 10 + (q[i] - '0');
	if (i == 0 || strcmp(q + i, unit) != 0)
		return 0;
	return n;
}

/*
 * The format selection.  A format_id the user picked from /api/info wins
 * over quality; "ID+ba/ID" adds the best audio when ID is video only and is
 * just ID when it has audio (yt-dlp drops a second audio stream).  A height
 * cap first wants formats whose height is known to fit, then accepts formats
 * of unknown height (many sites do not say), never a known larger one.
 */
static int
format_spec(const struct ytdlp_opts *o, char *buf, size_t len)
{
	int	 n, h, audio;

	audio = strcmp(o->download_type, "audio") == 0;
	if (o->format_id != NULL && o->format_id[0] != '\0')
		n = audio ? snprintf(buf, len, "%s", o->format_id) :
		    snprintf(buf, len, "%s+ba/%s", o->format_id, o->format_id);
	else if (audio)
		n = snprintf(buf, len, "ba/b");
	else if ((h = quality_num(o->quality, "p")) == 0)
		n = snprintf(buf, len, "bv*+ba/b");
	else
		n = snprintf(buf, len, "bv*[height<=%d]+ba/b[height<=%d]/"
		    "bv*[height<=?%d]+ba/b[height<=?%d]", h, h, h, h);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

/*
 * The options that change the file.  Without them yt-dlp adds no step of
 * its own: the file is the site's, byte for byte.  The cover goes into audio
 * files only, and not into WAV, which yt-dlp cannot give one (it would fail
 * the download); a missing thumbnail it skips.
 */
static int
options_argv(const struct ytdlp_opts *o, struct ytdlp_argv *a)
{
	int	 audio = strcmp(o->download_type, "audio") == 0;

	if (o->embed_metadata && (push(a, "--embed-metadata") == -1 ||
	    push(a, "--embed-chapters") == -1 ||
	    push(a, "--no-embed-info-json") == -1))
		return -1;
	if (o->embed_metadata && audio && (o->audio_format == NULL ||
	    strcmp(o->audio_format, "wav") != 0) &&
	    push(a, "--embed-thumbnail") == -1)
		return -1;
	if (o->sponsorblock != SPONSORBLOCK_OFF && o->sponsorblock_api != NULL &&
	    o->sponsorblock_api[0] != '\0' &&
	    (push(a, "--sponsorblock-api") == -1 ||
	    push(a, o->sponsorblock_api) == -1))
		return -1;
	switch (o->sponsorblock) {
	case SPONSORBLOCK_MARK:
		return push(a, "--sponsorblock-mark") == -1 ||
		    push(a, "all") == -1 ? -1 : 0;
	case SPONSORBLOCK_REMOVE:
		return push(a, "--sponsorblock-remove") == -1 ||
		    push(a, "sponsor") == -1 ? -1 : 0;
	default:
		return 0;
	}
}

/*
 * Subtitles in the languages asked for: uploaded ones, else automatic
 * captions (yt-dlp takes a language's uploaded track over its captions),
 * as WebVTT, written beside the media as {video id}.{lang}.vtt.  yt-dlp
 * reads each code of --sub-langs as a regular expression, "all" as every
 * language and a leading '-' as "not this one": each is anchored, ^en$,
 * so that a code means that one language and nothing else.  The API let
 * only A-Z a-z 0-9 '-' in, none of which a regular expression reads as
 * more than itself.
 */
static int
subtitles_argv(const struct ytdlp_opts *o, struct ytdlp_argv *a)
{
	const char	*l = o->subtitles;
	size_t		 n, off = 0, cap = sizeof(a->sub_langs);
	int		 w;

	if (l == NULL || *l == '\0')
		return 0;
	for (; *l != '\0'; l += n + (l[n] == ',')) {
		if ((n = strcspn(l, ",")) == 0)
			return -1;
		w = snprintf(a->sub_langs + off, cap - off, "%s^%.*s$",
		    off > 0 ? "," : "", (int)n, l);
		if (w < 0 || (size_t)w >= cap - off)
			return -1;
		off += (size_t)w;
	}
	if (push(a, "--write-subs") == -1 || push(a, "--write-auto-subs") == -1 ||
	    push(a, "--sub-langs") == -1 || push(a, a->sub_langs) == -1 ||
	    push(a, "--convert-subs") == -1 || push(a, "vtt") == -1)
		return -1;
	return 0;
}

/*
 * The download run.  yt-dlp writes %(id)s.%(ext)s into outdir (we rename it
 * ourselves, so the name on disk never depends on yt-dlp's sanitizing),
 * prints the chosen format and the final path as marked lines, progress as
 * one JSON object per line, and postprocessor steps as markers on stderr
 * (this yt-dlp prints those without a newline, so they are found by their
 * brackets, not by lines).  --print implies --quiet, which --progress undoes
 * for the progress lines.
 *
 * The same run tells a playlist from a video, so a video costs one yt-dlp
 * start, not two: with --flat-playlist a playlist's entries are only listed,
 * one [ot-entry] line each with "_type": "url", and nothing is downloaded;
 * the worker then makes one task per entry.  A video prints one [ot-entry]
 * line too (no "_type"), and downloads.
 */
int
ytdlp_download_argv(const struct ytdlp_opts *o, struct ytdlp_argv *a)
{
	static const char *const common[] = {
		"--ignore-config", "--no-playlist", "--flat-playlist",
		"--newline", "--no-colors", "--no-mtime", "--progress",
		"--progress-template", "download:%(progress)j",
		"--progress-template", "postprocess:" YTDLP_MARK_PP
		    "%(progress.status)s:%(progress.postprocessor)s]",
		"--print", "video:" YTDLP_MARK_ENTRY
		    "%(.{_type,url,webpage_url,title,playlist_index})j",
		"--print", "before_dl:" YTDLP_MARK_FORMAT
		    "%(.{height,abr,acodec,format_id,title,thumbnail})j",
		"--print", "after_move:" YTDLP_MARK_FILE "%(filepath)s",
		"-o", "%(id)s.%(ext)s", "--write-thumbnail",
	};
	size_t	 i;
	int	 k, n;

	memset(a, 0, sizeof(*a));
	if (o->url == NULL || o->download_type == NULL || o->outdir == NULL)
		return -1;
	if (push(a, o->ytdlp) == -1)
		return -1;
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (push(a, common[i]) == -1)
			return -1;
	if (o->ffmpeg != NULL && (push(a, "--ffmpeg-location") == -1 ||
	    push(a, o->ffmpeg) == -1))
		return -1;
	if (push(a, "-P") == -1 || push(a, o->outdir) == -1 ||
	    push_cookies(a, o->cookies) == -1)
		return -1;
	if (o->max_filesize != NULL && o->max_filesize[0] != '\0' &&
	    (push(a, "--max-filesize") == -1 || push(a, o->max_filesize) == -1))
		return -1;
	if (o->rate != NULL && o->rate[0] != '\0' &&
	    (push(a, "-r") == -1 || push(a, o->rate) == -1))
		return -1;
	if (format_spec(o, a->format, sizeof(a->format)) == -1 ||
	    push(a, "-f") == -1 || push(a, a->format) == -1)
		return -1;
	if (strcmp(o->download_type, "audio") == 0) {
		if ((k = quality_num(o->quality, "kbps")) > 0)
			n = snprintf(a->audio_quality, sizeof(a->audio_quality),
			    "%dK", k);
		else
			n = snprintf(a->audio_quality, sizeof(a->audio_quality),
			    "0");
		if (n < 0 || (size_t)n >= sizeof(a->audio_quality))
			return -1;
		if (push(a, "-x") == -1 || push(a, "--audio-format") == -1 ||
		    push(a, o->audio_format != NULL ? o->audio_format : "m4a") == -1 ||
		    push(a, "--audio-quality") == -1 ||
		    push(a, a->audio_quality) == -1)
			return -1;
	} else {
		/* mp4 when the codecs fit in it, else mkv rather than failing. */
		if (push(a, "--merge-output-format") == -1 ||
		    push(a, "mp4/mkv") == -1)
			return -1;
	}
	if (options_argv(o, a) == -1 || subtitles_argv(o, a) == -1)
		return -1;
	/* yt-dlp ignores the URL when it loads an info file; it stays for the log. */
	if (o->info_json != NULL && (push(a, "--load-info-json") == -1 ||
	    push(a, o->info_json) == -1))
		return -1;
	if (push(a, "--") == -1 || push(a, o->url) == -1)
		return -1;
	return 0;
}

/*
 * A listing: what the URL is, as one JSON answer.  Needed only for a
 * playlist whose entries are whole videos (see job.c): the download run
 * cannot list those without downloading them.
 */
int
ytdlp_resolve_argv(const char *ytdlp, const char *url, const char *cookies,
    struct ytdlp_argv *a)
{
	static const char *const opts[] = {
		"--ignore-config", "--no-warnings", "--no-playlist",
		"--flat-playlist", "-J",
	};
	size_t	 i;

	memset(a, 0, sizeof(*a));
	if (url == NULL || push(a, ytdlp) == -1)
		return -1;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (push(a, opts[i]) == -1)
			return -1;
	if (push_cookies(a, cookies) == -1 || push(a, "--") == -1)
		return -1;
	return push(a, url);
}

/*
 * A subscription's check: the newest entries of what the URL lists, flat
 * (one request for the listing, none per entry) and no more of them than
 * asked, as one JSON answer.  A listing that adds new entries at its end
 * (LISTING_OLDEST_FIRST) is asked for its last entries, last first:
 * yt-dlp (2023.03.04) takes a negative step in --playlist-items, so the
 * answer is newest first either way and the check reads both alike.  A
 * playlist in a watch URL is what is meant here, so no --no-playlist.
 */
int
ytdlp_check_argv(const char *ytdlp, const char *url, int entries,
    enum listing_order order, const char *cookies, struct ytdlp_argv *a)
{
	static const char *const opts[] = {
		"--ignore-config", "--no-warnings", "--flat-playlist", "-J",
	};
	size_t	 i;
	int	 n;

	memset(a, 0, sizeof(*a));
	if (ytdlp == NULL || url == NULL || entries < 1 || push(a, ytdlp) == -1)
		return -1;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (push(a, opts[i]) == -1)
			return -1;
	if (order == LISTING_OLDEST_FIRST)
		n = snprintf(a->playlist_pick, sizeof(a->playlist_pick),
		    "-1:-%d:-1", entries);
	else
		n = snprintf(a->playlist_pick, sizeof(a->playlist_pick), "%d",
		    entries);
	if (n < 0 || (size_t)n >= sizeof(a->playlist_pick) ||
	    push(a, order == LISTING_OLDEST_FIRST ? "--playlist-items" :
	    "--playlist-end") == -1 || push(a, a->playlist_pick) == -1 ||
	    push_cookies(a, cookies) == -1 || push(a, "--") == -1)
		return -1;
	return push(a, url);
}

/*
 * Whether a failed run failed because the SponsorBlock service could not be
 * reached (yt-dlp asks it before the download, and gives up after its
 * retries with this error).  No segments are known then, so the download
 * is worth running without them rather than failing.
 */
int
ytdlp_sponsorblock_unreachable(const char *err, size_t len)
{
	static const char	 mark[] = "Unable to communicate with SponsorBlock API";

	return err != NULL && memmem(err, len, mark, sizeof(mark) - 1) != NULL;
}

/*
 * Whether a failed run failed on a subtitles download.  yt-dlp (2023.03.04)
 * fetches the subtitles before the media and gives up the whole download
 * when one of them cannot be fetched (a 404, YouTube's 429 on captions):
 * "Unable to download video subtitles for 'es': HTTP Error 429...".  1 with
 * lang set to the language it names ("" when it does not fit), 0 when the
 * run failed for another reason.
 */
int
ytdlp_subtitle_failed(const char *err, size_t len, char *lang, size_t langlen)
{
	static const char	 mark[] = "Unable to download video subtitles for '";
	const char		*p, *at = NULL, *end;
	size_t			 n;

	lang[0] = '\0';
	if (err == NULL)
		return 0;
	/* The last one: the tail may hold an earlier run's too. */
	for (p = err; (p = memmem(p, len - (size_t)(p - err), mark,
	    sizeof(mark) - 1)) != NULL; p += sizeof(mark) - 1)
		at = p + sizeof(mark) - 1;
	if (at == NULL)
		return 0;
	if ((end = memchr(at, '\'', len - (size_t)(at - err))) == NULL ||
	    (n = (size_t)(end - at)) >= langlen)
		return 1;
	/* A language, as a site names one; anything else is not one. */
	for (p = at; p < end; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 1;
	memcpy(lang, at, n);
	lang[n] = '\0';
	return 1;
}

/*
 * Takes lang out of the comma-separated list (yt-dlp names the language as
 * the site spells it, which our code matched regardless of case), or, when
 * it is not there or unknown (""), every language: the download goes on
 * without what failed.  0 when the list was empty already (nothing to drop:
 * the failure is not the subtitles'), else 1.
 */
int
ytdlp_subtitles_drop(char *list, const char *lang)
{
	size_t	 n, ll = strlen(lang);
	char	*l;

	if (*list == '\0')
		return 0;
	for (l = list; *l != '\0'; l += n + (l[n] == ',')) {
		n = strcspn(l, ",");
		if (ll == 0 || n != ll || strncasecmp(l, lang, n) != 0)
			continue;
		/* Drop "lang," (or ",lang" at the end). */
		if (l[n] == ',')
			memmove(l, l + n + 1, strlen(l + n + 1) + 1);
		else
			*(l > list ? l - 1 : l) = '\0';
		return 1;
	}
	*list = '\0';
	return 1;
}

/* Copies at most len bytes of s, dropping ANSI colour sequences and control characters. */
static size_t
clean_copy(char *out, size_t outlen, const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len && n + 1 < outlen; i++) {
		if (s[i] == '\033') {
			/* CSI: ESC [ parameters final-byte */
			if (i + 1 < len && s[i + 1] == '[') {
				for (i += 2; i < len &&
				    !((unsigned char)s[i] >= 0x40 &&
				    (unsigned char)s[i] <= 0x7e); i++)
					;
			}
			continue;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			continue;
		out[n++] = s[i];
	}
	out[n] = '\0';
	return n;
}

/* Past the colour codes a line may start with (when --no-colors is not obeyed). */
static const char *
skip_ansi(const char *s, const char *end)
{
	while (end - s >= 2 && s[0] == '\033' && s[1] == '[') {
		for (s += 2; s < end && !((unsigned char)*s >= 0x40 &&
		    (unsigned char)*s <= 0x7e); s++)
			;
		if (s < end)
			s++;
	}
	return s;
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void
utf8_cut(char *s, size_t max)
{
	s[util_utf8_len(s, max)] = '\0';
}

static char ytdlp_version_str[64] = "unknown";

/* The version the worker found (yt-dlp --version), named in classified errors. */
void
ytdlp_set_version(const char *v)
{
	if (v == NULL || *v == '\0' || strlen(v) >= sizeof(ytdlp_version_str))
		v = "unknown";
	memcpy(ytdlp_version_str, v, strlen(v) + 1);
}

/*
 * The failures whose cure is not another try, told by marks no ordinary
 * failure prints: a plain 404, "Video unavailable" and "Unsupported URL"
 * (most often a page with no video at all) stay as yt-dlp said them.  The
 * first mark found names the class, so an account wanted (members-only,
 * private, age-restricted: the owner's cookies are the cure) is told apart
 * from a site that refuses yt-dlp (whose "Sign in to confirm you're not a
 * bot" shares its first words with the age check).
 */
static const struct {
	enum ytdlp_error	 cls;
	const char		*mark;
} ytdlp_marks[] = {
	{ YTDLP_ERROR_SIGN_IN, "Sign in to confirm your age" },
	{ YTDLP_ERROR_SIGN_IN, "members-only" },
	{ YTDLP_ERROR_SIGN_IN, "Join this channel" },
	{ YTDLP_ERROR_SIGN_IN, "Private video" },
	{ YTDLP_ERROR_SIGN_IN, "--cookies" },
	{ YTDLP_ERROR_BLOCKED, "Sign in to confirm" },
	{ YTDLP_ERROR_BLOCKED, "HTTP Error 403" },
	{ YTDLP_ERROR_BLOCKED, "HTTP Error 429" },
	{ YTDLP_ERROR_TOO_OLD, "Unable to extract" },
	{ YTDLP_ERROR_TOO_OLD, "nsig extraction failed" },
	{ YTDLP_ERROR_TOO_OLD, "Signature extraction failed" },
	{ YTDLP_ERROR_TOO_OLD, "Failed to extract any player response" },
	{ YTDLP_ERROR_TOO_OLD, "Precondition check failed" },
};

/* What is said before yt-dlp's words: what happened, then the cure. */
static const struct {
	const char	*what;
	const char	*cure;
} ytdlp_explanation[YTDLP_ERROR__MAX] = {
	[YTDLP_ERROR_SIGN_IN] = { "The site wants a signed-in account for "
	    "this: members-only, private or age-restricted", "give the service "
	    "your cookies, see docs/api.md#cookies-for-sites-that-need-a-sign-in" },
	[YTDLP_ERROR_BLOCKED] = { "The site refused yt-dlp or asked it to sign "
	    "in: it may be blocked or too old", "upgrade yt-dlp, see "
	    "docs/deploy.md#upgrading-yt-dlp" },
	[YTDLP_ERROR_TOO_OLD] = { "yt-dlp could not read this site: it may be "
	    "too old", "upgrade yt-dlp, see docs/deploy.md#upgrading-yt-dlp" },
};

enum ytdlp_error
ytdlp_error_class(const char *msg)
{
	size_t	 i;

	for (i = 0; i < sizeof(ytdlp_marks) / sizeof(ytdlp_marks[0]); i++)
		if (strstr(msg, ytdlp_marks[i].mark) != NULL)
			return ytdlp_marks[i].cls;
	return YTDLP_ERROR_OTHER;
}

/* Puts the explanation before yt-dlp's own words, within ERROR_MAX bytes. */
static void
ytdlp_error_explain(char *out, size_t outlen)
{
	char			 orig[ERROR_MAX + 1];
	enum ytdlp_error	 cls;
	size_t			 max = ERROR_MAX < outlen ? ERROR_MAX : outlen - 1, i;
	int			 n;

	if ((cls = ytdlp_error_class(out)) == YTDLP_ERROR_OTHER)
		return;
	snprintf(orig, sizeof(orig), "%s", out);
	n = snprintf(out, outlen, "%s (yt-dlp %s); %s: %s",
	    ytdlp_explanation[cls].what, ytdlp_version_str,
	    ytdlp_explanation[cls].cure, orig);
	if (n < 0)
		return;
	utf8_cut(out, max);
	while ((i = strlen(out)) > 0 && out[i - 1] == ' ')
		out[i - 1] = '\0';
}

/*
 * The error_message of a failed run, from the tail of its stderr: the last
 * "ERROR:" line (what yt-dlp says went wrong); else a Python exception line
 * (--load-info-json lets some errors escape as a traceback); else the last
 * non-empty line; else the exit status.
 */
void
ytdlp_error_message(const char *err, size_t len, int status, char *out,
    size_t outlen)
{
	const char	*line, *end, *last = NULL, *lastexc = NULL, *lasterr = NULL;
	const char	*p, *pick;
	size_t		 plen = 0, lastlen = 0, exclen = 0, errlen = 0, i;
	char		*cut;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (line = err; line < err + len; line = end + 1) {
		if ((end = memchr(line, '\n', (size_t)(err + len - line))) == NULL)
			end = err + len;
		for (p = line; p < end && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
			;
		if (p == end)
			continue;
		last = line;
		lastlen = (size_t)(end - line);
		p = skip_ansi(line, end);
		if (end - p >= 6 && memcmp(p, "ERROR:", 6) == 0) {
			lasterr = line;
			errlen = lastlen;
		}
		/* "yt_dlp.utils.DownloadError: message": a name, then ": ". */
		for (i = 0; i < lastlen && (line[i] == '_' || line[i] == '.' ||
		    (line[i] >= 'A' && line[i] <= 'Z') ||
		    (line[i] >= 'a' && line[i] <= 'z') ||
		    (line[i] >= '0' && line[i] <= '9')); i++)
			;
		if (i > 5 && i + 2 < lastlen && line[i] == ':' &&
		    line[i + 1] == ' ' && memcmp(line + i - 5, "Error", 5) == 0) {
			lastexc = line + i + 2;
			exclen = lastlen - i - 2;
		}
	}
	pick = NULL;
	if (lasterr != NULL) {
		pick = lasterr;
		plen = errlen;
	} else if (lastexc != NULL) {
		pick = lastexc;
		plen = exclen;
	} else if (last != NULL) {
		pick = last;
		plen = lastlen;
	}
	if (pick != NULL) {
		if (pick == lastexc && outlen > 7) {
			memcpy(out, "ERROR: ", 7);
			clean_copy(out + 7, outlen - 7, pick, plen);
		} else
			clean_copy(out, outlen, pick, plen);
		/* yt-dlp's plea to file a bug says nothing about this download. */
		if ((cut = strstr(out, "; please report this issue on")) != NULL)
			*cut = '\0';
		utf8_cut(out, ERROR_MAX < outlen ? ERROR_MAX : outlen - 1);
		while ((i = strlen(out)) > 0 && out[i - 1] == ' ')
			out[i - 1] = '\0';
		ytdlp_error_explain(out, outlen);
	}
	if (out[0] != '\0')
		return;
	if (status >= 0)
		snprintf(out, outlen, "yt-dlp exited with status %d", status);
	else
		snprintf(out, outlen, "yt-dlp was killed by signal %d", -status);
}

/*
 * What resolve_playlist() reads of a flat entry, and no more: an entry's
 * line may be up to a MiB, and up to RESOLVE_ENTRIES_MAX of them are kept
 * until the run ends.  A URL too long for a row is no use: it is kept one
 * byte past the limit, enough for the check to say why it is skipped; a
 * title is cut as the row will cut it.
 */
static struct json_object *
entry_kept(struct json_object *e)
{
	static const char *const urls[] = { "url", "webpage_url" };
	struct json_object	*k, *v;
	const char		*t;
	size_t			 i;

	if ((k = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (!json_object_object_get_ex(e, urls[i], &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		if (json_object_get_string_len(v) <= STORE_URL_MAX)
			json_object_object_add(k, urls[i], json_object_get(v));
		else
			json_object_object_add(k, urls[i], json_object_new_string_len(
			    json_object_get_string(v), STORE_URL_MAX + 1));
	}
	if (json_object_object_get_ex(e, "title", &v) &&
	    json_object_is_type(v, json_type_string)) {
		t = json_object_get_string(v);
		json_object_object_add(k, "title", json_object_new_string_len(t,
		    (int)util_utf8_len(t, RESOLVE_TITLE_MAX)));
	}
	return k;
}

/*
 * "[ot-entry] {...}": listed flat ("_type": "url"), a playlist's entry; a
 * whole video with a playlist index, one of a playlist's videos; neither,
 * a lone video.
 */
static enum ytdlp_line_kind
entry_parse(struct json_object *o, struct ytdlp_line *l)
{
	struct json_object	*v;
	const char		*type = NULL;

	if (json_object_object_get_ex(o, "_type", &v))
		type = json_object_get_string(v);
	if (type != NULL && strcmp(type, "url") == 0) {
		l->entry = entry_kept(o);
		return YTDLP_ENTRY_FLAT;
	}
	if (json_object_object_get_ex(o, "playlist_index", &v) &&
	    json_object_is_type(v, json_type_int))
		return YTDLP_ENTRY_INDEXED;
	return YTDLP_ENTRY;
}

/* "[ot-fmt] {...}": the format yt-dlp chose, before it downloads. */
static enum ytdlp_line_kind
format_parse(struct json_object *o, struct ytdlp_format *f)
{
	struct json_object	*v;
	const char		*t;
	double			 abr;
	size_t			 n;

	f->nfiles = 1;
	if (json_object_object_get_ex(o, "format_id", &v) &&
	    (t = json_object_get_string(v)) != NULL)
		for (; (t = strchr(t, '+')) != NULL; t++)
			f->nfiles++;
	if (json_object_object_get_ex(o, "height", &v) &&
	    json_object_is_type(v, json_type_int))
		f->height = json_object_get_int(v);
	/* Past ABR_MAX_KBPS (or not a number) it is unknown: never cast out of range. */
	if (json_object_object_get_ex(o, "abr", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) &&
	    (abr = json_object_get_double(v)) >= 0 && abr <= ABR_MAX_KBPS)
		f->kbps = (int)(abr + 0.5);
	f->mp4a = json_object_object_get_ex(o, "acodec", &v) &&
	    (t = json_object_get_string(v)) != NULL && strncmp(t, "mp4a", 4) == 0;
	/* A title too long for the row is cut as the row cuts it, never dropped. */
	if (json_object_object_get_ex(o, "title", &v) &&
	    (t = json_object_get_string(v)) != NULL) {
		n = util_utf8_len(t, sizeof(f->title) - 1);
		memcpy(f->title, t, n);
		f->title[n] = '\0';
	}
	if (json_object_object_get_ex(o, "thumbnail", &v) &&
	    (t = json_object_get_string(v)) != NULL &&
	    strlen(t) < sizeof(f->thumbnail) &&
	    (strncmp(t, "http://", 7) == 0 || strncmp(t, "https://", 8) == 0))
		memcpy(f->thumbnail, t, strlen(t) + 1);
	return YTDLP_FORMAT;
}

/* Whether line starts with mark and has more after it. */
static int
marked(const char *line, size_t len, const char *mark)
{
	size_t	 ml = strlen(mark);

	return len > ml && strncmp(line, mark, ml) == 0;
}

/*
 * One line of a download run's stdout (NUL-terminated, without its
 * newline) into l; what it is is also returned.  Reads, decides nothing.
 */
enum ytdlp_line_kind
ytdlp_parse_line(const char *line, size_t len, struct ytdlp_line *l)
{
	struct json_object	*o;
	const char		*mark;
	enum ytdlp_line_kind	 kind;
	int			 entry;

	memset(l, 0, sizeof(*l));
	if (progress_parse(line, len, &l->progress) == 0)
		return l->kind = YTDLP_PROGRESS;
	if (marked(line, len, YTDLP_MARK_FILE)) {
		l->path = line + strlen(YTDLP_MARK_FILE);
		l->pathlen = len - strlen(YTDLP_MARK_FILE);
		return l->kind = YTDLP_FILE;
	}
	entry = marked(line, len, YTDLP_MARK_ENTRY);
	mark = entry ? YTDLP_MARK_ENTRY : marked(line, len, YTDLP_MARK_FORMAT) ?
	    YTDLP_MARK_FORMAT : NULL;
	if (mark != NULL) {
		if ((o = json_tokener_parse(line + strlen(mark))) == NULL)
			return l->kind = YTDLP_OTHER;
		kind = entry ? entry_parse(o, l) : format_parse(o, &l->format);
		json_object_put(o);
		return l->kind = kind;
	}
	/* "[download] File is larger than max-filesize (...). Aborting." */
	if (memmem(line, len, "larger than max-filesize", 24) != NULL)
		return l->kind = YTDLP_TOO_BIG;
	return l->kind = YTDLP_OTHER;
}

/*
 * format_note says what was obtained: the height of the video, or the
 * audio bitrate: the source's, or the bitrate we had FFmpeg encode to when
 * that is lower (m4a from an AAC source is copied, not encoded, and flac and
 * wav have no bitrate to ask for).  -1: nothing to say.
 */
int
ytdlp_format_note(const struct ytdlp_format *f, const char *download_type,
    const char *quality, const char *audio_format, char *out, size_t len)
{
	int	 kbps = f->kbps, cap;

	if (strcmp(download_type, "video") == 0) {
		if (f->height <= 0)
			return -1;
		snprintf(out, len, "%dp", f->height);
		return 0;
	}
	cap = quality_num(quality, "kbps");
	if ((f->mp4a && strcmp(audio_format, "m4a") == 0) ||
	    strcmp(audio_format, "flac") == 0 || strcmp(audio_format, "wav") == 0)
		cap = 0;
	if (cap > 0 && (kbps == 0 || cap < kbps))
		kbps = cap;
	if (kbps <= 0)
		return -1;
	snprintf(out, len, "%dkbps", kbps);
	return 0;
}

/*
 * "[ot-pp:started:Merger]": FFmpeg work begins.  MoveFiles is only a
 * rename, and Concat, which runs after any playlist, joins nothing unless
 * asked to with --concat-playlist, which we never pass.
 */
static int
pp_started(const char *m, size_t len)
{
	static const char	 started[] = YTDLP_MARK_PP "started:";
	static const char *const idle[] = { "MoveFiles]", "Concat]" };
	size_t			 i, sl = sizeof(started) - 1;

	if (len < sl || memcmp(m, started, sl) != 0)
		return 0;
	for (i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		if (len - sl == strlen(idle[i]) &&
		    memcmp(m + sl, idle[i], len - sl) == 0)
			return 0;
	return 1;
}

/*
 * Takes the postprocessor marks out of a stderr tail (they come without a
 * newline, in the middle of other text), from *scan on: what stays is for
 * error_message, and *scan is where the next look starts (a mark cut by a
 * read may start in the last bytes).  1, with the mark in step: one of them
 * says FFmpeg work started.
 */
int
ytdlp_pp_scan(char *data, size_t *len, size_t *scan, char *step, size_t steplen)
{
	char	*m, *end;
	size_t	 ml = strlen(YTDLP_MARK_PP);
	int	 started = 0;

	while (*scan < *len) {
		m = memmem(data + *scan, *len - *scan, YTDLP_MARK_PP, ml);
		if (m == NULL) {
			*scan = *len > ml ? *len - ml : 0;
			break;
		}
		if ((end = memchr(m, ']', (size_t)(data + *len - m))) == NULL) {
			*scan = (size_t)(m - data);
			break;
		}
		end++;
		if (!started && pp_started(m, (size_t)(end - m))) {
			started = 1;
			snprintf(step, steplen, "%.*s", (int)(end - m), m);
		}
		memmove(m, end, (size_t)(data + *len - end));
		*len -= (size_t)(end - m);
		data[*len] = '\0';
		*scan = (size_t)(m - data);
	}
	return started;
}
