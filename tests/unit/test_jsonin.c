/* test_jsonin.c: JSON parsed as it arrives, and its tree freed a slice at a time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonin.h"
#include "lookup.h"
#include "unit.h"

/* An answer fed a byte at a time is the answer fed at once. */
static void
test_an_answer_fed_a_byte_at_a_time_is_the_same(void)
{
	const char	*in = "{\"id\": \"v1\", \"title\": \"T \\u00e9\", "
	    "\"formats\": [{\"format_id\": \"a\", \"height\": 1}, "
	    "{\"format_id\": \"b\", \"height\": 2}]}\n";
	struct jsonin	*p;
	char		 err[128], *whole, *bytes;
	size_t		 i;

	whole = lookup_answer(LOOKUP_INFO, 0, in, strlen(in), err, sizeof(err));
	CHECK(whole != NULL);
	CHECK((p = jsonin_new()) != NULL);
	if (whole == NULL || p == NULL)
		return;
	for (i = 0; in[i] != '\0'; i++)
		CHECK(jsonin_feed(p, in + i, 1) == 0);
	bytes = lookup_answer_of(jsonin_root(p), LOOKUP_INFO, 0, err, sizeof(err));
	CHECK_STR(bytes, whole);
	jsonin_free(p);
	while (jsonin_sweep(1))
		;
	free(bytes);
	free(whole);
	/* Not JSON: said at once, and no root. */
	CHECK((p = jsonin_new()) != NULL);
	if (p == NULL)
		return;
	CHECK(jsonin_feed(p, "<html>", 6) == -1);
	CHECK(jsonin_feed(p, "{}", 2) == 0);
	CHECK(jsonin_root(p) == NULL);
	jsonin_free(p);
	CHECK(jsonin_sweep(SIZE_MAX) == 0);
}

/*
 * A tree put aside is freed a slice at a time, every value of it (ASan would
 * report what is left), each slice no more than it was given.
 */
static void
test_a_tree_put_aside_is_freed_a_slice_at_a_time(void)
{
	struct jsonin	*p;
	char		*in;
	size_t		 cap = 1 << 20, n = 0, i, turns = 0;

	if ((in = malloc(cap)) == NULL)
		return;
	n += (size_t)snprintf(in + n, cap - n, "{\"formats\": [");
	for (i = 0; i < 2000; i++)
		n += (size_t)snprintf(in + n, cap - n, "%s{\"format_id\": \"f%zu\", "
		    "\"http_headers\": {\"a\": \"b\", \"c\": [1, 2, {}]}}",
		    i ? ", " : "", i);
	n += (size_t)snprintf(in + n, cap - n, "], \"id\": \"x\"}");
	CHECK((p = jsonin_new()) != NULL);
	if (p == NULL) {
		free(in);
		return;
	}
	CHECK(jsonin_feed(p, in, n) == 0);
	CHECK(jsonin_root(p) != NULL);
	free(in);
	jsonin_free(p);
	while (jsonin_sweep(1000))
		turns++;
	/* 2,000 formats of 8 values, the array, the id, the root: 16,003. */
	CHECK(turns == 16);
	CHECK(jsonin_sweep(1000) == 0);
}

/*
 * A run stopped past its bound leaves its tree unfinished inside json-c,
 * which would free it all at once: cut anywhere, the text is completed and
 * the tree put aside like any other.
 */
static void
test_an_unfinished_tree_is_put_aside_wherever_it_was_cut(void)
{
	const char	*in = " {\"a\": [1, -2.5e+3, true, false, null, \"s\\\"\\\\\\u00e9x\"], "
	    "\"b\": {\"c\": {}, \"d\": [], \"e\": [[{\"f\": \"g\"}]]}, \"h\": 7, "
	    "\"i\": \"\\ud83d\\ude00\", \"j\": 0.5}";
	struct jsonin	*p;
	size_t		 k, len = strlen(in), aside = 0, bad = 0;

	for (k = 1; k < len; k++) {
		if ((p = jsonin_new()) == NULL)
			return;
		CHECK(jsonin_feed(p, in, k) == 0);
		CHECK(jsonin_root(p) == NULL);
		jsonin_free(p);
		/* Before the root's first byte there is nothing to put aside. */
		if (jsonin_sweep(0) == 1)
			aside++;
		else if (k > 1)
			bad++;
		while (jsonin_sweep(3))
			;
	}
	CHECK(bad == 0);
	CHECK(aside == len - 2);
}

int
main(void)
{
	test_an_answer_fed_a_byte_at_a_time_is_the_same();
	test_a_tree_put_aside_is_freed_a_slice_at_a_time();
	test_an_unfinished_tree_is_put_aside_wherever_it_was_cut();
	return unit_done("test_jsonin");
}
