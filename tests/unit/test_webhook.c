/* test_webhook.c: a delivery's signature (RFC 4231's HMAC-SHA256 vector), its retry schedule, the apprise argv. */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "webhook.h"

static void
test_the_signature_is_hmac_sha256_of_the_exact_body(void)
{
	char	 sig[WEBHOOK_SIG_LEN];
	const char *body = "what do ya want for nothing?";

	/* RFC 4231, test case 2. */
	CHECK(webhook_sign("Jefe", body, strlen(body), sig) == 0);
	CHECK_STR(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	/* The exact bytes: one more changes it. */
	CHECK(webhook_sign("Jefe", "what do ya want for nothing? ",
	    strlen(body) + 1, sig) == 0);
	CHECK(strcmp(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843") != 0);
}

/* RFC 4231, test case 6: a key longer than SHA-256's block is hashed first. */
static void
test_a_key_longer_than_a_block_is_hashed_first(void)
{
	char	 sig[WEBHOOK_SIG_LEN], key[132];
	const char *body = "Test Using Larger Than Block-Size Key - Hash Key First";

	memset(key, 0xaa, 131);
	key[131] = '\0';
	CHECK(webhook_sign(key, body, strlen(body), sig) == 0);
	CHECK_STR(sig, "sha256=60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
}

/* At least 8 attempts over at least an hour; growing; jitter only adds, at most a fifth. */
static void
test_the_retry_schedule_grows_and_spans_an_hour(void)
{
	int64_t	 total = 0, prev = 0, w;
	int	 n;

	for (n = 1; n < WEBHOOK_ATTEMPTS; n++) {
		w = webhook_retry_ms(n, 100, 0);
		CHECK(w > prev);
		CHECK(webhook_retry_ms(n, 100, 1000) == w + w / 5);
		CHECK(webhook_retry_ms(n, 100, 12345) >= w &&
		    webhook_retry_ms(n, 100, 12345) <= w + w / 5);
		prev = w;
		total += w;
	}
	CHECK(WEBHOOK_ATTEMPTS >= 8);
	CHECK(total >= 3600 * 1000);
	CHECK(webhook_retry_ms(1, 100, 0) == 15000);
	CHECK(webhook_retry_ms(WEBHOOK_ATTEMPTS, 100, 0) == -1);
	CHECK(webhook_retry_ms(0, 100, 0) == -1);
	/* The tests' setting: a hundredth of each wait. */
	CHECK(webhook_retry_ms(1, 1, 0) == 150);
}

static void
test_the_url_comes_after_the_end_of_options(void)
{
	struct webhook_argv	 a;

	webhook_apprise_argv("apprise", "Downloaded: x", "-b evil", "--help", &a);
	CHECK_STR(a.argv[0], "apprise");
	CHECK_STR(a.argv[1], "-t");
	CHECK_STR(a.argv[2], "Downloaded: x");
	CHECK_STR(a.argv[3], "-b");
	CHECK_STR(a.argv[4], "-b evil");
	CHECK_STR(a.argv[5], "--");
	CHECK_STR(a.argv[6], "--help");
	CHECK(a.argv[7] == NULL);
}

int
main(void)
{
	test_the_signature_is_hmac_sha256_of_the_exact_body();
	test_a_key_longer_than_a_block_is_hashed_first();
	test_the_retry_schedule_grows_and_spans_an_hour();
	test_the_url_comes_after_the_end_of_options();
	return unit_done("test_webhook");
}
