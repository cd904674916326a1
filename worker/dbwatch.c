/* dbwatch.c: wakes the worker's loop when anything commits to the database. */
/*
 * Every commit in WAL mode is a write to the database's -wal file, so an
 * inotify watch on its directory wakes the loop at once; PRAGMA data_version
 * then says whether another program's commit moved anything
 * (store_changed()).  A new task is claimed within a millisecond or so
 * instead of at the next poll tick, and nothing but SQLite's own files
 * passes between the programs.  The directory, not the file: SQLite may
 * remove the -wal and make it again.  Without inotify the tick does it all.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "dbwatch.h"
#include "log.h"

/* Returns the descriptor to poll, or -1: new tasks then wait for the tick. */
int
dbwatch_open(const char *db_path)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	int		 fd;

	if ((slash = strrchr(db_path, '/')) == NULL || slash == db_path ||
	    (size_t)(slash - db_path) >= sizeof(dir)) {
		errno = EINVAL;
		goto fail;
	}
	memcpy(dir, db_path, (size_t)(slash - db_path));
	dir[slash - db_path] = '\0';
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		goto fail;
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE) == -1) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	log_warnx(NULL, "inotify on %s: %s; new tasks are noticed at the poll "
	    "tick", db_path, strerror(errno));
	return -1;
}

/* Reads the events away: what changed, store_changed() finds out. */
void
dbwatch_drain(int fd)
{
	char	 buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}
