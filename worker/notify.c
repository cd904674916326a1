/* notify.c: the notification lane: the outbox's deliveries sent, beside the downloads and never in their way. */
/*
 * Events are rows of the outbox (migration 015), written with their cause.
 * This lane claims the due ones, up to NOTIFY_MAX at a time, and sends
 * each: an http(s) webhook by libcurl's multi interface, driven from the
 * worker's poll loop (its sockets in the poll set, curllib.multi_perform()
 * once a turn, never a blocking call); an Apprise URL by the apprise
 * program on a proc, like yt-dlp.  A slow or dead receiver holds a slot of
 * this lane for at most its timeout, and nothing of the downloads'.
 *
 * Any 2xx is delivered; anything else is tried again after a growing wait
 * (webhook.c), up to WEBHOOK_ATTEMPTS, then given up and counted in the
 * webhook's failures.  A delivery is "sending" while it is tried: a
 * worker that dies then leaves it so, and the next one sends it again
 * (at least once).  Nothing logged names a secret or a whole URL (an
 * Apprise URL carries its service's token).
 */
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "curllib.h"
#include "fleet.h"
#include "log.h"
#include "notify.h"
#include "proc.h"
#include "store.h"
#include "tally.h"
#include "urlform.h"
#include "urlguard.h"
#include "util.h"
#include "webhook.h"

#define NOTIFY_HTTP_TIMEOUT_MS	10000
#define NOTIFY_APPRISE_S	60
#define NOTIFY_DUE_MS		250	/* the outbox is looked at this often */
#define NOTIFY_KEEP_S		(7 * 86400)	/* ended deliveries kept this long */
#define NOTIFY_STATUS_MAX	64
#define NOTIFY_WRITE_WAIT_MS	250	/* a refused end is written again next turn */

struct send {
	struct delivery		 d;
	char			 tag[48];	/* "delivery-{id}", for the log */
	CURL			*easy;		/* an http(s) webhook */
	struct curl_slist	*headers;
	int			 refused;	/* a private address, not allowed */
	struct proc		 proc;		/* an Apprise URL */
	char			 dir[PATH_MAX];
	int64_t			 deadline;
	int			 timed_out;
	int			 stopping;	/* the worker stops: write nothing */
	int			 done;		/* the attempt is over (an Apprise run reaped) */
	/* Its end, kept until the database takes it. */
	int			 unsaved;
	enum delivery_end	 end;
	int64_t			 next_ms;
	char			 status[NOTIFY_STATUS_MAX];
};

static struct store		*db;
static const struct config	*conf;
static CURLM			*multi;
static struct send		*sends[NOTIFY_MAX];
static size_t			 nsends;
static int64_t			 next_look;	/* monotonic ms */

/* Wall-clock milliseconds: the outbox's times outlive the process. */
static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
notify_init(struct store *s, const struct config *c)
{
	db = s;
	conf = c;
	/* Old ended rows go; a dead worker's "sending" ones are due by its recovery (fleet.c). */
	if (store_delivery_recover(db, fleet_id(), NOTIFY_KEEP_S) == -1)
		log_warnx(NULL, "delivery recovery: %s", store_errmsg(db));
}

/* Something changed in the database: the outbox is looked at this turn. */
void
notify_changed(void)
{
	next_look = 0;
}

static void
send_free(struct send *k)
{
	size_t	 i;

	if (k->easy != NULL) {
		(void)curllib.multi_remove_handle(multi, k->easy);
		curllib.easy_cleanup(k->easy);
	}
	/* libcurl is loaded only if an http(s) delivery was started (curllib.c). */
	if (k->headers != NULL)
		curllib.slist_free_all(k->headers);
	proc_close(&k->proc);
	if (k->dir[0] != '\0' && util_rm_rf(k->dir) == -1)
		log_warnx(k->tag, "cannot remove %s", k->dir);
	for (i = 0; i < nsends; i++)
		if (sends[i] == k) {
			sends[i] = sends[--nsends];
			break;
		}
	store_delivery_free(&k->d);
	free(k);
	next_look = 0;
}

/*
 * Writes an attempt's end.  A database that refuses (another program holds
 * its lock) is asked again at each turn, never waited on for long: until it
 * takes the end, the delivery keeps its slot and is not sent again.
 */
static int
send_save(struct send *k)
{
	int	 rc;

	store_busy_wait(db, NOTIFY_WRITE_WAIT_MS);
	rc = store_delivery_end(db, &k->d, k->end, k->next_ms, k->status);
	store_busy_wait(db, 0);
	if (rc == -1 && !k->unsaved)
		log_warnx(k->tag, "delivery: %s; written again later",
		    store_errmsg(db));
	k->unsaved = rc == -1;
	return rc;
}

/* An attempt's end: delivered, or tried again later, or given up. */
static void
send_end(struct send *k, int ok, const char *status)
{
	int64_t	 wait = 0;

	k->done = 1;
	k->end = DELIVERY_DELIVERED;
	if (!ok) {
		wait = webhook_retry_ms(k->d.attempts,
		    conf->webhook_retry_percent, arc4random());
		k->end = wait < 0 ? DELIVERY_FAILED : DELIVERY_RETRY;
	}
	k->next_ms = wall_ms() + wait;
	snprintf(k->status, sizeof(k->status), "%s", status);
	tally_notify(k->end == DELIVERY_DELIVERED ? NOTIFY_DELIVERED :
	    k->end == DELIVERY_RETRY ? NOTIFY_FAILED : NOTIFY_GIVEN_UP);
	if (k->end == DELIVERY_DELIVERED)
		log_info(k->tag, "%s delivered to webhook %s (%s, attempt %d)",
		    hook_event_str[k->d.event], k->d.webhook_id, status,
		    k->d.attempts);
	else if (k->end == DELIVERY_RETRY)
		log_info(k->tag, "%s to webhook %s: %s (attempt %d); again in "
		    "%lld ms", hook_event_str[k->d.event], k->d.webhook_id,
		    status, k->d.attempts, (long long)wait);
	else
		log_warnx(k->tag, "%s to webhook %s: %s; given up after %d "
		    "attempts", hook_event_str[k->d.event], k->d.webhook_id,
		    status, k->d.attempts);
	(void)send_save(k);
}

/*
 * Every address curl connects to, judged as it connects (a name may point
 * elsewhere than when the webhook was made): a private one only for a
 * webhook made with keys off or by an admin key.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct send	*k = arg;

	(void)purpose;
	if (!k->d.may_private && !conf->allow_private_urls &&
	    !urlguard_addr_is_public(&a->addr)) {
		k->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The receiver's answer is not read: only its status counts. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
header_add(struct send *k, const char *name, const char *value)
{
	struct curl_slist	*l;
	char			 h[256];

	if (snprintf(h, sizeof(h), "%s: %s", name, value) >= (int)sizeof(h) ||
	    (l = curllib.slist_append(k->headers, h)) == NULL)
		return -1;
	k->headers = l;
	return 0;
}

/*
 * libcurl, and the TLS library under it, are loaded and set up at the
 * first webhook sent, not at start: they made an idle worker three times
 * its size (docs/benchmarks.md, item 6), and most installations never
 * send one (curllib.c).
 */
static int
curl_ready(void)
{
	static int	 warned;
	char		 err[256];

	if (multi != NULL)
		return 0;
	if (curllib_load(err, sizeof(err)) == -1) {
		if (!warned)
			log_warnx(NULL, "%s: webhooks are not sent", err);
		warned = 1;
		return -1;
	}
	if (curllib.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK &&
	    (multi = curllib.multi_init()) != NULL)
		return 0;
	curllib.global_cleanup();
	if (!warned)
		log_warnx(NULL, "libcurl failed to initialise: webhooks are "
		    "not sent");
	warned = 1;
	return -1;
}

static int
http_start(struct send *k)
{
	char	 sig[WEBHOOK_SIG_LEN];

	if (curl_ready() == -1 || webhook_sign(k->d.secret, k->d.body,
	    k->d.body_len, sig) == -1 || (k->easy = curllib.easy_init()) == NULL)
		return -1;
	if (header_add(k, "Content-Type", "application/json") == -1 ||
	    header_add(k, "X-OfflineTube-Event", hook_event_str[k->d.event]) == -1 ||
	    header_add(k, "X-OfflineTube-Delivery", k->d.id) == -1 ||
	    header_add(k, "X-OfflineTube-Signature", sig) == -1 ||
	    header_add(k, "Expect", "") == -1)
		return -1;
	if (curllib.easy_setopt(k->easy, CURLOPT_URL, k->d.url) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_TIMEOUT_MS,
	    (long)NOTIFY_HTTP_TIMEOUT_MS) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_POST, 1L) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_POSTFIELDS, k->d.body) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)k->d.body_len) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_HTTPHEADER, k->headers) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_USERAGENT, "OfflineTube") != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_OPENSOCKETFUNCTION,
	    open_socket) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_OPENSOCKETDATA, k) != CURLE_OK ||
	    curllib.easy_setopt(k->easy, CURLOPT_PRIVATE, k) != CURLE_OK ||
	    curllib.multi_add_handle(multi, k->easy) != CURLM_OK) {
		curllib.easy_cleanup(k->easy);
		k->easy = NULL;
		return -1;
	}
	return 0;
}

static void	 apprise_ended(void *, int);

/* What apprise prints is not kept: its exit status says whether it sent. */
static void
apprise_out(void *arg, char *s, size_t n)
{
	(void)arg;
	(void)s;
	(void)n;
}

static const struct proc_ops apprise_ops = { apprise_out, NULL, apprise_ended };

static int
apprise_start(struct send *k)
{
	struct webhook_argv	 a;

	/* Judged again at each delivery, as curl's connects are (open_socket). */
	if (!k->d.may_private && !conf->allow_private_urls &&
	    urlguard_host_is_private(k->d.url)) {
		k->refused = 1;
		return -1;
	}
	if (util_path_join(k->dir, sizeof(k->dir), conf->tmp_dir, k->tag) == -1 ||
	    util_mkdir_p(k->dir, 0700) == -1) {
		k->dir[0] = '\0';
		return -1;
	}
	webhook_apprise_argv(conf->apprise, k->d.title, k->d.message, k->d.url,
	    &a);
	if (proc_start(&k->proc, a.argv, k->dir, 0) == -1) {
		log_warnx(k->tag, "cannot run %s: %s", conf->apprise,
		    strerror(errno));
		return -1;
	}
	k->deadline = util_now_ms() + NOTIFY_APPRISE_S * 1000;
	return 0;
}

static void
apprise_ended(void *arg, int wstatus)
{
	struct send	*k = arg;
	char		 status[NOTIFY_STATUS_MAX];

	if (k->stopping)
		return;		/* sent again at the next start */
	if (k->timed_out)
		snprintf(status, sizeof(status), "apprise timed out");
	else if (WIFEXITED(wstatus))
		snprintf(status, sizeof(status), WEXITSTATUS(wstatus) == 0 ?
		    "sent" : "apprise failed (exit %d)", WEXITSTATUS(wstatus));
	else
		snprintf(status, sizeof(status), "apprise killed (signal %d)",
		    WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	/* Freed from the loop, not from inside the proc's own callback. */
	k->deadline = 0;
	send_end(k, WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 &&
	    !k->timed_out, status);
}

static void
send_start(struct delivery *d)
{
	struct send	*k;
	int		 rc;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		log_warnx(d->id, "delivery: out of memory");
		if (store_delivery_end(db, d, DELIVERY_RETRY, wall_ms() +
		    NOTIFY_HTTP_TIMEOUT_MS, "out of memory") == -1)
			log_warnx(d->id, "delivery: %s", store_errmsg(db));
		store_delivery_free(d);
		return;
	}
	k->d = *d;
	memset(d, 0, sizeof(*d));
	snprintf(k->tag, sizeof(k->tag), "delivery-%s", k->d.id);
	proc_init(&k->proc, &apprise_ops, k, k->tag);
	k->proc.background = 1;
	sends[nsends++] = k;
	rc = urlform_is_http(k->d.url) ? http_start(k) : apprise_start(k);
	if (rc == -1) {
		send_end(k, 0, k->refused ? "refused: a private address" :
		    "could not be sent");
		if (!k->unsaved)
			send_free(k);
	}
}

/* Claims due deliveries while the lane has room. */
void
notify_start_due(void)
{
	struct delivery	 d;
	int64_t		 now = util_now_ms(), at;
	int		 rc;

	if (now < next_look || nsends >= NOTIFY_MAX)
		return;
	next_look = now + NOTIFY_DUE_MS;
	if ((rc = store_delivery_next_due(db, &at)) != 1) {
		if (rc == -1)
			log_warnx(NULL, "outbox: %s", store_errmsg(db));
		return;
	}
	while (nsends < NOTIFY_MAX && at <= wall_ms()) {
		/* Looked at again next turn: a lock held elsewhere never holds the loop. */
		store_busy_wait(db, NOTIFY_WRITE_WAIT_MS);
		rc = store_delivery_claim(db, fleet_id(), wall_ms(), &d);
		store_busy_wait(db, 0);
		if (rc != 1) {
			if (rc == -1)
				log_warnx(NULL, "delivery claim: %s",
				    store_errmsg(db));
			return;
		}
		send_start(&d);
	}
}

/* curl's sockets, for the loop's poll(): at most max of them. */
size_t
notify_pollfds(struct pollfd *pfd, size_t max)
{
	fd_set	 r, w, x;
	int	 fd, maxfd = -1;
	size_t	 n = 0;

	if (multi == NULL || nsends == 0)
		return 0;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	if (curllib.multi_fdset(multi, &r, &w, &x, &maxfd) != CURLM_OK)
		return 0;
	for (fd = 0; fd <= maxfd && fd < FD_SETSIZE && n < max; fd++) {
		if (!FD_ISSET(fd, &r) && !FD_ISSET(fd, &w))
			continue;
		pfd[n].fd = fd;
		pfd[n].events = (FD_ISSET(fd, &r) ? POLLIN : 0) |
		    (FD_ISSET(fd, &w) ? POLLOUT : 0);
		pfd[n++].revents = 0;
	}
	return n;
}

/* The status a failed transfer is recorded with. */
static void
http_status(struct send *k, CURLcode res, long code, char *buf, size_t len)
{
	if (k->refused)
		snprintf(buf, len, "refused: a private address");
	else if (res == CURLE_OK)
		snprintf(buf, len, "%ld", code);
	else if (res == CURLE_OPERATION_TIMEDOUT)
		snprintf(buf, len, "timeout");
	else if (res == CURLE_COULDNT_CONNECT)
		snprintf(buf, len, "connection refused");
	else
		snprintf(buf, len, "%s", curllib.easy_strerror(res));
}

/* Moves the transfers on, without waiting, and ends those that are done. */
void
notify_perform(void)
{
	struct send	*k;
	CURLMsg		*m;
	CURLcode	 res;
	char		 status[NOTIFY_STATUS_MAX];
	long		 code;
	int		 running, left;
	size_t		 i;

	for (i = 0; i < nsends; ) {
		k = sends[i];
		if (k->unsaved)
			(void)send_save(k);
		if (k->done && !k->unsaved) {
			send_free(k);
			continue;
		}
		if (k->deadline > 0 && !k->timed_out && util_now_ms() >= k->deadline) {
			k->timed_out = 1;
			proc_stop(&k->proc);
		}
		i++;
	}
	if (multi == NULL || nsends == 0)
		return;
	(void)curllib.multi_perform(multi, &running);
	while ((m = curllib.multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE ||
		    curllib.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&k) != CURLE_OK || k == NULL)
			continue;
		code = 0;
		(void)curllib.easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &code);
		res = m->data.result;
		http_status(k, res, code, status, sizeof(status));
		/* The handle goes now (and m with it); the slot, once the end is written. */
		(void)curllib.multi_remove_handle(multi, k->easy);
		curllib.easy_cleanup(k->easy);
		k->easy = NULL;
		send_end(k, res == CURLE_OK && code >= 200 && code < 300, status);
		if (!k->unsaved)
			send_free(k);
	}
}

/*
 * On SIGTERM: transfers are dropped and Apprise runs stopped; what was
 * being sent is due again at once (the next start sends it).
 */
void
notify_stop_all(void)
{
	size_t	 i;

	for (i = 0; i < nsends; i++) {
		sends[i]->stopping = 1;
		proc_stop(&sends[i]->proc);
	}
	(void)proc_wait_stopped(1000);
	while (nsends > 0)
		send_free(sends[0]);
	if (store_delivery_recover(db, fleet_id(), NOTIFY_KEEP_S) == -1)
		log_warnx(NULL, "delivery recovery: %s", store_errmsg(db));
	if (multi != NULL) {
		curllib.multi_cleanup(multi);
		curllib.global_cleanup();
	}
	multi = NULL;
}
