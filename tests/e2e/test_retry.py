"""test_retry.py: POST /api/downloads/{id}/retry: a failed or cancelled task runs again."""
import filecmp
import os
import time
import uuid

from harness import wait_until, ytdlp_procs
from test_cancel_remove import files_of, no_media_procs_within, start_slow
from test_cors import FETCH_FROM_ELSEWHERE, IMG_FROM_ELSEWHERE, ORIGIN_REFUSED, SITE_REFUSED
from test_keys import add_key

CLEARED = {"progress": 0, "speed": "", "eta": "", "filesize": 0, "downloaded_bytes": 0,
           "error_message": "", "status": "pending"}


def retry(svc, tid, **kw):
    return svc.post(f"/api/downloads/{tid}/retry", **kw)


def test_a_failed_task_retried_once_its_source_works_completes(service, site):
    t = service.submit(f"{site.base}/video/broken-retry-error", quality="720p")
    failed = service.wait_for_status(t["id"], "error")
    assert "404" in failed["error_message"]
    site.fixed.add("retry-error")
    st, _, body = retry(service, t["id"])
    assert st == 200, body
    # The same task, its options kept, its run's facts cleared.
    assert {k: body[k] for k in CLEARED} == CLEARED
    for k in ("id", "url", "quality", "download_type", "audio_format", "format_id",
              "created_at"):
        assert body[k] == failed[k], k
    assert service.task(t["id"])["status"] in ("pending", "downloading", "processing",
                                               "completed")
    done = service.wait_for_status(t["id"], "completed")
    assert done["error_message"] == ""
    assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)
    assert [x["id"] for x in service.tasks()].count(t["id"]) == 1


def test_a_cancelled_task_retried_completes_with_none_of_the_old_run(service, site):
    t = start_slow(service, site, "retry-cancelled")
    assert service.delete(f"/api/downloads/{t['id']}")[0] == 200
    service.wait_for_status(t["id"], "cancelled", 5)
    no_media_procs_within(service, 1)
    # The worker lets go of the cancelled run once its processes and files are gone.
    st, _, body = wait_until(lambda: (lambda r: r if r[0] != 409 else None)(
        retry(service, t["id"])), 10, 0.1, "the retry accepted")
    assert st == 200, body
    assert {k: body[k] for k in CLEARED} == CLEARED
    done = service.wait_for_status(t["id"], "completed", 60)
    assert filecmp.cmp(service.path_of(done), site.media_path("big.mp4"), shallow=False)
    assert done["downloaded_bytes"] == done["filesize"] == os.path.getsize(site.media_path("big.mp4"))
    assert service.leftovers() == []
    assert {f for f in files_of(service, t["id"]) if "/thumbnails/" not in f} == \
        {service.path_of(done)}


def test_retry_right_after_a_cancel_never_runs_the_task_twice(service, site):
    """Until the worker has stopped the cancelled run, a retry is refused: two
    runs of one task would share its temporary directory and its row."""
    t = start_slow(service, site, "retry-race")
    assert service.delete(f"/api/downloads/{t['id']}")[0] == 200
    answers = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        st, _, body = retry(service, t["id"])
        answers.append((st, body.get("detail")))
        if st == 200:
            break
        assert (st, body) == (409, {"detail": "Download is still stopping; retry it in a moment"})
        assert len(ytdlp_procs(service.data_dir)) <= 1
    assert answers[-1][0] == 200, answers
    done = service.wait_for_status(t["id"], "completed", 60)
    assert filecmp.cmp(service.path_of(done), site.media_path("big.mp4"), shallow=False)
    assert service.leftovers() == []


def test_retry_of_a_task_in_any_other_status_is_409(make_service, site):
    svc = make_service(OFFLINETUBE_MAX_DOWNLOADS=1)
    done = svc.download(site.page("clip"))
    running = start_slow(svc, site, "retry-409-running")
    waiting = svc.submit(site.page("clip2"))
    for t, status in ((done, "completed"), (running, "downloading"), (waiting, "pending")):
        assert svc.task(t["id"])["status"] == status
        before = svc.task(t["id"])
        st, _, body = retry(svc, t["id"])
        assert (st, body) == (409, {"detail": f"Download is {status}; only a download in "
                                              "error or cancelled can be retried"})
        after = svc.task(t["id"])
        if status == "completed":
            assert after == before
    assert svc.task(running["id"])["status"] in ("downloading", "processing", "completed")
    assert svc.delete(f"/api/downloads/{running['id']}")[0] == 200
    svc.wait_for_status(waiting["id"], "completed")


def test_retry_of_an_unknown_task_is_404(service):
    for tid in (str(uuid.uuid4()), "not-a-uuid"):
        st, _, body = retry(service, tid)
        assert (st, body) == (404, {"detail": "Descarga no encontrada"})
    st, h, body = service.get(f"/api/downloads/{uuid.uuid4()}/retry")
    assert st == 405 and "POST" in h["Allow"], body


def test_a_key_retries_only_its_own_tasks(make_service, site):
    svc = make_service(OFFLINETUBE_AUTH="on")
    alice, bob, root = ({"X-API-Key": add_key(svc, n, admin=n == "root")}
                        for n in ("alice", "bob", "root"))
    st, _, t = svc.post("/api/download", {"url": f"{site.base}/missing"}, headers=alice)
    assert st == 200, t
    wait_until(lambda: svc.get(f"/api/downloads/{t['id']}", headers=alice)[2]["status"]
               == "error", 60, 0.1, "the task failed")
    assert retry(svc, t["id"])[0] == 401
    st, _, body = retry(svc, t["id"], headers=bob)
    assert (st, body) == (404, {"detail": "Descarga no encontrada"})
    assert svc.get(f"/api/downloads/{t['id']}", headers=alice)[2]["status"] == "error"
    st, _, body = retry(svc, t["id"], headers=alice)
    assert (st, body["status"]) == (200, "pending"), body
    wait_until(lambda: svc.get(f"/api/downloads/{t['id']}", headers=alice)[2]["status"]
               == "error", 60, 0.1, "the task failed again")
    # An admin key retries anyone's.
    st, _, body = retry(svc, t["id"], headers=root)
    assert (st, body["status"]) == (200, "pending"), body


def test_the_pending_cap_holds_for_a_retry(make_service, site):
    svc = make_service(OFFLINETUBE_MAX_DOWNLOADS=1, OFFLINETUBE_MAX_PENDING=1)
    failed = svc.submit(f"{site.base}/missing")
    svc.wait_for_status(failed["id"], "error")
    running = start_slow(svc, site, "retry-cap-running")
    waiting = svc.submit(site.page("slow-retry-cap-waiting"))
    st, _, body = svc.post("/api/download", {"url": site.page("clip")})
    assert st == 429, body
    st, _, body = retry(svc, failed["id"])
    assert (st, body) == (429, {"detail": "Too many pending downloads (limit 1); wait "
                                          "for some to start"})
    assert svc.task(failed["id"])["status"] == "error"
    # The place a cancel frees is the retry's.
    assert svc.delete(f"/api/downloads/{waiting['id']}")[0] == 200
    st, _, body = retry(svc, failed["id"])
    assert (st, body["status"]) == (200, "pending"), body
    assert svc.delete(f"/api/downloads/{running['id']}")[0] == 200
    svc.wait_for_status(failed["id"], "error")


def test_another_site_cannot_retry(service, site):
    t = service.submit(f"{site.base}/missing")
    service.wait_for_status(t["id"], "error")
    for h, want in ((IMG_FROM_ELSEWHERE, SITE_REFUSED), (FETCH_FROM_ELSEWHERE, ORIGIN_REFUSED)):
        st, _, body = retry(service, t["id"], headers=h)
        assert (st, body) == (403, {"detail": want}), (h, st, body)
    assert service.task(t["id"])["status"] == "error"
