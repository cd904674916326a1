/* log.c: one line per event on stderr, with a program name and an optional task id. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

int		 log_verbose;
static const char *log_name = "offlinetube";

void
log_init(const char *progname)
{
	log_name = progname;
	/* Line-buffered so that lines from several threads do not interleave mid-line. */
	setvbuf(stderr, NULL, _IOLBF, 0);
}

static void __attribute__((format(printf, 3, 0)))
log_vemit(const char *level, const char *id, const char *fmt, va_list ap)
{
	char		 line[2048], stamp[32], *p;
	struct tm	 tm;
	time_t		 now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	/*
	 * Lines carry what sites and clients sent (titles, URLs, yt-dlp's
	 * words): a newline there would forge a line of its own, an escape
	 * would drive the reader's terminal.  One event, one plain line.
	 */
	for (p = line; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			*p = '?';
	if (id != NULL)
		fprintf(stderr, "%s %s[%s] %s: %s\n", stamp, log_name, level, id, line);
	else
		fprintf(stderr, "%s %s[%s] %s\n", stamp, log_name, level, line);
}

void
log_info(const char *id, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit("info", id, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *id, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit("warn", id, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *id, const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vemit("debug", id, fmt, ap);
	va_end(ap);
}
