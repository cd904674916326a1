/* cookiejar.c: a run's private copy of its owner's cookies, in the run's own directory. */
/*
 * yt-dlp writes the cookie file it is given back when it ends (with what the
 * site set), so no run ever gets the stored file itself: two runs of one
 * owner would race on it, and a run could grow it past what the API checked.
 * Each run gets a copy (0600) in its own 0700 directory, which goes with the
 * directory when the run ends.  The copy is made from the owner's file only:
 * the name is built from the owner's number (config_cookies_path).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cookiejar.h"
#include "log.h"
#include "util.h"

#define COPY_NAME	"cookies.txt"

/*
 * 1: the owner has cookies, and path names the copy in dir; 0: the owner has
 * none (path ""); -1: they could not be copied (logged, path "").  owner
 * below 0 has none.
 */
int
cookiejar_copy(const struct config *c, long long owner, const char *dir,
    char *path, size_t len)
{
	char	 src[PATH_MAX];
	int	 rc;

	path[0] = '\0';
	if (owner < 0)
		return 0;
	if (config_cookies_path(c, owner, src, sizeof(src)) == -1 ||
	    util_path_join(path, len, dir, COPY_NAME) == -1) {
		path[0] = '\0';
		log_warnx(NULL, "cookies of key %lld: path too long", owner);
		return -1;
	}
	/* A copy a stopped run of the same directory left is replaced. */
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warnx(NULL, "cookies of key %lld: %s: %s", owner, path,
		    strerror(errno));
		path[0] = '\0';
		return -1;
	}
	if ((rc = util_file_copy(src, path, 0600)) == -1)
		log_warnx(NULL, "cookies of key %lld: cannot copy them into "
		    "%s: %s", owner, dir, strerror(errno));
	if (rc != 1)
		path[0] = '\0';
	return rc;
}
