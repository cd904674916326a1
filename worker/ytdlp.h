/* ytdlp.h: what we tell yt-dlp (argv) and what we read back from it (markers, errors). */
#ifndef OT_YTDLP_H
#define OT_YTDLP_H

#include <stddef.h>

#include "progress.h"
#include "store.h"

struct json_object;

#define YTDLP_ARGV_MAX	64

/*
 * Lines we ask yt-dlp to print (--print and --progress-template), so the
 * worker reads facts instead of scraping yt-dlp's human-readable output.
 */
#define YTDLP_MARK_ENTRY	"[ot-entry] "	/* stdout: JSON of a video or a playlist entry */
#define YTDLP_MARK_FORMAT	"[ot-fmt] "	/* stdout: JSON of the chosen format */
#define YTDLP_MARK_FILE		"[ot-file] "	/* stdout: the final file's path */
#define YTDLP_MARK_PP		"[ot-pp:"	/* stderr: "[ot-pp:started:Merger]" */

/* A job's download as the task row describes it. */
struct ytdlp_opts {
	const char	*ytdlp;		/* program */
	const char	*ffmpeg;	/* absolute path, or NULL to let yt-dlp look */
	const char	*outdir;	/* where yt-dlp writes the media and thumbnail */
	const char	*info_json;	/* a -J answer to load, or NULL to extract */
	const char	*download_type;	/* "video" | "audio" */
	const char	*quality;	/* "best", "720p", "128kbps" */
	const char	*format_id;	/* "" or NULL: none */
	const char	*audio_format;	/* m4a, mp3, opus, flac, wav */
	const char	*max_filesize;	/* "" or NULL: no limit */
	const char	*rate;		/* -r, bytes per second: "" or NULL: no cap */
	int		 embed_metadata;	/* 1: title, chapters... into the file */
	enum sponsorblock sponsorblock;
	const char	*sponsorblock_api;	/* "" or NULL: yt-dlp's default */
	const char	*subtitles;	/* languages, "en,es": "" or NULL: none */
	const char	*cookies;	/* the job's own copy of its owner's, NULL: none */
	const char	*url;
};

/* An argv and the strings built for it: argv points into this struct, or at constants. */
struct ytdlp_argv {
	const char	*argv[YTDLP_ARGV_MAX];
	size_t		 argc;
	char		 format[256];
	char		 audio_quality[16];
	char		 playlist_pick[24];	/* a check's --playlist-end or -items */
	char		 sub_langs[STORE_SUBTITLES_MAX * (STORE_SUBTITLE_LANG_MAX + 3)];
};

/* What one line of a download run's stdout says (ytdlp_parse_line). */
/* Failures whose cure is not another try (ytdlp_error_class()). */
enum ytdlp_error {
	YTDLP_ERROR_OTHER,	/* said as yt-dlp said it */
	YTDLP_ERROR_SIGN_IN,	/* an account is wanted: the owner's cookies */
	YTDLP_ERROR_BLOCKED,	/* the site refuses yt-dlp: a newer one, maybe */
	YTDLP_ERROR_TOO_OLD,	/* yt-dlp no longer reads the site */
	YTDLP_ERROR__MAX
};

enum ytdlp_line_kind {
	YTDLP_OTHER,		/* nothing to act on: for the log */
	YTDLP_PROGRESS,		/* progress of the file being fetched */
	YTDLP_ENTRY,		/* a lone video: the download itself */
	YTDLP_ENTRY_FLAT,	/* a playlist's entry, listed, not fetched */
	YTDLP_ENTRY_INDEXED,	/* a whole video of a playlist: about to fetch them all */
	YTDLP_FORMAT,		/* the format chosen, before the download */
	YTDLP_FILE,		/* the final file's path */
	YTDLP_TOO_BIG,		/* skipped by --max-filesize: exit 0, no file */
};

struct ytdlp_format {
	int	 nfiles;		/* files fetched: "137+140" is 2 */
	int	 height;		/* 0: unknown */
	int	 kbps;			/* the audio bitrate, 0: unknown */
	int	 mp4a;			/* the audio is AAC */
	char	 title[1024];		/* "" when none; cut on a character */
	char	 thumbnail[STORE_URL_MAX + 1];	/* an http(s) URL, or "" */
};

struct ytdlp_line {
	enum ytdlp_line_kind	 kind;
	struct progress		 progress;	/* YTDLP_PROGRESS */
	struct json_object	*entry;		/* YTDLP_ENTRY_FLAT: the caller's */
	struct ytdlp_format	 format;	/* YTDLP_FORMAT */
	const char		*path;		/* YTDLP_FILE: in the line */
	size_t			 pathlen;
};

int	 ytdlp_download_argv(const struct ytdlp_opts *, struct ytdlp_argv *);
int	 ytdlp_resolve_argv(const char *ytdlp, const char *url,
	    const char *cookies, struct ytdlp_argv *);
int	 ytdlp_check_argv(const char *ytdlp, const char *url, int entries,
	    enum listing_order, const char *cookies, struct ytdlp_argv *);
void	 ytdlp_error_message(const char *err, size_t len, int status,
	    char *out, size_t outlen);
void	 ytdlp_set_version(const char *);
int	 ytdlp_sponsorblock_unreachable(const char *err, size_t len);
int	 ytdlp_subtitle_failed(const char *err, size_t len, char *lang,
	    size_t langlen);
int	 ytdlp_subtitles_drop(char *list, const char *lang);
enum ytdlp_error	 ytdlp_error_class(const char *);
enum ytdlp_line_kind	 ytdlp_parse_line(const char *, size_t, struct ytdlp_line *);
int	 ytdlp_format_note(const struct ytdlp_format *, const char *download_type,
	    const char *quality, const char *audio_format, char *out, size_t len);
int	 ytdlp_pp_scan(char *data, size_t *len, size_t *scan, char *step,
	    size_t steplen);

#endif
