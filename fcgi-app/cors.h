/* cors.h: which browser origins may read the API's answers, and the preflight. */
#ifndef OT_CORS_H
#define OT_CORS_H

struct req;

int	 cors_origin_allowed(const char *origins, const char *origin);
int	 cors_headers(struct req *);
int	 cors_preflight(struct req *, const char *allow);

#endif
