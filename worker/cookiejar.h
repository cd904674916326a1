/* cookiejar.h: a run's private copy of its owner's cookies, in the run's own directory. */
#ifndef OT_COOKIEJAR_H
#define OT_COOKIEJAR_H

#include <stddef.h>

struct config;

int	 cookiejar_copy(const struct config *, long long owner, const char *dir,
	    char *path, size_t len);

#endif
