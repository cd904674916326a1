/* filename.h: the name a finished file gets in downloads/: {title}__{id}.{ext}. */
#ifndef OT_FILENAME_H
#define OT_FILENAME_H

#include <stddef.h>

#define FILENAME_MAX_BYTES	255	/* NAME_MAX of every common file system */

int	 filename_build(const char *title, const char *id, const char *ext,
	    char *out, size_t outlen);

#endif
