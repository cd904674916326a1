/* test_spawn.c: a child is stoppable from its first instant, and never with the worker's handlers. */
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "spawn.h"
#include "unit.h"

#define ROUNDS	300

static char	 tmpdir[] = "/tmp/ot-spawn-XXXXXX";

/* Reads what the worker's handlers wrote; 1 when a SIGTERM is among it. */
static int
pipe_has_sigterm(void)
{
	unsigned char	 b[256];
	ssize_t		 n, i;
	int		 seen = 0;

	while ((n = read(signals_fd(), b, sizeof(b))) > 0)
		for (i = 0; i < n; i++)
			if (b[i] == SIGTERM)
				seen = 1;
	return seen;
}

/* Waits up to ms for pid; kills the group if it outlives that.  The wait status. */
static int
reap(pid_t pid, int ms)
{
	struct timespec	 step = { 0, 1000 * 1000 };
	int		 ws = 0, i;

	for (i = 0; i < ms; i++) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			return ws;
		nanosleep(&step, NULL);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	return -1;
}

/*
 * The worker's loop stops on a SIGTERM byte in its pipe.  A cancel sends
 * SIGTERM to a job's group the moment it is claimed: before the fix the
 * child, between fork and exec, still ran the worker's handler, which wrote
 * that SIGTERM into the worker's pipe (and the child lived on to run the
 * program).  Both processes on one CPU, the parent goes on after fork and
 * sends the signal before the child has run at all: the window every time.
 */
static void
test_sigterm_right_after_spawn_stops_the_child_and_not_the_worker(void)
{
	const char	*argv[] = { "sleep", "10", NULL };
	struct child	 c;
	cpu_set_t	 one;
	int		 i, ws, leaked = 0, survived = 0, other = 0, failed = 0;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	(void)sched_setaffinity(0, sizeof(one), &one);
	/* A few failures tell the story: a survivor costs the wait below. */
	for (i = 0; i < ROUNDS && leaked + survived + other + failed < 5; i++) {
		if (spawn_run(argv, tmpdir, 0, &c) == -1) {
			failed++;
			continue;
		}
		kill(-c.pid, SIGTERM);
		ws = reap(c.pid, 1000);
		close(c.out);
		close(c.err);
		if (ws == -1)
			survived++;
		else if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGTERM)
			other++;
		if (pipe_has_sigterm())
			leaked++;
	}
	if (leaked || survived || other || failed)
		fprintf(stderr, "%d rounds: %d SIGTERM in the worker's pipe, %d "
		    "children outlived SIGTERM, %d ended otherwise, %d not "
		    "spawned\n", i, leaked, survived, other, failed);
	CHECK(failed == 0);
	CHECK(leaked == 0);
	CHECK(survived == 0);
	CHECK(other == 0);
}

/* Reads all of a child's stdout into buf. */
static size_t
read_all(int fd, char *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 n = 0;
	ssize_t		 r;

	while (n < len - 1 && poll(&pfd, 1, 5000) > 0) {
		if ((r = read(fd, buf + n, len - 1 - n)) == 0)
			break;
		if (r > 0)
			n += (size_t)r;
		else if (errno != EAGAIN && errno != EINTR)
			break;
	}
	buf[n] = '\0';
	return n;
}

/*
 * A signal set from /proc/PID/status ("SigIgn:\t0000000000001000"), less
 * signals 32 and 33: glibc keeps them for its threads (SIGCANCEL and
 * SIGSETXID), sigaction() refuses to change them, and the exec'd program's
 * own libc takes them over.  Some parents ignore them (dpkg-buildpackage's
 * does), which no child can undo and nothing needs to.  ~0 when absent.
 */
static unsigned long long
sigset_of(const char *status, const char *field)
{
	const char	*p;

	if ((p = strstr(status, field)) == NULL)
		return ~0ULL;
	return strtoull(p + strlen(field), NULL, 16) & ~(3ULL << 31);
}

/* Runs argv to its end; its stdout in out. */
static void
run_output(const char *const argv[], int background, char *out, size_t len)
{
	struct child	 c;

	out[0] = '\0';
	CHECK(spawn_run(argv, tmpdir, background, &c) == 0);
	if (c.pid == -1)
		return;
	read_all(c.out, out, len);
	close(c.out);
	close(c.err);
	reap(c.pid, 5000);
}

/* The program starts with nothing blocked and nothing ignored (the worker ignores SIGPIPE). */
static void
test_the_program_starts_with_default_signals(void)
{
	const char	*argv[] = { "cat", "/proc/self/status", NULL };
	char		 out[8192];

	run_output(argv, 0, out, sizeof(out));
	CHECK(sigset_of(out, "\nSigBlk:") == 0);
	CHECK(sigset_of(out, "\nSigIgn:") == 0);
	if (sigset_of(out, "\nSigBlk:") != 0 || sigset_of(out, "\nSigIgn:") != 0)
		fprintf(stderr, "the child's /proc/self/status said:\n%s\n", out);
	(void)pipe_has_sigterm();
}

/* Background work runs at SCHED_IDLE, and what it starts too; the rest as the worker does. */
static void
test_background_work_runs_at_idle_priority(void)
{
	const char	*argv[] = { "sh", "-c",
	    "cut -d' ' -f41 /proc/self/stat; sh -c 'cut -d\\  -f41 /proc/self/stat'",
	    NULL };
	char		 out[64];

	run_output(argv, 1, out, sizeof(out));
	CHECK_STR(out, "5\n5\n");		/* SCHED_IDLE */
	run_output(argv, 0, out, sizeof(out));
	CHECK_STR(out, "0\n0\n");		/* SCHED_OTHER */
}

/* What spawn_run did to the caller's own mask is undone. */
static void
test_the_callers_signal_mask_is_kept(void)
{
	const char	*argv[] = { "true", NULL };
	sigset_t	 set, now;
	struct child	 c;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_SETMASK, &set, NULL);
	CHECK(spawn_run(argv, tmpdir, 0, &c) == 0);
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1) == 1);
	CHECK(sigismember(&now, SIGTERM) == 0);
	CHECK(sigismember(&now, SIGCHLD) == 0);
	close(c.out);
	close(c.err);
	reap(c.pid, 5000);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL || signals_init() == -1) {
		perror("test_spawn: setup");
		return 1;
	}
	test_sigterm_right_after_spawn_stops_the_child_and_not_the_worker();
	test_the_program_starts_with_default_signals();
	test_the_callers_signal_mask_is_kept();
	test_background_work_runs_at_idle_priority();
	rmdir(tmpdir);
	return unit_done("test_spawn");
}
