/* test_log.c: one event is one plain line, whatever bytes its words carry. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

static void
test_control_characters_cannot_forge_lines_or_drive_terminals(void)
{
	char	 buf[4096];
	FILE	*f;
	size_t	 n;
	int	 saved;

	if ((f = tmpfile()) == NULL) {
		CHECK(!"tmpfile");
		return;
	}
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	log_init("test");
	log_info("id", "entry %s: %s", "http://a/\x1b[31m\nFAKE test[info] x",
	    "tab\there\r\177end");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CHECK(n > 0 && strchr(buf, '\n') == buf + n - 1);
	CHECK(strchr(buf, '\x1b') == NULL && strchr(buf, '\r') == NULL &&
	    strchr(buf, '\x7f') == NULL);
	CHECK(strstr(buf, "test[info] id: entry http://a/?[31m?FAKE test[info] x: "
	    "tab\there??end\n") != NULL);
}

int
main(void)
{
	test_control_characters_cannot_forge_lines_or_drive_terminals();
	return unit_done("test_log");
}
