"""test_workers.py: several workers on one database (PostgreSQL), one on SQLite.

Two workers run beside each other on one data directory, as two hosts
sharing it would: each claims its own tasks, a second one starting leaves
the first's download alone, one killed with SIGKILL has its task finished
by the other once its lease (OFFLINETUBE_WORKER_LEASE, short here) has run
out, and /api/health lists them.  On SQLite a second worker is refused.
"""
import os
import re
import signal
import subprocess
import time

import pytest

import harness
from harness import FINAL, job_procs, wait_until

PG_ONLY = pytest.mark.skipif(not harness.PG, reason="several workers need PostgreSQL "
                             "(OFFLINETUBE_TEST_DATABASE=postgresql)")
LEASE = 3
RUNNING = ("downloading", "processing")


def workers(svc):
    st, _, body = svc.get("/api/health")
    return st, body.get("workers", [])


def alive_workers(svc, n):
    def ok():
        st, ws = workers(svc)
        return st == 200 and len(ws) == n and all(w["alive"] for w in ws)
    wait_until(ok, 20, 0.1, f"/api/health listing {n} live workers")
    return workers(svc)[1]


def rows(svc, ids):
    got, _ = svc.sql("SELECT id, status, lease_worker, attempts FROM tasks")
    return {r[0]: r[1:] for r in got if r[0] in ids}


def claims(log):
    """The task ids a worker's log says it claimed, in order."""
    return re.findall(r"\] ([0-9a-f-]{36}): claimed \(attempt", log)


@PG_ONLY
def test_two_workers_of_one_slot_each_run_two_downloads_at_once_never_the_same(
        make_service, site):
    svc = make_service(OFFLINETUBE_MAX_DOWNLOADS=1, OFFLINETUBE_WORKER_LEASE=LEASE)
    svc.start_more_worker()
    ws = alive_workers(svc, 2)
    assert len({w["id"] for w in ws}) == 2 and {w["pid"] for w in ws} == \
        {svc.procs["worker"].pid, svc.procs["worker2"].pid}
    ids = [svc.submit(site.page(f"slow-two-{i}"))["id"] for i in range(4)]
    both = 0
    deadline = time.monotonic() + 120
    while True:
        r = rows(svc, ids)
        running = [v for v in r.values() if v[0] in RUNNING]
        assert len(running) <= 2, r
        if len(running) == 2:
            # Two at once, one per worker: one slot each.
            assert running[0][1] != running[1][1], r
            both += 1
        if all(v[0] in FINAL for v in r.values()):
            break
        assert time.monotonic() < deadline, r
        time.sleep(0.1)
    assert both > 0, "the two workers never ran a download at the same time"
    r = rows(svc, ids)
    assert all(v[0] == "completed" and v[2] == 1 for v in r.values()), r
    one, two = claims(svc.log("worker")), claims(svc.log("worker2"))
    assert one and two, (one, two)
    assert sorted(one + two) == sorted(ids), (one, two)


@PG_ONLY
def test_a_killed_worker_task_is_finished_by_the_other_after_its_lease(make_service, site):
    svc = make_service(OFFLINETUBE_MAX_DOWNLOADS=1, OFFLINETUBE_WORKER_LEASE=LEASE)
    first = alive_workers(svc, 1)[0]
    t = svc.submit(site.page("slow-killed"))
    wait_until(lambda: rows(svc, [t["id"]])[t["id"]][0] == "downloading" and
               svc.task(t["id"])["downloaded_bytes"] > 0, 60, 0.1, "the download to run")
    tmp = os.path.join(svc.data_dir, "tmp", f"worker-{first['id']}")
    assert harness.files_under(tmp), "the running job writes under its worker's tmp/"
    procs = job_procs(svc.data_dir)
    assert procs

    # A second worker starting leaves the first's download alone.
    svc.start_more_worker()
    alive_workers(svc, 2)
    before = svc.task(t["id"])["downloaded_bytes"]
    time.sleep(2)
    r = rows(svc, [t["id"]])[t["id"]]
    assert r[0] == "downloading" and r[1] == first["id"] and r[2] == 1, r
    assert svc.task(t["id"])["downloaded_bytes"] > before
    assert os.path.isdir(tmp) and all(harness.proc_state(p) not in (None, "Z", "X")
                                      for p, _ in procs)
    assert t["id"] not in svc.log("worker2")

    # Killed: nothing stops its job, the lease alone says it is gone.
    svc.stop_proc("worker", signal.SIGKILL)
    svc.forget_proc("worker")
    killed_at = time.monotonic()
    svc.wait_for_status(t["id"], "completed", 90)
    # Not before the lease ran out (the rows are re-queued only then).
    assert time.monotonic() - killed_at >= LEASE - 1
    r = rows(svc, [t["id"]])[t["id"]]
    assert r[2] == 2, f"attempts: {r}"
    assert claims(svc.log("worker2")) == [t["id"]]
    assert f"worker {first['id']} is dead" in svc.log("worker2")
    # Its leftovers are gone, its yt-dlp too.
    assert not os.path.exists(tmp)
    wait_until(lambda: all(harness.proc_state(p) in (None, "Z", "X") for p, _ in procs), 10, 0.1,
               "the dead worker's job processes to end")
    ws = alive_workers(svc, 1)
    assert ws[0]["id"] != first["id"] and ws[0]["pid"] == svc.procs["worker2"].pid
    assert os.path.getsize(svc.path_of(svc.task(t["id"]))) > 0


@PG_ONLY
def test_health_lists_each_worker_and_a_stopped_one_goes(make_service):
    svc = make_service(OFFLINETUBE_WORKER_LEASE=LEASE)
    svc.start_more_worker()
    ws = alive_workers(svc, 2)
    st, _, body = svc.get("/api/health")
    assert body["worker"]["alive"] is True
    assert body["worker"]["heartbeat_at"] == max(w["heartbeat_at"] for w in body["workers"])
    assert all(set(w) == {"id", "host", "pid", "started_at", "heartbeat_at", "alive"}
               and w["host"] == os.uname().nodename for w in ws)
    assert svc.stop_proc("worker2") == 0
    svc.forget_proc("worker2")
    ws = alive_workers(svc, 1)
    assert ws[0]["pid"] == svc.procs["worker"].pid
    assert svc.stop_proc("worker") == 0
    st, _, body = svc.get("/api/health")
    assert (st, body["workers"], body["worker"]["alive"]) == (503, [], False)
    svc.start_worker()
    svc.wait_healthy()


@pytest.mark.skipif(harness.PG, reason="SQLite only: one worker per data directory")
def test_on_sqlite_a_second_worker_is_refused(make_service):
    svc = make_service()
    p = svc.start_more_worker()
    assert p.wait(20) == 1
    svc.forget_proc("worker2")
    assert "another offlinetube-worker is already running on" in svc.log("worker2")
    st, _, body = svc.get("/api/health")
    assert st == 200 and len(body["workers"]) == 1
    assert body["workers"][0]["pid"] == svc.procs["worker"].pid


def run_worker(svc):
    """make run-worker's script, with the service's settings as make run would have them."""
    log = open(os.path.join(svc.log_dir, "run-worker.log"), "ab")
    try:
        return subprocess.Popen(["bash", os.path.join(harness.REPO, "scripts", "run-worker.sh"),
                                 harness.BIN], env=svc.env, cwd=svc.data_dir,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


@PG_ONLY
def test_make_run_worker_starts_one_more_worker_on_the_shared_database(make_service):
    svc = make_service(OFFLINETUBE_WORKER_LEASE=LEASE)
    p = run_worker(svc)
    try:
        ws = alive_workers(svc, 2)
        assert p.pid in {w["pid"] for w in ws}, "the script runs the worker itself (exec)"
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(20)
    assert rc == 0, svc.log("run-worker")
    alive_workers(svc, 1)


@pytest.mark.skipif(harness.PG, reason="SQLite only: one worker per data directory")
def test_make_run_worker_on_sqlite_says_a_worker_runs_there(make_service):
    svc = make_service()
    p = run_worker(svc)
    assert p.wait(20) == 1
    assert "another offlinetube-worker is already running on" in svc.log("run-worker")


@PG_ONLY
def test_a_stopped_worker_hands_its_download_to_the_other_and_a_reload_keeps_its_folder(
        make_service, site):
    """SIGTERM hands the running download back at once (no lease to wait for,
    no attempt counted); the other worker, reloaded by SIGHUP meanwhile, runs
    it under its own tmp/worker-{id}/."""
    svc = make_service(OFFLINETUBE_MAX_DOWNLOADS=1)
    first = alive_workers(svc, 1)[0]
    t = svc.submit(site.page("slow-handed"))
    wait_until(lambda: rows(svc, [t["id"]])[t["id"]][0] == "downloading", 60, 0.1,
               "the download to run")
    svc.start_more_worker()
    second = [w for w in alive_workers(svc, 2) if w["id"] != first["id"]][0]
    start = len(svc.log("worker2"))
    svc.procs["worker2"].send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded" in svc.log("worker2")[start:], 20, 0.1, "the reload")
    assert svc.stop_proc("worker") == 0
    svc.forget_proc("worker")
    stopped_at = time.monotonic()
    wait_until(lambda: t["id"] in claims(svc.log("worker2")), 20, 0.1,
               "the other worker to take the download")
    assert time.monotonic() - stopped_at < 20, "handed back, not left for the 30 s lease"
    own = os.path.join(os.path.realpath(svc.data_dir), "tmp", f"worker-{second['id']}") + "/"
    wait_until(lambda: any(own in " ".join(a) for _, a in job_procs(svc.data_dir)), 20, 0.05,
               "its job running under its own folder")
    svc.wait_for_status(t["id"], "completed", 90)
    assert rows(svc, [t["id"]])[t["id"]][2] == 1, "a stop does not count as an attempt"
    assert not os.path.exists(os.path.join(svc.data_dir, "tmp", f"worker-{first['id']}"))
