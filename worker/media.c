/* media.c: what yt-dlp left in a job's directory: the media file, its thumbnail and subtitles. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "media.h"
#include "util.h"

/* Extensions that are never the media file: partial downloads, thumbnails, subtitles. */
static const char *const not_media[] = {
	".part", ".ytdl", ".jpg", ".jpeg", ".png", ".webp", ".image", ".json",
	".temp", ".vtt", ".srt", ".ass", ".ttml", ".srv1", ".srv2", ".srv3",
	".json3", ".lrc",
};

static int
has_suffix(const char *s, const char *suf)
{
	size_t	 n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/*
 * The thumbnail's type from its first bytes: yt-dlp names it after the URL
 * (".image", or no extension at all), and the API serves only these three.
 */
static const char *
media_image_ext(const unsigned char *b, size_t n)
{
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "jpg";
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "webp";
	return NULL;
}

/*
 * The media file: the path yt-dlp printed when it is a file in dir, else the
 * largest regular file in dir that is not partial or a thumbnail.
 */
int
media_find(const char *dir, const char *hint, char *path, size_t len)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 p[PATH_MAX];
	off_t		 best = -1;
	size_t		 i, dl = strlen(dir);

	if (hint != NULL && hint[0] != '\0' && strncmp(hint, dir, dl) == 0 &&
	    hint[dl] == '/' && strchr(hint + dl + 1, '/') == NULL &&
	    lstat(hint, &st) == 0 && S_ISREG(st.st_mode) && strlen(hint) < len) {
		memcpy(path, hint, strlen(hint) + 1);
		return 0;
	}
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		for (i = 0; i < sizeof(not_media) / sizeof(not_media[0]); i++)
			if (has_suffix(de->d_name, not_media[i]))
				break;
		if (i < sizeof(not_media) / sizeof(not_media[0]) ||
		    de->d_name[0] == '.')
			continue;
		if (util_path_join(p, sizeof(p), dir, de->d_name) == -1 ||
		    lstat(p, &st) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_size <= best || strlen(p) >= len)
			continue;
		best = st.st_size;
		memcpy(path, p, strlen(p) + 1);
	}
	closedir(d);
	return best >= 0 ? 0 : -1;
}

/* Whether a file of dir is the one looked for: its name, its path, the caller's state. */
typedef int (*file_match)(const char *name, const char *path, void *arg);

/*
 * The first regular file in dir, not hidden nor partial, that match takes.
 * Returns 1 with src set, 0 when none.
 */
static int
first_file(const char *dir, file_match match, void *arg, char *src,
    size_t len)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 p[PATH_MAX];
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || has_suffix(de->d_name, ".part") ||
		    util_path_join(p, sizeof(p), dir, de->d_name) == -1 ||
		    lstat(p, &st) == -1 || !S_ISREG(st.st_mode) ||
		    strlen(p) >= len || !match(de->d_name, p, arg))
			continue;
		memcpy(src, p, strlen(p) + 1);
		found = 1;
	}
	closedir(d);
	return found;
}

struct thumb_match {
	const char	*media;
	const char	*ext;
};

/* An image other than the media file, its type read from its first bytes. */
static int
thumbnail_match(const char *name, const char *path, void *arg)
{
	struct thumb_match	*m = arg;
	unsigned char		 head[16];
	ssize_t			 n;
	int			 fd;

	(void)name;
	if (strcmp(path, m->media) == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n > 0 && (m->ext = media_image_ext(head, (size_t)n)) != NULL;
}

/*
 * The thumbnail yt-dlp wrote: the first image in dir other than media, its
 * type from its content.  Returns 1 with src and *ext set, 0 when none.
 */
int
media_thumbnail_find(const char *dir, const char *media, char *src,
    size_t len, const char **ext)
{
	struct thumb_match	 m = { media, NULL };

	if (!first_file(dir, thumbnail_match, &m, src, len))
		return 0;
	*ext = m.ext;
	return 1;
}

/*
 * Moves the thumbnail src to thumbdir/{id}.{ext}.  Returns 1 with dest set,
 * 0 when it could not be moved.
 */
int
media_thumbnail_move(const char *src, const char *ext, const char *thumbdir,
    const char *id, char *dest, size_t len)
{
	char		 name[64];
	size_t		 i;

	/* A retried task may have left another type's thumbnail: only one may exist. */
	for (i = 0; util_thumb_path(thumbdir, id, i, dest, len) == 0; i++)
		(void)unlink(dest);
	snprintf(name, sizeof(name), "%s.%s", id, ext);
	if (util_path_join(dest, len, thumbdir, name) == -1)
		return 0;
	if (rename(src, dest) == -1) {
		log_warnx(id, "thumbnail %s: %s", dest, strerror(errno));
		return 0;
	}
	(void)chmod(dest, 0640);	/* as the media file: see job_complete() */
	return 1;
}

/* "{video id}" then the suffix ".{lang}.vtt", in any case. */
static int
subtitle_match(const char *name, const char *path, void *arg)
{
	const char	*suffix = arg;

	(void)path;
	return strlen(name) > strlen(suffix) && has_suffix(name, suffix);
}

/*
 * The subtitles yt-dlp wrote in lang: "{video id}.{lang}.vtt" in dir.  It
 * names the file after the language as the site spells it, which matched
 * ours regardless of case ("en-US" for "en-us").  1 with src set, 0 when
 * none.
 */
int
media_subtitle_find(const char *dir, const char *lang, char *src, size_t len)
{
	char	 suffix[64];
	int	 n;

	n = snprintf(suffix, sizeof(suffix), ".%s.vtt", lang);
	if (n < 0 || (size_t)n >= sizeof(suffix))
		return 0;
	return first_file(dir, subtitle_match, suffix, src, len);
}

/*
 * Moves the subtitles src to subdir/{id}.{lang}.vtt: a name made of the
 * task's id and the language the API validated, nothing of the site's.
 * 1 with dest set, 0 when it could not be moved.
 */
int
media_subtitle_move(const char *src, const char *subdir, const char *id,
    const char *lang, char *dest, size_t len)
{
	char	 name[64];
	int	 n;

	n = snprintf(name, sizeof(name), "%s.%s.vtt", id, lang);
	if (n < 0 || (size_t)n >= sizeof(name) ||
	    util_path_join(dest, len, subdir, name) == -1)
		return 0;
	if (rename(src, dest) == -1) {
		log_warnx(id, "subtitles %s: %s", dest, strerror(errno));
		return 0;
	}
	(void)chmod(dest, 0640);	/* as the media file: see job_complete() */
	return 1;
}
