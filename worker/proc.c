/* proc.c: one supervised child: started, read into bounded buffers, stopped (TERM, then KILL), reaped. */
/*
 * Every program the worker runs (a download's yt-dlp, FFmpeg and sync, a
 * look-up's yt-dlp, the version check) is a proc: its own process group,
 * two non-blocking pipes, a stderr tail, a stop that becomes a SIGKILL when
 * SIGTERM is not enough.  The procs running are kept here, so that the
 * loop polls, reads and reaps them all in one place and each owner only
 * hears what came (lines or bytes) and how its child ended.
 *
 * A child that exited is looked at first without being reaped (WNOWAIT):
 * while it is not reaped its pid, which is also its group's id, cannot be
 * given to another process, so killing the group then reaches only what the
 * child left running (the FFmpeg yt-dlp started), never a stranger.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"

static struct proc	*procs[PROC_MAX];
static size_t		 nprocs;

void
proc_init(struct proc *p, const struct proc_ops *ops, void *arg,
    const char *tag)
{
	memset(p, 0, sizeof(*p));
	p->child.pid = -1;
	p->child.out = p->child.err = -1;
	p->ops = ops;
	p->arg = arg;
	p->tag = tag;
}

static void
proc_forget(struct proc *p)
{
	size_t	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i] == p) {
			procs[i] = procs[--nprocs];
			break;
		}
}

static void
proc_close_fds(struct proc *p)
{
	if (p->child.out != -1)
		close(p->child.out);
	if (p->child.err != -1)
		close(p->child.err);
	p->child.out = p->child.err = -1;
}

/*
 * Runs argv in dir's name (its TMPDIR) with stdout read as lines of at most
 * line_max bytes, or as it comes (0).  What a run learnt is not the next
 * run's: the tail and the partial line start empty.  -1 (errno set): nothing
 * runs.
 */
int
proc_start(struct proc *p, const char *const argv[], const char *dir,
    size_t line_max)
{
	char	 line[1024];
	size_t	 i, n = 0;

	if (p->child.pid > 0) {
		errno = EBUSY;		/* one child a proc */
		return -1;
	}
	if (nprocs == PROC_MAX) {
		errno = EAGAIN;
		return -1;
	}
	for (i = 0; argv[i] != NULL && n < sizeof(line) - 1; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
		    i ? " " : "", argv[i]);
	log_debug(p->tag, "run: %s", line);
	p->line_max = line_max;
	p->linelen = 0;
	p->skipping = 0;
	tail_clear(&p->err);
	p->kill_at = 0;
	p->stopping = 0;
	if (spawn_run(argv, dir, p->background, &p->child) == -1)
		return -1;
	procs[nprocs++] = p;
	return 0;
}

int
proc_running(const struct proc *p)
{
	return p->child.pid > 0;
}

/* To the whole group: yt-dlp and the FFmpeg it started. */
static void
proc_signal(struct proc *p, int sig)
{
	if (p->child.pid > 0 && kill(-p->child.pid, sig) == -1 && errno != ESRCH)
		log_warnx(p->tag, "kill %ld: %s", (long)p->child.pid,
		    strerror(errno));
}

/* SIGTERM now, SIGKILL PROC_KILL_MS later (proc_timers()) if still there. */
void
proc_stop(struct proc *p)
{
	if (p->child.pid <= 0 || p->stopping)
		return;
	p->stopping = 1;
	proc_signal(p, SIGTERM);
	p->kill_at = util_now_ms() + PROC_KILL_MS;
}

/* The owner lets go of p: it must not be running any more. */
void
proc_close(struct proc *p)
{
	proc_forget(p);
	proc_close_fds(p);
	free(p->line);
	p->line = NULL;
	p->linelen = p->linecap = 0;
}

static int
line_add(struct proc *p, const char *s, size_t n)
{
	char	*d;
	size_t	 cap;

	if (p->linelen + n + 1 > p->linecap) {
		for (cap = p->linecap ? p->linecap : 4096;
		    cap < p->linelen + n + 1; cap *= 2)
			;
		if ((d = realloc(p->line, cap)) == NULL)
			return -1;
		p->line = d;
		p->linecap = cap;
	}
	memcpy(p->line + p->linelen, s, n);
	p->linelen += n;
	return 0;
}

static void
line_give(struct proc *p, char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	s[n] = '\0';
	p->ops->out(p->arg, s, n);
}

/*
 * stdout as lines: a line longer than line_max is dropped whole, up to its
 * newline, and the next one is read as usual.  s is ours to write into.
 */
static void
proc_out(struct proc *p, char *s, size_t n)
{
	char	*nl;
	size_t	 k;

	if (p->line_max == 0) {
		p->ops->out(p->arg, s, n);
		return;
	}
	while (n > 0) {
		nl = memchr(s, '\n', n);
		k = nl != NULL ? (size_t)(nl - s) : n;
		if (!p->skipping && nl != NULL && p->linelen == 0 &&
		    k <= p->line_max) {
			line_give(p, s, k);	/* whole in this read: no copy */
		} else if (!p->skipping) {
			if (p->linelen + k > p->line_max ||
			    line_add(p, s, k) == -1) {
				p->skipping = 1;
				p->linelen = 0;
			} else if (nl != NULL) {
				line_give(p, p->line, p->linelen);
			}
		}
		if (nl == NULL)
			break;
		p->skipping = 0;
		p->linelen = 0;
		s = nl + 1;
		n -= k + 1;
	}
}

/*
 * stderr goes into the tail in pieces of half of it, the owner told after
 * each: a mark early in a long read is seen before the tail lets the text
 * around it go.
 */
static void
proc_err(struct proc *p, const char *s, size_t n)
{
	size_t	 k, drop;

	while (n > 0) {
		k = n < TAIL_MAX / 2 ? n : TAIL_MAX / 2;
		drop = tail_add(&p->err, s, k);
		if (p->ops->err != NULL)
			p->ops->err(p->arg, drop);
		s += k;
		n -= k;
	}
}

/*
 * One read a wake-up, so that a child that writes without pause holds the
 * loop no longer than the others; drain: the child has exited, what is in
 * the pipe is all there is.
 */
static void
proc_read(struct proc *p, int fd, int drain)
{
	char	 chunk[65536];
	ssize_t	 n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (fd == p->child.err)
			proc_err(p, chunk, (size_t)n);
		else
			proc_out(p, chunk, (size_t)n);
		if (!drain)
			break;
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		close(fd);
		if (fd == p->child.out)
			p->child.out = -1;
		else
			p->child.err = -1;
	}
}

/*
 * The child has exited (or is to be given up): what it wrote is read, what
 * it left running in its group killed, then it is reaped and its owner told.
 */
static void
proc_finish(struct proc *p)
{
	int	 wstatus;

	if (p->child.out != -1)
		proc_read(p, p->child.out, 1);
	if (p->child.err != -1)
		proc_read(p, p->child.err, 1);
	if (p->line_max > 0 && p->linelen > 0 && !p->skipping)
		line_give(p, p->line, p->linelen);
	p->linelen = 0;
	proc_close_fds(p);
	proc_signal(p, SIGKILL);
	while (waitpid(p->child.pid, &wstatus, 0) == -1)
		if (errno != EINTR) {
			wstatus = PROC_LOST;
			break;
		}
	p->child.pid = -1;
	p->kill_at = 0;
	p->stopping = 0;
	proc_forget(p);
	p->ops->ended(p->arg, wstatus);
}

/*
 * The children that exited are reaped and their owners told; returns how
 * many.  An owner may start its proc again, or free it, from ended().
 */
int
proc_reap(void)
{
	siginfo_t	 si;
	struct proc	*p;
	size_t		 i;
	int		 reaped = 0;

	for (i = 0; i < nprocs; ) {
		p = procs[i];
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)p->child.pid, &si,
		    WEXITED | WNOHANG | WNOWAIT) == -1 || si.si_pid == 0) {
			i++;
			continue;
		}
		/* Slot i now holds another proc, not yet looked at. */
		proc_finish(p);
		reaped++;
	}
	return reaped;
}

size_t
proc_pollfds(struct pollfd *pfd, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < nprocs; i++) {
		if (procs[i]->child.out != -1 && n < max) {
			pfd[n].fd = procs[i]->child.out;
			pfd[n++].events = POLLIN;
		}
		if (procs[i]->child.err != -1 && n < max) {
			pfd[n].fd = procs[i]->child.err;
			pfd[n++].events = POLLIN;
		}
	}
	return n;
}

void
proc_read_ready(const struct pollfd *pfd, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		for (k = 0; k < nprocs; k++)
			if (procs[k]->child.out == pfd[i].fd ||
			    procs[k]->child.err == pfd[i].fd) {
				proc_read(procs[k], pfd[i].fd, 0);
				break;
			}
	}
}

/* A stop that SIGTERM did not end in PROC_KILL_MS becomes a SIGKILL. */
void
proc_timers(void)
{
	int64_t	 now = util_now_ms();
	size_t	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i]->kill_at != 0 && now >= procs[i]->kill_at) {
			proc_signal(procs[i], SIGKILL);
			procs[i]->kill_at = 0;
		}
}

static struct proc *
proc_first_stopping(void)
{
	size_t	 i;

	for (i = 0; i < nprocs; i++)
		if (procs[i]->stopping)
			return procs[i];
	return NULL;
}

/*
 * The worker's own stop: waits up to ms for every proc told to stop (the
 * others run on), reaping them.  One that is still there (not our child any
 * more?) is given up: its owner hears PROC_LOST.  -1: some were given up.
 */
int
proc_wait_stopped(int ms)
{
	int64_t		 until = util_now_ms() + ms;
	struct proc	*p;

	for (;;) {
		(void)proc_reap();
		if (proc_first_stopping() == NULL)
			return 0;
		proc_timers();
		if (util_now_ms() >= until)
			break;
		usleep(20000);
	}
	while ((p = proc_first_stopping()) != NULL) {
		proc_forget(p);
		proc_close_fds(p);
		p->child.pid = -1;
		p->kill_at = 0;
		p->stopping = 0;
		p->ops->ended(p->arg, PROC_LOST);
	}
	return -1;
}

/*
 * Runs p to its end outside the loop, for at most ms: its output is read
 * until it closes both pipes, then the group is killed and p reaped.
 */
int
proc_wait(struct proc *p, int ms)
{
	struct pollfd	 pfd[2];
	int64_t		 until = util_now_ms() + ms;
	size_t		 i, n;

	while (util_now_ms() < until) {
		n = 0;
		if (p->child.out != -1)
			pfd[n++].fd = p->child.out;
		if (p->child.err != -1)
			pfd[n++].fd = p->child.err;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			pfd[i].events = POLLIN;
		if (poll(pfd, n, 100) == -1 && errno != EINTR)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				proc_read(p, pfd[i].fd, 0);
	}
	if (p->child.pid <= 0)
		return -1;
	proc_finish(p);
	return 0;
}
