/* curllib.c: libcurl loaded at the first webhook delivery, not at start. */
/*
 * Why not linked: libcurl brings OpenSSL, GnuTLS (whose constructor runs
 * at load), Kerberos, LDAP, SSH and RTMP, ~5 MB of RSS from the worker's
 * first instant, and a household without webhooks never needs any of it.
 * The package depends on libcurl4 all the same; only the moment it is
 * loaded changes.  The worker has one thread: no locking.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "curllib.h"

#define CURLLIB_SONAME	"libcurl.so.4"

struct curllib		 curllib;

static int		 tried;
static char		 load_err[256];	/* empty: loaded */

static void
curllib_open(void)
{
	const char	*missing = NULL;
	void		*h;

	if ((h = dlopen(CURLLIB_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_err, sizeof(load_err), "%s cannot be loaded "
		    "(%s): apt install libcurl4", CURLLIB_SONAME, dlerror());
		return;
	}
#define CURLLIB_SYMBOL(m, f)						\
	if (missing == NULL &&						\
	    (curllib.m = (__typeof__(curllib.m))dlsym(h, #f)) == NULL)	\
		missing = #f;
	CURLLIB_FUNCTIONS(CURLLIB_SYMBOL)
#undef CURLLIB_SYMBOL
	if (missing != NULL)
		snprintf(load_err, sizeof(load_err), "%s has no %s",
		    CURLLIB_SONAME, missing);
}

/* 0 when curllib is filled; -1 and err when libcurl cannot be loaded. */
int
curllib_load(char *err, size_t errlen)
{
	if (!tried) {
		tried = 1;
		curllib_open();
	}
	if (load_err[0] != '\0') {
		snprintf(err, errlen, "%s", load_err);
		return -1;
	}
	return 0;
}
