/* test_store_write.c: the write lock under load: who takes it, how soon a waiter gets it, the WAL's size. */
#include <sys/stat.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "unit.h"

static char	 dir[] = "/tmp/ot-write-XXXXXX";
static char	 dbpath[64];

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct store *
open_db(void)
{
	char	 err[256];

	return store_open(dbpath, err, sizeof(err));
}

static int
insert(struct store *s, int n)
{
	struct task_new	 t;
	char		 id[STORE_ID_LEN];

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", n);
	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = "http://example.com/v";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	return store_task_insert(s, &t);
}

/*
 * The worker tries to claim after every commit of the API's.  With nothing
 * to claim it must not take the write lock: an UPDATE takes it even when it
 * changes nothing, and every create then waited for the idle claim.  Here
 * another connection holds the lock: the claims answer "nothing" at once
 * instead of waiting for it (5 s, then "database is locked").
 */
static void
test_idle_claims_take_no_write_lock(void)
{
	struct store		*a, *b;
	struct task_claim	 c;
	struct lookup_claim	 lc;
	int64_t			 t0;

	CHECK((a = open_db()) != NULL && (b = open_db()) != NULL);
	CHECK(store_begin(a) == 1);
	t0 = now_us();
	CHECK(store_task_claim(b, 1, 0, &c) == 0);
	CHECK(store_lookup_claim(b, 1, &lc) == 0);
	CHECK(now_us() - t0 < 500000);
	store_rollback(a);
	store_close(a);
	store_close(b);
}

struct holder {
	struct store	*s;
	volatile int	 begun;
	int64_t		 released;	/* now_us() at the commit */
};

static void *
hold_200ms(void *arg)
{
	struct holder	*h = arg;

	if (store_begin(h->s) == -1 || insert(h->s, 1) != 1) {
		h->begun = -1;
		return NULL;
	}
	h->begun = 1;
	usleep(200000);
	h->released = now_us();
	(void)store_commit(h->s);
	return NULL;
}

/*
 * A create that finds the write lock taken gets it soon after it is free.
 * SQLite's busy_timeout slept 1, 2, 5 ... up to 100 ms between tries: a
 * lock held for 200 ms was seen free 28 ms late, every time, and under a
 * flood the unlucky waited near a second (docs/benchmarks.md, item 8).
 * The best of a few tries counts: one thread scheduled late on a busy
 * machine says nothing of how often the waiter looks.
 */
static int64_t
lock_taken_late(void)
{
	struct holder	 h = { NULL, 0, 0 };
	struct store	*b;
	pthread_t	 t;
	int64_t		 late = INT64_MAX;
	char		 name[STORE_FILENAME_MAX + 1], subs[STORE_SUBTITLES_LEN];

	CHECK((h.s = open_db()) != NULL && (b = open_db()) != NULL);
	CHECK(pthread_create(&t, NULL, hold_200ms, &h) == 0);
	while (!h.begun)
		usleep(1000);
	CHECK(h.begun == 1);
	CHECK(store_begin(b) == 1);
	if (h.released > 0)
		late = now_us() - h.released;
	CHECK(insert(b, 2) == 1);
	CHECK(store_commit(b) == 1);
	pthread_join(t, NULL);
	CHECK(store_task_delete(b, "00000000-0000-4000-8000-000000000001", 0,
	    name, subs) == 1);
	CHECK(store_task_delete(b, "00000000-0000-4000-8000-000000000002", 0,
	    name, subs) == 1);
	store_close(h.s);
	store_close(b);
	return late;
}

static void
test_a_waiting_writer_gets_the_lock_when_it_is_free(void)
{
	int64_t	 late, best = INT64_MAX;
	int	 i;

	for (i = 0; i < 5 && best >= 10000; i++)
		if ((late = lock_taken_late()) < best)
			best = late;
	CHECK(best < 10000);
	if (best >= 10000)
		fprintf(stderr, "the lock was taken %lld us after it was free\n",
		    (long long)best);
}

struct writer {
	struct store	*s;
	int		 n;
	volatile int	 done;
};

static void *
write_many(void *arg)
{
	struct writer	*w = arg;
	int		 i;

	for (i = 0; i < w->n; i++)
		if (insert(w->s, 1000 + i) != 1)
			break;
	w->done = 1;
	return NULL;
}

/*
 * The WAL header's checkpoint sequence number (bytes 12-15, big-endian):
 * SQLite adds one each time a writer starts the WAL over from its first
 * frame, so it counts the restarts whatever the file's size says.
 */
static long
wal_restarts(const char *wal)
{
	unsigned char	 h[16];
	FILE		*f;
	long		 n = -1;

	if ((f = fopen(wal, "rb")) == NULL)
		return -1;
	if (fread(h, 1, sizeof(h), f) == sizeof(h))
		n = (long)h[12] << 24 | (long)h[13] << 16 | (long)h[14] << 8 |
		    (long)h[15];
	fclose(f);
	return n;
}

/*
 * Commits that never stop, as under a flood of creates: the checkpoints of
 * store_checkpoint() (the worker's, every 200 ms; here more often) let the
 * WAL start over, where checkpoints that wait for no one end behind the
 * commits made meanwhile every time, and the WAL grew by every commit
 * (5,000 creates: some 160 MB, never once started over).  The restarts are
 * counted, not the file's size: how large it gets depends on how the
 * threads are scheduled (on a loaded machine a restart may find the writer
 * busy for longer than it waits), how often it starts over does not.
 */
static void
test_checkpoints_keep_the_wal_small_under_writes(void)
{
	struct writer	 w = { NULL, 5000, 0 };
	struct store	*c;
	struct stat	 st;
	pthread_t	 t;
	char		 wal[96];
	off_t		 most = 0;
	long		 first = -1, last = -1, n;

	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	CHECK((w.s = open_db()) != NULL && (c = open_db()) != NULL);
	store_autocheckpoint(w.s, 0);
	store_autocheckpoint(c, 0);
	CHECK(pthread_create(&t, NULL, write_many, &w) == 0);
	while (!w.done) {
		usleep(20000);
		CHECK(store_checkpoint(c) == 1);
		if (stat(wal, &st) == 0 && st.st_size > most)
			most = st.st_size;
		if ((n = wal_restarts(wal)) >= 0) {
			if (first < 0)
				first = n;
			last = n;
		}
	}
	pthread_join(t, NULL);
	CHECK(first >= 0 && last - first >= 2);
	if (last - first < 2)
		fprintf(stderr, "the WAL started over %ld times while 5,000 "
		    "creates were made; it grew to %lld bytes\n",
		    last - first, (long long)most);
	store_close(w.s);
	store_close(c);
}

int
main(void)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char	 p[96];
	size_t	 i;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_idle_claims_take_no_write_lock();
	test_a_waiting_writer_gets_the_lock_when_it_is_free();
	test_checkpoints_keep_the_wal_small_under_writes();
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, ext[i]);
		unlink(p);
	}
	rmdir(dir);
	return unit_done("test_store_write");
}
