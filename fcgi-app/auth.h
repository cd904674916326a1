/* auth.h: API keys (who is asking) and the signed links that <video> and <img> use. */
#ifndef OT_AUTH_H
#define OT_AUTH_H

#include <stddef.h>

struct config;
struct json_object;
struct req;
struct store;

#define AUTH_KEY_PREFIX_LEN	12	/* "otk_" + 8 hex */

int	 auth_init(const struct config *, char *err, size_t errlen);
int	 auth_startup_check(const struct config *, struct store *, char *err,
	    size_t errlen);
int	 auth_request(struct req *, int link_ok);
int	 auth_decorate(struct req *, struct json_object *task);
int	 auth_new_key(char *key, size_t keylen, char prefix[AUTH_KEY_PREFIX_LEN + 1],
	    char hash[65]);
int	 auth_hash_key(const char *key, char hash[65]);
int	 auth_sign(const char *path, long long exp, char *sig, size_t len);

#endif
