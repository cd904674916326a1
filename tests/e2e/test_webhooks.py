"""test_webhooks.py: notifications: /api/webhooks, signed deliveries from the outbox, retries,
restarts, keys, Apprise, and a slow receiver that never holds up a download or a cancel.

A local receiver the tests control answers each path as told: 2xx, 500 a number of times,
slowly, or not at all (its socket closed: connections refused).  The retry delays are a
hundredth of the real ones (OFFLINETUBE_WEBHOOK_RETRY_PERCENT=1)."""
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time
import uuid

import pytest

from harness import (REPO, Service, can_fake_hosts, end_service, free_port, hosts_prefix,
                     wait_until, write_hosts)
from test_keys import add_key

FAST = {"OFFLINETUBE_WEBHOOK_RETRY_PERCENT": "1"}
RECORD_FIELDS = {"id", "url", "events", "created_at", "last_delivery_at", "last_status",
                 "failures"}
ALL_EVENTS = ["task.completed", "task.error", "subscription.new", "subscription.error"]


class Receiver:
    """An HTTP server on a free loopback port that records every request."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.got = []            # (path, headers, body bytes)
        self.fail = {}           # path -> how many more answers are 500
        self.slow = {}           # path -> seconds to wait before answering
        self.redirect = {}       # path -> where a 302 sends the client instead
        self.lock = threading.Lock()
        self.httpd = None

    def start(self):
        rx = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with rx.lock:
                    rx.got.append((self.path, dict(self.headers), body))
                    failing = rx.fail.get(self.path, 0) > 0
                    if failing:
                        rx.fail[self.path] -= 1
                time.sleep(rx.slow.get(self.path, 0))
                try:
                    if self.path in rx.redirect:
                        self.send_response(302)
                        self.send_header("Location", rx.redirect[self.path])
                    else:
                        self.send_response(500 if failing else 204)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        """Closes the socket: connections are refused until start()."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def at(self, path):
        with self.lock:
            return [(h, b) for p, h, b in self.got if p == path]


@pytest.fixture(scope="module")
def rx():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def svc(make_service_module):
    return make_service_module(**FAST)


def path():
    return "/hook/" + uuid.uuid4().hex[:12]


def add(svc, body, headers=None):
    return svc.post("/api/webhooks", body, headers=headers)


def hook(svc, url, headers=None, **fields):
    st, _, rec = add(svc, {"url": url, **fields}, headers=headers)
    assert st == 200, rec
    return rec


def check_signed(headers, body, secret, event):
    assert headers["Content-Type"] == "application/json"
    assert headers["X-OfflineTube-Event"] == event
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-OfflineTube-Signature"] == want
    env = json.loads(body)
    assert set(env) == {"event", "delivery_id", "created_at", "data"}
    assert env["event"] == event
    assert env["delivery_id"] == headers["X-OfflineTube-Delivery"]
    return env


def test_create_answers_the_record_and_the_secret_once(svc, rx):
    st, _, rec = add(svc, {"url": rx.base + path()})
    assert st == 200, rec
    assert set(rec) == RECORD_FIELDS | {"secret"}
    assert rec["events"] == ALL_EVENTS
    assert len(rec["secret"]) == 64 and int(rec["secret"], 16) >= 0
    assert (rec["last_delivery_at"], rec["last_status"], rec["failures"]) == (None, None, 0)
    st, _, got = svc.get(f"/api/webhooks/{rec['id']}")
    assert st == 200 and set(got) == RECORD_FIELDS
    assert got == {k: v for k, v in rec.items() if k != "secret"}
    assert rec["id"] in [w["id"] for w in svc.get("/api/webhooks")[2]]
    assert all("secret" not in w for w in svc.get("/api/webhooks")[2])
    st, _, ans = svc.delete(f"/api/webhooks/{rec['id']}")
    assert (st, ans) == (200, {"message": "Webhook eliminado"})
    for method, p in (("GET", f"/api/webhooks/{rec['id']}"),
                      ("DELETE", f"/api/webhooks/{rec['id']}"),
                      ("POST", f"/api/webhooks/{rec['id']}/test"),
                      ("GET", "/api/webhooks/nope")):
        st, _, ans = svc.request(method, p)
        assert (st, ans) == (404, {"detail": "Webhook no encontrado"}), (method, p)


@pytest.mark.parametrize("body,detail", [
    ({}, "url: required"),
    ({"url": None}, "url: required"),
    ({"url": 5}, "url: must be a string"),
    ({"url": ""}, "url: must be 1 to 2048 bytes"),
    ({"url": "http://x/" + "a" * 2048}, "url: must be 1 to 2048 bytes"),
    ({"url": "http://x/a b"}, "url: must not contain spaces or control characters"),
    ({"url": "ftp-ish"}, "url: must be an http or https URL, or an Apprise URL"),
    ({"url": "-o://x"}, "url: must be an http or https URL, or an Apprise URL"),
    ({"url": "http://"}, "url: must name a host"),
    ({"url": "http://h/", "events": "task.error"}, "events: must be an array of: "),
    ({"url": "http://h/", "events": []}, "events: must name at least one event"),
    ({"url": "http://h/", "events": ["ping"]}, "events: must be an array of: "),
    ({"url": "http://h/", "events": ["task.done"]}, "events: must be an array of: "),
    ({"url": "http://h/", "events": [1]}, "events: must be an array of: "),
    ({"url": "http://h/", "secret": "short"}, "secret: must be a string of 8 to 128 bytes"),
    ({"url": "http://h/", "secret": "x" * 129}, "secret: must be a string of 8 to 128 bytes"),
    ({"url": "http://h/", "secret": 12345678}, "secret: must be a string of 8 to 128 bytes"),
    ({"url": "http://h/", "secret": "abc\ndefgh"}, "secret: must be a string of 8 to 128"),
    ({"url": "http://h/", "name": "x"}, "name: unknown field"),
])
def test_each_bad_field_is_a_400_naming_it(svc, body, detail):
    before = svc.get("/api/webhooks")[2]
    st, _, ans = add(svc, body)
    assert st == 400 and ans["detail"].startswith(detail), ans
    assert svc.get("/api/webhooks")[2] == before


def doc_snippet(after):
    """The fenced block that follows the line starting with after in docs/api.md."""
    lines = open(os.path.join(REPO, "docs", "api.md"), encoding="utf-8").read().split("\n")
    i = next(n for n, l in enumerate(lines) if l.startswith(after))
    start = next(n for n in range(i, len(lines)) if lines[n].startswith("```")) + 1
    end = next(n for n in range(start, len(lines)) if lines[n].startswith("```"))
    return "\n".join(lines[start:end]) + "\n"


def test_the_documented_signature_checks_accept_a_delivery_and_refuse_a_forgery(svc, rx,
                                                                                tmp_path):
    """docs/api.md's shell and Python checks, as written, on a real delivery."""
    p = path()
    rec = hook(svc, rx.base + p, secret="a documented secret")
    assert svc.post(f"/api/webhooks/{rec['id']}/test")[0] == 202
    wait_until(lambda: rx.at(p), 10, what="the ping")
    (h, body), = rx.at(p)
    header = h["X-OfflineTube-Signature"]
    shell = doc_snippet("To check a signature")
    for content, want in ((body, "valid"), (body + b" ", "forged")):
        (tmp_path / "body.json").write_bytes(content)
        out = subprocess.run(["sh", "-c", shell], cwd=tmp_path, capture_output=True,
                             text=True, timeout=30,
                             env={"PATH": os.environ["PATH"], "SECRET": rec["secret"],
                                  "SIGNATURE": header})
        assert (out.returncode, out.stdout) == (0, want + "\n"), out
    ns = {}
    exec(doc_snippet("In Python:"), ns)
    assert ns["verify"](rec["secret"], body, header) is True
    assert ns["verify"](rec["secret"], body + b" ", header) is False
    assert ns["verify"]("another secret", body, header) is False
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_given_secret_and_events_are_kept(svc, rx):
    rec = hook(svc, rx.base + path(), events=["task.error", "task.completed"],
               secret="my own secret")
    assert rec["secret"] == "my own secret"
    assert rec["events"] == ["task.completed", "task.error"]
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_completed_and_error_arrive_once_signed_and_the_filter_holds(svc, rx, site):
    every, errors = path(), path()
    a = hook(svc, rx.base + every, secret="s3cret-value")
    b = hook(svc, rx.base + errors, events=["task.error"])
    done = svc.download(site.page("clip"))
    bad = svc.submit(f"{site.base}/missing")
    svc.wait_for_status(bad["id"], "error")
    wait_until(lambda: len(rx.at(every)) >= 2 and len(rx.at(errors)) >= 1, 20,
               what="the events")
    time.sleep(1)   # nothing more comes
    got = {}
    for h, body in rx.at(every):
        env = check_signed(h, body, "s3cret-value", h["X-OfflineTube-Event"])
        got.setdefault(env["event"], []).append(env)
    assert sorted(got) == ["task.completed", "task.error"], got
    assert [len(v) for v in got.values()] == [1, 1]
    data = got["task.completed"][0]["data"]
    assert data["id"] == done["id"] and data["status"] == "completed"
    assert data["filename"] == done["filename"]
    data = got["task.error"][0]["data"]
    assert data["id"] == bad["id"] and data["status"] == "error" and data["error_message"]
    (h, body), = rx.at(errors)
    env = check_signed(h, body, b["secret"], "task.error")
    assert env["data"]["id"] == bad["id"]
    rec = svc.get(f"/api/webhooks/{a['id']}")[2]
    assert rec["last_status"] == "204" and rec["failures"] == 0
    assert rec["last_delivery_at"] is not None
    for w in (a, b):
        svc.delete(f"/api/webhooks/{w['id']}")


def test_test_sends_a_ping(svc, rx):
    p = path()
    rec = hook(svc, rx.base + p)
    st, _, ans = svc.post(f"/api/webhooks/{rec['id']}/test")
    assert (st, ans) == (202, {"message": "Test notification queued"})
    wait_until(lambda: rx.at(p), 10, what="the ping")
    (h, body), = rx.at(p)
    env = check_signed(h, body, rec["secret"], "ping")
    assert env["data"]["webhook"]["id"] == rec["id"]
    assert "secret" not in env["data"]["webhook"]
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_receiver_failing_twice_gets_it_later_with_the_same_delivery_id(svc, rx):
    p = path()
    rx.fail[p] = 2
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: len(rx.at(p)) >= 3, 20, what="three attempts")
    time.sleep(1)
    got = rx.at(p)
    assert len(got) == 3
    assert len({h["X-OfflineTube-Delivery"] for h, _ in got}) == 1
    assert len({b for _, b in got}) == 1
    wait_until(lambda: svc.get(f"/api/webhooks/{rec['id']}")[2]["last_status"] == "204", 5,
               what="last_status 204")
    assert svc.get(f"/api/webhooks/{rec['id']}")[2]["failures"] == 0
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_delivery_waits_out_a_restart_while_the_receiver_is_down(svc, site):
    down = Receiver()    # not started: connections are refused
    p = path()
    rec = hook(svc, down.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: svc.get(f"/api/webhooks/{rec['id']}")[2]["last_status"] ==
               "connection refused", 10, what="a refused attempt")
    # The whole service, the API too: the outbox is in the database alone.
    svc.restart()
    svc.wait_healthy()
    down.start()
    try:
        wait_until(lambda: down.at(p), 30, what="the delivery after the restart")
        (h, body), = down.at(p)
        assert json.loads(body)["event"] == "ping"
    finally:
        down.stop()
    svc.delete(f"/api/webhooks/{rec['id']}")


def webhook(svc, rec):
    return svc.get(f"/api/webhooks/{rec['id']}")[2]


def test_a_redirect_is_not_followed_and_is_a_failure(svc, rx):
    p, elsewhere = path(), path()
    rx.redirect[p] = rx.base + elsewhere
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    # Tried again (a 3xx is no delivery), never sent where it points.
    wait_until(lambda: len(rx.at(p)) >= 2, 20, what="a second attempt")
    assert webhook(svc, rec)["last_status"] == "302"
    assert rx.at(elsewhere) == []
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_receiver_slower_than_10_s_is_a_timeout_and_tried_again(svc, rx):
    p = path()
    rx.slow[p] = 12
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: webhook(svc, rec)["last_status"] == "timeout", 20, what="the timeout")
    rx.slow[p] = 0
    wait_until(lambda: webhook(svc, rec)["last_status"] == "204", 20, what="the next attempt")
    got = rx.at(p)
    assert len({h["X-OfflineTube-Delivery"] for h, _ in got}) == 1 and len(got) >= 2
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_delivery_that_keeps_failing_is_given_up_after_8_attempts_and_counted(svc, rx):
    """8 attempts over more than an hour (here a hundredth of it), then
    given up: the webhook's failures count it and nothing more is sent."""
    p = path()
    rx.fail[p] = 1000
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: webhook(svc, rec)["failures"] == 1, 90, 0.5, what="the delivery given up")
    time.sleep(3)
    got = rx.at(p)
    assert len(got) == 8, len(got)
    assert len({h["X-OfflineTube-Delivery"] for h, _ in got}) == 1
    assert webhook(svc, rec)["last_status"] == "500"
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_failing_subscription_check_tells_of_its_error(svc, rx, site):
    p = path()
    rec = hook(svc, rx.base + p, events=["subscription.error"])
    st, _, sub = svc.post("/api/subscriptions", {"url": f"{site.base}/missing-channel"})
    assert st == 200, sub
    wait_until(lambda: rx.at(p), 60, what="subscription.error")
    (h, body), = rx.at(p)
    env = check_signed(h, body, rec["secret"], "subscription.error")
    assert env["data"]["subscription"]["id"] == sub["id"]
    assert env["data"]["subscription"]["state"] == "error"
    assert env["data"]["subscription"]["last_error"] != ""
    assert env["data"]["tasks"] == []
    svc.delete(f"/api/subscriptions/{sub['id']}")
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_apprise_tells_of_a_download_and_a_failure_in_a_few_words(svc, rx, site):
    p = "/apprise/" + uuid.uuid4().hex[:8]
    rec = hook(svc, f"json://127.0.0.1:{rx.port}{p}", events=["task.completed", "task.error"])
    done = svc.download(site.page("clip"))
    bad = svc.submit(f"{site.base}/missing")
    bad = svc.wait_for_status(bad["id"], "error")
    wait_until(lambda: len(rx.at(p)) >= 2, 60, what="apprise's two notifications")
    notes = {json.loads(b)["title"]: json.loads(b)["message"] for _, b in rx.at(p)}
    assert notes[f"Downloaded: {done['title']}"] == f"Downloaded: {done['title']}"
    failed = next(t for t in notes if t.startswith("Failed: "))
    assert notes[failed].startswith(failed + ": ") and bad["error_message"] in notes[failed]
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_delivery_in_flight_when_the_worker_dies_is_sent_again(svc, rx):
    p = path()
    rx.slow[p] = 3
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: rx.at(p), 10, what="the first attempt")
    svc.kill_worker()
    rx.slow[p] = 0
    svc.start_worker()
    svc.wait_healthy()
    wait_until(lambda: len(rx.at(p)) >= 2, 20, what="the attempt after the crash")
    ids = {h["X-OfflineTube-Delivery"] for h, _ in rx.at(p)}
    assert len(ids) == 1
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_slow_receiver_never_delays_a_download_or_a_cancel(svc, rx, site):
    p = path()
    rx.slow[p] = 10
    rec = hook(svc, rx.base + p)
    for _ in range(6):      # more than the lane's slots
        svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: len(rx.at(p)) >= 4, 10, what="every slot busy")
    t0 = time.monotonic()
    t = svc.submit(site.page("slow-wh-" + uuid.uuid4().hex[:6]))
    svc.wait_for_status(t["id"], ("downloading", "processing"), timeout=5)
    assert time.monotonic() - t0 < 5
    t0 = time.monotonic()
    assert svc.delete(f"/api/downloads/{t['id']}")[0] == 200
    svc.wait_for_status(t["id"], "cancelled", timeout=5)
    assert time.monotonic() - t0 < 3
    quick = svc.download(site.page("clip2"))
    assert quick["status"] == "completed"
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_a_subscription_check_tells_of_its_new_tasks(svc, rx, site):
    p = path()
    rec = hook(svc, rx.base + p, events=["subscription.new"])
    name = "wh" + uuid.uuid4().hex[:8]
    url = site.channel(name)
    site.add_entry(name, f"{name}-1")
    st, _, sub = svc.post("/api/subscriptions", {"url": url, "backlog": 1})
    assert st == 200, sub
    wait_until(lambda: rx.at(p), 30, what="subscription.new")
    (h, body), = rx.at(p)
    env = check_signed(h, body, rec["secret"], "subscription.new")
    assert env["data"]["subscription"]["id"] == sub["id"]
    assert [t["url"] for t in env["data"]["tasks"]] == [f"{site.base}/video/ch-{name}-1"]
    svc.delete(f"/api/subscriptions/{sub['id']}")
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_an_apprise_url_runs_apprise(svc, rx):
    p = "/apprise/" + uuid.uuid4().hex[:8]
    rec = hook(svc, f"json://127.0.0.1:{rx.port}{p}")
    assert rec["url"].startswith("json://")
    assert svc.post(f"/api/webhooks/{rec['id']}/test")[0] == 202
    wait_until(lambda: rx.at(p), 30, what="apprise's notification")
    (h, body), = rx.at(p)
    note = json.loads(body)
    assert note["title"] == "OfflineTube: test"
    assert note["message"] == "A test notification from OfflineTube"
    wait_until(lambda: svc.get(f"/api/webhooks/{rec['id']}")[2]["last_status"] == "sent",
               10, what="last_status sent")
    svc.delete(f"/api/webhooks/{rec['id']}")


def test_private_targets_and_a_missing_apprise_are_refused(make_service, rx):
    s = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_ALLOW_PRIVATE_URLS="0",
                     OFFLINETUBE_APPRISE="/nonexistent/apprise")
    user = {"X-API-Key": add_key(s, "user")}
    admin = {"X-API-Key": add_key(s, "admin", admin=True)}
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x",
                "http://localhost/x"):
        st, _, ans = add(s, {"url": url}, headers=user)
        assert st == 400 and ans["detail"].startswith("url: ") and \
            "admin key" in ans["detail"], (url, ans)
    assert s.get("/api/webhooks", headers=user)[2] == []
    # A LAN target is the admin's to add.
    assert add(s, {"url": "http://127.0.0.1:9/x"}, headers=admin)[0] == 200
    st, _, ans = add(s, {"url": "ntfy://ntfy.example/topic"}, headers=admin)
    assert st == 400 and "apt install apprise" in ans["detail"], ans
    assert len(s.get("/api/webhooks", headers=admin)[2]) == 1


@pytest.fixture(scope="module")
def keyed(site, xdg):
    s = Service(site, xdg, {"OFFLINETUBE_AUTH": "on", **FAST})
    try:
        s.start()
    except BaseException:
        s.finish()
        raise
    s.keys = {n: {"X-API-Key": add_key(s, n, admin=(n == "root"))}
              for n in ("alice", "bob", "root")}
    yield s
    end_service(s)


def test_a_keys_webhook_sees_only_its_own_tasks(keyed, rx, site):
    k = keyed.keys
    pa, pb, pr = path(), path(), path()
    a = hook(keyed, rx.base + pa, headers=k["alice"])
    hook(keyed, rx.base + pb, headers=k["bob"])
    hook(keyed, rx.base + pr, headers=k["root"])
    assert [w["id"] for w in keyed.get("/api/webhooks", headers=k["bob"])[2]] != [a["id"]]
    for method, p in (("GET", f"/api/webhooks/{a['id']}"),
                      ("POST", f"/api/webhooks/{a['id']}/test"),
                      ("DELETE", f"/api/webhooks/{a['id']}")):
        st, _, ans = keyed.request(method, p, headers=k["bob"])
        assert (st, ans) == (404, {"detail": "Webhook no encontrado"}), method
    st, _, t = keyed.post("/api/download", {"url": site.page("clip")}, headers=k["alice"])
    assert st == 200, t
    wait_until(lambda: rx.at(pa) and rx.at(pr), 60, what="alice's and the admin's events")
    time.sleep(1)
    assert rx.at(pb) == []
    for p in (pa, pr):
        (h, body), = rx.at(p)
        assert json.loads(body)["data"]["id"] == t["id"]


def test_an_end_the_database_refuses_is_written_later_and_not_sent_again(svc, rx):
    """The receiver answers while another program holds the database's write
    lock: the worker keeps the outcome and writes it once the lock is gone,
    without waiting on it in its loop, and without sending again."""
    p = path()
    rx.slow[p] = 1.5
    rec = hook(svc, rx.base + p)
    svc.post(f"/api/webhooks/{rec['id']}/test")
    wait_until(lambda: rx.at(p), 10, what="the attempt")
    with svc.write_lock():
        wait_until(lambda: "delivery: database is locked" in svc.log("worker"), 15,
                   what="the refused write")
        time.sleep(1)
    wait_until(lambda: svc.get(f"/api/webhooks/{rec['id']}")[2]["last_status"] == "204",
               10, what="the end written")
    time.sleep(1)
    assert len(rx.at(p)) == 1
    svc.delete(f"/api/webhooks/{rec['id']}")


@pytest.mark.skipif(not can_fake_hosts(), reason="needs root and unshare to give the API "
                    "and the worker /etc/hosts files of their own")
@pytest.mark.parametrize("scheme", ["http", "json"])
def test_a_name_that_rebinds_to_loopback_is_refused_at_delivery(site, xdg, tmp_path, rx,
                                                                scheme):
    """The API sees a public address when the webhook is made, the worker
    loopback when it delivers: a user's webhook never reaches it, whether
    libcurl connects (http) or apprise does (json://: the worker judges the
    host before running it).  An admin key's webhook may reach the LAN.
    Each new worker's first delivery here is of that kind: for json://,
    libcurl is never loaded."""
    name = "rebound.example"
    s = Service(site, xdg, {"OFFLINETUBE_AUTH": "on", "OFFLINETUBE_ALLOW_PRIVATE_URLS": "0",
                            **FAST})
    s.wrap["api"] = hosts_prefix(write_hosts(str(tmp_path / "api-hosts"),
                                             {name: "203.0.113.9"}))
    s.wrap["worker"] = hosts_prefix(write_hosts(str(tmp_path / "worker-hosts"),
                                                {name: "127.0.0.1"}))
    try:
        s.start()
        for role, admin, refused in (("user", False, True), ("admin", True, False)):
            key = {"X-API-Key": add_key(s, role, admin=admin)}
            p = path()
            rec = hook(s, f"{scheme}://{name}:{rx.port}{p}", headers=key)
            assert s.post(f"/api/webhooks/{rec['id']}/test", headers=key)[0] == 202
            if refused:
                wait_until(lambda: s.get(f"/api/webhooks/{rec['id']}", headers=key)[2]
                           ["last_status"] == "refused: a private address", 30,
                           what="the refusal")
                time.sleep(1)
                assert rx.at(p) == []
            else:
                wait_until(lambda: rx.at(p), 30, what="the delivery")
    finally:
        end_service(s)
