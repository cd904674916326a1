/* cookies.h: the /api/cookies routes, and whose cookies a look-up runs with. */
#ifndef OT_COOKIES_H
#define OT_COOKIES_H

struct req;

long long	 cookies_lookup_owner(const struct req *);

#endif
