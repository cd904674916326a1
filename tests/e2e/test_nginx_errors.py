"""test_nginx_errors.py: the answers nginx gives itself are JSON too, and what the
API decides (CORS) survives the X-Accel-Redirect to a media file."""
import json
import urllib.parse

import pytest

from harness import raw_request


def test_a_long_uri_is_414_json(service):
    st, h, body = raw_request(service, "/api/" + "a" * 9000)
    assert st == 414 and h["Content-Type"].startswith("application/json"), body[:200]


def test_huge_headers_are_431_json(service):
    st, h, body = raw_request(service, "/api/health", {"X-Big": "a" * 9000})
    assert st == 431 and h["Content-Type"].startswith("application/json"), body[:200]


def test_a_post_to_the_page_is_405_json(service):
    st, h, body = raw_request(service, "/index.html", method="POST")
    assert st == 405 and h["Content-Type"].startswith("application/json"), body[:200]


@pytest.mark.parametrize("path, detail", [
    ("/api/stream/a%2Fb.mp4", "Archivo no encontrado"),
    ("/api/thumbnails/a%2Fb", "Miniatura no encontrada"),
    ("/api/downloads/a%2Fb", "Descarga no encontrada"),
    ("/api/download/a%2Fb/file", "Descarga no disponible o no completada"),
    # nginx resolves the ".." first: this is the path /api/x.
    ("/api/stream/..%2Fx", "Not Found"),
])
def test_an_encoded_slash_gets_the_404_of_the_route_it_falls_under(service, path, detail):
    st, _, body = raw_request(service, path)
    assert (st, json.loads(body)) == (404, {"detail": detail})


def test_cors_headers_survive_the_redirect_to_a_media_file(service, site):
    t = service.download(site.page("clip"))
    origin = "http://localhost:5173"
    for path in ("/api/stream/" + urllib.parse.quote(t["filename"]),
                 f"/api/thumbnails/{t['id']}", f"/api/download/{t['id']}/file"):
        st, h, _ = raw_request(service, path, {"Origin": origin})
        assert st == 200, path
        etag = h["ETag"]
        # Whatever nginx makes of the request: the whole file, a range, a
        # revalidation, a range past the end.
        for extra, status in (({}, 200), ({"Range": "bytes=0-9"}, 206),
                              ({"If-None-Match": etag}, 304),
                              ({"Range": "bytes=99999999-"}, 416)):
            st, h, _ = raw_request(service, path, {"Origin": origin, **extra})
            assert st == status, (path, extra, st)
            assert h["Access-Control-Allow-Origin"] == origin, (path, extra, dict(h))
            assert "Origin" in h.get_all("Vary"), (path, extra, dict(h))
        st, h, _ = raw_request(service, path, {"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in h, path
