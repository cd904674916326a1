/* urlform.h: the shape of a URL that may become a task, wherever it comes from. */
#ifndef OT_URLFORM_H
#define OT_URLFORM_H

#define URLFORM_MAX	2048	/* bytes, as api.md promises */

const char	*urlform_check(const char *url);
int		 urlform_is_http(const char *);

#endif
