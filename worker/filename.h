/* filename.h: the names of our files: {title}__{id}.{ext} in downloads/, {id}.{ext} in thumbnails/, {id}.{lang}.vtt in subtitles/. */
#ifndef OT_FILENAME_H
#define OT_FILENAME_H

#include <stddef.h>

#define FILENAME_MAX_BYTES	255	/* NAME_MAX of every common file system */
#define FILENAME_EXT_MAX	8	/* a longer "extension" is not one: "bin" */
#define FILENAME_ID_LEN		36	/* a UUID */
#define FILENAME_LANG_MAX	16	/* a subtitle's language code, as the API takes it */

enum filename_kind { FILENAME_MEDIA, FILENAME_THUMBNAIL };

int	 filename_build(const char *title, const char *id, const char *ext,
	    char *out, size_t outlen);
int	 filename_ext_ok(const char *ext);
int	 filename_parse(const char *name, enum filename_kind,
	    char id[FILENAME_ID_LEN + 1]);
int	 filename_parse_subtitle(const char *name, char id[FILENAME_ID_LEN + 1],
	    char lang[FILENAME_LANG_MAX + 1]);

#endif
