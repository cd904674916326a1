/* spawn.h: runs a program in its own process group, with pipes, a clean environment and a directory. */
#ifndef OT_SPAWN_H
#define OT_SPAWN_H

#include <sys/types.h>

struct child {
	pid_t	 pid;		/* also the process group id; -1 when none */
	int	 out;		/* read ends, non-blocking, close-on-exec; -1 when closed */
	int	 err;
};

/*
 * tmpdir: the child's TMPDIR, which also marks it as the job's
 * (spawn_kill_orphans); background: work nobody waits on, run only on CPU
 * time nothing else wants.
 */
int	 spawn_run(const char *const argv[], const char *tmpdir, int background,
	    struct child *);
int	 spawn_kill_orphans(const char *dir);

#endif
