"""test_lifecycle.py: a download from POST to the file: the record, the list, the file."""
import os
import re
import time
import urllib.parse
import uuid

import pytest

from harness import TASK_FIELDS, ffprobe, wait_until

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
ORDER = ["pending", "downloading", "processing", "completed"]
ATTR_CHAR = re.compile(r"(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})+")


def assert_task_record(t):
    missing = [k for k in TASK_FIELDS if k not in t]
    assert not missing, f"task record lacks {missing}: {t}"
    for k, ty in TASK_FIELDS.items():
        assert isinstance(t[k], ty), f"{k} is {type(t[k]).__name__}: {t[k]!r}"
        if ty is int:
            assert not isinstance(t[k], bool), f"{k} is a boolean"
    assert UUID4.fullmatch(t["id"]), t["id"]
    assert ISO.fullmatch(t["created_at"]), t["created_at"]


def content_disposition(headers):
    """Parses `attachment; filename="..."; filename*=UTF-8''...` into (type, params)."""
    cd = headers.get("Content-Disposition") or ""
    kind, _, rest = cd.partition(";")
    params = {}
    for m in re.finditer(r'\s*([A-Za-z*]+)=("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        params[m.group(1).lower()] = m.group(2)
    return kind.strip(), params, cd


def assert_attachment_named(headers, filename):
    kind, params, cd = content_disposition(headers)
    assert kind == "attachment", cd
    fallback = params.get("filename", "")
    assert fallback.startswith('"') and fallback.endswith('"'), cd
    assert all(32 <= ord(c) < 127 for c in fallback), f"non-ASCII fallback: {cd}"
    assert "/" not in fallback, cd
    ext = params.get("filename*", "")
    assert ext.startswith("UTF-8''"), cd
    value = ext[len("UTF-8''"):]
    assert ATTR_CHAR.fullmatch(value), f"filename* is not RFC 5987 attr-chars: {cd}"
    assert urllib.parse.unquote(value, errors="strict") == filename, cd


def assert_same_media(got_path, src_path):
    """Byte-identical to the source, or (after a remux) the same streams and length."""
    with open(got_path, "rb") as a, open(src_path, "rb") as b:
        if a.read() == b.read():
            return
    got, src = ffprobe(got_path), ffprobe(src_path)
    strip = lambda p: sorted((s["codec_type"], s["codec_name"], s.get("width"), s.get("height"))
                             for s in p["streams"])
    assert strip(got) == strip(src)
    assert abs(float(got["format"]["duration"]) - float(src["format"]["duration"])) < 0.2


def test_download_moves_from_pending_to_completed_with_a_full_task_record(service, site):
    url = site.page("clip")
    st, hdrs, t = service.post("/api/download", {"url": url})
    assert st == 200, t
    assert hdrs["Content-Type"].startswith("application/json")
    assert_task_record(t)
    assert t["status"] == "pending"
    assert t["url"] == url
    assert (t["download_type"], t["quality"]) == ("video", "best")
    assert (t["progress"], t["error_message"], t["completed_at"]) == (0, "", None)
    assert (t["is_playlist"], t["playlist_index"], t["playlist_total"]) == (False, 0, 1)

    seen = ["pending"]
    deadline = time.monotonic() + 60
    while seen[-1] != "completed":
        assert time.monotonic() < deadline, f"not completed in 60s, statuses {seen}"
        cur = service.task(t["id"])
        assert cur["status"] not in ("error", "cancelled"), cur
        if cur["status"] != seen[-1]:
            seen.append(cur["status"])
        time.sleep(0.05)
    assert [ORDER.index(s) for s in seen] == sorted(ORDER.index(s) for s in seen), \
        f"status went backwards: {seen}"

    done = service.task(t["id"])
    assert_task_record(done)
    assert done["id"] == t["id"] and done["url"] == url
    assert done["progress"] == 100
    assert done["title"].startswith("Fixture clip")
    assert done["filename"] == f"{done['title']}__{t['id']}.mp4"
    assert ISO.fullmatch(done["completed_at"]), done["completed_at"]
    assert done["completed_at"] >= done["created_at"]
    assert (done["speed"], done["eta"], done["error_message"]) == ("", "", "")
    path = service.path_of(done)
    assert os.path.isfile(path), f"{path} missing; downloads/ has {os.listdir(os.path.dirname(path))}"
    assert done["filesize"] == os.path.getsize(path)
    assert done["thumbnail"] in (f"/api/thumbnails/{t['id']}", f"{site.base}/media/thumb.jpg"), \
        done["thumbnail"]


def test_file_route_serves_the_downloaded_bytes_as_a_named_attachment(service, site):
    done = service.download(site.page("clip"))
    st, hdrs, body = service.fetch_file(done["id"])
    assert st == 200, body
    with open(service.path_of(done), "rb") as f:
        assert body == f.read()
    assert hdrs["Content-Type"] == "video/mp4"
    assert_attachment_named(hdrs, done["filename"])
    # One progressive mp4 source and no merge: yt-dlp writes the source's bytes.
    assert_same_media(service.path_of(done), site.media_path("v360.mp4"))


def test_stored_thumbnail_is_served_as_jpeg(service, site):
    done = service.download(site.page("clip"))
    if not done["thumbnail"].startswith("/api/"):
        pytest.skip(f"the worker keeps the remote thumbnail URL: {done['thumbnail']}")
    st, hdrs, body = service.get(done["thumbnail"])
    assert st == 200
    assert hdrs["Content-Type"] == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"


def test_downloads_list_is_newest_first_and_filters_by_status_with_paging(service, site):
    a = service.download(site.page("clip"))
    b = service.download(site.page("clip2"))
    bad = service.submit(f"{site.base}/missing")
    service.wait_for_status(bad["id"], "error")
    c = service.download(site.page("clip"))

    full = service.tasks()
    assert isinstance(full, list)
    ids = [t["id"] for t in full]
    assert ids[:4] == [c["id"], bad["id"], b["id"], a["id"]]
    created = [t["created_at"] for t in full]
    assert created == sorted(created, reverse=True)

    completed = service.tasks("?status=completed")
    assert completed and all(t["status"] == "completed" for t in completed)
    assert [t["id"] for t in completed] == [t["id"] for t in full if t["status"] == "completed"]
    errors = service.tasks("?status=error")
    assert bad["id"] in [t["id"] for t in errors]
    assert all(t["status"] == "error" for t in errors)

    assert [t["id"] for t in service.tasks("?limit=2")] == ids[:2]
    assert [t["id"] for t in service.tasks("?limit=2&offset=1")] == ids[1:3]
    assert service.tasks(f"?offset={len(ids)}") == []


def test_get_of_an_unknown_task_is_404_descarga_no_encontrada(service):
    st, hdrs, body = service.get(f"/api/downloads/{uuid.uuid4()}")
    assert st == 404
    assert hdrs["Content-Type"].startswith("application/json")
    assert body == {"detail": "Descarga no encontrada"}


def test_file_of_an_unknown_task_is_404_no_disponible(service):
    st, _, body = service.fetch_file(str(uuid.uuid4()))
    assert (st, body) == (404, {"detail": "Descarga no disponible o no completada"})


def test_file_of_a_task_still_downloading_is_404_no_disponible(service, site):
    t = service.submit(site.page("slow-file-early"))
    try:
        st, _, body = service.fetch_file(t["id"])
        assert (st, body) == (404, {"detail": "Descarga no disponible o no completada"})
    finally:
        service.delete(f"/api/downloads/{t['id']}/remove")


def test_file_of_a_completed_task_whose_file_was_deleted_is_404_archivo_fisico(service, site):
    done = service.download(site.page("clip2"))
    os.unlink(service.path_of(done))
    st, _, body = service.fetch_file(done["id"])
    assert (st, body) == (404, {"detail": "Archivo físico no encontrado"})


@pytest.mark.parametrize("audio_format,codec,ext", [("m4a", "aac", "m4a"), ("mp3", "mp3", "mp3")])
def test_audio_download_has_no_video_stream_and_the_asked_codec(service, site, audio_format,
                                                                codec, ext):
    done = service.download(site.page("clip"), download_type="audio", audio_format=audio_format)
    assert done["download_type"] == "audio"
    assert done["filename"].endswith(f"__{done['id']}.{ext}"), done["filename"]
    probe = ffprobe(service.path_of(done))
    kinds = [(s["codec_type"], s["codec_name"]) for s in probe["streams"]]
    assert kinds == [("audio", codec)], kinds
    st, hdrs, body = service.fetch_file(done["id"])
    assert st == 200 and len(body) == os.path.getsize(service.path_of(done))
    assert hdrs["Content-Type"].startswith("audio/"), hdrs["Content-Type"]


def test_quality_360p_on_a_page_offering_720p_and_360p_yields_360p(service, site):
    done = service.download(site.page("two"), quality="360p")
    assert done["quality"] == "360p"
    assert done["format_note"] == "360p"
    heights = [s["height"] for s in ffprobe(service.path_of(done))["streams"]
               if s["codec_type"] == "video"]
    assert heights and max(heights) <= 360, heights


def test_best_quality_on_the_same_page_takes_the_720p_source(service, site):
    # The other half of the cap test: the page really offers more than 360p.
    done = service.download(site.page("two"))
    assert done["format_note"] == "720p"
    heights = [s["height"] for s in ffprobe(service.path_of(done))["streams"]
               if s["codec_type"] == "video"]
    assert heights == [720]


def test_unicode_title_keeps_unicode_in_the_filename_and_content_disposition(service, site):
    done = service.download(site.page("unicode"))
    name = done["filename"]
    assert "Café 🎬" in done["title"] and "AC/DC" in done["title"]
    assert name.endswith(f"__{done['id']}.mp4"), name
    assert "/" not in name and "\0" not in name
    # Unicode, '%' and '#' stay; what Windows forbids in a name (", /, ?) becomes '_'.
    assert name.startswith("Café 🎬 _quoted_ AC_DC 100% #1_ ¿qué_"), name
    assert len(name.encode()) <= 255
    assert os.path.isfile(service.path_of(done))
    st, hdrs, body = service.fetch_file(done["id"])
    assert st == 200 and len(body) == os.path.getsize(service.path_of(done))
    assert_attachment_named(hdrs, name)


def test_a_source_answering_404_ends_in_error_naming_the_http_error(service, site):
    t = service.submit(f"{site.base}/missing")
    done = service.wait_for_status(t["id"], "error")
    assert "404" in done["error_message"], done["error_message"]
    assert done["completed_at"] is None
    assert service.fetch_file(t["id"])[0] == 404
    assert not service.leftovers()


def test_playlist_url_becomes_one_completed_task_per_entry(service, site):
    first = service.submit(f"{site.base}/playlist/three")

    def members():
        t = service.task(first["id"])
        pid = t.get("playlist_id")
        if not pid:
            return None
        ms = [x for x in service.tasks() if x.get("playlist_id") == pid]
        return ms if len(ms) == 3 and all(x["status"] == "completed" for x in ms) else None
    try:
        ms = wait_until(members, 90, 0.3, "three completed playlist tasks")
    except AssertionError:
        raise AssertionError(f"{service.tasks()[:4]}\n{service.logs_tail()}") from None
    ms.sort(key=lambda x: x["playlist_index"])
    assert [x["playlist_index"] for x in ms] == [1, 2, 3]
    assert ms[0]["id"] == first["id"]
    assert all(x["is_playlist"] is True and x["playlist_total"] == 3 for x in ms)
    titles = [x["title"] for x in ms]
    for want, got in zip(["Playlist entry one", "Playlist entry two", "Playlist entry three"],
                         titles):
        assert got.startswith(want), titles
    for x in ms:
        assert os.path.isfile(service.path_of(x))
    assert_same_media(service.path_of(ms[2]), site.media_path("v720.mp4"))


def test_health_reports_ok_with_live_worker_yt_dlp_version_and_task_counts(service):
    import subprocess
    from harness import YTDLP
    version = subprocess.run([YTDLP, "--version"], capture_output=True, text=True).stdout.strip()
    st, hdrs, body = service.get("/api/health")
    assert st == 200, body
    assert hdrs["Content-Type"].startswith("application/json")
    assert body["status"] == "ok"
    assert body["worker"]["alive"] is True
    assert "heartbeat_at" in body["worker"]
    assert version and version in body["yt_dlp"]
    counts = body["tasks"]
    assert isinstance(counts, dict)
    assert all(isinstance(v, int) for v in counts.values())
    listed = service.tasks()
    for s in ("completed", "error"):  # the states that cannot move while we look
        assert counts.get(s, 0) == sum(1 for t in listed if t["status"] == s), (s, counts)


def test_a_running_download_reports_progress_speed_eta_and_size(service, site):
    """While the throttled page downloads, the row says how far, how fast and how long."""
    t = service.submit(site.page(f"slow-progress-{uuid.uuid4().hex[:8]}"))
    samples = []
    deadline = time.monotonic() + 60
    while True:
        cur = service.task(t["id"])
        if cur["status"] == "completed":
            break
        assert cur["status"] in ("pending", "downloading", "processing"), cur
        assert time.monotonic() < deadline, samples[-3:]
        if cur["status"] == "downloading" and cur["downloaded_bytes"] > 0:
            samples.append(cur)
        time.sleep(0.2)
    size = os.path.getsize(site.media_path("big.mp4"))
    assert len(samples) >= 5, f"only {len(samples)} samples of a ~6 s download"
    mid = samples[len(samples) // 2]
    assert 0 < mid["progress"] < 100, mid
    assert mid["filesize"] == size, (mid["filesize"], size)
    assert 0 < mid["downloaded_bytes"] < size, mid
    assert re.fullmatch(r"\d+(\.\d+)? [KMG]?i?B/s", mid["speed"]), mid["speed"]
    assert re.fullmatch(r"(\d+h)?(\d+m)?\d+s", mid["eta"]), mid["eta"]
    got = [s["downloaded_bytes"] for s in samples]
    assert got == sorted(got) and got[-1] > got[0], got
    assert [s["progress"] for s in samples] == sorted(s["progress"] for s in samples)
