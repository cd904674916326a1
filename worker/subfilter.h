/* subfilter.h: a subscription's filters: which listed entries become tasks. */
#ifndef OT_SUBFILTER_H
#define OT_SUBFILTER_H

#include <regex.h>

struct listing_entry;
struct subscription;

struct subfilter {
	regex_t		 include, exclude;
	int		 has_include, has_exclude;
	long long	 min_duration, max_duration;	/* -1: no bound */
	int		 skip_live;
};

/* What the filters say of an entry. */
enum subfilter_verdict {
	SF_TAKE,	/* a task */
	SF_TITLE,	/* seen, left out by title_include or title_exclude */
	SF_DURATION,	/* seen, left out by min_duration or max_duration */
	SF_LIVE,	/* live or yet to come: not even seen, taken once it has ended */
};

int	 subfilter_init(struct subfilter *, const struct subscription *,
	    char *err, size_t errlen);
void	 subfilter_free(struct subfilter *);
enum subfilter_verdict	 subfilter_judge(const struct subfilter *,
	    const struct listing_entry *);

#endif
