/* webhook.c: what a delivery sends: its signature, its retry schedule, the apprise command. */
#include <string.h>

#include <sodium.h>

#include "webhook.h"

/*
 * X-OfflineTube-Signature: "sha256=" and the hex HMAC-SHA256 of the exact
 * body, keyed with the webhook's secret, as GitHub signs its webhooks.
 */
int
webhook_sign(const char *secret, const char *body, size_t len,
    char out[WEBHOOK_SIG_LEN])
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];

	/* libsodium's HMAC takes a key of any length, as RFC 2104 does. */
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, WEBHOOK_SIG_LEN - 7, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

/*
 * The wait after a failed attempt (attempts: how many were made), or -1
 * when that was the last: 15 s, 1, 3, 5, 10, 20 and 30 min, so that eight
 * attempts span more than an hour; each up to a fifth longer at random
 * (rnd), so that the deliveries of one outage do not all come back at
 * once.  percent shortens them for tests (OFFLINETUBE_WEBHOOK_RETRY_PERCENT).
 */
int64_t
webhook_retry_ms(int attempts, int percent, uint32_t rnd)
{
	static const int	 wait_s[WEBHOOK_ATTEMPTS - 1] = {
		15, 60, 180, 300, 600, 1200, 1800
	};
	int64_t			 ms;

	if (attempts < 1 || attempts >= WEBHOOK_ATTEMPTS)
		return -1;
	ms = (int64_t)wait_s[attempts - 1] * 1000;
	ms += ms / 5 * (rnd % 1001) / 1000;
	if (percent > 0 && percent < 100)
		ms = ms * percent / 100;
	return ms;
}

/* apprise -t TITLE -b BODY -- URL: the URL after "--", never read as an option. */
void
webhook_apprise_argv(const char *prog, const char *title, const char *body,
    const char *url, struct webhook_argv *a)
{
	a->argv[0] = prog;
	a->argv[1] = "-t";
	a->argv[2] = title;
	a->argv[3] = "-b";
	a->argv[4] = body;
	a->argv[5] = "--";
	a->argv[6] = url;
	a->argv[7] = NULL;
}
