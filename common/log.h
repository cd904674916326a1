/* log.h: one line per event on stderr, with a program name and an optional task id. */
#ifndef OT_LOG_H
#define OT_LOG_H

extern int log_verbose;

void	log_init(const char *progname);
void	log_info(const char *id, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_warnx(const char *id, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_debug(const char *id, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
