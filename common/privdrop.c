/* privdrop.c: never serve as root: switch to OFFLINETUBE_USER first, or refuse. */
/*
 * Started as root (a quick `make run` as root, CI), both programs become
 * OFFLINETUBE_USER before they open the database, the socket or anything a
 * request or yt-dlp can touch; without that setting they refuse to start.
 * The order is the usual one: directories made and handed over, then the
 * groups, the group id, the user id; then a check that root cannot come back.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "privdrop.h"
#include "util.h"

/*
 * Files are made 0640 and directories 0750: nobody but the owner (and the
 * group nginx reads media through, under systemd) sees the data.
 */
void
privdrop_umask(void)
{
	umask(027);
}

/* Hands what this program made (or an earlier root run left) to the user. */
static int
hand_over(const struct config *c, uid_t uid, gid_t gid)
{
	static const char *const files[] = { "offlinetube.db",
	    "offlinetube.db-wal", "offlinetube.db-shm", "link.secret",
	    WORKER_LOCK };
	const char	*dirs[] = { c->data_dir, c->downloads_dir,
	    c->thumbnails_dir, c->subtitles_dir, c->tmp_dir, c->cookies_dir };
	char		 p[PATH_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (lchown(dirs[i], uid, gid) == -1)
			return -1;
	if (util_path_join(p, sizeof(p), c->data_dir, "run") == -1 ||
	    lchown(p, uid, gid) == -1)
		return -1;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (util_path_join(p, sizeof(p), c->data_dir, files[i]) == -1 ||
		    (lchown(p, uid, gid) == -1 && errno != ENOENT))
			return -1;
	return 0;
}

int
privdrop(const struct config *c, char *err, size_t errlen)
{
	struct passwd	*pw;
	char		 home[PATH_MAX];

	if (geteuid() != 0 && getuid() != 0)
		return 0;
	if (c->user[0] == '\0') {
		snprintf(err, errlen, "refusing to run as root: set "
		    "OFFLINETUBE_USER to the account to run as (make run uses "
		    "nobody)");
		return -1;
	}
	if ((pw = getpwnam(c->user)) == NULL) {
		snprintf(err, errlen, "OFFLINETUBE_USER: no such user: %s", c->user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "OFFLINETUBE_USER must not be root");
		return -1;
	}
	if (hand_over(c, pw->pw_uid, pw->pw_gid) == -1) {
		snprintf(err, errlen, "cannot hand %s to %s: %s", c->data_dir,
		    c->user, strerror(errno));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 || setresgid(pw->pw_gid, pw->pw_gid,
	    pw->pw_gid) == -1 || setresuid(pw->pw_uid, pw->pw_uid,
	    pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become %s: %s", c->user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || geteuid() == 0) {
		snprintf(err, errlen, "could become root again after dropping");
		return -1;
	}
	/* The user's own home may not exist (nobody's does not): yt-dlp gets one. */
	if (util_path_join(home, sizeof(home), c->data_dir, ".home") == -1 ||
	    util_mkdir_p(home, 0700) == -1 || setenv("HOME", home, 1) == -1) {
		snprintf(err, errlen, "as %s, cannot write in %s: %s (is a parent "
		    "directory closed to %s?)", c->user, c->data_dir,
		    strerror(errno), c->user);
		return -1;
	}
	return 0;
}
