/* proc.h: one supervised child: started, read into bounded buffers, stopped (TERM, then KILL), reaped. */
#ifndef OT_PROC_H
#define OT_PROC_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn.h"
#include "tail.h"

#define PROC_MAX	52	/* downloads (32), look-ups (8), checks (4), notifications (4), the version check */
#define PROC_KILL_MS	300	/* SIGTERM, then SIGKILL: stopped within 1 s */
#define PROC_LOST	0xff00	/* the wait status of a child we could not reap */

/*
 * What the owner of a child is told.  out: a line of stdout (NUL-terminated,
 * without its newline) when the proc reads lines, else the bytes as they
 * come; err: stderr went into the tail, dropped bytes left its front (NULL:
 * nothing to do); ended: the child is reaped (wstatus as waitpid's), and the
 * proc may be started again from here.
 */
struct proc_ops {
	void	(*out)(void *, char *, size_t);
	void	(*err)(void *, size_t dropped);
	void	(*ended)(void *, int wstatus);
};

struct proc {
	struct child		 child;
	const struct proc_ops	*ops;
	void			*arg;
	const char		*tag;		/* for the log */
	size_t			 line_max;	/* 0: stdout as it comes */
	char			*line;		/* a partial line of stdout */
	size_t			 linelen, linecap;
	int			 skipping;	/* in a line past line_max */
	struct tail		 err;		/* the tail of stderr */
	int			 background;	/* nobody waits on it (spawn_run) */
	int64_t			 kill_at;	/* SIGKILL due, 0: none */
	int			 stopping;	/* SIGTERM sent */
};

void	 proc_init(struct proc *, const struct proc_ops *, void *arg,
	    const char *tag);
int	 proc_start(struct proc *, const char *const argv[], const char *dir,
	    size_t line_max);
int	 proc_running(const struct proc *);
void	 proc_stop(struct proc *);
void	 proc_close(struct proc *);
int	 proc_wait(struct proc *, int ms);

size_t	 proc_pollfds(struct pollfd *, size_t max);
void	 proc_read_ready(const struct pollfd *, size_t n);
int	 proc_reap(void);
void	 proc_timers(void);
int	 proc_wait_stopped(int ms);

#endif
