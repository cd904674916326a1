/* webhook.h: what a delivery sends: its signature, its retry schedule, the apprise command. */
#ifndef OT_WEBHOOK_H
#define OT_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SIG_LEN		72	/* "sha256=" + 64 hex + NUL */
#define WEBHOOK_ATTEMPTS	8	/* then given up */

int	 webhook_sign(const char *secret, const char *body, size_t len,
	    char out[WEBHOOK_SIG_LEN]);
int64_t	 webhook_retry_ms(int attempts, int percent, uint32_t rnd);

struct webhook_argv {
	const char	*argv[8];
};
void	 webhook_apprise_argv(const char *prog, const char *title,
	    const char *body, const char *url, struct webhook_argv *);

#endif
