"""test_cookies.py: cookies for sites that need a sign-in: PUT/GET/DELETE /api/cookies,
per key, checked line by line, stored 0600 and never shown; the worker hands yt-dlp a
private copy for that key's downloads, look-ups and subscription checks only.

The fixture site's /members/<name> answers 403 unless the request carries
MEMBER_COOKIE, and so does the media it points at: a download works only when
yt-dlp sends the cookie for both."""
import os
import stat
import time
import uuid

import pytest

from harness import Service, end_service, files_under, wait_until
from fixture_site import MEMBER_COOKIE
from test_keys import add_key

NAME, VALUE = MEMBER_COOKIE


def jar(value=VALUE, domain="127.0.0.1", extra=""):
    """A browser's export: header, a comment, CRLF ends, an HttpOnly cookie."""
    return ("# Netscape HTTP Cookie File\r\n# exported for the tests\r\n\r\n"
            f"{domain}\tFALSE\t/\tFALSE\t4102444800\t{NAME}\t{value}\r\n"
            f"#HttpOnly_.example.org\tTRUE\t/\tTRUE\t0\tother\tOTHERVALUE\r\n" + extra)


def put(svc, text, key=None, ctype="text/plain"):
    h = {"Content-Type": ctype}
    if key:
        h["X-API-Key"] = key
    return svc.request("PUT", "/api/cookies", body=text, headers=h)


def get(svc, key=None):
    return svc.get("/api/cookies", headers={"X-API-Key": key} if key else {})


def stored_path(svc, owner):
    return os.path.join(svc.data_dir, "cookies", f"{owner}.txt")


def all_logs(svc):
    out = b""
    for f in os.listdir(svc.log_dir):
        with open(os.path.join(svc.log_dir, f), "rb") as fh:
            out += fh.read()
    return out


@pytest.fixture(scope="module")
def keyed(site, xdg):
    # Verbose (-v): the logs hold all they can say, and still no cookie value.
    svc = Service(site, xdg, {"OFFLINETUBE_AUTH": "on",
                              "OFFLINETUBE_YTDLP": os.path.join(xdg, "ytdlp-counting")})
    svc.args = {"api": ["-v"], "worker": ["-v"]}
    try:
        svc.start()
    except BaseException:
        svc.finish()
        raise
    svc.keys = {"alice": add_key(svc, "alice"), "bob": add_key(svc, "bob")}
    yield svc
    end_service(svc)


def test_get_before_any_put_says_none(service):
    st, _, body = get(service)
    assert st == 200, body
    assert body == {"present": False, "updated_at": None, "cookies": 0, "domains": []}
    st, _, body = service.delete("/api/cookies")
    assert st == 404 and body == {"detail": "No cookies are stored for this key"}


def test_put_stores_a_clean_0600_copy_and_get_shows_no_value(service):
    before = time.time()
    st, _, body = put(service, jar())
    assert st == 200, body
    assert body["present"] is True and body["cookies"] == 2
    assert body["domains"] == ["127.0.0.1", "example.org"]
    assert abs(time.mktime(time.strptime(body["updated_at"], "%Y-%m-%dT%H:%M:%SZ"))
               - time.mktime(time.gmtime(before))) < 5
    assert VALUE not in str(body) and "OTHERVALUE" not in str(body)
    st, _, again = get(service)
    assert st == 200 and again == body
    p = stored_path(service, 0)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(p)).st_mode) == 0o700
    with open(p, "rb") as f:
        text = f.read()
    # The clean copy: yt-dlp's header, cookies only, LF ends.
    assert text.startswith(b"# Netscape HTTP Cookie File\n")
    assert b"\r" not in text and b"exported for the tests" not in text
    assert text.count(b"\n") == 3
    # Nothing else in the directory: no temporary file left from the replace.
    assert os.listdir(os.path.dirname(p)) == ["0.txt"]
    assert VALUE.encode() not in all_logs(service)


@pytest.mark.parametrize("text, line, why", [
    ("a.com\tFALSE\t/\tFALSE\t0\tname\n", 1, "7 tab-separated fields expected, found fewer"),
    ("# c\n\na.com\tFALSE\t/\tFALSE\t0\tn\tv\nb.com\tmaybe\t/\tFALSE\t0\tn\tv\n", 4,
     "field 2 (include subdomains) must be TRUE or FALSE"),
    ("a.com\tFALSE\t/\tFALSE\tsoon\tn\tv\r\n", 1,
     "the expiry (field 5) must be whole unix seconds or empty"),
    ("a.com\tFALSE\t/\tFALSE\t0\t\tv\n", 1, "the name (field 6) is empty"),
    ("a.com\tFALSE\t/\tFALSE\t0\tn\tv\x00w\n", 1, "it holds a NUL byte"),
    ("a.com\tFALSE\t/\tFALSE\t0\tn\t" + "v" * 9000 + "\n", 1, "it is longer than 8192 bytes"),
])
def test_a_bad_line_is_400_naming_its_number(service, text, line, why):
    put(service, jar())
    st, _, body = put(service, text)
    assert st == 400, body
    assert body == {"detail": f"cookies.txt line {line}: {why}"}
    # What was stored stays as it was.
    assert get(service)[2]["cookies"] == 2


def test_comments_only_is_400_and_keeps_what_was_stored(service):
    put(service, jar())
    st, _, body = put(service, "# Netscape HTTP Cookie File\n\n# nothing\n")
    assert st == 400
    assert body["detail"].startswith("cookies.txt: the file holds no cookies")
    assert get(service)[2]["present"] is True


def test_wrong_content_type_is_415(service):
    st, _, body = put(service, jar(), ctype="application/json")
    assert st == 415 and body == {
        "detail": "Content-Type must be text/plain (a Netscape cookies.txt file)"}
    st, _, body = service.request("PUT", "/api/cookies", body=jar())
    assert st == 415


def test_a_file_over_1_mib_is_413_and_one_just_under_is_taken(service):
    line = f"127.0.0.1\tFALSE\t/\tFALSE\t0\tn\t{'v' * 8000}\n"
    big = jar() + line * (1024 * 1024 // len(line) + 1)
    assert len(big.encode()) > 1024 * 1024
    st, _, body = put(service, big)
    assert st == 413 and body == {"detail": "Cookies file too large (limit 1 MiB)"}
    fits = jar() + line * ((1024 * 1024 - len(jar())) // len(line))
    assert len(fits.encode()) <= 1024 * 1024
    st, _, body = put(service, fits)
    assert st == 200, body
    assert body["cookies"] == 2 + (1024 * 1024 - len(jar())) // len(line)
    # The service goes on answering on the same kept connections.
    assert get(service)[0] == 200


def test_delete_removes_them(service):
    put(service, jar())
    st, _, body = service.delete("/api/cookies")
    assert st == 200 and body == {"message": "Cookies removed"}
    assert not os.path.exists(stored_path(service, 0))
    assert get(service)[2]["present"] is False


def test_each_key_sees_only_its_own(keyed):
    a, b = keyed.keys["alice"], keyed.keys["bob"]
    assert get(keyed)[0] == 401
    assert put(keyed, jar())[0] == 401
    st, _, body = put(keyed, jar(), key=a)
    assert st == 200 and body["present"]
    assert get(keyed, b)[2] == {"present": False, "updated_at": None, "cookies": 0,
                                "domains": []}
    assert keyed.delete("/api/cookies", headers={"X-API-Key": b})[0] == 404
    assert get(keyed, a)[2]["present"] is True
    assert VALUE.encode() not in all_logs(keyed)


# -- the worker: downloads, look-ups and checks with the owner's cookies --------

def members_url(site):
    """The members-only page, under a URL of its own (the runs log tells runs apart)."""
    return f"{site.members_page('clip')}?t={uuid.uuid4().hex}"


def wait_end(svc, tid, key=None, timeout=60):
    h = {"X-API-Key": key} if key else {}

    def ended():
        t = svc.get(f"/api/downloads/{tid}", headers=h)[2]
        return t if t["status"] in ("completed", "error", "cancelled") else None
    return wait_until(ended, timeout, what=f"task {tid} to end")


def submit(svc, url, key=None):
    h = {"X-API-Key": key} if key else {}
    st, _, t = svc.post("/api/download", {"url": url}, headers=h)
    assert st == 200, t
    return t["id"]


def runs_log(svc, name, marker):
    try:
        with open(os.path.join(svc.xdg, "runs", name)) as f:
            return [line for line in f if marker in line]
    except FileNotFoundError:
        return []


def test_a_members_page_downloads_only_with_the_cookies_stored(service, site):
    service.delete("/api/cookies")
    url = members_url(site)
    t = wait_end(service, submit(service, url))
    assert t["status"] == "error", t
    assert "403" in t["error_message"]
    assert (f"/members/clip", False) in site.member_requests

    assert put(service, jar())[0] == 200
    t = wait_end(service, submit(service, url))
    assert t["status"] == "completed", t
    # The cookie went with the page and with the media.
    assert ("/members/clip", True) in site.member_requests
    assert ("/members-media/v360.mp4", True) in site.member_requests
    assert service.fetch_file(t["id"])[0] == 200
    # The job's copy went with its temporary directory; the stored file is untouched.
    assert service.leftovers() == []
    assert os.listdir(os.path.join(service.data_dir, "cookies")) == ["0.txt"]
    assert stat.S_IMODE(os.stat(stored_path(service, 0)).st_mode) == 0o600

    assert service.delete("/api/cookies")[0] == 200
    t = wait_end(service, submit(service, members_url(site)))
    assert t["status"] == "error", t
    assert "403" in t["error_message"]
    assert VALUE.encode() not in all_logs(service)


def test_each_key_downloads_with_its_own_cookies_only(keyed, site):
    a, b = keyed.keys["alice"], keyed.keys["bob"]
    keyed.delete("/api/cookies", headers={"X-API-Key": b})
    assert put(keyed, jar(), key=a)[0] == 200
    ua, ub = members_url(site), members_url(site)
    ta = wait_end(keyed, submit(keyed, ua, a), a)
    assert ta["status"] == "completed", ta
    tb = wait_end(keyed, submit(keyed, ub, b), b)
    assert tb["status"] == "error" and "403" in tb["error_message"], tb
    # Alice's run had a copy of her own, mode 0600, in its own directory; Bob's none.
    copies = runs_log(keyed, "ytdlp-cookies.log", "/tmp/")
    assert copies and all(c.split()[0] == "600" for c in copies), copies
    ran_a = runs_log(keyed, "ytdlp-runs.log", ua)
    ran_b = runs_log(keyed, "ytdlp-runs.log", ub)
    assert ran_a and all("--cookies" in r for r in ran_a)
    assert ran_b and not any("--cookies" in r for r in ran_b)
    for line in ran_a:
        path = line.split("--cookies ", 1)[1].split(" ", 1)[0]
        run_dir = os.path.dirname(path)
        assert os.path.basename(run_dir) == ta["id"], path
        assert os.path.dirname(os.path.dirname(run_dir)) == os.path.join(keyed.data_dir, "tmp")
        assert os.path.basename(os.path.dirname(run_dir)).startswith("worker-"), path
        assert not os.path.exists(path)
    assert keyed.leftovers() == []


def test_a_look_up_with_cookies_is_never_served_to_another_key(keyed, site):
    a, b = keyed.keys["alice"], keyed.keys["bob"]
    keyed.delete("/api/cookies", headers={"X-API-Key": b})
    assert put(keyed, jar(), key=a)[0] == 200
    url = members_url(site)
    st, _, info = keyed.post("/api/info", {"url": url}, headers={"X-API-Key": a})
    assert st == 200, info
    assert info["title"].startswith("Fixture clip")
    # Alice again: her cached answer.
    assert keyed.post("/api/info", {"url": url}, headers={"X-API-Key": a})[0] == 200
    assert len(runs_log(keyed, "ytdlp-runs.log", url)) == 1
    # Bob, without cookies: never Alice's answer; his own run, refused by the site.
    st, _, body = keyed.post("/api/info", {"url": url}, headers={"X-API-Key": b})
    assert st == 502, body
    ran = runs_log(keyed, "ytdlp-runs.log", url)
    assert len(ran) == 2 and "--cookies" in ran[0] and "--cookies" not in ran[1]
    # A look-up without cookies stays shared: Bob's public question is Alice's too
    # once she has none.
    pub = f"{site.page('clip')}?t={uuid.uuid4().hex}"
    assert keyed.post("/api/info", {"url": pub}, headers={"X-API-Key": b})[0] == 200
    keyed.delete("/api/cookies", headers={"X-API-Key": a})
    assert keyed.post("/api/info", {"url": pub}, headers={"X-API-Key": a})[0] == 200
    assert len(runs_log(keyed, "ytdlp-runs.log", pub)) == 1


def test_a_subscription_check_runs_with_its_owners_cookies_only(keyed, site):
    a, b = keyed.keys["alice"], keyed.keys["bob"]
    keyed.delete("/api/cookies", headers={"X-API-Key": b})
    assert put(keyed, jar(), key=a)[0] == 200
    ca = site.channel(f"cka{uuid.uuid4().hex[:8]}")
    cb = site.channel(f"ckb{uuid.uuid4().hex[:8]}")
    for url, key in ((ca, a), (cb, b)):
        st, _, rec = keyed.post("/api/subscriptions", {"url": url},
                                headers={"X-API-Key": key})
        assert st == 200, rec
    wait_until(lambda: runs_log(keyed, "ytdlp-runs.log", ca + " ") or
               runs_log(keyed, "ytdlp-runs.log", ca + "\n"), 30, what="alice's check")
    wait_until(lambda: runs_log(keyed, "ytdlp-runs.log", cb), 30, what="bob's check")
    assert all("--cookies" in r for r in runs_log(keyed, "ytdlp-runs.log", ca))
    assert not any("--cookies" in r for r in runs_log(keyed, "ytdlp-runs.log", cb))


def test_a_restart_keeps_them(keyed, site):
    a = keyed.keys["alice"]
    assert put(keyed, jar(), key=a)[0] == 200
    before = get(keyed, a)[2]
    keyed.restart()
    assert get(keyed, a)[2] == before
    t = wait_end(keyed, submit(keyed, members_url(site), a), a)
    assert t["status"] == "completed", t
    assert VALUE.encode() not in all_logs(keyed)
