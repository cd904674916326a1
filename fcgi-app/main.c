/* main.c: offlinetube-api: the FastCGI socket, its threads, and a clean stop. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auth.h"
#include "config.h"
#include "health.h"
#include "keycmd.h"
#include "log.h"
#include "privdrop.h"
#include "req.h"
#include "route.h"
#include "store.h"
#include "util.h"

struct api_thread {
	pthread_t		 tid;
	volatile sig_atomic_t	 done;		/* the thread has left its loop */
	volatile sig_atomic_t	 busy;		/* answering a request: not woken */
	struct thread_ctx	 ctx;
	int			 listen_fd;
};

static volatile sig_atomic_t	 stopping;

/*
 * nginx keeps connections to us open (fastcgi_keep_conn) and libfcgi waits
 * for the next request on one with the thread that served the last.  nginx
 * drops an idle one after 2 s; should a front end keep more than it says,
 * the thread still gives its connection up after this long and goes back to
 * accept(), so no number of idle connections can hold every thread.
 */
#define KEPT_IDLE_SECS	5

/* WAL pages past which a commit of ours checkpoints: normally the worker does (db_sqlite.c). */
#define CHECKPOINT_BACKSTOP	20000

/* -h prints to stdout and exits 0; a wrong option, to stderr with 1, like the worker. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: offlinetube-api [-hv] [-c config-file]\n"
	    "       offlinetube-api [-c config-file] key add [-a] NAME | list | "
	    "revoke NAME\n"
	    "Answers /api/ for nginx over FastCGI on $OFFLINETUBE_SOCKET "
	    "(default $OFFLINETUBE_DATA_DIR/run/api.sock).\n");
}

static void
serve_one(struct req *r)
{
	const char	*uri;
	static const char	 empty[] = "";
	char		 path[REQ_NAME_MAX * 3];
	size_t		 n;

	r->method = FCGX_GetParam("REQUEST_METHOD", r->fcgi->envp);
	r->path = FCGX_GetParam("DOCUMENT_URI", r->fcgi->envp);
	r->query = FCGX_GetParam("QUERY_STRING", r->fcgi->envp);
	r->request_id = FCGX_GetParam("REQUEST_ID", r->fcgi->envp);
	if (r->method == NULL)
		r->method = "GET";
	if (r->query == NULL)
		r->query = empty;
	if (r->path == NULL) {
		/* Without DOCUMENT_URI (another front end), take REQUEST_URI's path. */
		uri = FCGX_GetParam("REQUEST_URI", r->fcgi->envp);
		if (uri == NULL)
			uri = "/";
		n = strcspn(uri, "?");
		if (n >= sizeof(path))
			n = sizeof(path) - 1;
		memcpy(path, uri, n);
		path[n] = '\0';
		r->path = path;
	}
	(void)route_dispatch(r);
	/* A streamed answer may still hold its last record. */
	if (reply_stream_end(r) == -1)
		log_debug(r->request_id, "client gone before the answer ended");
	log_debug(r->request_id, "%s %s -> %d", r->method, r->path, r->status);
}

static void *
api_thread_main(void *arg)
{
	struct api_thread	*t = arg;
	FCGX_Request		 fr;
	struct req		*r;
	struct timeval		 idle = { KEPT_IDLE_SECS, 0 };

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warnx(NULL, "thread: out of memory");
		return NULL;
	}
	r->ctx = &t->ctx;
	r->fcgi = &fr;
	FCGX_InitRequest(&fr, t->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		/* Each time: a new connection may reuse a closed one's number. */
		t->busy = 1;
		(void)setsockopt(fr.ipcFd, SOL_SOCKET, SO_RCVTIMEO, &idle,
		    sizeof(idle));
		serve_one(r);
		req_reset(r);
		FCGX_Finish_r(&fr);
		t->busy = 0;
	}
	FCGX_Free(&fr, 1);
	free(r);
	t->done = 1;
	return NULL;
}

static int
open_socket(const char *path)
{
	struct stat	 st;
	mode_t		 old;
	int		 fd;

	/* A socket left by a killed run would make bind() fail; remove only a socket. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	old = umask(0117);
	fd = FCGX_OpenSocket(path, 128);
	umask(old);
	if (fd < 0)
		return -1;
	if (chmod(path, 0660) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * systemd socket activation (StandardInput=socket): fd 0 is already a
 * listening socket, with the owner, group and mode the .socket unit gave it.
 * Returns 1 and puts its path in buf then; 0 when we open our own.
 */
static int
inherited_socket(char *buf, size_t len)
{
	struct sockaddr_un	 sun;
	socklen_t		 sl = sizeof(sun), ol = sizeof(int);
	int			 on = 0;

	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) == -1 || !on)
		return 0;
	memset(&sun, 0, sizeof(sun));
	if (getsockname(0, (struct sockaddr *)&sun, &sl) == 0 &&
	    sun.sun_family == AF_UNIX && sun.sun_path[0] != '\0')
		snprintf(buf, len, "%.*s", (int)sizeof(sun.sun_path), sun.sun_path);
	else
		snprintf(buf, len, "fd 0");
	return 1;
}

/* SIGUSR1 only interrupts accept() or a read: the handler has nothing to do. */
static void
on_wake(int sig)
{
	(void)sig;
}

/*
 * Wakes the threads blocked in accept(), or in a read on a kept connection
 * that nginx may not use again soon: a signal without SA_RESTART makes the
 * call fail with EINTR; libfcgi drops the connection, finds shutdown
 * pending and returns -1 from FCGX_Accept_r (FCGI_FAIL_ACCEPT_ON_INTR).
 * Repeated until each thread is out, as one may not have reached the call
 * yet when the first signal lands.  A thread answering a request is left to
 * finish it: it sees stopping before it waits again.  (Between
 * FCGX_Accept_r() returning and busy being set, a signal can still cut the
 * request it just took short: a few instructions wide, at stop only.)
 */
static void
wake_accepts(struct api_thread *threads, int n)
{
	int64_t	 until = util_now_ms() + 3000;
	int	 i, left;

	do {
		for (i = 0, left = 0; i < n; i++)
			if (!threads[i].done) {
				if (!threads[i].busy)
					pthread_kill(threads[i].tid, SIGUSR1);
				left++;
			}
		if (left > 0)
			usleep(20000);
	} while (left > 0 && util_now_ms() < until);
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct api_thread	*threads = NULL;
	struct store		*db;
	const char		*cfgfile = NULL;
	char			 err[512];
	sigset_t		 sigs;
	struct sigaction	 sa;
	int			 ch, fd = -1, i, started = 0, sig, rc = 1, inherited = 0;

	log_init("offlinetube-api");
	privdrop_umask();
	while ((ch = getopt(argc, argv, "+c:hv")) != -1) {
		switch (ch) {
		case 'c':
			cfgfile = optarg;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (config_load(&cfg, cfgfile, err, sizeof(err)) == -1) {
		log_warnx(NULL, "config: %s", err);
		return 1;
	}
	if (optind < argc && strcmp(argv[optind], "key") != 0) {
		usage(stderr);
		return 1;
	}
	if (optind == argc) {
		fprintf(stderr, "offlinetube-api: configuration:\n");
		config_print(&cfg, stderr);
	}
	if (config_make_dirs(&cfg) == -1) {
		log_warnx(NULL, "cannot create directories under %s: %s",
		    cfg.data_dir, strerror(errno));
		return 1;
	}
	/* Before the database, the key command, the socket: never as root. */
	if (privdrop(&cfg, err, sizeof(err)) == -1) {
		log_warnx(NULL, "%s", err);
		return 1;
	}
	if (optind < argc)
		return keycmd_main(&cfg, argc - optind - 1, argv + optind + 1);
	health_init();
	/* Open once here so migrations run before any thread or request. */
	if ((db = store_open(cfg.db_path, err, sizeof(err))) == NULL) {
		log_warnx(NULL, "database: %s", err);
		return 1;
	}
	if (auth_init(&cfg, err, sizeof(err)) == -1 ||
	    auth_startup_check(&cfg, db, err, sizeof(err)) == -1) {
		log_warnx(NULL, "%s", err);
		store_close(db);
		return 1;
	}
	store_close(db);

	/* Signals go to this thread's sigwait() only; request threads never see them. */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if ((inherited = inherited_socket(cfg.socket, sizeof(cfg.socket))))
		fd = 0;
	if (FCGX_Init() != 0 || (!inherited &&
	    (fd = open_socket(cfg.socket)) == -1)) {
		log_warnx(NULL, "cannot listen on %s: %s", cfg.socket,
		    strerror(errno));
		goto done;
	}
	if ((threads = calloc((size_t)cfg.api_threads, sizeof(*threads))) == NULL)
		goto done;
	for (i = 0; i < cfg.api_threads; i++) {
		threads[i].listen_fd = fd;
		threads[i].ctx.cfg = &cfg;
		threads[i].ctx.stopping = &stopping;
		if ((threads[i].ctx.db = store_open(cfg.db_path, err,
		    sizeof(err))) == NULL) {
			log_warnx(NULL, "database: %s", err);
			goto stop;
		}
		store_autocheckpoint(threads[i].ctx.db, CHECKPOINT_BACKSTOP);
		if (pthread_create(&threads[i].tid, NULL, api_thread_main,
		    &threads[i]) != 0) {
			store_close(threads[i].ctx.db);
			goto stop;
		}
		started++;
	}
	log_info(NULL, "listening on %s with %d threads", cfg.socket,
	    started);
	log_info(NULL, "database %s", config_database_shown(&cfg, err, sizeof(err)));
	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
	} while (sig == SIGHUP);
	log_info(NULL, "signal %d: stopping", sig);
	rc = 0;
stop:
	stopping = 1;
	FCGX_ShutdownPending();
	/*
	 * Our own socket is shut down so that no new connection waits on it;
	 * an inherited one stays open for the next start (systemd holds it).
	 */
	if (!inherited)
		shutdown(fd, SHUT_RDWR);
	wake_accepts(threads, started);
	for (i = 0; i < started; i++) {
		pthread_join(threads[i].tid, NULL);
		store_close(threads[i].ctx.db);
	}
	close(fd);
	if (!inherited)
		unlink(cfg.socket);
done:
	free(threads);
	return rc;
}
