"""test_bad_requests.py: refused requests get the right 4xx, a JSON detail, and change nothing."""
import json
import os

import pytest

from harness import files_under

PAGE = "http://127.0.0.1:9/video/clip"   # never fetched: every request here is refused


def body(**fields):
    return json.dumps({"url": PAGE, **fields}).encode()


# (id, raw body, content type, expected status, field the detail must name or None)
BAD_POSTS = [
    ("missing-url", b"{}", "application/json", 400, "url"),
    ("empty-url", body(url=""), "application/json", 400, "url"),
    ("javascript-url", body(url="javascript:alert(1)"), "application/json", 400, "url"),
    ("file-url", body(url="file:///etc/passwd"), "application/json", 400, "url"),
    ("ftp-url", body(url="ftp://127.0.0.1/x.mp4"), "application/json", 400, "url"),
    ("url-starting-with-dash", body(url="--exec=touch /tmp/x"), "application/json", 400, "url"),
    ("url-dash-option", body(url="-Uhttp://127.0.0.1/x"), "application/json", 400, "url"),
    ("url-with-space", body(url="http://127.0.0.1/a b"), "application/json", 400, "url"),
    ("url-with-newline", body(url="http://127.0.0.1/a\nb"), "application/json", 400, "url"),
    ("url-over-2048-bytes", body(url="http://127.0.0.1/" + "a" * 2100), "application/json",
     400, "url"),
    ("url-is-a-number", b'{"url": 42}', "application/json", 400, "url"),
    ("url-is-null", b'{"url": null}', "application/json", 400, "url"),
    ("invalid-json", b'{"url": "http://127.0.0.1/', "application/json", 400, None),
    ("json-array", json.dumps([PAGE]).encode(), "application/json", 400, None),
    ("json-string", json.dumps(PAGE).encode(), "application/json", 400, None),
    ("empty-body", b"", "application/json", 400, None),
    ("unknown-download-type", body(download_type="podcast"), "application/json", 400,
     "download_type"),
    ("download-type-not-string", body(download_type=1), "application/json", 400,
     "download_type"),
    ("unknown-quality", body(quality="999p"), "application/json", 400, "quality"),
    ("bad-format-id", body(format_id="18; rm -rf /"), "application/json", 400, "format_id"),
    ("format-id-too-long", body(format_id="a" * 65), "application/json", 400, "format_id"),
    # yt-dlp's selector words: "all" would fetch every format of the video.
    ("format-id-all", body(format_id="all"), "application/json", 400, "format_id"),
    ("format-id-mergeall", body(format_id="mergeall"), "application/json", 400, "format_id"),
    ("format-id-best", body(format_id="best"), "application/json", 400, "format_id"),
    ("format-id-bestvideo", body(format_id="bestvideo"), "application/json", 400, "format_id"),
    ("format-id-ba", body(format_id="ba"), "application/json", 400, "format_id"),
    ("format-id-w", body(format_id="w"), "application/json", 400, "format_id"),
    ("format-id-merge", body(format_id="137+140"), "application/json", 400, "format_id"),
    ("unknown-audio-format", body(download_type="audio", audio_format="aiff"),
     "application/json", 400, "audio_format"),
    ("unknown-sponsorblock", body(sponsorblock="skip"), "application/json", 400,
     "sponsorblock"),
    ("sponsorblock-not-string", body(sponsorblock=True), "application/json", 400,
     "sponsorblock"),
    ("sponsorblock-upper-case", body(sponsorblock="Mark"), "application/json", 400,
     "sponsorblock"),
    ("embed-metadata-string", body(embed_metadata="true"), "application/json", 400,
     "embed_metadata"),
    ("embed-metadata-number", body(embed_metadata=1), "application/json", 400,
     "embed_metadata"),
    ("embed-metadata-array", body(embed_metadata=[True]), "application/json", 400,
     "embed_metadata"),
    ("body-over-64k", body(pad="x" * (65 * 1024)), "application/json", 413, None),
    ("text-plain", body(), "text/plain", 415, None),
    ("form-encoded", b"url=http%3A%2F%2F127.0.0.1%2Fx", "application/x-www-form-urlencoded",
     415, None),
]


def snapshot(service):
    st, _, tasks = service.get("/api/downloads")
    assert st == 200
    return [t["id"] for t in tasks], files_under(os.path.join(service.data_dir, "downloads"))


def assert_json_error(st, hdrs, data, want):
    assert st == want, f"expected {want}, got {st}: {data!r}"
    assert (hdrs.get("Content-Type") or "").startswith("application/json"), hdrs.get("Content-Type")
    assert isinstance(data, dict) and isinstance(data.get("detail"), str) and data["detail"], data


@pytest.mark.parametrize("raw,ctype,want,field", [c[1:] for c in BAD_POSTS],
                         ids=[c[0] for c in BAD_POSTS])
def test_bad_download_request_is_refused_and_creates_nothing(service, raw, ctype, want, field):
    before = snapshot(service)
    st, hdrs, data = service.post("/api/download", raw, headers={"Content-Type": ctype})
    assert_json_error(st, hdrs, data, want)
    if field:
        assert field in data["detail"], f"detail does not name {field}: {data['detail']!r}"
    assert snapshot(service) == before


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/downloads/not-a-uuid"),
    ("DELETE", "/api/downloads/not-a-uuid"),
    ("DELETE", "/api/downloads/not-a-uuid/remove"),
    ("GET", "/api/download/not-a-uuid/file"),
    ("GET", "/api/download/..%2F..%2Fetc%2Fpasswd/file"),
    ("GET", "/api/downloads/00000000-0000-4000-8000-00000000000g"),
    ("GET", "/api/downloads/00000000-0000-4000-8000-0000000000000"),
])
def test_malformed_task_id_is_404(service, method, path):
    st, hdrs, data = service.request(method, path)
    assert_json_error(st, hdrs, data, 404)


# "/" is the web page (test_web.py); a missing file beside it is the JSON 404.
@pytest.mark.parametrize("path", ["/api/nope", "/api/downloads/x/y/z", "/nothing-here",
                                  "/nothing-here.js"])
def test_unknown_route_is_404_json(service, path):
    st, hdrs, data = service.get(path)
    assert_json_error(st, hdrs, data, 404)


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/api/downloads", "GET"),
    ("POST", "/api/downloads", "GET"),
    ("GET", "/api/download", "POST"),
    ("PATCH", "/api/download", "POST"),
    ("PUT", "/api/downloads/00000000-0000-4000-8000-000000000000", "DELETE"),
])
def test_wrong_method_is_405_with_allow(service, method, path, allowed):
    before = snapshot(service)
    st, hdrs, data = service.request(method, path, body=b"{}" if method != "GET" else None,
                                     headers={"Content-Type": "application/json"})
    assert_json_error(st, hdrs, data, 405)
    allow = [m.strip() for m in (hdrs.get("Allow") or "").split(",")]
    assert allowed in allow, f"Allow: {hdrs.get('Allow')!r}"
    assert method not in allow
    assert snapshot(service) == before


@pytest.mark.parametrize("word", ["all", "bestvideo", "wa"])
def test_a_format_selector_is_refused_as_not_a_format_id(service, word):
    st, _, data = service.post("/api/download", body(format_id=word),
                               headers={"Content-Type": "application/json"})
    assert st == 400, data
    assert data["detail"].startswith("format_id: must be one format's id from /api/info, "
                                     "not a yt-dlp selector"), data


@pytest.mark.parametrize("fid", ["22", "hls-1080p", "dash-video_1", "mp4"])
def test_a_real_format_id_is_accepted(service, site, fid):
    st, _, t = service.post("/api/download", {"url": site.page("clip"), "format_id": fid})
    assert st == 200, t
    assert t["format_id"] == fid
    assert service.delete(f"/api/downloads/{t['id']}/remove")[0] == 200


@pytest.mark.parametrize("field,value,detail", [
    ("sponsorblock", "skip", "sponsorblock: must be one of: off, mark, remove"),
    ("sponsorblock", 0, "sponsorblock: must be a string"),
    ("embed_metadata", "yes", "embed_metadata: must be true or false"),
    ("embed_metadata", 0, "embed_metadata: must be true or false"),
])
def test_a_bad_download_option_names_its_field(service, field, value, detail):
    st, _, data = service.post("/api/download", body(**{field: value}),
                               headers={"Content-Type": "application/json"})
    assert (st, data) == (400, {"detail": detail})


def test_the_download_options_are_stored_and_echoed(service, site):
    st, _, t = service.post("/api/download", {"url": site.page("clip")})
    assert st == 200, t
    assert (t["embed_metadata"], t["sponsorblock"]) == (False, "off")
    assert service.delete(f"/api/downloads/{t['id']}/remove")[0] == 200
    for embed, sb in ((True, "mark"), (False, "remove"), (None, None)):
        st, _, t = service.post("/api/download", {"url": site.page("clip"),
                                                  "embed_metadata": embed, "sponsorblock": sb})
        assert st == 200, t
        want = (bool(embed), sb or "off")
        assert (t["embed_metadata"], t["sponsorblock"]) == want
        got = service.task(t["id"])
        assert (got["embed_metadata"], got["sponsorblock"]) == want
        assert list(got)[-4:] == ["thumbnail", "stream_url", "file_url", "subtitles"]
        assert service.delete(f"/api/downloads/{t['id']}/remove")[0] == 200


def test_valid_request_with_charset_parameter_is_accepted(service, site):
    # The control for the matrix above: the same endpoint takes a well-formed body.
    st, _, t = service.post("/api/download", json.dumps({"url": site.page("clip")}).encode(),
                            headers={"Content-Type": "application/json; charset=utf-8"})
    assert st == 200, t
    assert t["status"] == "pending"
    assert t["id"] in snapshot(service)[0]
    assert service.delete(f"/api/downloads/{t['id']}/remove")[0] == 200
