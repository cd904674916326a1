/* media.h: what yt-dlp left in a job's directory: the media file, its thumbnail and subtitles. */
#ifndef OT_MEDIA_H
#define OT_MEDIA_H

#include <stddef.h>

int		 media_find(const char *dir, const char *hint, char *path,
		    size_t len);
int		 media_thumbnail_find(const char *dir, const char *media,
		    char *src, size_t len, const char **ext);
int		 media_thumbnail_move(const char *src, const char *ext,
		    const char *thumbdir, const char *id, char *dest, size_t len);
int		 media_subtitle_find(const char *dir, const char *lang, char *src,
		    size_t len);
int		 media_subtitle_move(const char *src, const char *subdir,
		    const char *id, const char *lang, char *dest, size_t len);

#endif
