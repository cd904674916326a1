/* pqlib.c: libpq loaded the first time a PostgreSQL database is opened. */
/*
 * Why not linked: libpq brings libssl, libcrypto, Kerberos, LDAP and
 * GnuTLS (whose constructor runs at load), ~5 MB of RSS in each program
 * before it does anything, and most installs use SQLite.  The package
 * depends on libpq5 all the same; only the moment it is loaded changes.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "pqlib.h"

#define PQLIB_SONAME	"libpq.so.5"

struct pqlib		 pqlib;

static pthread_once_t	 once = PTHREAD_ONCE_INIT;
static char		 load_err[256];	/* empty: loaded */

static void
pqlib_open(void)
{
	const char	*missing = NULL;
	void		*h;

	if ((h = dlopen(PQLIB_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_err, sizeof(load_err), "PostgreSQL: %s cannot "
		    "be loaded (%s): apt install libpq5", PQLIB_SONAME,
		    dlerror());
		return;
	}
#define PQLIB_SYMBOL(f)							\
	if (missing == NULL &&						\
	    (pqlib.f = (__typeof__(pqlib.f))dlsym(h, #f)) == NULL)	\
		missing = #f;
	PQLIB_FUNCTIONS(PQLIB_SYMBOL)
#undef PQLIB_SYMBOL
	if (missing != NULL)
		snprintf(load_err, sizeof(load_err), "PostgreSQL: %s has no "
		    "%s: libpq 10 or later is needed", PQLIB_SONAME, missing);
	/* On failure nothing reads pqlib: pqlib_load() fails every time. */
}

/* 0 when pqlib is filled; -1 and err when libpq cannot be loaded. */
int
pqlib_load(char *err, size_t errlen)
{
	(void)pthread_once(&once, pqlib_open);
	if (load_err[0] != '\0') {
		snprintf(err, errlen, "%s", load_err);
		return -1;
	}
	return 0;
}
