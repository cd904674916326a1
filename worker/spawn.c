/* spawn.c: runs a program in its own process group, with pipes, a clean environment and a directory. */
#include <sys/prctl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "signals.h"
#include "spawn.h"
#include "util.h"

/*
 * What yt-dlp may see of our environment: enough to find programs, its
 * plugins and cookies (HOME, XDG_CONFIG_HOME, PYTHONPATH) and to decode
 * titles (LANG, LC_ALL).  Nothing else of the daemon's leaks to it.
 */
static const char *const passenv[] = {
	"PATH", "HOME", "LANG", "LC_ALL", "XDG_CONFIG_HOME", "PYTHONPATH",
};
#define NPASS	(sizeof(passenv) / sizeof(passenv[0]))

/*
 * Runs in the child between fork and exec: only async-signal-safe calls.
 * Every signal is blocked on arrival (spawn_run): the worker's handlers and
 * signal pipe go first, then signals are let through, so one sent to the new
 * group at once (a cancel) stops this child and nothing else.
 */
static void
child_exec(const char *const argv[], char *const envp[], int background,
    int out, int err, pid_t parent)
{
	sigset_t	 none;
	int		 null;

	signals_child();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own group, so that cancel can stop yt-dlp and the FFmpeg it runs together. */
	setpgid(0, 0);
	/*
	 * A worker killed with SIGKILL cannot stop its children; the kernel does
	 * it, so that a restarted worker's re-run does not race an orphan.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(125);
	/*
	 * Background work (a subscription check, an Apprise run) takes only
	 * the CPU time nothing else wants.  Nice 10 still took a tenth of a
	 * busy core beside a download on a small machine; SCHED_IDLE takes
	 * next to none.  What the child starts inherits it.
	 */
	if (background && sched_setscheduler(0, SCHED_IDLE,
	    &(struct sched_param){ 0 }) == -1)
		_exit(125);
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(err, STDERR_FILENO) == -1)
		_exit(126);
	execvpe(argv[0], (char *const *)(uintptr_t)argv, envp);
	/* Becomes error_message: say which program, not just "status 127". */
	if (write(STDERR_FILENO, "ERROR: cannot run ", 18) == -1 ||
	    write(STDERR_FILENO, argv[0], strlen(argv[0])) == -1 ||
	    write(STDERR_FILENO, "\n", 1) == -1)
		_exit(127);
	_exit(127);
}

/*
 * Returns 0 with c filled, -1 (errno set) when nothing runs.  The parent's
 * read ends are non-blocking for poll(); the child's ends are blocking, as
 * programs expect, and every descriptor we own is close-on-exec.
 */
int
spawn_run(const char *const argv[], const char *tmpdir, int background,
    struct child *c)
{
	char		 envbuf[NPASS + 1][4096], *envp[NPASS + 2];
	sigset_t	 all, old;
	const char	*v;
	int		 po[2] = { -1, -1 }, pe[2] = { -1, -1 }, n, save;
	size_t		 i, ne = 0;
	pid_t		 pid, self = getpid();

	c->pid = -1;
	c->out = c->err = -1;
	for (i = 0; i < NPASS; i++) {
		if ((v = getenv(passenv[i])) == NULL)
			continue;
		n = snprintf(envbuf[ne], sizeof(envbuf[ne]), "%s=%s", passenv[i], v);
		if (n < 0 || (size_t)n >= sizeof(envbuf[ne])) {
			log_warnx(NULL, "spawn: %s too long, not passed", passenv[i]);
			continue;
		}
		envp[ne] = envbuf[ne];
		ne++;
	}
	n = snprintf(envbuf[ne], sizeof(envbuf[ne]), "TMPDIR=%s", tmpdir);
	if (n < 0 || (size_t)n >= sizeof(envbuf[ne])) {
		errno = ENAMETOOLONG;
		return -1;
	}
	envp[ne] = envbuf[ne];
	envp[++ne] = NULL;

	if (pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1)
		goto fail;
	if (fcntl(po[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(pe[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	/* No signal reaches the child before it has dropped our handlers: see child_exec(). */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) == -1)
		goto fail;
	if ((pid = fork()) == 0)
		child_exec(argv, envp, background, po[1], pe[1], self);
	save = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = save;
		goto fail;
	}
	/* Both sides set the group: whichever runs first, kill(-pid) works at once. */
	if (setpgid(pid, pid) == -1 && errno != EACCES && errno != ESRCH)
		log_warnx(NULL, "setpgid %ld: %s", (long)pid, strerror(errno));
	close(po[1]);
	close(pe[1]);
	c->pid = pid;
	c->out = po[0];
	c->err = pe[0];
	return 0;
fail:
	save = errno;
	for (i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
	}
	errno = save;
	return -1;
}

/*
 * Whether the environment in /proc/<pid>/environ (NUL-separated) holds
 * TMPDIR=<base>/<something>: every process of a job has it, as the worker
 * gave it to yt-dlp and yt-dlp passes its environment on to FFmpeg.
 */
static int
env_tmpdir_under(long long pid, const char *base, size_t bl)
{
	static char	 env[65536];
	char		 path[64];
	const char	*p, *end;
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%lld/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	env[n] = '\0';
	for (p = env, end = env + n; p < end; p += strlen(p) + 1)
		if (strncmp(p, "TMPDIR=", 7) == 0 && strncmp(p + 7, base, bl) == 0 &&
		    p[7 + bl] == '/' && p[8 + bl] != '\0')
			return 1;
	return 0;
}

/*
 * Kills what the jobs of a worker that died left running.  The kernel stops
 * yt-dlp with its worker (PR_SET_PDEATHSIG), but not the FFmpeg it started,
 * which would go on writing into a directory the new worker is about to
 * remove.  A job's processes are known by the TMPDIR the worker gave them
 * (a directory under dir), which tells them apart from anything else the
 * user runs; /proc shows only our own processes' environments.  Returns how
 * many were killed.
 */
int
spawn_kill_orphans(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 base[PATH_MAX];
	long long	 pid;
	int		 killed = 0;

	if (realpath(dir, base) == NULL || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (util_strtonum(de->d_name, 1, INT_MAX, &pid) == -1 ||
		    (pid_t)pid == getpid() ||
		    !env_tmpdir_under(pid, base, strlen(base)))
			continue;
		if (kill((pid_t)pid, SIGKILL) == 0) {
			log_info(NULL, "killed process %lld, left running by a "
			    "job of a dead worker", pid);
			killed++;
		}
	}
	closedir(d);
	return killed;
}
