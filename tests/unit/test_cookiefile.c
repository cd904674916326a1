/* test_cookiefile.c: cookies.txt lines accepted, refused by number, summed up and cleaned. */
#include <stdlib.h>
#include <string.h>

#include "cookiefile.h"
#include "unit.h"

static struct cookiefile_summary	 s;
static struct cookiefile_error		 e;
static char				 out[COOKIEFILE_OUT_MAX(4096)];
static size_t				 used;

static int
parse(const char *text)
{
	return cookiefile_parse(text, strlen(text), &s, out, sizeof(out), &used,
	    &e);
}

/* out as a string, for CHECK_STR. */
static const char *
clean(void)
{
	out[used] = '\0';
	return out;
}

static void
test_accepts_a_browser_export(void)
{
	CHECK(parse("# Netscape HTTP Cookie File\r\n"
	    "# https://curl.se/docs/http-cookies.html\r\n"
	    "\r\n"
	    ".youtube.com\tTRUE\t/\tTRUE\t1893456000\tSID\tsecret1\r\n"
	    "#HttpOnly_.youtube.com\tTRUE\t/\tTRUE\t1893456000\tHSID\tsecret2\r\n"
	    "www.Example.org\tFALSE\t/a\tFALSE\t\tsess\t\r\n") == 0);
	CHECK(s.count == 3);
	CHECK(s.ndomains == 2);
	CHECK_STR(s.domains[0], "www.example.org");
	CHECK_STR(s.domains[1], "youtube.com");
	CHECK_STR(clean(), COOKIEFILE_HEADER
	    ".youtube.com\tTRUE\t/\tTRUE\t1893456000\tSID\tsecret1\n"
	    "#HttpOnly_.youtube.com\tTRUE\t/\tTRUE\t1893456000\tHSID\tsecret2\n"
	    "www.Example.org\tFALSE\t/a\tFALSE\t\tsess\t\n");
}

/* yt-dlp refuses a whole file whose flag disagrees with the domain's dot. */
static void
test_flag_made_to_agree_with_the_dot(void)
{
	CHECK(parse("example.com\tTRUE\t/\tFALSE\t0\ta\tb\n"
	    ".example.net\tFALSE\t/\tFALSE\t0\tc\td") == 0);
	CHECK_STR(clean(), COOKIEFILE_HEADER
	    ".example.com\tTRUE\t/\tFALSE\t0\ta\tb\n"
	    ".example.net\tTRUE\t/\tFALSE\t0\tc\td\n");
	CHECK(s.ndomains == 2);
	CHECK_STR(s.domains[0], "example.com");
}

static void
check_refused(const char *text, size_t line, const char *why_part)
{
	CHECK(parse(text) == -1);
	CHECK(e.line == line);
	CHECK(e.why != NULL && strstr(e.why, why_part) != NULL);
	if (e.line != line || e.why == NULL || strstr(e.why, why_part) == NULL)
		fprintf(stderr, "  line %zu: %s\n", e.line, e.why ? e.why : "");
}

static void
test_refusals_name_the_line(void)
{
	static const char nul[] = "a.com\tFALSE\t/\tFALSE\t0\tn\tv\0w\n";
	const char	*good = "a.com\tFALSE\t/\tFALSE\t0\tn\tv\n";
	char		 buf[COOKIEFILE_LINE_MAX + 200];

	check_refused("# c\na.com\tFALSE\t/\tFALSE\t0\tn\n", 2, "fewer");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\tn\tv\tx\n", 1, "more");
	check_refused("a.com FALSE / FALSE 0 n v\n", 1, "fewer");
	snprintf(buf, sizeof(buf), "%s\tFALSE\t/\tFALSE\t0\tn\tv\n", "");
	check_refused(buf, 1, "domain");
	check_refused("a b.com\tFALSE\t/\tFALSE\t0\tn\tv\n", 1, "domain");
	check_refused("...\tFALSE\t/\tFALSE\t0\tn\tv\n", 1, "domain");
	check_refused("a.com\ttrue\t/\tFALSE\t0\tn\tv\n", 1, "field 2");
	check_refused("a.com\tFALSE\tx\tFALSE\t0\tn\tv\n", 1, "path");
	check_refused("a.com\tFALSE\t/\tyes\t0\tn\tv\n", 1, "field 4");
	check_refused("a.com\tFALSE\t/\tFALSE\t-1\tn\tv\n", 1, "expiry");
	check_refused("a.com\tFALSE\t/\tFALSE\t12345678901234567890\tn\tv\n", 1,
	    "expiry");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\t\tv\n", 1, "name");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\ta=b\tv\n", 1, "name");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\tn\tv;w\n", 1, "value");
	/* A lone CR would split the line for yt-dlp. */
	check_refused("a.com\tFALSE\t/\tFALSE\t0\tn\tv\rw\n", 1, "control");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\tn\t\xff\n", 1, "UTF-8");
	check_refused("a.com\tFALSE\t/\tFALSE\t0\tn\t\xc0\xaf\n", 1, "UTF-8");
	CHECK(cookiefile_parse(nul, sizeof(nul) - 1, &s, out, sizeof(out),
	    &used, &e) == -1 && e.line == 1 &&
	    strstr(e.why, "NUL") != NULL);
	/* The third line, after two good ones, one with CRLF. */
	snprintf(buf, sizeof(buf), "%s%.*s\r\n%s", good, (int)strlen(good) - 1,
	    good, "x\n");
	check_refused(buf, 3, "fewer");
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, good, strlen(good));
	buf[strlen(good) + COOKIEFILE_LINE_MAX + 1] = '\n';
	buf[strlen(good) + COOKIEFILE_LINE_MAX + 2] = '\0';
	check_refused(buf, 2, "longer than 8192");
	/* A value never reaches the message. */
	CHECK(parse("a.com\tFALSE\t/\tFALSE\t0\tn\tSECRETVALUE\textra\n") == -1 &&
	    strstr(e.why, "SECRET") == NULL);
}

/* A line of exactly COOKIEFILE_LINE_MAX bytes is fine; its CR not counted. */
static void
test_line_at_the_limit(void)
{
	char	*buf;
	size_t	 n;

	if ((buf = malloc(COOKIEFILE_LINE_MAX + 3)) == NULL)
		return;
	n = (size_t)snprintf(buf, 64, "a.com\tFALSE\t/\tFALSE\t0\tn\t");
	memset(buf + n, 'v', COOKIEFILE_LINE_MAX - n);
	memcpy(buf + COOKIEFILE_LINE_MAX, "\r\n", 3);
	CHECK(cookiefile_parse(buf, COOKIEFILE_LINE_MAX + 2, &s, NULL, 0, NULL,
	    &e) == 0 && s.count == 1);
	free(buf);
}

static void
test_comments_only_is_refused(void)
{
	check_refused("# Netscape HTTP Cookie File\n\n   \n# x\n", 0, "no cookies");
	check_refused("", 0, "no cookies");
	/* "#HttpOnly_" is a cookie, "# HttpOnly_" a comment. */
	check_refused("# HttpOnly_a.com\tFALSE\t/\tFALSE\t0\tn\tv\n", 0,
	    "no cookies");
	check_refused("#HttpOnly_a.com\tFALSE\t/\n", 1, "fewer");
}

static void
test_domains_listed_once_up_to_the_cap(void)
{
	char	 buf[64];
	char	*big;
	size_t	 i, n = 0, cap = (COOKIEFILE_DOMAINS_MAX + 5) * 64;

	if ((big = malloc(cap)) == NULL)
		return;
	for (i = 0; i < COOKIEFILE_DOMAINS_MAX + 5; i++) {
		snprintf(buf, sizeof(buf), "d%03zu.com\tFALSE\t/\tFALSE\t0\tn\tv\n",
		    i);
		memcpy(big + n, buf, strlen(buf));
		n += strlen(buf);
	}
	CHECK(cookiefile_parse(big, n, &s, NULL, 0, NULL, &e) == 0);
	CHECK(s.count == COOKIEFILE_DOMAINS_MAX + 5);
	CHECK(s.ndomains == COOKIEFILE_DOMAINS_MAX && s.domains_over);
	CHECK_STR(s.domains[0], "d000.com");
	free(big);
	CHECK(parse(".A.com\tTRUE\t/\tFALSE\t0\tn\tv\na.com\tFALSE\t/\tFALSE\t0\tn\tv\n"
	    "b.com\tFALSE\t/\tFALSE\t0\tn\tv\n") == 0);
	CHECK(s.count == 3 && s.ndomains == 2 && !s.domains_over);
}

int
main(void)
{
	test_accepts_a_browser_export();
	test_flag_made_to_agree_with_the_dot();
	test_refusals_name_the_line();
	test_line_at_the_limit();
	test_comments_only_is_refused();
	test_domains_listed_once_up_to_the_cap();
	return unit_done("test_cookiefile");
}
