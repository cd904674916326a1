"""test_concurrency.py: OFFLINETUBE_MAX_DOWNLOADS bounds the jobs; pending tasks wait their turn."""
import time

import pytest

from harness import FINAL, end_service, proc_state, run_service, ytdlp_procs

RUNNING = ("downloading", "processing")


def describe(procs):
    """pid, state, the task (from the job directory in argv) and the kind of run."""
    out = []
    for pid, argv in procs:
        job = next((a.split("/tmp/")[-1][:8] for a in argv if "/tmp/" in a), "?")
        kind = "resolve" if ("-J" in argv or "--dump-single-json" in argv) else "download"
        out.append((pid, proc_state(pid), job, kind))
    return out


@pytest.fixture(scope="module")
def service(site, xdg):
    svc = run_service(site, xdg, {"OFFLINETUBE_MAX_DOWNLOADS": "2"})
    yield svc
    end_service(svc)


def test_no_more_than_max_downloads_run_at_once_and_all_finish(service, site):
    ids = [service.submit(site.page(f"slow-conc-{i}"))["id"] for i in range(4)]
    max_rows = max_procs = 0
    deadline = time.monotonic() + 90
    while True:
        tasks = {t["id"]: t for t in service.tasks() if t["id"] in ids}
        rows = sum(1 for t in tasks.values() if t["status"] in RUNNING)
        found = ytdlp_procs(service.data_dir)
        procs = len(found)
        max_rows, max_procs = max(max_rows, rows), max(max_procs, procs)
        states = {i[:8]: t["status"] for i, t in tasks.items()}
        assert rows <= 2, f"{rows} tasks running at once: {states}"
        assert procs <= 2, f"{procs} yt-dlp processes at once: {describe(found)}; rows {states}"
        if all(t["status"] in FINAL for t in tasks.values()):
            break
        assert time.monotonic() < deadline, \
            f"not all finished in 90s: {[t['status'] for t in tasks.values()]}"
        time.sleep(0.1)
    assert [service.task(i)["status"] for i in ids] == ["completed"] * 4
    # Two really ran side by side (a worker that runs one at a time fails here).
    assert max_rows == 2 and max_procs == 2, (max_rows, max_procs)


def test_cancelled_pending_task_never_starts(service, site):
    running = [service.submit(site.page(f"slow-busy-{i}"))["id"] for i in range(2)]
    waiting = service.submit(site.page("slow-never-started"))
    st, _, body = service.delete(f"/api/downloads/{waiting['id']}")
    assert (st, body) == (200, {"message": "Descarga cancelada"})
    for i in running:
        service.wait_for_status(i, "completed", 60)
    time.sleep(1)  # the worker now has free slots: it must still leave the task alone
    t = service.task(waiting["id"])
    assert t["status"] == "cancelled"
    assert "/video/slow-never-started" not in service.site.requests
    assert (t["downloaded_bytes"], t["filename"]) == (0, "")
