/* test_proc.c: a supervised child is read in bounded lines, stopped with TERM then KILL, reaped with its group. */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"
#include "util.h"

static char	 tmpdir[] = "/tmp/ot-proc-XXXXXX";

struct seen {
	char	 lines[8][256];
	size_t	 nlines;
	size_t	 bytes;		/* stdout taken as bytes */
	size_t	 errcalls;
	int	 ended;
	int	 wstatus;
};

static void
seen_out(void *arg, char *s, size_t n)
{
	struct seen	*w = arg;

	if (w->nlines < 8 && n < sizeof(w->lines[0]))
		memcpy(w->lines[w->nlines], s, n + 1);
	w->nlines++;
}

static void
seen_bytes(void *arg, char *s, size_t n)
{
	struct seen	*w = arg;

	(void)s;
	w->bytes += n;
}

static void
seen_err(void *arg, size_t dropped)
{
	struct seen	*w = arg;

	(void)dropped;
	w->errcalls++;
}

static void
seen_ended(void *arg, int wstatus)
{
	struct seen	*w = arg;

	w->ended++;
	w->wstatus = wstatus;
}

static const struct proc_ops lines_ops = { seen_out, seen_err, seen_ended };
static const struct proc_ops bytes_ops = { seen_bytes, NULL, seen_ended };

/* The worker's loop in small: poll, read, timers, reap, until w ended or ms passed. */
static void
loop_until_ended(struct seen *w, int ms)
{
	struct pollfd	 pfd[2 * PROC_MAX];
	int64_t		 until = util_now_ms() + ms;
	size_t		 n;

	while (!w->ended && util_now_ms() < until) {
		n = proc_pollfds(pfd, 2 * PROC_MAX);
		(void)poll(pfd, n, 10);
		proc_read_ready(pfd, n);
		proc_timers();
		(void)proc_reap();
	}
}

/* Lines come whole and without their newline (or \r\n); the last one even without a newline. */
static void
test_lines(void)
{
	const char	*argv[] = { "sh", "-c",
	    "printf 'one\\ntwo\\r\\n'; printf 'thr'; sleep 0.1; printf 'ee\\nlast'; "
	    "echo oops >&2; exit 3", NULL };
	struct proc	 p;
	struct seen	 w;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 64) == 0);
	CHECK(proc_running(&p));
	CHECK(proc_start(&p, argv, tmpdir, 64) == -1);	/* one child a proc */
	loop_until_ended(&w, 5000);
	CHECK(w.ended == 1);
	CHECK(WIFEXITED(w.wstatus) && WEXITSTATUS(w.wstatus) == 3);
	CHECK(w.nlines == 4);
	CHECK_STR(w.lines[0], "one");
	CHECK_STR(w.lines[1], "two");
	CHECK_STR(w.lines[2], "three");
	CHECK_STR(w.lines[3], "last");
	CHECK(w.errcalls >= 1);
	CHECK(strstr(p.err.data, "oops") != NULL);
	CHECK(!proc_running(&p));
	proc_close(&p);
}

/* A line past the bound is dropped whole, up to its newline; the next is read. */
static void
test_line_bound(void)
{
	const char	*argv[] = { "sh", "-c",
	    "printf '%0200d\\nok\\n' 0; printf '%070000d' 0; sleep 0.1; "
	    "printf 'still the long one\\nafter\\n'", NULL };
	struct proc	 p;
	struct seen	 w;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 64) == 0);
	loop_until_ended(&w, 5000);
	CHECK(w.ended == 1);
	CHECK(w.nlines == 2);
	CHECK_STR(w.lines[0], "ok");
	CHECK_STR(w.lines[1], "after");
	CHECK(p.linecap <= 4096);	/* never grown past the bound */
	proc_close(&p);
}

/* Without line_max the bytes come as they are, all of them. */
static void
test_bytes(void)
{
	const char	*argv[] = { "sh", "-c", "head -c 300000 /dev/zero", NULL };
	struct proc	 p;
	struct seen	 w;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &bytes_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 0) == 0);
	loop_until_ended(&w, 5000);
	CHECK(w.ended == 1);
	CHECK(w.bytes == 300000);
	proc_close(&p);
}

/* A child that ignores SIGTERM gets SIGKILL PROC_KILL_MS later, not sooner, not never. */
static void
test_term_then_kill(void)
{
	const char	*argv[] = { "sh", "-c",
	    "trap '' TERM; echo ready; while :; do sleep 1; done", NULL };
	struct proc	 p;
	struct seen	 w;
	int64_t		 t0, took;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 64) == 0);
	t0 = util_now_ms();
	while (w.nlines == 0 && util_now_ms() - t0 < 5000) {
		struct pollfd	 pfd[2 * PROC_MAX];
		size_t		 n = proc_pollfds(pfd, 2 * PROC_MAX);

		(void)poll(pfd, n, 10);
		proc_read_ready(pfd, n);
	}
	CHECK_STR(w.lines[0], "ready");
	t0 = util_now_ms();
	proc_stop(&p);
	proc_stop(&p);		/* twice: still one escalation */
	loop_until_ended(&w, 5000);
	took = util_now_ms() - t0;
	CHECK(w.ended == 1);
	CHECK(WIFSIGNALED(w.wstatus) && WTERMSIG(w.wstatus) == SIGKILL);
	CHECK(took >= PROC_KILL_MS);
	CHECK(took < 2000);
	proc_close(&p);
}

/* A child that obeys SIGTERM ends by it. */
static void
test_term(void)
{
	const char	*argv[] = { "sleep", "30", NULL };
	struct proc	 p;
	struct seen	 w;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 64) == 0);
	proc_stop(&p);
	loop_until_ended(&w, 5000);
	CHECK(w.ended == 1);
	CHECK(WIFSIGNALED(w.wstatus) && WTERMSIG(w.wstatus) == SIGTERM);
	proc_close(&p);
}

static int
gone_within(pid_t pid, int ms)
{
	struct timespec	 step = { 0, 5 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < ms / 5; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		nanosleep(&step, NULL);
	}
	return 0;
}

/*
 * The child exits and leaves a grandchild running in its group: the look
 * (WNOWAIT) leaves the exit status to the reap, and the group kill takes
 * the grandchild with it.
 */
static void
test_reap_kills_the_group(void)
{
	const char	*argv[] = { "sh", "-c",
	    "sleep 30 & echo $!; exit 7", NULL };
	struct proc	 p;
	struct seen	 w;
	long long	 gpid = 0;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, argv, tmpdir, 64) == 0);
	loop_until_ended(&w, 5000);
	CHECK(w.ended == 1);
	CHECK(WIFEXITED(w.wstatus) && WEXITSTATUS(w.wstatus) == 7);
	CHECK(w.nlines == 1);
	CHECK(util_strtonum(w.lines[0], 2, 1LL << 31, &gpid) == 0);
	CHECK(gpid > 1 && gone_within((pid_t)gpid, 2000));
	if (gpid > 1)
		kill((pid_t)gpid, SIGKILL);
	proc_close(&p);
}

/* The worker's stop: what ignores SIGTERM is killed, every owner hears the end. */
static void
test_wait_stopped(void)
{
	const char	*stubborn[] = { "sh", "-c",
	    "trap '' TERM; while :; do sleep 1; done", NULL };
	const char	*other[] = { "sleep", "30", NULL };
	struct proc	 a, b, c;
	struct seen	 wa, wb, wc;

	memset(&wa, 0, sizeof(wa));
	memset(&wb, 0, sizeof(wb));
	memset(&wc, 0, sizeof(wc));
	proc_init(&a, &lines_ops, &wa, "a");
	proc_init(&b, &lines_ops, &wb, "b");
	proc_init(&c, &lines_ops, &wc, "c");
	CHECK(proc_start(&a, stubborn, tmpdir, 64) == 0);
	CHECK(proc_start(&b, other, tmpdir, 64) == 0);
	CHECK(proc_start(&c, other, tmpdir, 64) == 0);
	usleep(100000);		/* the trap is set */
	proc_stop(&a);
	proc_stop(&b);
	CHECK(proc_wait_stopped(3000) == 0);
	CHECK(wa.ended == 1 && wb.ended == 1);
	CHECK(wc.ended == 0 && proc_running(&c));	/* not told to stop */
	proc_stop(&c);
	CHECK(proc_wait_stopped(3000) == 0);
	CHECK(wc.ended == 1);
	proc_close(&a);
	proc_close(&b);
	proc_close(&c);
}

/* The version check's way: run to the end outside the loop, bounded in time. */
static void
test_wait(void)
{
	const char	*quick[] = { "sh", "-c", "echo 2026.01.01", NULL };
	const char	*slow[] = { "sleep", "30", NULL };
	struct proc	 p;
	struct seen	 w;
	int64_t		 t0;

	memset(&w, 0, sizeof(w));
	proc_init(&p, &lines_ops, &w, "test");
	CHECK(proc_start(&p, quick, tmpdir, 64) == 0);
	CHECK(proc_wait(&p, 5000) == 0);
	CHECK(w.ended == 1);
	CHECK_STR(w.lines[0], "2026.01.01");
	memset(&w, 0, sizeof(w));
	CHECK(proc_start(&p, slow, tmpdir, 64) == 0);
	t0 = util_now_ms();
	CHECK(proc_wait(&p, 300) == 0);
	CHECK(util_now_ms() - t0 < 2000);
	CHECK(w.ended == 1);
	CHECK(WIFSIGNALED(w.wstatus) && WTERMSIG(w.wstatus) == SIGKILL);
	proc_close(&p);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_lines();
	test_line_bound();
	test_bytes();
	test_term_then_kill();
	test_term();
	test_reap_kills_the_group();
	test_wait_stopped();
	test_wait();
	rmdir(tmpdir);
	return unit_done("test_proc");
}
