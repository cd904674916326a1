"""test_restart.py: tasks and files survive restarts; a crashed worker's jobs are recovered."""
import time

from harness import job_procs, media_procs, wait_until

RECOVERY_TIMEOUT = 90   # a rerun after recovery downloads the slow page again


def test_tasks_and_files_survive_a_restart_of_all_three_programs(make_service, site):
    svc = make_service()
    done = svc.download(site.page("clip"))
    failed = svc.submit(f"{site.base}/missing")
    failed = svc.wait_for_status(failed["id"], "error")
    # Cancelled mid-download: a restart must not bring it back.
    cancelled = svc.submit(site.page("slow-restart-cancelled"))
    wait_until(lambda: svc.task(cancelled["id"])["downloaded_bytes"] > 0, 30, 0.05,
               "the slow download running")
    assert svc.delete(f"/api/downloads/{cancelled['id']}")[0] == 200
    wait_until(lambda: not job_procs(svc.data_dir), 5, 0.05, "the cancelled job stopped")
    with open(svc.path_of(done), "rb") as f:
        data = f.read()
    before = svc.tasks()
    fetched = svc.site.requests.count("/video/slow-restart-cancelled")

    svc.restart()

    time.sleep(1)  # a worker that re-queued the cancelled task would have claimed it by now
    assert svc.task(cancelled["id"])["status"] == "cancelled"
    assert svc.site.requests.count("/video/slow-restart-cancelled") == fetched
    assert not job_procs(svc.data_dir)
    after = svc.tasks()
    strip = lambda ts: [{k: v for k, v in t.items() if k != "updated_at"} for t in ts]
    assert strip(after) == strip(before)
    st, _, body = svc.fetch_file(done["id"])
    assert st == 200 and body == data
    assert svc.task(failed["id"])["error_message"] == failed["error_message"]
    # The restarted worker still takes new work.
    svc.download(site.page("clip2"))


def test_job_of_a_killed_worker_is_recovered_by_the_next_worker(make_service, site):
    svc = make_service()
    t = svc.submit(site.page("slow-crash"))
    wait_until(lambda: svc.task(t["id"])["status"] == "downloading"
               and svc.task(t["id"])["downloaded_bytes"] > 0, 30, 0.1, "the download running")
    svc.kill_worker()
    svc.start_worker()
    try:
        final = wait_until(lambda: (lambda x: x if x["status"] in ("completed", "error")
                                    else None)(svc.task(t["id"])),
                           RECOVERY_TIMEOUT, 0.3, "the task to be recovered")
    except AssertionError as e:
        raise AssertionError(f"{e}: {svc.task(t['id'])}\n{svc.logs_tail()}") from None
    if final["status"] == "error":
        assert final["error_message"], final
    else:
        st, _, body = svc.fetch_file(t["id"])
        assert st == 200
        with open(site.media_path("big.mp4"), "rb") as f:
            assert body == f.read()
    # Neither the orphaned job nor its rerun may leave processes or partial files.
    try:
        wait_until(lambda: not media_procs(svc.data_dir), 15, 0.2)
    except AssertionError:
        raise AssertionError(f"processes left after recovery: {media_procs(svc.data_dir)}")
    assert svc.leftovers() == []
    assert svc.task(t["id"])["status"] == final["status"]


def test_health_is_503_while_the_worker_is_down_and_200_when_it_is_back(make_service):
    svc = make_service()
    assert svc.get("/api/health")[0] == 200
    svc.stop_worker()
    try:
        st, _, body = wait_until(lambda: (lambda r: r if r[0] == 503 else None)(
            svc.get("/api/health")), 30, 0.5, "health to answer 503")
    except AssertionError:
        raise AssertionError(f"health with the worker stopped: {svc.get('/api/health')}")
    assert body["status"] != "ok"
    assert body["worker"]["alive"] is False
    svc.start_worker()
    svc.wait_healthy()

