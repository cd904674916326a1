/* test_ytdlp_errors.c: the errors that mean "upgrade yt-dlp" are said so, the others are left alone. */
#include "unit.h"
#include "ytdlp.h"

#define TOO_OLD	"yt-dlp could not read this site: it may be too old (yt-dlp 2023.03.04); " \
		"upgrade yt-dlp, see docs/deploy.md#upgrading-yt-dlp: "
#define BLOCKED	"The site refused yt-dlp or asked it to sign in: it may be blocked or " \
		"too old (yt-dlp 2023.03.04); upgrade yt-dlp, see " \
		"docs/deploy.md#upgrading-yt-dlp: "
#define SIGN_IN	"The site wants a signed-in account for this: members-only, " \
		"private or age-restricted (yt-dlp 2023.03.04); give the service " \
		"your cookies, see docs/api.md#cookies-for-sites-that-need-a-sign-in: "

static void
msg(const char *err, char *m, size_t len)
{
	ytdlp_error_message(err, strlen(err), 1, m, len);
}

static void
test_too_old_is_explained(void)
{
	char	 m[1024];

	msg("[youtube] abc: Downloading webpage\n"
	    "ERROR: [youtube] abc: Unable to extract uploader id; please report "
	    "this issue on https://github.com/yt-dlp/yt-dlp/issues\n", m, sizeof(m));
	CHECK_STR(m, TOO_OLD "ERROR: [youtube] abc: Unable to extract uploader id");
	msg("WARNING: [youtube] abc: nsig extraction failed: You may experience "
	    "throttling\nERROR: [youtube] abc: nsig extraction failed: Some "
	    "formats may be missing\n", m, sizeof(m));
	CHECK_STR(m, TOO_OLD "ERROR: [youtube] abc: nsig extraction failed: "
	    "Some formats may be missing");
	CHECK(ytdlp_error_class("ERROR: [youtube] x: Failed to extract any "
	    "player response") == YTDLP_ERROR_TOO_OLD);
}

static void
test_blocked_is_explained(void)
{
	char	 m[1024];

	msg("ERROR: [youtube] abc: Sign in to confirm you're not a bot. This "
	    "helps protect our community.\n", m, sizeof(m));
	CHECK_STR(m, BLOCKED "ERROR: [youtube] abc: Sign in to confirm you're "
	    "not a bot. This helps protect our community.");
	msg("ERROR: unable to download video data: HTTP Error 403: Forbidden\n",
	    m, sizeof(m));
	CHECK_STR(m, BLOCKED "ERROR: unable to download video data: HTTP Error "
	    "403: Forbidden");
	CHECK(ytdlp_error_class("ERROR: HTTP Error 429: Too Many Requests") ==
	    YTDLP_ERROR_BLOCKED);
}

/*
 * An account wanted is not a blocked yt-dlp: the cure is the owner's
 * cookies.  yt-dlp 2023.03.04's own words for each case.
 */
static void
test_sign_in_is_explained(void)
{
	char	 m[1024];

	msg("ERROR: [youtube] abc: Join this channel to get access to "
	    "members-only content like this video, and other exclusive perks.\n",
	    m, sizeof(m));
	CHECK_STR(m, SIGN_IN "ERROR: [youtube] abc: Join this channel to get "
	    "access to members-only content like this video, and other exclusive "
	    "perks.");
	msg("ERROR: [youtube] abc: Sign in to confirm your age. This video may "
	    "be inappropriate for some users.\n", m, sizeof(m));
	CHECK_STR(m, SIGN_IN "ERROR: [youtube] abc: Sign in to confirm your age. "
	    "This video may be inappropriate for some users.");
	CHECK(ytdlp_error_class("ERROR: [youtube] abc: Private video. Sign in if "
	    "you've been granted access to this video") == YTDLP_ERROR_SIGN_IN);
	CHECK(ytdlp_error_class("ERROR: [youtube] abc: Sign in to confirm you're "
	    "not a bot. Use --cookies-from-browser or --cookies for the "
	    "authentication.") == YTDLP_ERROR_SIGN_IN);
}

static void
test_ordinary_errors_are_left_alone(void)
{
	char	 m[1024];

	/* A page with no video: not a sign of an old yt-dlp. */
	msg("ERROR: Unsupported URL: https://example.com/about\n", m, sizeof(m));
	CHECK_STR(m, "ERROR: Unsupported URL: https://example.com/about");

	msg("ERROR: [generic] None: Unable to download webpage: HTTP Error 404: "
	    "Not Found\n", m, sizeof(m));
	CHECK_STR(m, "ERROR: [generic] None: Unable to download webpage: "
	    "HTTP Error 404: Not Found");
	msg("ERROR: [youtube] abc: Video unavailable. This video has been "
	    "removed by the uploader\n", m, sizeof(m));
	CHECK_STR(m, "ERROR: [youtube] abc: Video unavailable. This video has "
	    "been removed by the uploader");
	CHECK(ytdlp_error_class("ERROR: [generic] x: Requested format is not "
	    "available") == YTDLP_ERROR_OTHER);
	CHECK(ytdlp_error_class("ERROR: [Errno 111] Connection refused") ==
	    YTDLP_ERROR_OTHER);
	ytdlp_error_message("", 0, 2, m, sizeof(m));
	CHECK_STR(m, "yt-dlp exited with status 2");
}

static void
test_explained_error_stays_bounded(void)
{
	char	 err[1200], m[1024];
	size_t	 i, n;

	n = (size_t)snprintf(err, sizeof(err), "ERROR: Unable to extract ");
	for (i = n; i + 2 < 1100; i += 2)
		memcpy(err + i, "\xc3\xa9", 2);
	err[i] = '\0';
	msg(err, m, sizeof(m));
	n = strlen(m);
	CHECK(n <= 500 && n >= 498);
	CHECK(strncmp(m, TOO_OLD, strlen(TOO_OLD)) == 0);
	CHECK(((unsigned char)m[n - 1] & 0xc0) == 0x80);
	/* A small buffer gets a whole character too. */
	msg(err, m, 64);
	n = strlen(m);
	CHECK(n <= 63);
}

int
main(void)
{
	ytdlp_set_version("2023.03.04");
	test_too_old_is_explained();
	test_sign_in_is_explained();
	test_blocked_is_explained();
	test_ordinary_errors_are_left_alone();
	test_explained_error_stays_bounded();
	return unit_done("test_ytdlp_errors");
}
