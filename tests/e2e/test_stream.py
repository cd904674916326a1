"""test_stream.py: /api/stream and /api/thumbnails: nginx serves the bytes, and
nothing but a completed task's own file or thumbnail ever comes out."""
import json
import os
import urllib.parse
import uuid

import pytest

from harness import raw_request as raw_get

# The bytes of every file a test puts beside the service's own: an answer that
# holds them served a file it must not have.
MARK = b"OFFLINETUBE FIXTURE: must never be served "


def stream_path(filename):
    return "/api/stream/" + urllib.parse.quote(filename, safe="")


def put_file(d, name, data):
    """A real file in d, owned and readable like the files the service writes
    there: nginx would send it if the API named it."""
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    st = os.stat(d)
    os.chown(path, st.st_uid, st.st_gid)
    os.chmod(path, 0o644)
    return path


def set_status(svc, tid, status):
    svc.sql("UPDATE tasks SET status = ? WHERE id = ?", (status, tid))


def assert_refused(answer, detail, *never):
    """A 404 with exactly this detail, holding none of the bytes in never."""
    st, h, body = answer
    assert st == 404, (st, body[:200])
    assert h["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"detail": detail}
    for data in never:
        assert data not in body


@pytest.fixture(scope="module")
def done(service, site):
    """A completed download of the plain fixture clip, with its source bytes."""
    t = service.download(site.page("clip"))
    with open(service.path_of(t), "rb") as f:
        data = f.read()
    assert len(data) > 1000
    return t, data


def test_stream_serves_the_whole_file_with_range_support(service, done):
    t, data = done
    st, h, body = raw_get(service, stream_path(t["filename"]))
    assert st == 200
    assert body == data
    assert h["Content-Type"] == "video/mp4"
    assert h["Accept-Ranges"] == "bytes"
    assert int(h["Content-Length"]) == len(data)
    assert h["X-Content-Type-Options"] == "nosniff"


def test_stream_answers_a_range_with_exactly_those_bytes(service, done):
    t, data = done
    st, h, body = raw_get(service, stream_path(t["filename"]), {"Range": "bytes=0-99"})
    assert st == 206
    assert body == data[:100]
    assert h["Content-Range"] == f"bytes 0-99/{len(data)}"


def test_stream_answers_suffix_and_open_ended_ranges(service, done):
    t, data = done
    st, h, body = raw_get(service, stream_path(t["filename"]), {"Range": "bytes=-500"})
    assert (st, body) == (206, data[-500:])
    assert h["Content-Range"] == f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}"
    st, h, body = raw_get(service, stream_path(t["filename"]), {"Range": "bytes=1000-"})
    assert (st, body) == (206, data[1000:])


def test_stream_refuses_a_range_past_the_end_with_416(service, done):
    t, data = done
    st, h, _ = raw_get(service, stream_path(t["filename"]),
                       {"Range": f"bytes={len(data) + 10}-"})
    assert st == 416
    assert h["Content-Range"] == f"bytes */{len(data)}"


def test_stream_answers_head_with_headers_only(service, done):
    t, data = done
    st, h, body = raw_get(service, stream_path(t["filename"]), method="HEAD")
    assert st == 200 and body == b""
    assert int(h["Content-Length"]) == len(data)
    assert h["Content-Type"] == "video/mp4"


def test_stream_honours_if_range_and_sends_validators(service, done):
    t, data = done
    st, h, _ = raw_get(service, stream_path(t["filename"]))
    etag, lm = h["ETag"], h["Last-Modified"]
    assert etag and lm
    st, _, body = raw_get(service, stream_path(t["filename"]),
                          {"Range": "bytes=0-9", "If-Range": etag})
    assert (st, body) == (206, data[:10])
    st, _, body = raw_get(service, stream_path(t["filename"]),
                          {"Range": "bytes=0-9", "If-Range": '"stale-etag"'})
    assert (st, body) == (200, data)
    st, _, _ = raw_get(service, stream_path(t["filename"]), {"If-None-Match": etag})
    assert st == 304


def test_the_bytes_come_from_nginx_not_the_api(service, done):
    """ETag and Last-Modified are made by nginx's static module from the file; the
    API never writes them, so their presence shows nginx served the answer."""
    t, data = done
    st, h, body = raw_get(service, stream_path(t["filename"]))
    st_info = os.stat(service.path_of(t))
    assert h["ETag"] == '"%x-%x"' % (int(st_info.st_mtime), st_info.st_size)
    assert "X-Accel-Redirect" not in h
    # The API's own answers carry Cache-Control: no-store; nginx's file answers do not.
    assert "no-store" not in (h.get("Cache-Control") or "")


def test_a_unicode_title_streams_and_downloads(service, site):
    t = service.download(site.page("unicode"))
    assert "Café" in t["filename"] and "🎬" in t["filename"]
    assert "/" not in t["filename"]
    with open(service.path_of(t), "rb") as f:
        data = f.read()
    st, h, body = raw_get(service, stream_path(t["filename"]))
    assert (st, body) == (200, data)
    st, h, body = raw_get(service, f"/api/download/{t['id']}/file")
    assert (st, body) == (200, data)
    assert "filename*=UTF-8''" in h["Content-Disposition"]


def test_thumbnail_is_served_with_an_image_type(service, done):
    t, _ = done
    assert t["thumbnail"] == f"/api/thumbnails/{t['id']}"
    thumbs = [f for f in os.listdir(os.path.join(service.data_dir, "thumbnails"))
              if f.startswith(t["id"])]
    assert len(thumbs) == 1, thumbs
    with open(os.path.join(service.data_dir, "thumbnails", thumbs[0]), "rb") as f:
        data = f.read()
    st, h, body = raw_get(service, t["thumbnail"])
    assert (st, body) == (200, data)
    ext = thumbs[0].rsplit(".", 1)[1]
    assert h["Content-Type"] == {"jpg": "image/jpeg", "webp": "image/webp",
                                 "png": "image/png"}[ext]
    assert h["X-Content-Type-Options"] == "nosniff"


TRAVERSALS = [
    "../offlinetube.db", "..%2Fofflinetube.db", "..%2foffline.db",
    "%2e%2e%2fofflinetube.db", "%2E%2E/%2E%2E/etc/passwd",
    "%252e%252e%252fofflinetube.db", "..%252fofflinetube.db",
    "%2Fetc%2Fpasswd", "/etc/passwd", "..\\offlinetube.db", "..%5Cofflinetube.db",
    "%00", "x%00.mp4",
    "..", ".", "%2e%2e", "nginx%2Fnginx.conf", "..%2Fnginx%2Fnginx.conf",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_stream_never_serves_anything_outside_completed_files(service, done, name):
    st, h, body = raw_get(service, "/api/stream/" + name)
    assert st == 404, (name, st, body[:200])
    assert h["Content-Type"].startswith("application/json")
    assert b"SQLite" not in body and b"root:" not in body and b"worker_processes" not in body


@pytest.mark.parametrize("template", [
    "{done}.part", "{done}.ytdl", "{done}.part-Frag1", "{done}.temp.mp4",
    "Stray clip__5b1f3c2e-9a4d-4e7f-8b6a-0c1d2e3f4a5b.mp4",
    "offlinetube.db", "offlinetube.db-wal",
])
def test_stream_refuses_real_files_that_no_completed_task_names(service, done, template):
    """Each name is a real, readable file in downloads/: only the database can
    refuse it.  yt-dlp's partial files beside a finished one, a file no task
    has, and files named like the database."""
    t, _ = done
    name = template.format(done=t["filename"])
    path = put_file(os.path.join(service.data_dir, "downloads"), name, MARK + name.encode())
    try:
        assert_refused(raw_get(service, stream_path(name)), "Archivo no encontrado", MARK)
        st, _, body = raw_get(service, stream_path(name), method="HEAD")
        assert st == 404 and MARK not in body
    finally:
        os.unlink(path)


def test_stream_refuses_the_file_of_a_task_that_is_not_completed(service, site):
    """The file is there and was served; once its row says anything but
    completed, the same name is refused.  (No route makes a row leave
    completed with its file kept, so the test writes the status itself.)"""
    t = service.download(site.page("clip2"))
    with open(service.path_of(t), "rb") as f:
        data = f.read()
    assert raw_get(service, stream_path(t["filename"]))[2] == data
    try:
        for status in ("downloading", "processing", "error", "cancelled"):
            set_status(service, t["id"], status)
            assert_refused(raw_get(service, stream_path(t["filename"])),
                           "Archivo no encontrado", data[:64])
    finally:
        set_status(service, t["id"], "completed")
    st, _, body = raw_get(service, stream_path(t["filename"]))
    assert (st, body) == (200, data)


def test_stream_detail_is_the_documented_one(service):
    st, _, body = service.get("/api/stream/nothing-here.mp4")
    assert (st, body) == (404, {"detail": "Archivo no encontrado"})


@pytest.mark.parametrize("tid", [
    "not-a-uuid", "../offlinetube.db", "%2e%2e%2fofflinetube.db",
    "00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-00000000000G",
    "00000000-0000-4000-8000-000000000000.jpg", "%00",
])
def test_thumbnail_refuses_anything_but_a_known_task(service, tid):
    st, h, body = raw_get(service, "/api/thumbnails/" + tid)
    assert st == 404, (tid, st, body[:200])
    assert h["Content-Type"].startswith("application/json")
    if tid not in ("../offlinetube.db", "%2e%2e%2fofflinetube.db"):
        # These two normalise to another path inside nginx, before our routes.
        assert b"Miniatura no encontrada" in body, (tid, body)


@pytest.fixture(scope="module")
def failed(service, site):
    """A task that exists but never got a thumbnail: its download failed."""
    t = service.submit(f"{site.base}/missing")
    return service.wait_for_status(t["id"], "error")


def thumbnails_dir(svc):
    return os.path.join(svc.data_dir, "thumbnails")


def test_thumbnail_of_a_task_without_one_is_404(service, done, failed):
    """Another task's thumbnail is on disk; this task's id must not reach it."""
    t, _ = done
    others = [f for f in os.listdir(thumbnails_dir(service)) if f.startswith(t["id"])]
    assert others
    with open(os.path.join(thumbnails_dir(service), others[0]), "rb") as f:
        theirs = f.read()
    assert not [f for f in os.listdir(thumbnails_dir(service)) if f.startswith(failed["id"])]
    assert_refused(raw_get(service, f"/api/thumbnails/{failed['id']}"),
                   "Miniatura no encontrada", theirs)


def test_a_thumbnail_file_of_no_task_is_404(service):
    """A well-formed id with a real file under thumbnails/, but no task row."""
    tid = str(uuid.uuid4())
    path = put_file(thumbnails_dir(service), tid + ".jpg", MARK)
    try:
        assert_refused(raw_get(service, f"/api/thumbnails/{tid}"),
                       "Miniatura no encontrada", MARK)
    finally:
        os.unlink(path)


def test_thumbnail_prefers_jpg_then_webp_then_png(service, failed):
    """Added worst first, so each step must switch to the file just added."""
    made = []
    try:
        for ext, ctype in (("png", "image/png"), ("webp", "image/webp"),
                           ("jpg", "image/jpeg")):
            data = MARK + ext.encode()
            made.append(put_file(thumbnails_dir(service), f"{failed['id']}.{ext}", data))
            st, h, body = raw_get(service, f"/api/thumbnails/{failed['id']}")
            assert (st, body, h["Content-Type"]) == (200, data, ctype), ext
        # And back: without the jpg, the webp again, before the png.
        os.unlink(made.pop())
        st, h, body = raw_get(service, f"/api/thumbnails/{failed['id']}")
        assert (st, body, h["Content-Type"]) == (200, MARK + b"webp", "image/webp")
    finally:
        for path in made:
            os.unlink(path)


def test_internal_media_locations_are_not_reachable_from_outside(service, done):
    t, _ = done
    for p in ("/_media/downloads/" + urllib.parse.quote(t["filename"]),
              f"/_media/thumbnails/{t['id']}.jpg"):
        st, _, body = raw_get(service, p)
        assert st == 404, p
