/* cors.h: which browser origins may read the API's answers or act through it, and the preflight. */
#ifndef OT_CORS_H
#define OT_CORS_H

struct req;

#define CORS_REFUSED_ORIGIN	"Origin not allowed (see OFFLINETUBE_CORS_ORIGINS)"
#define CORS_REFUSED_SITE	"Cross-site request refused: a page on another " \
	"site may not start or change anything here (see OFFLINETUBE_CORS_ORIGINS)"

int	 cors_origin_allowed(const char *origins, const char *origin);
const char *cors_site_refusal(const char *origins, const char *origin,
	    const char *fetch_site, const char *host);
const char *cors_refusal(struct req *);
int	 cors_headers(struct req *);
int	 cors_preflight(struct req *, const char *allow);

#endif
