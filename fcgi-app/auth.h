/* auth.h: API keys (who is asking) and the signed links that <video> and <img> use. */
#ifndef OT_AUTH_H
#define OT_AUTH_H

#include <stddef.h>

struct config;
struct req;
struct store;
struct store_task_row;

#define AUTH_KEY_PREFIX_LEN	12	/* "otk_" + 8 hex */
#define AUTH_LINK_MAX		(1024 * 3 + 256)	/* an encoded name, ?exp=&kid=&sig= */

/* A task record's links; "" when it has none (a thumbnail: use the stored one). */
struct auth_links {
	char	 stream_url[AUTH_LINK_MAX];
	char	 file_url[AUTH_LINK_MAX];
	char	 thumbnail[AUTH_LINK_MAX];
};

int	 auth_init(const struct config *, char *err, size_t errlen);
int	 auth_startup_check(const struct config *, struct store *, char *err,
	    size_t errlen);
int	 auth_request(struct req *, int link_ok);
/* When the links signed now expire (unix seconds, a ten-minute step). */
long long	 auth_link_expiry(const struct req *);
int	 auth_links(struct req *, const struct store_task_row *,
	    int local_thumbnail, struct auth_links *);
int	 auth_link(struct req *, const char *path, char *out, size_t len);
int	 auth_new_key(char *key, size_t keylen, char prefix[AUTH_KEY_PREFIX_LEN + 1],
	    char hash[65]);
int	 auth_sign(const char *path, long long exp, long long kid, char *sig,
	    size_t len);

#endif
