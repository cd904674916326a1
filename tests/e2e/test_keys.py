"""test_keys.py: API keys: who may ask, whose tasks they see, and the signed links
that let <video> and <img> in without a header."""
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest

import openapi_check
from harness import BIN, Service, end_service, raw_request as raw, wait_until, ytdlp_procs


def add_key(svc, name, admin=False):
    argv = [os.path.join(BIN, "offlinetube-api"), "key", "add"] + (["-a"] if admin else []) + [name]
    p = subprocess.run(argv, env=svc.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    assert key.startswith("otk_") and len(key) > 40, key
    return key


def keycmd(svc, *args):
    return subprocess.run([os.path.join(BIN, "offlinetube-api"), "key", *args],
                          env=svc.env, capture_output=True, text=True, timeout=30)




@pytest.fixture(scope="module")
def keyed(site, xdg):
    # Both programs verbose (-v): the logs then hold everything they can say,
    # which test_keys_never_reach_the_logs reads.
    svc = Service(site, xdg, {"OFFLINETUBE_AUTH": "on", "OFFLINETUBE_LINK_TTL": "60"})
    svc.args = {"api": ["-v"], "worker": ["-v"]}
    try:
        svc.start()
    except BaseException:
        svc.finish()
        raise
    svc.keys = {"alice": add_key(svc, "alice"), "bob": add_key(svc, "bob"),
                "root": add_key(svc, "root", admin=True)}
    yield svc
    end_service(svc)


def as_(svc, who):
    return {"X-API-Key": svc.keys[who]}


def test_no_key_is_401_and_a_wrong_key_is_403(keyed):
    st, h, body = keyed.get("/api/downloads")
    assert st == 401, body
    assert body["detail"].startswith("API key required")
    assert "Bearer" in h["WWW-Authenticate"]
    st, _, body = keyed.get("/api/downloads", headers={"X-API-Key": "otk_00000000_nope"})
    assert (st, body["detail"]) == (403, "Invalid or revoked API key")
    k = keyed.keys["alice"]
    st, _, body = keyed.get("/api/downloads", headers={"X-API-Key": k[:-1] + ("A" if k[-1] != "A" else "B")})
    assert st == 403, body
    st, _, _ = keyed.get("/api/downloads", headers={"Authorization": "Bearer " + k})
    assert st == 200
    st, _, _ = keyed.get("/api/health")
    assert st == 200, "health stays open for monitoring"


def test_a_revoked_key_opens_nothing(keyed):
    k = add_key(keyed, "temp")
    assert keyed.get("/api/downloads", headers={"X-API-Key": k})[0] == 200
    p = keycmd(keyed, "revoke", "temp")
    assert p.returncode == 0, p.stderr
    st, _, body = keyed.get("/api/downloads", headers={"X-API-Key": k})
    assert st == 403, body
    listing = keycmd(keyed, "list").stdout
    assert "temp" in listing and "revoked" in listing
    assert k not in listing and k[12:] not in listing, "list shows only the prefix"


def test_a_revoked_keys_work_stops_and_its_cookies_go(keyed, site):
    """Revoking is for a lost key or someone who left: their subscriptions stop
    being checked, their downloads stop, their webhooks and cookies go.  The
    tasks stay theirs (an admin still sees them); nobody else's work moves."""
    k = add_key(keyed, "leaving")
    mine = {"X-API-Key": k}
    (kid,), = keyed.sql("SELECT id FROM api_keys WHERE name = ?", ("leaving",))[0]
    cookies = os.path.join(keyed.data_dir, "cookies", f"{kid}.txt")
    st, _, body = keyed.request("PUT", "/api/cookies", headers=dict(mine, **{
        "Content-Type": "text/plain"}), body="# Netscape HTTP Cookie File\n"
        "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tsession\tsecret-value\n")
    assert st == 200 and os.path.exists(cookies), body
    st, _, sub = keyed.post("/api/subscriptions", {
        "url": site.channel("leaving"), "check_every": 3600}, headers=mine)
    assert st == 200, sub
    st, _, hook = keyed.post("/api/webhooks", {"url": "https://hooks.example.com/x"},
                             headers=mine)
    assert st in (200, 201), hook
    st, _, t = keyed.post("/api/download", {"url": site.page("slow-revoked")}, headers=mine)
    assert st == 200, t
    wait_until(lambda: keyed.get(f"/api/downloads/{t['id']}", headers=mine)[2]["status"]
               == "downloading", 30, 0.1, "the key's download to start")
    st, _, other = keyed.post("/api/subscriptions", {
        "url": site.channel("staying"), "check_every": 3600}, headers=as_(keyed, "alice"))
    assert st == 200, other

    p = keycmd(keyed, "revoke", "leaving")
    assert p.returncode == 0, p.stderr
    assert "subscriptions are paused" in p.stderr and "cookies" in p.stderr, p.stderr
    assert not os.path.exists(cookies)
    root = as_(keyed, "root")
    wait_until(lambda: keyed.get(f"/api/downloads/{t['id']}", headers=root)[2]["status"]
               == "cancelled", 10, 0.1, "the revoked key's download to stop")
    wait_until(lambda: not [p for p, a in ytdlp_procs(keyed.data_dir)
                            if any("slow-revoked" in x for x in a)], 10, 0.1,
               "its yt-dlp to be stopped")
    assert keyed.get(f"/api/subscriptions/{sub['id']}", headers=root)[2]["enabled"] is False
    assert keyed.get(f"/api/webhooks/{hook['id']}", headers=root)[0] == 404
    assert keyed.get(f"/api/subscriptions/{other['id']}", headers=root)[2]["enabled"] is True
    keyed.delete(f"/api/subscriptions/{other['id']}", headers=root)


def test_a_taken_name_is_said_so_truly(keyed):
    """A revoked key keeps its name (its tasks keep their owner): revoking does
    not free it, and the message does not pretend it would."""
    add_key(keyed, "tablet")
    p = keycmd(keyed, "add", "tablet")
    assert p.returncode != 0 and p.stdout == ""
    assert "exists; pick another name" in p.stderr and "would not free" in p.stderr, p.stderr
    assert keycmd(keyed, "revoke", "tablet").returncode == 0
    p = keycmd(keyed, "add", "tablet")
    assert p.returncode != 0 and p.stdout == ""
    assert "revoked key keeps its name" in p.stderr and "pick another name" in p.stderr, p.stderr
    assert "revoke it" not in p.stderr
    add_key(keyed, "tablet-2")


def test_a_user_sees_and_acts_only_on_their_own_tasks(keyed, site):
    st, _, t = keyed.post("/api/download", {"url": site.page("clip")}, headers=as_(keyed, "alice"))
    assert st == 200, t
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        keyed.get(f"/api/downloads/{t['id']}", headers=as_(keyed, "alice"))[2]), 60,
        what="alice's download")
    tid, fn = t["id"], t["filename"]
    bob = as_(keyed, "bob")
    assert keyed.get(f"/api/downloads/{tid}", headers=bob)[0] == 404
    assert all(x["id"] != tid for x in keyed.get("/api/downloads", headers=bob)[2])
    assert keyed.get(f"/api/download/{tid}/file", headers=bob)[0] == 404
    assert raw(keyed, "/api/stream/" + urllib.parse.quote(fn), bob)[0] == 404
    assert keyed.get(f"/api/thumbnails/{tid}", headers=bob)[0] == 404
    assert keyed.delete(f"/api/downloads/{tid}", headers=bob)[0] == 404
    assert keyed.delete(f"/api/downloads/{tid}/remove", headers=bob)[0] == 404
    # Still there for alice, and for an admin.
    assert keyed.get(f"/api/downloads/{tid}", headers=as_(keyed, "alice"))[0] == 200
    assert any(x["id"] == tid for x in keyed.get("/api/downloads", headers=as_(keyed, "root"))[2])
    assert keyed.get(f"/api/download/{tid}/file", headers=as_(keyed, "alice"))[0] == 200
    keyed.alice_task = t


def test_signed_links_work_without_a_header_until_they_expire(keyed):
    t = keyed.get(f"/api/downloads/{keyed.alice_task['id']}", headers=as_(keyed, "alice"))[2]
    for field in ("stream_url", "file_url", "thumbnail"):
        assert "sig=" in t[field] and "exp=" in t[field], (field, t[field])
        st, h, body = raw(keyed, t[field])
        assert st == 200, (field, st, body[:200])
        assert len(body) > 100
    st, _, body = raw(keyed, t["stream_url"], {"Range": "bytes=0-9"})
    assert (st, len(body)) == (206, 10)


def test_tampered_or_stale_links_are_refused(keyed):
    t = keyed.get(f"/api/downloads/{keyed.alice_task['id']}", headers=as_(keyed, "alice"))[2]
    u = t["stream_url"]
    path, _, q = u.partition("?")
    params = dict(urllib.parse.parse_qsl(q))
    sig = params["sig"]
    bad_sig = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    for bad in (f"{path}?exp={params['exp']}&sig={bad_sig}",
                f"{path}?exp={int(params['exp']) + 1}&sig={sig}",
                f"{path}?exp={int(time.time()) - 1}&sig={sig}",
                f"/api/download/{t['id']}/file?exp={params['exp']}&sig={sig}",
                path):
        st, _, body = raw(keyed, bad)
        assert st in (401, 403), (bad, st, body)


def test_links_expire(make_service, site):
    svc = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_LINK_TTL=60)
    k = add_key(svc, "alice")
    st, _, t = svc.post("/api/download", {"url": site.page("clip2")}, headers={"X-API-Key": k})
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": k})[2]), 60, what="download")
    path, _, q = t["stream_url"].partition("?")
    params = dict(urllib.parse.parse_qsl(q))
    exp, kid = int(params["exp"]), params["kid"]
    # OFFLINETUBE_LINK_TTL, rounded up to ten minutes so links stay stable.
    assert time.time() + 59 <= exp <= time.time() + 60 + 600 and exp % 600 == 0
    assert raw(svc, t["stream_url"])[0] == 200
    # A link signed for an expiry already past: what an old link becomes.
    decoded = urllib.parse.unquote(path)
    old = int(time.time()) - 5
    sig = sign(svc, decoded, old, kid)
    assert raw(svc, f"{path}?exp={old}&kid={kid}&sig={sig}")[0] == 403
    future = int(time.time()) + 30
    sig = sign(svc, decoded, future, kid)
    assert raw(svc, f"{path}?exp={future}&kid={kid}&sig={sig}")[0] == 200, \
        "the same scheme, in date"


def sign(svc, decoded_path, exp, kid):
    """A link's signature, made as the API makes it: HMAC-SHA256 of
    "path\nexp\nkid" with the data directory's secret, base64url."""
    import base64
    import hashlib
    import hmac
    with open(os.path.join(svc.data_dir, "link.secret"), "rb") as f:
        secret = f.read()
    mac = hmac.new(secret, f"{decoded_path}\n{exp}\n{kid}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def test_revoking_a_key_ends_its_links_at_once(make_service, site):
    """A link is as good as the key that got it: revoked, its links die with it,
    long before they expire; the other keys' links to the same file live on."""
    svc = make_service(OFFLINETUBE_AUTH="on")     # links live 4 hours
    admin, viewer = add_key(svc, "admin", admin=True), add_key(svc, "viewer", admin=True)
    st, _, t = svc.post("/api/download", {"url": site.page("clip")},
                        headers={"X-API-Key": admin})
    assert st == 200, t
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": admin})[2]), 60,
        what="the download")
    mine = svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": viewer})[2]
    theirs = svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": admin})[2]
    fields = ("stream_url", "file_url", "thumbnail")
    for f in fields:
        assert "kid=" in mine[f] and mine[f] != theirs[f], (f, mine[f], theirs[f])
        assert raw(svc, mine[f])[0] == 200, f
    p = keycmd(svc, "revoke", "viewer")
    assert p.returncode == 0, p.stderr
    for f in fields:
        st, _, body = raw(svc, mine[f])
        assert st == 403, (f, st, body[:200])
        assert json.loads(body) == {"detail": "Invalid, expired or revoked link"}
        assert raw(svc, theirs[f])[0] == 200, f


def test_a_link_opens_only_what_its_key_may_see(make_service, site):
    """A user key's link is signed for its own key: even a correct signature for
    another user's file (made here with the secret) opens nothing, and a link
    without a key id, as links were before, is refused."""
    svc = make_service(OFFLINETUBE_AUTH="on")
    a, b = add_key(svc, "a"), add_key(svc, "b")
    st, _, t = svc.post("/api/download", {"url": site.page("clip")}, headers={"X-API-Key": a})
    assert st == 200, t
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": a})[2]), 60,
        what="the download")
    path, _, q = t["stream_url"].partition("?")
    params = dict(urllib.parse.parse_qsl(q))
    exp, kid_a = int(params["exp"]), int(params["kid"])
    decoded = urllib.parse.unquote(path)
    assert raw(svc, t["stream_url"])[0] == 200
    kid_b = kid_a + 1       # keys are numbered in the order they were added
    st, _, _ = raw(svc, f"{path}?exp={exp}&kid={kid_b}&sig={sign(svc, decoded, exp, kid_b)}")
    assert st == 404, "b's link finds no file of b's"
    st, _, _ = raw(svc, f"{path}?exp={exp}&kid=99&sig={sign(svc, decoded, exp, 99)}")
    assert st == 403, "a key that does not exist"
    st, _, _ = raw(svc, f"{path}?exp={exp}&sig={params['sig']}")
    assert st == 403, "no key id"


def test_keys_never_reach_the_logs(keyed, site):
    # One more request each way a key travels, and a download, all logged verbosely.
    for h in ({"X-API-Key": keyed.keys["bob"]}, {"Authorization": "Bearer " + keyed.keys["root"]},
              {"X-API-Key": keyed.keys["alice"][:-2] + "xx"}):
        keyed.get("/api/downloads", headers=h)
    st, _, t = keyed.post("/api/download", {"url": site.page("clip")}, headers=as_(keyed, "bob"))
    assert st == 200, t
    wait_until(lambda: keyed.get(f"/api/downloads/{t['id']}", headers=as_(keyed, "bob"))[2]
               ["status"] == "completed", 60, what="bob's download")
    assert "GET /api/downloads -> 403" in keyed.log("api"), "the API logged verbosely"
    assert f"[debug] {t['id']}: run: " in keyed.log("worker"), "the worker logged verbosely"
    logs = ""
    for f in os.listdir(keyed.log_dir):
        with open(os.path.join(keyed.log_dir, f), errors="replace") as fh:
            logs += fh.read()
    for k in keyed.keys.values():
        assert k not in logs and k[13:] not in logs


def test_pending_tasks_per_user_are_capped(make_service, site):
    svc = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_MAX_PENDING=2)
    svc.stop_worker()
    a, b = add_key(svc, "a"), add_key(svc, "b")
    for _ in range(2):
        assert svc.post("/api/download", {"url": site.page("clip")}, headers={"X-API-Key": a})[0] == 200
    st, _, body = svc.post("/api/download", {"url": site.page("clip")}, headers={"X-API-Key": a})
    assert st == 429 and "pending" in body["detail"], body
    assert svc.post("/api/download", {"url": site.page("clip")}, headers={"X-API-Key": b})[0] == 200


def test_a_network_address_without_keys_refuses_to_start(make_service):
    svc = make_service()
    env = dict(svc.env, OFFLINETUBE_LISTEN="0.0.0.0:1", OFFLINETUBE_SOCKET=svc.socket_path + ".x")
    p = subprocess.run([os.path.join(BIN, "offlinetube-api")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "no API key exists" in p.stderr and "OFFLINETUBE_AUTH=off" in p.stderr
    env["OFFLINETUBE_AUTH"] = "off"
    q = subprocess.Popen([os.path.join(BIN, "offlinetube-api")], env=env,
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: os.path.exists(env["OFFLINETUBE_SOCKET"]), 10, what="the API")
    finally:
        q.terminate()
        err = q.communicate(timeout=10)[1]
    assert q.returncode == 0
    assert "anyone who can reach this address" in err


def lan_address():
    """An address of this machine that is not loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))    # a UDP connect sends nothing
            a = s.getsockname()[0]
        except OSError:
            return None
    return None if a.startswith("127.") or a == "0.0.0.0" else a


def get_from(addr, port, path, headers=None):
    c = http.client.HTTPConnection(addr, port, timeout=30)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        openapi_check.record("GET", path, headers, None, r.status, r.headers, body)
        return r.status, json.loads(body or b"null")
    finally:
        c.close()


def test_a_client_from_the_network_needs_a_key_even_while_listen_says_loopback(site, xdg):
    """nginx's listen changed, OFFLINETUBE_LISTEN forgotten: the LAN still needs a key."""
    addr = lan_address()
    if addr is None:
        pytest.skip("this machine has no address besides loopback")
    svc = Service(site, xdg, {"OFFLINETUBE_SERVER_NAMES": addr})
    svc.nginx_listen = f"0.0.0.0:{svc.port}"
    try:
        svc.start()
        assert svc.env["OFFLINETUBE_LISTEN"].startswith("127.0.0.1:")
        assert svc.get("/api/downloads")[0] == 200, "loopback: no key, as before"
        st, body = get_from(addr, svc.port, "/api/downloads")
        assert st == 401, body
        assert get_from(addr, svc.port, "/api/health")[0] == 200
        wait_until(lambda: f"a request came from {addr} although OFFLINETUBE_LISTEN="
                   in svc.log("api"), 5, what="the API to say which setting to fix")
        k = add_key(svc, "lan")
        st, body = get_from(addr, svc.port, "/api/downloads", {"X-API-Key": k})
        assert st == 200, body
    finally:
        end_service(svc)


def test_an_empty_link_secret_left_by_a_crash_is_replaced_at_start(make_service, site):
    """An earlier version made link.secret, then wrote it: a crash in between left
    it empty and the API refused every start after.  Such a file signed nothing
    (no start ever used it), so a new secret replaces it and links work again."""
    svc = make_service(OFFLINETUBE_AUTH="on")
    k = add_key(svc, "alice")
    path = os.path.join(svc.data_dir, "link.secret")
    st = os.stat(path)
    svc.stop_proc("api")
    for left in (b"", b"\x01" * 7):
        with open(path, "wb") as f:      # as the crashed start left it: its owner, its mode
            f.write(left)
        os.chown(path, st.st_uid, st.st_gid)
        svc.start_api()
        assert "held %d bytes instead of 32" % len(left) in svc.log("api")
        after = os.stat(path)
        assert (after.st_size, after.st_mode & 0o777, after.st_uid) == (32, 0o600, st.st_uid)
        assert sorted(os.listdir(svc.data_dir)) == sorted(
            n for n in os.listdir(svc.data_dir) if not n.startswith(".link.secret"))
        svc.stop_proc("api")
    svc.start_api()
    svc.wait_healthy()
    st_, _, t = svc.post("/api/download", {"url": site.page("clip")}, headers={"X-API-Key": k})
    assert st_ == 200, t
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": k})[2]), 60, what="download")
    assert raw(svc, t["stream_url"])[0] == 200, "a link signed with the new secret"


def test_a_burst_of_creates_cannot_pass_the_pending_cap(make_service, site):
    """The count and the insert are one statement: 32 creates at once from one
    key, with nothing claimed meanwhile, leave exactly the cap pending."""
    svc = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_MAX_PENDING=3)
    svc.stop_worker()
    h = {"X-API-Key": add_key(svc, "a")}
    got, lock = [], threading.Lock()

    def post():
        for _ in range(2):
            st, _, body = svc.post("/api/download", {"url": site.page("clip")}, headers=h)
            with lock:
                got.append((st, body.get("detail")))
    ts = [threading.Thread(target=post) for _ in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert sorted(st for st, _ in got) == [200] * 3 + [429] * 29, got
    assert {d for st, d in got if st == 429} == {
        "Too many pending downloads (limit 3); wait for some to start"}
    assert len(svc.get("/api/downloads?status=pending", headers=h)[2]) == 3


def playlist_tasks(svc, first, n, h):
    """The n tasks of the playlist whose entry 1 is `first`, by index, once all exist."""
    def members():
        pid = svc.get(f"/api/downloads/{first}", headers=h)[2].get("playlist_id")
        if not pid:
            return None
        ms = [t for t in svc.get("/api/downloads", headers=h)[2] if t["playlist_id"] == pid]
        return sorted(ms, key=lambda t: t["playlist_index"]) if len(ms) == n else None
    return wait_until(members, 60, 0.1, f"the playlist's {n} tasks")


def test_a_playlist_queues_no_more_than_the_pending_cap(make_service, site):
    """OFFLINETUBE_MAX_PENDING holds for a playlist's entries too: entry 1 runs,
    two entries wait, the rest are stored as errors that say why."""
    svc = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_MAX_PENDING=2,
                       OFFLINETUBE_MAX_DOWNLOADS=1)
    h = {"X-API-Key": add_key(svc, "a")}
    st, _, first = svc.post("/api/download", {"url": site.base + "/playlist/slowsix"},
                            headers=h)
    assert st == 200, first
    try:
        ms = playlist_tasks(svc, first["id"], 6, h)
        assert [t["status"] for t in ms[1:]] == ["pending"] * 2 + ["error"] * 3, ms
        assert ms[0]["status"] in ("downloading", "processing", "completed"), ms[0]
        for t in ms[3:]:
            assert t["error_message"] == (
                "Too many pending downloads (limit 2): this playlist entry was not "
                "queued; submit its URL again once some have started"), t
            assert t["url"].endswith(f"/video/slow-six-{t['playlist_index']}"), t
        # Nothing else of this key gets in either.
        st, _, body = svc.post("/api/download", {"url": site.page("clip")}, headers=h)
        assert st == 429, body
    finally:
        for t in svc.get("/api/downloads", headers=h)[2]:
            svc.delete(f"/api/downloads/{t['id']}/remove", headers=h)


def test_another_keys_download_starts_before_the_rest_of_a_playlist(make_service, site):
    """One download at a time; A's playlist queued five entries before B asked
    for one video: B's starts next, not after A's five."""
    svc = make_service(OFFLINETUBE_AUTH="on", OFFLINETUBE_MAX_DOWNLOADS=1)
    ha, hb = {"X-API-Key": add_key(svc, "a")}, {"X-API-Key": add_key(svc, "b")}
    st, _, first = svc.post("/api/download", {"url": site.base + "/playlist/slowsix"},
                            headers=ha)
    assert st == 200, first
    try:
        ms = playlist_tasks(svc, first["id"], 6, ha)
        assert [t["status"] for t in ms[1:]] == ["pending"] * 5, ms
        st, _, b = svc.post("/api/download", {"url": site.page("slow-fair-b")}, headers=hb)
        assert st == 200, b
        # A's entry 1 ends (cancelled here, to be quick): the slot is free.
        assert svc.delete(f"/api/downloads/{first['id']}", headers=ha)[0] == 200
        wait_until(lambda: svc.get(f"/api/downloads/{b['id']}", headers=hb)[2]["status"]
                   != "pending", 30, 0.05, "B's download to start")
        rest = {t["playlist_index"]: t["status"]
                for t in svc.get("/api/downloads", headers=ha)[2]
                if t["playlist_id"] == ms[0]["playlist_id"]}
        assert [rest[i] for i in range(2, 7)] == ["pending"] * 5, rest
    finally:
        for h in (ha, hb):
            for t in svc.get("/api/downloads", headers=h)[2]:
                svc.delete(f"/api/downloads/{t['id']}/remove", headers=h)


def test_a_database_that_cannot_say_whether_keys_exist_answers_a_database_error(
        make_service):
    """AUTH=auto on loopback asks the database whether any key exists. When
    it cannot answer (here its key table is away), the request is a database
    error (500, as every other one), never a 401 that tells a client it needs
    a key it does not; and once the database answers again, so does the API,
    at once rather than a second later."""
    svc = make_service()
    assert svc.get("/api/downloads")[0] == 200
    svc.sql("ALTER TABLE api_keys RENAME TO api_keys_away")
    try:
        # Past the second each API thread trusts its last answer.
        time.sleep(1.2)
        answers = [svc.get("/api/downloads") for _ in range(6)]
    finally:
        svc.sql("ALTER TABLE api_keys_away RENAME TO api_keys")
    assert [(st, body) for st, _, body in answers] == \
        [(500, {"detail": "Database error"})] * 6, answers
    assert [svc.get("/api/downloads")[0] for _ in range(6)] == [200] * 6
    assert "keys: " in svc.log("api")
