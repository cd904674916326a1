"""test_cancel_remove.py: cancel stops the job and its processes; remove deletes everything."""
import glob
import os
import time
import uuid

from harness import media_procs, wait_until, ytdlp_procs


def start_slow(service, site, name):
    """A throttled download caught while yt-dlp is writing it."""
    t = service.submit(site.page(f"slow-{name}"))
    wait_until(lambda: service.task(t["id"])["status"] == "downloading"
               and service.task(t["id"])["downloaded_bytes"] > 0
               and ytdlp_procs(service.data_dir), 30, 0.1,
               f"{name} downloading with bytes written and a yt-dlp process")
    return t


def no_media_procs_within(service, seconds):
    try:
        wait_until(lambda: not media_procs(service.data_dir), seconds, 0.05)
    except AssertionError:
        raise AssertionError(f"still running after {seconds}s: {media_procs(service.data_dir)}")


def files_of(service, tid):
    return [f for f in glob.glob(os.path.join(service.data_dir, "**", f"*{tid}*"),
                                 recursive=True) if os.path.isfile(f)
            and "/logs/" not in f]


def test_cancel_stops_yt_dlp_and_deletes_partial_files(service, site):
    t = start_slow(service, site, "cancel")
    st, _, body = service.delete(f"/api/downloads/{t['id']}")
    assert (st, body) == (200, {"message": "Descarga cancelada"})
    no_media_procs_within(service, 1)
    assert service.task(t["id"])["status"] == "cancelled"
    time.sleep(0.5)  # a late write by a dying yt-dlp would show now
    assert service.leftovers() == []
    assert files_of(service, t["id"]) == []
    assert service.task(t["id"])["status"] == "cancelled"


def test_cancelling_a_cancelled_task_again_answers_200_and_changes_nothing(service, site):
    t = start_slow(service, site, "cancel-twice")
    assert service.delete(f"/api/downloads/{t['id']}")[0] == 200
    service.wait_for_status(t["id"], "cancelled", 5)
    no_media_procs_within(service, 1)
    time.sleep(0.3)
    first = service.task(t["id"])
    st, _, body = service.delete(f"/api/downloads/{t['id']}")
    assert (st, body) == (200, {"message": "Descarga cancelada"})
    again = service.task(t["id"])
    assert again["status"] == "cancelled"
    assert {k: v for k, v in again.items() if k != "updated_at"} == \
        {k: v for k, v in first.items() if k != "updated_at"}


def test_cancelling_a_failed_task_answers_200_and_keeps_it_failed(service, site):
    t = service.submit(f"{site.base}/missing")
    failed = service.wait_for_status(t["id"], "error")
    st, _, body = service.delete(f"/api/downloads/{t['id']}")
    assert (st, body) == (200, {"message": "Descarga cancelada"})
    after = service.task(t["id"])
    assert after["status"] == "error"
    assert after["error_message"] == failed["error_message"]


def test_cancelling_a_completed_task_is_409_and_keeps_the_file(service, site):
    done = service.download(site.page("clip"))
    st, hdrs, body = service.delete(f"/api/downloads/{done['id']}")
    assert st == 409, body
    assert isinstance(body, dict) and body.get("detail"), body
    assert service.task(done["id"])["status"] == "completed"
    assert os.path.isfile(service.path_of(done))
    assert service.fetch_file(done["id"])[0] == 200


def test_cancel_of_an_unknown_task_is_404(service):
    st, _, body = service.delete(f"/api/downloads/{uuid.uuid4()}")
    assert (st, body) == (404, {"detail": "Descarga no encontrada"})


def test_remove_deletes_the_row_the_media_file_and_the_thumbnail(service, site):
    done = service.download(site.page("clip2"))
    path = service.path_of(done)
    thumbs = os.path.join(service.data_dir, "thumbnails", f"{done['id']}.*")
    assert os.path.isfile(path)
    assert glob.glob(thumbs), "the fixture page has a thumbnail: the worker should store it"
    st, _, body = service.delete(f"/api/downloads/{done['id']}/remove")
    assert (st, body) == (200, {"message": "Descarga eliminada"})
    assert service.get(f"/api/downloads/{done['id']}")[0] == 404
    assert done["id"] not in [t["id"] for t in service.tasks()]
    assert not os.path.exists(path)
    assert glob.glob(thumbs) == []
    assert files_of(service, done["id"]) == []
    assert service.fetch_file(done["id"])[0] == 404


def test_remove_of_a_running_task_stops_it_and_leaves_no_files(service, site):
    t = start_slow(service, site, "remove-running")
    st, _, body = service.delete(f"/api/downloads/{t['id']}/remove")
    assert (st, body) == (200, {"message": "Descarga eliminada"})
    assert service.get(f"/api/downloads/{t['id']}")[0] == 404
    no_media_procs_within(service, 1)
    time.sleep(0.5)
    assert service.leftovers() == []
    assert files_of(service, t["id"]) == []
    # The worker must not bring the row back when the killed job is reaped.
    assert service.get(f"/api/downloads/{t['id']}")[0] == 404


def test_remove_of_an_unknown_task_is_404(service):
    st, _, body = service.delete(f"/api/downloads/{uuid.uuid4()}/remove")
    assert (st, body) == (404, {"detail": "Descarga no encontrada"})
