/* signals.c: the worker's signals as bytes in a pipe, and a child's clean slate after fork. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static int	 pipe_fds[2] = { -1, -1 };

/* Only writes the signal's number: the loop does the work. */
static void
on_signal(int sig)
{
	unsigned char	 b = (unsigned char)sig;
	int		 save = errno;

	/* A full pipe already holds a wake-up; losing this byte loses nothing. */
	if (write(pipe_fds[1], &b, 1) == -1)
		errno = save;
	errno = save;
}

/* SIGCHLD, SIGTERM, SIGINT and SIGHUP become bytes on signals_fd(); SIGPIPE is ignored. */
int
signals_init(void)
{
	static const int	 sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction	 sa;
	size_t			 i;

	if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* The read end, non-blocking: one byte per signal. */
int
signals_fd(void)
{
	return pipe_fds[0];
}

/*
 * In a child between fork and exec, with every signal still blocked (see
 * spawn_run): until now a signal would have run on_signal() here and written
 * into the worker's own pipe, so that a cancel's SIGTERM to a job that was
 * just forked stopped the worker.  Every disposition goes back to its
 * default and the pipe is closed before the caller unblocks anything.
 * Async-signal-safe calls only.
 */
void
signals_child(void)
{
	struct sigaction	 sa;
	int			 sig;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	/* SIGKILL and SIGSTOP refuse: they were never anything else. */
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	if (pipe_fds[0] != -1)
		close(pipe_fds[0]);
	if (pipe_fds[1] != -1)
		close(pipe_fds[1]);
	pipe_fds[0] = pipe_fds[1] = -1;
}
