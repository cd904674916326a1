/* test_etag.c: If-None-Match judged against a tag: RFC 9110's forms, and values that do not parse. */
#include "etag.h"
#include "unit.h"

static void
test_matches(void)
{
	const char	*t = "\"l0123456789abcdef\"";

	CHECK(etag_matches(t, t) == 1);
	CHECK(etag_matches("W/\"l0123456789abcdef\"", t) == 1);
	CHECK(etag_matches("\"a\", \"l0123456789abcdef\"", t) == 1);
	CHECK(etag_matches(" ,\t\"a\" ,, W/\"l0123456789abcdef\" , ", t) == 1);
	CHECK(etag_matches("*", t) == 1);
	CHECK(etag_matches(" * ", t) == 1);
}

static void
test_refuses(void)
{
	const char	*t = "\"l0123456789abcdef\"";

	CHECK(etag_matches(NULL, t) == 0);
	CHECK(etag_matches("", t) == 0);
	CHECK(etag_matches("\"other\"", t) == 0);
	CHECK(etag_matches("l0123456789abcdef", t) == 0);		/* unquoted */
	CHECK(etag_matches("\"l0123456789abcdef", t) == 0);		/* unclosed */
	CHECK(etag_matches("\"l0123456789abcde\"", t) == 0);		/* a prefix */
	CHECK(etag_matches("\"l0123456789abcdef0\"", t) == 0);	/* longer */
	CHECK(etag_matches("w/\"l0123456789abcdef\"", t) == 0);	/* W/ is case-sensitive */
	/* Junk after or before a good tag: the value does not parse. */
	CHECK(etag_matches("\"l0123456789abcdef\" x", t) == 0);
	CHECK(etag_matches("x, \"l0123456789abcdef\"", t) == 0);
	CHECK(etag_matches("\"l0123456789abcdef\", x", t) == 0);
	CHECK(etag_matches("*, \"l0123456789abcdef\"", t) == 0);
	CHECK(etag_matches("W/", t) == 0);
}

static void
test_format_and_hash(void)
{
	char	 buf[ETAG_MAX];

	/* FNV-1a's own test vectors: "" and "a". */
	CHECK(etag_hash(ETAG_SEED, "", 0) == UINT64_C(0xcbf29ce484222325));
	CHECK(etag_hash(ETAG_SEED, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
	/* In pieces as at once. */
	CHECK(etag_hash(etag_hash(ETAG_SEED, "ab", 2), "cd", 2) ==
	    etag_hash(ETAG_SEED, "abcd", 4));
	etag_format(buf, 't', UINT64_C(0xaf63dc4c8601ec8c));
	CHECK_STR(buf, "\"taf63dc4c8601ec8c\"");
	etag_format(buf, 'l', 0);
	CHECK_STR(buf, "\"l0000000000000000\"");
	CHECK(strlen(buf) == ETAG_MAX - 1);
}

int
main(void)
{
	test_matches();
	test_refuses();
	test_format_and_hash();
	return unit_done("test_etag");
}
