/* config.h: the settings both programs read from the environment and an optional file. */
#ifndef OT_CONFIG_H
#define OT_CONFIG_H

#include <limits.h>
#include <stdio.h>

/* Under the data directory: held by the running worker (worker/main.c). */
#define WORKER_LOCK	"run/worker.lock"

/* The worker's heartbeat, which the API reads: three missed beats and it is gone. */
#define HEARTBEAT_MS	5000
#define HEARTBEAT_STALE	15	/* seconds */

struct config {
	char	 listen[128];		/* OFFLINETUBE_LISTEN: where nginx listens */
	char	 data_dir[PATH_MAX];	/* OFFLINETUBE_DATA_DIR, made absolute */
	char	 database[PATH_MAX];	/* OFFLINETUBE_DATABASE, "" = data_dir's */
	char	 ytdlp[PATH_MAX];	/* OFFLINETUBE_YTDLP */
	char	 ffmpeg[PATH_MAX];	/* OFFLINETUBE_FFMPEG */
	int	 max_downloads;		/* OFFLINETUBE_MAX_DOWNLOADS, 1..32 */
	char	 search_prefix[64];	/* OFFLINETUBE_SEARCH_PREFIX */
	char	 trending_url[2048];	/* OFFLINETUBE_TRENDING_URL, "" when unset */
	char	 trending_query[512];	/* OFFLINETUBE_TRENDING_QUERY */
	int	 lookup_ttl;		/* OFFLINETUBE_LOOKUP_TTL, seconds */
	int	 allow_private_urls;	/* OFFLINETUBE_ALLOW_PRIVATE_URLS */
	char	 cors_origins[1024];	/* OFFLINETUBE_CORS_ORIGINS, "" = loopback */
	char	 socket[108];	/* OFFLINETUBE_SOCKET, FastCGI unix socket */
	int	 api_threads;		/* OFFLINETUBE_API_THREADS, 1..64 */
	int	 job_timeout;		/* OFFLINETUBE_JOB_TIMEOUT, seconds per job */
	int	 lookup_timeout;	/* OFFLINETUBE_LOOKUP_TIMEOUT, seconds per look-up */
	int	 max_lookups;		/* OFFLINETUBE_MAX_LOOKUPS, the look-up lane */
	char	 auth[8];		/* OFFLINETUBE_AUTH: auto, on, off */
	int	 link_ttl;		/* OFFLINETUBE_LINK_TTL, seconds a signed media link lives */
	int	 max_pending;		/* OFFLINETUBE_MAX_PENDING, waiting tasks per key */
	int	 max_subscriptions;	/* OFFLINETUBE_MAX_SUBSCRIPTIONS, per key */
	int	 max_checks;		/* OFFLINETUBE_MAX_CHECKS, the check lane */
	int	 worker_lease;		/* OFFLINETUBE_WORKER_LEASE, seconds (fleet.c) */
	int	 min_free_mb;		/* OFFLINETUBE_MIN_FREE_MB: no job starts below it */
	char	 max_filesize[16];	/* OFFLINETUBE_MAX_FILESIZE: yt-dlp --max-filesize */
	char	 download_rate[16];	/* OFFLINETUBE_DOWNLOAD_RATE: yt-dlp -r, "" = no cap */
	char	 sponsorblock_api[256];	/* OFFLINETUBE_SPONSORBLOCK_API: "" = yt-dlp's */
	char	 user[64];		/* OFFLINETUBE_USER: who to become when started as root */
	char	 apprise[PATH_MAX];	/* OFFLINETUBE_APPRISE: the program Apprise URLs go to */
	int	 webhook_retry_percent;	/* OFFLINETUBE_WEBHOOK_RETRY_PERCENT: tests shorten retries */

	/* Paths derived from data_dir (db_path: from database, see config.c). */
	char	 db_path[PATH_MAX];
	char	 downloads_dir[PATH_MAX];
	char	 thumbnails_dir[PATH_MAX];
	char	 subtitles_dir[PATH_MAX];
	char	 tmp_dir[PATH_MAX];
	char	 cookies_dir[PATH_MAX];	/* cookies/{owner}.txt, 0700 */
};

int	 config_load(struct config *, const char *file, char *err, size_t errlen);
void	 config_print(const struct config *, FILE *);
const char *config_database_shown(const struct config *, char *buf, size_t len);
int	 config_make_dirs(const struct config *);
int	 config_listen_is_loopback(const struct config *);
int	 config_cookies_name(long long owner, char *buf, size_t len);
int	 config_cookies_path(const struct config *, long long owner, char *buf,
	    size_t len);

#endif
