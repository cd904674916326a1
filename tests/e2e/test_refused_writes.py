"""test_refused_writes.py: a write the database refuses (another program holds
its lock, the disk is full) loses no finished file and leaves no row running.

yt-dlp runs behind tests/fixtures/ytdlp-gate, which holds a finished run
until the test has made the database refuse writes: the worker then records
the end of the run into a database that says no, every time, at the same
point.
"""
import contextlib
import glob
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid

import pytest

import harness
from harness import Service, end_service, job_procs, wait_until

RUNNING = ("downloading", "processing")


def gated(make_service, xdg):
    return make_service(OFFLINETUBE_YTDLP=os.path.join(xdg, "ytdlp-gate"))


class Gate:
    """One gated run: the URL to submit, and the two files of the handshake."""

    def __init__(self, xdg, url):
        self.name = "g" + uuid.uuid4().hex[:12]
        sep = "&" if "?" in url else "?"
        self.url = f"{url}{sep}otgate={self.name}"
        runs = os.path.join(xdg, "runs")
        self.ready = os.path.join(runs, f"{self.name}.ready")
        self.go = os.path.join(runs, f"{self.name}.go")

    def wait_ready(self, svc, timeout=60):
        wait_until(lambda: os.path.exists(self.ready), timeout, 0.05,
                   f"yt-dlp done and held at the gate\n{svc.logs_tail()}")

    def open(self):
        open(self.go, "w").close()

    def remove(self):
        for f in (self.ready, self.go):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f)


# What the worker logs when the write of a run's end is refused (the second
# form is what it logged before it tried again, when the refusal lost the run).
COMPLETION_REFUSED = r"(record the completion \(|complete: )database is locked"
FAILURE_REFUSED = r"(record the failure \(|store: )database is locked"
COMPLETION_FULL = r"(record the completion \(|complete: )database or disk is full"
RECOVERY_FULL = r"(recover the tasks of the worker before \(|recover: )database or disk is full"


def worker_log_after(svc, start, pattern, timeout=40):
    """Waits for a line matching pattern in what the worker logged after offset start."""
    try:
        wait_until(lambda: re.search(pattern, svc.log("worker")[start:]), timeout, 0.1,
                   f"the worker to log {pattern!r}")
    except AssertionError as e:
        raise AssertionError(f"{e}\n{svc.logs_tail()}") from None


@contextlib.contextmanager
def run_end_refused(svc, gate, refusal, pattern):
    """Submits gate's URL, lets its run end inside refusal (a context that
    makes the database refuse writes), and yields the task once the worker
    has logged pattern: the write of the run's end refused."""
    t = svc.submit(gate.url)
    gate.wait_ready(svc)
    start = len(svc.log("worker"))
    with refusal:
        gate.open()
        worker_log_after(svc, start, pattern)
        yield t


def finished_files(svc, tid):
    return glob.glob(os.path.join(svc.data_dir, "downloads", f"*__{tid}.*"))


def thumbnails(svc, tid):
    return glob.glob(os.path.join(svc.data_dir, "thumbnails", f"{tid}.*"))


def check_completed(svc, tid, size):
    t = svc.wait_for_status(tid, "completed", 40)
    assert t["filesize"] == size
    assert t["title"] and t["thumbnail"] == f"/api/thumbnails/{tid}", t
    st, _, body = svc.fetch_file(tid)
    assert st == 200 and len(body) == size
    assert svc.get(f"/api/thumbnails/{tid}")[0] == 200
    return t


def test_a_finished_download_is_recorded_once_the_lock_goes(make_service, site, xdg):
    svc = gated(make_service, xdg)
    gate = Gate(xdg, site.page("clip"))
    worker = svc.procs["worker"]
    try:
        with run_end_refused(svc, gate, svc.write_lock(), COMPLETION_REFUSED) as t:
            # Refused: the file stays where it belongs, the row stays running.
            files = finished_files(svc, t["id"])
            assert len(files) == 1, (files, svc.logs_tail())
            size = os.path.getsize(files[0])
            assert thumbnails(svc, t["id"])
            time.sleep(2)  # a few more refused tries
            assert finished_files(svc, t["id"]) == files
            assert svc.task(t["id"])["status"] in RUNNING
        # Written once the lock goes, by the same worker, without a restart.
        check_completed(svc, t["id"], size)
        assert worker.poll() is None
        assert svc.leftovers() == []
    finally:
        gate.remove()


def test_a_failure_is_recorded_once_the_lock_goes(make_service, site, xdg):
    svc = gated(make_service, xdg)
    gate = Gate(xdg, f"{site.base}/missing")
    try:
        with run_end_refused(svc, gate, svc.write_lock(), FAILURE_REFUSED) as t:
            time.sleep(1)
            assert svc.task(t["id"])["status"] in RUNNING
        failed = svc.wait_for_status(t["id"], "error", 30)
        assert "404" in failed["error_message"], failed
        assert svc.leftovers() == []
    finally:
        gate.remove()


def test_a_completion_cancelled_while_refused_deletes_its_file(make_service, site, xdg):
    svc = gated(make_service, xdg)
    gate = Gate(xdg, site.page("clip2"))
    try:
        with run_end_refused(svc, gate, svc.write_lock(), COMPLETION_REFUSED) as t:
            assert finished_files(svc, t["id"])
        assert svc.delete(f"/api/downloads/{t['id']}/remove")[0] == 200
        wait_until(lambda: not finished_files(svc, t["id"]) and
                   not thumbnails(svc, t["id"]), 30, 0.1,
                   f"the removed task's file deleted\n{svc.logs_tail()}")
        assert svc.get(f"/api/downloads/{t['id']}")[0] == 404
    finally:
        gate.remove()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_completion_left_unwritten_is_recorded_by_the_next_start(make_service, site, xdg,
                                                                   sig):
    """Stopped, or killed, while its completion is refused: the next worker
    finds the finished file and records it; nothing is downloaded again."""
    svc = gated(make_service, xdg)
    gate = Gate(xdg, site.page("hd"))
    try:
        with run_end_refused(svc, gate, svc.write_lock(), COMPLETION_REFUSED) as t:
            files = finished_files(svc, t["id"])
            assert len(files) == 1
            size = os.path.getsize(files[0])
            stopped = time.monotonic()
            svc.stop_proc("worker", sig)
            assert time.monotonic() - stopped < 8, "the worker took too long to stop"
            assert finished_files(svc, t["id"]) == files
        fetched = len(site.requests)
        svc.start_worker()
        check_completed(svc, t["id"], size)
        assert finished_files(svc, t["id"]) == files
        assert site.requests[fetched:] == [], "the finished file was downloaded again"
    finally:
        gate.remove()


# -- the disk full -----------------------------------------------------------------

@pytest.fixture
def small_disk_service(site, xdg):
    """A service whose data directory is a 32 MB tmpfs (its logs are not on
    it): the test fills it.  Mounting needs root; CI runs as root."""
    root = tempfile.mkdtemp(prefix="ot-full-", dir="/tmp")
    os.chmod(root, 0o755)  # the programs run as nobody when the suite is root
    data, logs = os.path.join(root, "data"), os.path.join(root, "logs")
    os.mkdir(data)
    os.mkdir(logs)
    mounts = []

    def mount(*args):
        r = subprocess.run(["mount", *args], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a small file system here (mount {' '.join(args)}: "
                        f"{r.stderr.strip()}); the test needs root")
        mounts.insert(0, args[-1])

    svc = None
    try:
        if harness.PG:
            pytest.skip("the disk that fills up is the data directory's, where the SQLite "
                        "file is: PostgreSQL's server keeps its data on a disk of its own")
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("cannot mount a small file system: the test needs root")
        mount("-t", "tmpfs", "-o", "size=32m,mode=0700", "tmpfs", data)
        os.mkdir(os.path.join(data, "logs"))
        mount("--bind", logs, os.path.join(data, "logs"))
        svc = Service(site, xdg, {"OFFLINETUBE_YTDLP": os.path.join(xdg, "ytdlp-gate"),
                                  "OFFLINETUBE_MIN_FREE_MB": "0"}, data_dir=data)
        svc.start()
        yield svc
    finally:
        if svc is not None:
            with contextlib.suppress(BaseException):
                end_service(svc)
        for m in mounts:
            subprocess.run(["umount", m], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def files_open_under(path):
    """Files under path that some process has open, deleted ones too."""
    found = []
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith(path + "/"):
                found.append((fd, target))
    return found


def fill(path):
    """Writes a file into path until the file system is full; returns its name."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) > 0:
                    pass
    finally:
        os.close(fd)
    return filler


@contextlib.contextmanager
def database_full(svc):
    """Fills the data directory's file system until the database takes no
    more writes, and keeps it so.  A full disk alone may not be enough: a
    write can reuse the -wal file's old frames, needing no room.  So the
    -wal file is first checkpointed and cut to nothing (whatever is written
    after that only appends to it), and writes of our own then use up any
    room a write may still find."""
    path = os.path.join(svc.data_dir, "offlinetube.db")
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    filler = None
    try:
        wait_until(lambda: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0,
                   10, 0.05, "a checkpoint of the whole -wal file")
        filler = fill(svc.data_dir)
        for i in range(100000):
            try:
                db.execute("INSERT INTO meta (key, value) VALUES ('test_fill', ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           (str(i) * 100,))
            except sqlite3.OperationalError as e:
                assert "full" in str(e), e
                break
        else:
            raise AssertionError("the database never said it was full")
        yield
    finally:
        db.close()
        if filler is not None:
            os.unlink(filler)


def test_a_finished_download_is_recorded_once_the_disk_has_room(small_disk_service, site, xdg):
    svc = small_disk_service
    gate = Gate(xdg, site.page("clip"))
    try:
        with run_end_refused(svc, gate, database_full(svc), COMPLETION_FULL) as t:
            files = finished_files(svc, t["id"])
            assert len(files) == 1, (files, svc.logs_tail())
            size = os.path.getsize(files[0])
            time.sleep(2)
            assert finished_files(svc, t["id"]) == files
            assert svc.task(t["id"])["status"] in RUNNING
        check_completed(svc, t["id"], size)
    finally:
        gate.remove()


def test_recovery_refused_at_start_is_tried_again_without_a_restart(small_disk_service, site):
    """A worker that starts on a full disk cannot hand a crashed worker's
    rows back; it must do so once there is room, not at the next start."""
    svc = small_disk_service
    t = svc.submit(site.page("slow-full-disk"))
    wait_until(lambda: svc.task(t["id"])["downloaded_bytes"] > 0, 30, 0.1,
               "the download running")
    svc.kill_worker()
    # What the dead run wrote would be emptied at start, making room; so it
    # goes now, and once no process holds a file of it open (a process that
    # is ending holds its files a moment after its memory and environment).
    tmp = os.path.join(svc.data_dir, "tmp")
    for d in glob.glob(os.path.join(tmp, "*")):
        shutil.rmtree(d, ignore_errors=True)
    wait_until(lambda: not job_procs(svc.data_dir) and not files_open_under(tmp), 10, 0.1,
               "the dead run's processes and files gone")
    start = len(svc.log("worker"))
    with database_full(svc):
        svc.start_worker()
        worker_log_after(svc, start, RECOVERY_FULL)
        time.sleep(1)
        assert svc.task(t["id"])["status"] in RUNNING
    worker_log_after(svc, start, re.escape(f"{t['id']}: claimed (attempt 2)"))
    assert svc.delete(f"/api/downloads/{t['id']}")[0] == 200
    svc.wait_for_status(t["id"], "cancelled", 10)
