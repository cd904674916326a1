"""test_lookups_start.py: a look-up waits for a worker that is starting, and
only a worker that is really gone gets 503.

Right after `make run` answers, the worker may still be opening the database
or asking yt-dlp its version: a search then waits for it (within the look-up
deadline) instead of answering "The worker is not running; look-ups need it".
The API tells a starting worker from a gone one by the worker's lock on
run/worker.lock, and for its own first seconds gives any worker time to come.
"""
import fcntl
import os
import signal
import threading
import time
import uuid

import pytest

import harness
from harness import Service, wait_until

NO_WORKER = "The worker is not running; look-ups need it"
GRACE = 5           # fcgi-app/health.c: STARTUP_GRACE_MS


@pytest.fixture
def bare(site, xdg):
    """nginx and the API without a worker; the test starts one when it wants."""
    svc = Service(site, xdg)
    svc.start_api()
    svc.api_started = time.monotonic()
    svc.start_nginx()
    def answers():
        try:
            return svc.get("/api/health")[0] == 503
        except OSError:
            return False
    wait_until(answers, 20, 0.05, "nginx and the API")
    yield svc
    problems = svc.finish()
    assert not problems, problems


class Asking(threading.Thread):
    """One look-up in a thread: .answer is (status, body), .took its seconds."""

    def __init__(self, svc, path, body=None):
        super().__init__(daemon=True)
        self.svc, self.path, self.body = svc, path, body
        self.answer = None

    def run(self):
        t0 = time.monotonic()
        if self.body is None:
            st, _, body = self.svc.get(self.path, timeout=60)
        else:
            st, _, body = self.svc.post(self.path, self.body, timeout=60)
        self.took = time.monotonic() - t0
        self.answer = (st, body)


def worker_lock_held(svc):
    """Whether someone holds an OFD lock on run/worker.lock (/proc/locks)."""
    try:
        ino = os.stat(os.path.join(svc.data_dir, "run", "worker.lock")).st_ino
    except FileNotFoundError:
        return False
    with open("/proc/locks") as f:
        return any(l.split()[1] == "OFDLCK" and l.split()[5].endswith(f":{ino}")
                   for l in f)


def hold_database_open(svc):
    """Takes the lock the programs hold while they open the database (SQLite:
    the data directory's flock; PostgreSQL: the migrations' advisory lock,
    sql/db_pg.c): a worker started now holds run/worker.lock and waits, as
    one migrating would.  Returns what lets it go."""
    if harness.PG:
        import psycopg2
        con = psycopg2.connect(svc.env["OFFLINETUBE_DATABASE"])
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(1869901940)")
        return con.close
    fd = os.open(svc.data_dir, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return lambda: os.close(fd)


def past_grace(svc):
    left = svc.api_started + GRACE + 0.5 - time.monotonic()
    if left > 0:
        time.sleep(left)


def test_a_lookup_sent_before_the_worker_starts_waits_for_it(bare, site):
    asking = Asking(bare, "/api/info", {"url": site.page("clip")})
    asking.start()
    time.sleep(2)
    assert asking.answer is None, asking.answer
    bare.start_worker()
    asking.join(40)
    assert asking.answer is not None, "no answer"
    st, body = asking.answer
    assert st == 200, body
    assert body["title"].startswith("Fixture clip"), body
    assert asking.took >= 2


def test_only_a_worker_that_is_really_gone_gets_503(bare, site):
    past_grace(bare)
    # No worker, none starting: at once.
    t0 = time.monotonic()
    st, _, body = bare.get(f"/api/search?q=gone+{uuid.uuid4().hex[:6]}")
    assert (st, body) == (503, {"detail": NO_WORKER})
    assert time.monotonic() - t0 < 2

    # A worker that holds its lock but is still opening the database: the
    # look-up waits; the worker dies before it ever answers: 503 within a
    # second or two, not at the look-up deadline.
    release = hold_database_open(bare)
    try:
        bare.start_worker()
        wait_until(lambda: worker_lock_held(bare), 20, 0.05, "the worker's lock")
        asking = Asking(bare, f"/api/search?q=dies+{uuid.uuid4().hex[:6]}")
        asking.start()
        time.sleep(2)
        assert asking.answer is None, asking.answer
        bare.procs["worker"].send_signal(signal.SIGKILL)
        bare.procs["worker"].wait()
        asking.join(10)
        assert asking.answer == (503, {"detail": NO_WORKER}), asking.answer
        assert asking.took < 2 + 3

        # The same, and this time the worker gets through: the answer comes.
        bare.start_worker()
        wait_until(lambda: worker_lock_held(bare), 20, 0.05, "the worker's lock")
        asking = Asking(bare, "/api/search?q=Fixture+clip+two")
        asking.start()
        time.sleep(2)
        assert asking.answer is None, asking.answer
    finally:
        release()
    asking.join(40)
    st, body = asking.answer
    assert st == 200, body
    assert [r["title"] for r in body["results"]] == ["Fixture clip two"], body
