"""test_orphans.py: at start the worker reconciles downloads/ and thumbnails/
with the database: a file a killed worker finished is re-attached to its row,
files of ours that no row names are removed, and nothing else is touched."""
import os
import shutil
import tempfile
import time
import uuid

import pytest

import harness
from harness import raw_request as raw, wait_until

# The scan of every file at start is SQLite's: with several workers
# (PostgreSQL) only a dead worker's tasks' files are looked at.
PG_NO_SCAN = pytest.mark.skipif(
    harness.PG, reason="the scan of every file is SQLite's: with several "
    "workers (PostgreSQL) only a dead worker's tasks' files are looked at")

# The real sync(1), which the stand-in below runs once the test lets it.
SYNC = shutil.which("sync") or "/bin/sync"

# Stands in for sync(1) in the worker's PATH: says it runs (the finished file
# is still in the job's folder), waits for the test's word, then syncs.
GATE = """#!/bin/sh
d=$(dirname "$0")
: > "$d/started"
i=0
while [ ! -e "$d/go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
exec %s "$@"
"""


def sync_gate():
    """A directory holding the GATE stand-in for sync(1), for the front of PATH."""
    gate = tempfile.mkdtemp(prefix="ot-gate-", dir="/tmp")
    os.chmod(gate, 0o1777)
    with open(os.path.join(gate, "sync"), "w") as f:
        f.write(GATE % SYNC)
    os.chmod(os.path.join(gate, "sync"), 0o755)
    return gate


def worker_log_since_last_start(svc):
    return svc.log("worker").rsplit("==== start", 1)[-1]


def wait_running(svc):
    """The worker's start-up, reconciling included, is over once it says it runs."""
    wait_until(lambda: "running, pid" in worker_log_since_last_start(svc), 30, 0.1,
               "the worker to start")
    svc.wait_healthy()


def plant(d, name, data=b"planted", mtime=None):
    """A file as the service would own it."""
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    st = os.stat(d)
    os.chown(path, st.st_uid, st.st_gid)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def set_row(svc, tid, status):
    """What a worker that died leaves: the row still running, under its lease."""
    svc.sql("UPDATE tasks SET status = ?, lease_worker = 1, lease_until = ?, "
            "attempts = 1 WHERE id = ?", (status, int(time.time()) + 60, tid))


def test_a_file_a_killed_worker_finished_is_reattached_not_downloaded_again(make_service, site):
    """The worker is killed after it moved the finished file into downloads/ and
    before it recorded the completion: the database is held locked by the test
    then, so the worker waits in that very gap."""
    gate = sync_gate()
    try:
        svc = make_service(PATH=f"{gate}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        t = svc.submit(site.page("clip"))
        wait_until(lambda: os.path.exists(os.path.join(gate, "started")), 60, 0.05,
                   "the finished file being synced")
        downloads = os.path.join(svc.data_dir, "downloads")
        assert not [n for n in os.listdir(downloads) if t["id"] in n], \
            "the file gets its name only once it is on the disk"
        with svc.write_lock():
            with open(os.path.join(gate, "go"), "w"):
                pass
            names = wait_until(lambda: [n for n in os.listdir(downloads) if t["id"] in n],
                               20, 0.01, "the file moved into downloads/")
            time.sleep(0.2)     # the thumbnail follows it; then the row waits for the lock
            svc.kill_worker()
        before = svc.task(t["id"])
        assert before["status"] in ("downloading", "processing"), before
        assert os.path.exists(os.path.join(svc.data_dir, "thumbnails", t["id"] + ".jpg"))
        with open(os.path.join(downloads, names[0]), "rb") as f:
            data = f.read()
        with open(site.media_path("v360.mp4"), "rb") as f:
            assert data == f.read()

        svc.start_worker()
        wait_running(svc)
        done = svc.wait_for_status(t["id"], "completed", 10)
        log = worker_log_since_last_start(svc)
        assert f"{t['id']}: re-attached downloads/{names[0]}" in log, log
        assert f"{t['id']}: claimed" not in log, "downloaded again"
        assert done["filename"] == names[0]
        assert done["filesize"] == done["downloaded_bytes"] == len(data)
        assert done["thumbnail"] == f"/api/thumbnails/{t['id']}"
        assert raw(svc, done["stream_url"])[2] == data
        assert raw(svc, done["thumbnail"])[0] == 200
        assert svc.leftovers() == []
    finally:
        shutil.rmtree(gate, ignore_errors=True)


@PG_NO_SCAN
def test_files_no_task_names_are_removed_and_nothing_else(make_service, site):
    svc = make_service()
    done = svc.download(site.page("clip"))
    failed = svc.wait_for_status(svc.submit(f"{site.base}/missing")["id"], "error")
    svc.stop_worker()
    cancelled = svc.submit(site.page("clip2"))
    assert svc.delete(f"/api/downloads/{cancelled['id']}")[0] == 200
    removed = svc.submit(site.page("clip2"))
    assert svc.delete(f"/api/downloads/{removed['id']}/remove")[0] == 200
    downloads = os.path.join(svc.data_dir, "downloads")
    thumbs = os.path.join(svc.data_dir, "thumbnails")
    long_ago = time.time() - 3 * 365 * 86400      # before this database was made
    stranger = str(uuid.uuid4())

    ours_gone = {
        f"An earlier run__{done['id']}.webm": "its task's file is " + done["filename"],
        f"x__{failed['id']}.mp4": "its task is error",
        f"x__{cancelled['id']}.mp4": "its task is cancelled",
        f"Removed while finishing__{removed['id']}.mp4": "no task has this id",
    }
    for n in ours_gone:
        plant(downloads, n)
    thumb_gone = f"{removed['id']}.png"
    plant(thumbs, thumb_gone)
    kept = [
        # A library older than this database: files it never knew.
        plant(downloads, f"From a lost database__{stranger}.mp4", mtime=long_ago),
        plant(thumbs, f"{stranger}.webp", mtime=long_ago),
        # The user's own files, and names that are not quite ours.
        plant(downloads, "holiday.mp4"),
        plant(downloads, "notes.txt"),
        plant(downloads, "Holiday__not-a-uuid.mp4"),
        plant(downloads, f"Upper__{str(uuid.uuid4()).upper()}.mp4"),
        plant(downloads, f".hidden__{uuid.uuid4()}.mp4"),
        plant(downloads, f"{done['filename']}.part"),
        plant(thumbs, "cover.jpg"),
        plant(thumbs, f"{uuid.uuid4()}.gif"),
        # A task that exists keeps its thumbnail, whatever its status.
        plant(thumbs, f"{failed['id']}.jpg"),
    ]
    os.mkdir(os.path.join(downloads, "Movies"))
    kept.append(plant(os.path.join(downloads, "Movies"), f"In a folder__{uuid.uuid4()}.mp4"))
    link = os.path.join(downloads, f"A link__{uuid.uuid4()}.mp4")
    os.symlink("holiday.mp4", link)
    kept.append(link)
    done_file = svc.path_of(done)
    done_thumb = os.path.join(thumbs, done["id"] + ".jpg")
    assert os.path.exists(done_thumb)
    kept += [done_file, done_thumb]

    svc.start_worker()
    wait_running(svc)
    log = worker_log_since_last_start(svc)
    for n, why in ours_gone.items():
        assert not os.path.lexists(os.path.join(downloads, n)), n
        assert f"removed {downloads}/{n}: {why}" in log, (n, log)
    assert not os.path.exists(os.path.join(thumbs, thumb_gone))
    assert f"removed {thumbs}/{thumb_gone}: no task has this id" in log
    assert [p for p in kept if not os.path.lexists(p)] == []
    assert "files no task named: 0 re-attached, 5 removed" in log
    assert "left 2 file(s)" in log
    # The completed task is whole.
    st, _, body = svc.fetch_file(done["id"])
    with open(done_file, "rb") as f:
        assert (st, body) == (200, f.read())


def test_a_running_row_is_reattached_only_to_one_whole_file(make_service, site):
    """Two files for one running row cannot both be right, and an empty one is
    not a download: those rows run again; a single whole file completes its row."""
    svc = make_service()
    svc.stop_worker()
    two = svc.submit(site.page("clip"))
    empty = svc.submit(site.page("clip2"))
    one = svc.submit(site.page("hd"))
    downloads = os.path.join(svc.data_dir, "downloads")
    with open(site.media_path("v720.mp4"), "rb") as f:
        data = f.read()
    plant(downloads, f"First__{two['id']}.mp4", data)
    plant(downloads, f"Second__{two['id']}.webm", data)
    plant(downloads, f"Empty__{empty['id']}.mp4", b"")
    plant(downloads, f"Fixture HD clip__{one['id']}.mp4", data)
    plant(os.path.join(svc.data_dir, "thumbnails"), f"{one['id']}.jpg",
          open(site.media_path("thumb.jpg"), "rb").read())
    set_row(svc, two["id"], "downloading")
    set_row(svc, empty["id"], "downloading")
    set_row(svc, one["id"], "processing")

    svc.start_worker()
    wait_running(svc)
    log = worker_log_since_last_start(svc)
    t = svc.task(one["id"])
    assert t["status"] == "completed", t
    assert (t["filename"], t["filesize"]) == (f"Fixture HD clip__{one['id']}.mp4", len(data))
    assert t["thumbnail"] == f"/api/thumbnails/{one['id']}"
    assert f"{one['id']}: re-attached downloads/Fixture HD clip__{one['id']}.mp4" in log
    assert raw(svc, t["stream_url"])[2] == data
    for n, why in ((f"First__{two['id']}.mp4", "its task is downloading, and 2 files have its id"),
                   (f"Second__{two['id']}.webm", "its task is downloading, and 2 files have its id"),
                   (f"Empty__{empty['id']}.mp4", "its task is downloading")):
        assert f"removed {downloads}/{n}: {why}\n" in log, (n, log)
        assert not os.path.exists(os.path.join(downloads, n))
    # Re-queued by the recovery that follows, and downloaded again.
    for tid in (two["id"], empty["id"]):
        again = svc.wait_for_status(tid, "completed", 60)
        assert os.path.getsize(svc.path_of(again)) > 0
    assert sorted(os.listdir(downloads)) == sorted(
        svc.task(i)["filename"] for i in (two["id"], empty["id"], one["id"]))
