/* store_bench.c: times the worker's claim and status updates through sql/store.c. */
/*
 * usage: store_bench DB N
 *        store_bench -s DB N
 *        store_bench -c DB
 * DB is a SQLite path or a postgresql:// URI, as OFFLINETUBE_DATABASE.
 * The first form: DB already holds its tasks, N of them pending.  Claims all
 * N one by one, then writes one progress update and one completion for each,
 * and prints the median and p99 of each operation in microseconds as one
 * JSON line.  N = 0 only creates (migrates) DB.
 * -s adds N pending tasks (500 a transaction).
 * -c claims and completes tasks until none is pending, as a worker whose
 * downloads take no time would: several run at once measure the queue's
 * throughput with several workers.  It prints how many it claimed and the
 * wall-clock times of its first and last claim, so that the caller can
 * divide all the claims by the span of all the processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "store.h"
#include "util.h"

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[(int)((n - 1) * p + 0.5)];
}

static double
wall_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* N pending tasks, as POST /api/download makes them with keys off. */
static int
seed_pending(struct store *s, long long n)
{
	struct task_new	 t;
	uuid_t		 u;
	char		 id[STORE_ID_LEN], url[64];
	long long	 i;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = url;
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "mp3";
	for (i = 0; i < n; i++) {
		if (i % 500 == 0 && store_begin(s) != 1)
			return -1;
		uuid_generate_random(u);
		uuid_unparse_lower(u, id);
		snprintf(url, sizeof(url), "http://127.0.0.1:9/bench-%lld", i);
		if (store_task_insert(s, &t) != 1)
			return -1;
		if ((i % 500 == 499 || i == n - 1) && store_commit(s) != 1)
			return -1;
	}
	return 0;
}

/* Claims and completes until the queue is empty; one JSON line. */
static int
drain(struct store *s)
{
	struct task_claim	 c;
	double			 first = 0, last = 0;
	long			 k = 0;
	int			 rc;

	for (;;) {
		rc = store_task_claim(s, (long)getpid(),
		    (int64_t)time(NULL) + 60, &c);
		if (rc == 0)
			break;
		if (rc != 1)
			return -1;
		last = wall_s();
		if (k++ == 0)
			first = last;
		if (store_task_complete(s, c.id, &(struct task_done){
		    "bench.mp4", 10000000, "720p", NULL, 0, NULL }) != 1)
			return -1;
	}
	printf("{\"claims\": %ld, \"first\": %.6f, \"last\": %.6f}\n",
	    k, first, last);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct store		*s;
	struct task_claim	 c;
	char			 err[512], (*ids)[STORE_ID_LEN];
	int64_t			*seqs;
	double			*tc, *tp, *tf, t;
	long long		 n;
	int			 i, k = 0;

	if (argc == 3 && strcmp(argv[1], "-c") == 0) {
		if ((s = store_open(argv[2], err, sizeof(err))) == NULL)
			goto fail_open;
		if (drain(s) == -1)
			goto fail;
		store_close(s);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "-s") == 0) {
		if (util_strtonum(argv[3], 1, 10000000, &n) == -1)
			goto usage;
		if ((s = store_open(argv[2], err, sizeof(err))) == NULL)
			goto fail_open;
		if (seed_pending(s, n) == -1)
			goto fail;
		store_close(s);
		return 0;
	}
	if (argc != 3 || util_strtonum(argv[2], 0, 1000000, &n) == -1)
		goto usage;
	if ((s = store_open(argv[1], err, sizeof(err))) == NULL)
		goto fail_open;
	if (n == 0) {
		store_close(s);
		return 0;
	}
	ids = calloc((size_t)n, sizeof(*ids));
	tc = calloc((size_t)n, sizeof(double));
	tp = calloc((size_t)n, sizeof(double));
	tf = calloc((size_t)n, sizeof(double));
	seqs = calloc((size_t)n, sizeof(*seqs));
	if (ids == NULL || seqs == NULL || tc == NULL || tp == NULL || tf == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		t = now_us();
		if (store_task_claim(s, (long)getpid(), (int64_t)time(NULL) + 60,
		    &c) != 1) {
			fprintf(stderr, "store_bench: claim %d: %s\n", i,
			    store_errmsg(s));
			return 1;
		}
		tc[k] = now_us() - t;
		seqs[k] = c.seq;
		memcpy(ids[k++], c.id, STORE_ID_LEN);
	}
	for (i = 0; i < k; i++) {
		t = now_us();
		if (store_task_progress(s, seqs[i], 50.0, "5.0MiB/s", "3s",
		    10000000, 5000000) != 1)
			return 1;
		tp[i] = now_us() - t;
	}
	for (i = 0; i < k; i++) {
		t = now_us();
		if (store_task_complete(s, ids[i], &(struct task_done){
		    "bench.mp4", 10000000, "720p", NULL, 0, NULL }) != 1)
			return 1;
		tf[i] = now_us() - t;
	}
	printf("{\"n\": %d, \"claim_p50_us\": %.1f, \"claim_p99_us\": %.1f, "
	    "\"progress_p50_us\": %.1f, \"progress_p99_us\": %.1f, "
	    "\"complete_p50_us\": %.1f, \"complete_p99_us\": %.1f}\n", k,
	    pct(tc, k, .5), pct(tc, k, .99), pct(tp, k, .5), pct(tp, k, .99),
	    pct(tf, k, .5), pct(tf, k, .99));
	store_close(s);
	return 0;
usage:
	fprintf(stderr, "usage: store_bench db n | -s db n | -c db\n");
	return 2;
fail_open:
	fprintf(stderr, "store_bench: %s\n", err);
	return 1;
fail:
	fprintf(stderr, "store_bench: %s\n", store_errmsg(s));
	store_close(s);
	return 1;
}
