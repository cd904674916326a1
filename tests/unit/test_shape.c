/* test_shape.c: each closed set and each fixed text has one source, and the others agree with it. */
/*
 * Run from the top of the tree (tests/unit/run.sh is): it reads the files
 * that cannot include a C header, nginx's configuration and the web page,
 * and holds them to the tables they repeat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "unit.h"

/* The whole of a file, NUL-terminated; NULL when it cannot be read. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static int
in_msg_table(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < MSG__MAX; i++)
		if (msg_str[i] != NULL && strlen(msg_str[i]) == len &&
		    memcmp(msg_str[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * nginx answers some errors itself with a JSON body written in its
 * configuration: every "detail" there is a text of fcgi-app/msg.c, so the
 * API and nginx never spell one answer two ways.
 */
static void
test_nginx_details_are_in_the_message_table(void)
{
	static const char *const files[] = { "nginx/offlinetube.conf.in",
	    "nginx/offlinetube-site.conf.in", "nginx/offlinetube-snippet.conf.in" };
	static const char	 key[] = "\"detail\": \"";
	const char		*p, *end;
	char			*text;
	size_t			 i;
	int			 seen;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CHECK((text = slurp(files[i])) != NULL);
		if (text == NULL)
			continue;
		seen = 0;
		for (p = text; (p = strstr(p, key)) != NULL; p = end) {
			p += sizeof(key) - 1;
			if ((end = strchr(p, '"')) == NULL)
				break;
			seen++;
			if (!in_msg_table(p, (size_t)(end - p))) {
				fprintf(stderr, "%s: \"%.*s\" is not in msg.c\n",
				    files[i], (int)(end - p), p);
				CHECK(!"an nginx detail outside the message table");
			}
		}
		CHECK(seen > 0);
		free(text);
	}
}

/* Every entry of the table is filled: a gap would answer a NULL detail. */
static void
test_the_message_table_has_no_gaps(void)
{
	size_t	 i;

	for (i = 0; i < MSG__MAX; i++)
		CHECK(msg_str[i] != NULL && msg_str[i][0] != '\0');
}

int
main(void)
{
	test_nginx_details_are_in_the_message_table();
	test_the_message_table_has_no_gaps();
	return unit_done("test_shape");
}
