/* subfilter.c: a subscription's filters: which listed entries become tasks. */
/*
 * The title filters are POSIX extended regular expressions, case-insensitive,
 * compiled here as the API compiled them when it accepted them.  An entry
 * whose duration the listing does not give passes the duration bounds: a
 * site that does not say is not a reason to miss its videos.
 */
#include <stdio.h>
#include <string.h>

#include "resolve.h"
#include "store.h"
#include "subfilter.h"

#define RE_FLAGS	(REG_EXTENDED | REG_ICASE | REG_NOSUB)

static int
compile(regex_t *re, const char *src, const char *name, char *err,
    size_t errlen)
{
	char	 why[128];
	int	 rc;

	if ((rc = regcomp(re, src, RE_FLAGS)) == 0)
		return 0;
	regerror(rc, re, why, sizeof(why));
	snprintf(err, errlen, "%s does not compile: %s", name, why);
	return -1;
}

int
subfilter_init(struct subfilter *f, const struct subscription *u, char *err,
    size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->min_duration = u->min_duration;
	f->max_duration = u->max_duration;
	f->skip_live = u->skip_live;
	if (u->title_include[0] != '\0') {
		if (compile(&f->include, u->title_include, "title_include", err,
		    errlen) == -1)
			return -1;
		f->has_include = 1;
	}
	if (u->title_exclude[0] != '\0') {
		if (compile(&f->exclude, u->title_exclude, "title_exclude", err,
		    errlen) == -1) {
			subfilter_free(f);
			return -1;
		}
		f->has_exclude = 1;
	}
	return 0;
}

void
subfilter_free(struct subfilter *f)
{
	if (f->has_include)
		regfree(&f->include);
	if (f->has_exclude)
		regfree(&f->exclude);
	f->has_include = f->has_exclude = 0;
}

enum subfilter_verdict
subfilter_judge(const struct subfilter *f, const struct listing_entry *e)
{
	if (e->live && f->skip_live)
		return SF_LIVE;
	if (f->has_include && regexec(&f->include, e->title, 0, NULL, 0) != 0)
		return SF_TITLE;
	if (f->has_exclude && regexec(&f->exclude, e->title, 0, NULL, 0) == 0)
		return SF_TITLE;
	if (e->duration >= 0 && ((f->min_duration >= 0 &&
	    e->duration < f->min_duration) ||
	    (f->max_duration >= 0 && e->duration > f->max_duration)))
		return SF_DURATION;
	return SF_TAKE;
}
