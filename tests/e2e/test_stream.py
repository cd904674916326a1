"""test_stream.py: /api/stream and /api/thumbnails: nginx serves the bytes, and
nothing but a completed task's own file or thumbnail ever comes out."""
import os
import urllib.parse

import pytest

from harness import raw_request as raw_get




def stream_path(filename):
    return "/api/stream/" + urllib.parse.quote(filename, safe="")


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
    "%00", "x%00.mp4", "offlinetube.db", "offlinetube.db-wal",
    "..", ".", "%2e%2e", "nginx%2Fnginx.conf", "..%2Fnginx%2Fnginx.conf",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_stream_never_serves_anything_outside_completed_files(service, done, name):
    st, h, body = raw_get(service, "/api/stream/" + name)
    assert st == 404, (name, st, body[:200])
    assert h["Content-Type"].startswith("application/json")
    assert b"SQLite" not in body and b"root:" not in body and b"worker_processes" not in body


def test_stream_refuses_names_of_unfinished_and_partial_files(service, site, done):
    t, _ = done
    # The exact file name with an extra suffix, or a prefix: no match, no file.
    for name in (t["filename"] + ".part", t["filename"] + ".ytdl",
                 t["filename"][:-1], "x" + t["filename"]):
        st, _, body = raw_get(service, stream_path(name))
        assert st == 404, name
        assert b"Archivo no encontrado" in body, (name, body)
    # A pending task's would-be name: the database has no completed row for it.
    p = service.submit(site.page("slow"))
    service.delete(f"/api/downloads/{p['id']}")
    st, _, _ = raw_get(service, stream_path(f"Fixture slow clip__{p['id']}.mp4"))
    assert st == 404


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


def test_thumbnail_of_a_task_without_one_is_404(service, site):
    t = service.submit(site.page("slow"))
    service.delete(f"/api/downloads/{t['id']}")
    st, _, body = service.get(f"/api/thumbnails/{t['id']}")
    assert (st, body) == (404, {"detail": "Miniatura no encontrada"})


def test_internal_media_locations_are_not_reachable_from_outside(service, done):
    t, _ = done
    for p in ("/_media/downloads/" + urllib.parse.quote(t["filename"]),
              f"/_media/thumbnails/{t['id']}.jpg"):
        st, _, body = raw_get(service, p)
        assert st == 404, p
