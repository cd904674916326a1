"""test_private_urls.py: with OFFLINETUBE_ALLOW_PRIVATE_URLS at its default (0),
nothing is fetched from loopback, private or link-local addresses."""
import time
import urllib.parse
import uuid

import pytest

from harness import Service, can_fake_hosts, end_service, hosts_prefix, wait_until, write_hosts

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
    guarded.sql("INSERT INTO tasks (id, url, created_at, updated_at) "
                "VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                (tid, site.page("slow-workercheck")))
    # An outside commit: the worker notices it through PRAGMA data_version.
    t = wait_until(lambda: (lambda t: t if t["status"] not in ("pending", "downloading")
                            else None)(guarded.task(tid)), 10, what="the worker to judge")
    assert t["status"] == "error", t
    assert t["error_message"].startswith("URL refused:"), t
    assert "/video/slow-workercheck" not in site.requests


def test_the_worker_checks_a_look_up_url_again_before_running_yt_dlp(guarded, site):
    """A look-up row the API's check never saw (or saw resolve elsewhere) is
    failed by the worker's guard, not fetched."""
    url = site.page("slow-lookupcheck")
    (lid,), = guarded.sql("INSERT INTO lookups (kind, query, created_at) VALUES "
                          "('info', ?, ?) RETURNING id", (url, int(time.time())))[0]

    def judged():
        row = guarded.sql("SELECT status, error_status, error FROM lookups WHERE id = ?",
                          (lid,))[0][0]
        return row if row[0] in ("done", "error") else None
    status, code, error = wait_until(judged, 15, what="the worker to judge the look-up")
    assert (status, code) == ("error", 400), (status, code, error)
    assert error.startswith("URL refused: points to a loopback"), error
    assert "/video/slow-lookupcheck" not in site.requests


def test_a_private_trending_url_is_refused_by_the_worker(make_service, site):
    """The API never checks OFFLINETUBE_TRENDING_URL (the server's own setting):
    the worker does, and the answer is the server's failure, 502."""
    svc = make_service(OFFLINETUBE_ALLOW_PRIVATE_URLS=0,
                       OFFLINETUBE_TRENDING_URL=site.page("slow-trendingcheck"))
    st, _, body = svc.get("/api/trending")
    assert st == 502, body
    assert body["detail"].startswith("OFFLINETUBE_TRENDING_URL refused: points to a loopback"), body
    assert "/video/slow-trendingcheck" not in site.requests


REBOUND = "rebound.example.com"


@pytest.mark.skipif(not can_fake_hosts(), reason="needs root and unshare to give the API "
                    "and the worker /etc/hosts files of their own")
def test_a_look_up_whose_name_rebinds_to_loopback_is_refused_by_the_worker(site, xdg, tmp_path):
    """DNS rebinding between the API's check and the worker's run: the API sees a
    public address, the worker (and yt-dlp, were it run) loopback."""
    svc = Service(site, xdg, {"OFFLINETUBE_ALLOW_PRIVATE_URLS": "0"})
    svc.wrap["api"] = hosts_prefix(write_hosts(str(tmp_path / "api-hosts"),
                                               {REBOUND: "203.0.113.9"}))
    svc.wrap["worker"] = hosts_prefix(write_hosts(str(tmp_path / "worker-hosts"),
                                                  {REBOUND: "127.0.0.1"}))
    try:
        svc.start()
        url = f"http://{REBOUND}:{site.port}/video/slow-rebound"
        st, _, body = svc.post("/api/info", {"url": url})
        assert st == 400, body
        assert body["detail"].startswith("URL refused: points to a loopback"), body
        st, _, body = svc.get("/api/search?q=" + urllib.parse.quote(url))
        assert st == 400, body
        assert body["detail"].startswith("URL refused: points to a loopback"), body
        assert "/video/slow-rebound" not in site.requests
    finally:
        end_service(svc)


@pytest.mark.skipif(not can_fake_hosts(), reason="needs root and unshare to give the "
                    "programs an /etc/hosts of their own")
def test_private_entries_of_a_public_playlist_are_never_fetched(site, xdg, tmp_path):
    """The playlist's own URL passes the guard; its entries point at loopback.
    Entry 1, which the same job would go on to download, and entries 2 to N,
    claimed later, are all refused by the worker."""
    hosts = write_hosts(str(tmp_path / "hosts"), {"list.example": "203.0.113.7"})
    svc = Service(site, xdg, {"OFFLINETUBE_ALLOW_PRIVATE_URLS": "0"})
    svc.wrap["api"] = hosts_prefix(hosts)
    svc.wrap["worker"] = hosts_prefix(hosts)
    before = [site.requests.count(f"/video/{n}") for n in ("pl1", "pl2")]
    try:
        svc.start()
        first = svc.submit("https://list.example/private-entries")
        done = svc.wait_for_status(first["id"], "error", 30)
        assert done["error_message"].startswith("URL refused: points to a loopback"), done
        assert done["is_playlist"] and done["playlist_total"] == 2, done
        others = wait_until(lambda: (lambda ms: ms if ms and all(
            m["status"] == "error" for m in ms) else None)(
            [t for t in svc.tasks() if t.get("playlist_id") == done["playlist_id"]
             and t["id"] != first["id"]]), 30, 0.2, "entry 2 judged")
        assert others[0]["error_message"].startswith("URL refused:"), others
        assert [site.requests.count(f"/video/{n}") for n in ("pl1", "pl2")] == before
    finally:
        end_service(svc)


def test_the_worker_checks_a_subscription_url_again_before_each_check(guarded, site):
    """A subscription row the API's check never saw (or saw resolve elsewhere) is
    not listed: its check fails with the guard's reason, and the site hears nothing."""
    sid = str(uuid.uuid4())
    name = "guarded" + sid[:8]
    site.channel(name)
    guarded.sql("INSERT INTO subscriptions (id, url, next_check_at, created_at, updated_at) "
                "VALUES (?, ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                (sid, f"{site.base}/channel/{name}", int(time.time())))

    def judged():
        st, _, rec = guarded.get(f"/api/subscriptions/{sid}")
        return rec if st == 200 and rec["state"] == "error" else None
    rec = wait_until(judged, 15, 0.2, "the worker to judge the subscription")
    assert rec["last_error"].startswith("URL refused: points to a loopback"), rec
    assert site.channel_requests(name) == 0


@pytest.mark.skipif(not can_fake_hosts(), reason="needs root and unshare to give the "
                    "programs an /etc/hosts of their own")
def test_private_entries_of_a_public_subscription_are_never_fetched(site, xdg, tmp_path):
    """The subscription's URL passes the guard at creation and before the check;
    its entries point at loopback, and each task it makes is refused when it starts."""
    hosts = write_hosts(str(tmp_path / "hosts"), {"list.example": "203.0.113.7"})
    svc = Service(site, xdg, {"OFFLINETUBE_ALLOW_PRIVATE_URLS": "0"})
    svc.wrap["api"] = hosts_prefix(hosts)
    svc.wrap["worker"] = hosts_prefix(hosts)
    before = [site.requests.count(f"/video/{n}") for n in ("pl1", "pl2")]
    try:
        svc.start()
        st, _, rec = svc.post("/api/subscriptions", {"url": "https://list.example/subscribed",
                                                     "backlog": 2})
        assert st == 200, rec

        def judged():
            ts = [t for t in svc.tasks() if t.get("subscription_id") == rec["id"]]
            return ts if len(ts) == 2 and all(t["status"] == "error" for t in ts) else None
        tasks = wait_until(judged, 40, 0.2, "the subscription's tasks to be judged")
        assert all(t["error_message"].startswith("URL refused: points to a loopback")
                   for t in tasks), tasks
        assert [site.requests.count(f"/video/{n}") for n in ("pl1", "pl2")] == before
    finally:
        end_service(svc)
