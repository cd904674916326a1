"""test_file_names.py: whatever a title holds, the file's name is one every share
can hold, and every link the API hands out for it serves the file.

A property over hostile titles (tests/fixtures/fixture_site.py, HOSTILE): each
is downloaded through yt-dlp as the sites give them, as JSON taken as it is and
as an HTML page's og:title, and then every stream_url and file_url in the
records must answer 200 with the file's bytes: signed (as <video> uses them)
and with a key."""
import os
import subprocess
import unicodedata
import urllib.parse

import pytest

from harness import BIN, raw_request as raw, wait_until

# What Windows (and so an SMB share) cannot hold in a name.
FORBIDDEN = set('/\\:*?"<>|')
DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | \
    {f"{p}{d}" for p in ("COM", "LPT") for d in "123456789\u00b9\u00b2\u00b3"}


def add_key(svc):
    p = subprocess.run([os.path.join(BIN, "offlinetube-api"), "key", "add", "-a", "names"],
                       env=svc.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def portable_name_problem(name, tid):
    """Why name is not a portable name of task tid; None when it is."""
    raw_name = name.encode()
    tail = f"__{tid}.mp4"
    if len(raw_name) > 255:
        return "longer than 255 bytes"
    if not name.endswith(tail) or len(name) == len(tail):
        return f"does not end in {tail}"
    if name.startswith("."):
        return "starts with a dot"
    title = name[:-len(tail)]
    if title[-1] in ". ":
        return "a dot or a space before __"
    bad = [c for c in name if c in FORBIDDEN or unicodedata.category(c) == "Cc"]
    if bad:
        return f"holds {bad!r}"
    if "." in title and title.split(".", 1)[0].rstrip(" ").upper() in DEVICES:
        return "starts with a Windows device name"
    return None


@pytest.fixture(scope="module")
def downloaded(make_service_module, site):
    """Every hostile title downloaded once, keys on: (service, key, records)."""
    import fixture_site
    svc = make_service_module(OFFLINETUBE_AUTH="on", OFFLINETUBE_MAX_PENDING=200)
    key = add_key(svc)
    urls = [f"{site.base}/formats/hostile-{i}" for i in range(len(fixture_site.HOSTILE))]
    # The generic extractor's path too (og:title, " (1)" added): the written-out titles.
    urls += [f"{site.base}/hostile/{i}" for i in range(14)]
    ids = {}
    for u in urls:
        st, _, body = svc.post("/api/download", {"url": u}, headers={"X-API-Key": key})
        assert st == 200, (u, st, body)
        ids[body["id"]] = u

    def all_final():
        st, _, body = svc.get("/api/downloads", headers={"X-API-Key": key})
        assert st == 200, body
        mine = [t for t in body if t["id"] in ids]
        return mine if all(t["status"] in ("completed", "error", "cancelled")
                           for t in mine) else None
    records = wait_until(all_final, 240, 0.5, "every hostile title downloaded")
    failed = [(ids[t["id"]], t["title"], t["error_message"]) for t in records
              if t["status"] != "completed"]
    assert not failed, f"{failed}\n{svc.logs_tail()}"
    with open(site.media_path("v360.mp4"), "rb") as f:
        data = f.read()
    return svc, key, records, data


def test_every_title_became_a_portable_name(downloaded):
    svc, _, records, _ = downloaded
    on_disk = set(os.listdir(os.path.join(svc.data_dir, "downloads")))
    problems = [(t["title"], t["filename"], portable_name_problem(t["filename"], t["id"]))
                for t in records]
    assert [p for p in problems if p[2]] == []
    assert {t["filename"] for t in records} <= on_disk


def test_every_stream_url_and_file_url_serves_the_file(downloaded):
    """The links as the records give them, signed: what <video> and <a> use."""
    svc, _, records, data = downloaded
    bad = []
    for t in records:
        for link in ("stream_url", "file_url"):
            st, h, body = raw(svc, t[link])
            if (st, body) != (200, data):
                bad.append((t["title"], t[link], st, body[:120]))
            elif link == "file_url":
                # And a download saves it under its own name.
                cd = h["Content-Disposition"]
                if urllib.parse.unquote(cd.split("filename*=UTF-8''", 1)[-1]) != t["filename"]:
                    bad.append((t["title"], cd))
    assert bad == []


def test_every_file_name_streams_with_a_key(downloaded):
    """The name percent-encoded by the client (encodeURIComponent's way), unsigned, with a key."""
    svc, key, records, data = downloaded
    bad = []
    for t in records:
        path = "/api/stream/" + urllib.parse.quote(t["filename"], safe="")
        st, _, body = raw(svc, path, {"X-API-Key": key})
        if (st, body) != (200, data):
            bad.append((t["title"], path, st, body[:120]))
        st, _, body = raw(svc, path, {"X-API-Key": key, "Range": "bytes=0-9"})
        if (st, body) != (206, data[:10]):
            bad.append((t["title"], path, "range", st, body[:120]))
    assert bad == []
