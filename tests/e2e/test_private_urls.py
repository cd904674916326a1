"""test_private_urls.py: with OFFLINETUBE_ALLOW_PRIVATE_URLS at its default (0),
nothing is fetched from loopback, private or link-local addresses."""
import os
import sqlite3
import urllib.parse
import uuid

import pytest

from harness import wait_until

REFUSED = [
    "http://127.0.0.1:1/video", "http://localhost/x", "http://LOCALHOST./x",
    "http://2130706433/", "http://0177.0.0.1/", "http://127.1/", "http://0.0.0.0/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/",
    "http://10.0.0.1/", "http://192.168.1.1/admin", "http://172.16.5.4/",
    "http://[fe80::1]/", "http://[fd00::1]/", "http://user@127.0.0.1/",
]


@pytest.fixture(scope="module")
def guarded(make_service_module):
    return make_service_module(OFFLINETUBE_ALLOW_PRIVATE_URLS=0)


@pytest.mark.parametrize("url", REFUSED)
def test_download_of_a_private_address_is_refused(guarded, url):
    before = guarded.tasks()
    st, _, body = guarded.post("/api/download", {"url": url})
    assert st == 400, body
    assert body["detail"].startswith("url: "), body
    assert "OFFLINETUBE_ALLOW_PRIVATE_URLS" in body["detail"]
    assert guarded.tasks() == before


def test_info_and_search_refuse_private_urls_too(guarded):
    st, _, body = guarded.post("/api/info", {"url": "http://127.0.0.1:1/x"})
    assert st == 400 and body["detail"].startswith("url: "), body
    q = urllib.parse.quote("http://169.254.169.254/latest/meta-data/")
    st, _, body = guarded.get(f"/api/search?q={q}")
    assert st == 400 and body["detail"].startswith("q: "), body


def test_the_worker_checks_again_before_running_yt_dlp(guarded, site):
    """A row that reached the table without the API's check (a playlist entry, or a
    name that resolves elsewhere by now) is failed by the worker, not fetched."""
    tid = str(uuid.uuid4())
    db = sqlite3.connect(os.path.join(guarded.data_dir, "offlinetube.db"), timeout=10)
    with db:
        db.execute("INSERT INTO tasks (id, url, created_at, updated_at) "
                   "VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                   (tid, site.page("slow-workercheck")))
    db.close()
    # An outside commit: the worker notices it through PRAGMA data_version.
    t = wait_until(lambda: (lambda t: t if t["status"] not in ("pending", "downloading")
                            else None)(guarded.task(tid)), 10, what="the worker to judge")
    assert t["status"] == "error", t
    assert t["error_message"].startswith("URL refused:"), t
    assert "/video/slow-workercheck" not in site.requests
