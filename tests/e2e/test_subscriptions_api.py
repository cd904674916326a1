"""test_subscriptions_api.py: /api/subscriptions: every field, default, bound and error,
PATCH and DELETE, unknown ids, the per-key limit and ownership, the private-address guard."""
import uuid

import pytest

from harness import Service, end_service
from test_keys import add_key

RECORD_FIELDS = {
    "id", "url", "name", "download_type", "quality", "format_id", "audio_format",
    "subtitles", "embed_metadata", "sponsorblock", "check_every", "backlog", "title_include",
    "title_exclude", "min_duration",
    "max_duration", "skip_live", "listing_order", "enabled", "state", "last_checked_at",
    "next_check_at", "last_error", "seen_count", "downloaded_count", "created_at",
    "updated_at",
}
# What a check changes; the rest is what the client set.
CHECK_FIELDS = {"state", "last_checked_at", "next_check_at", "last_error", "seen_count",
                "downloaded_count", "updated_at"}


def settings(rec):
    return {k: v for k, v in rec.items() if k not in CHECK_FIELDS}


def create(svc, body, headers=None):
    return svc.post("/api/subscriptions", body, headers=headers)


def patch(svc, sid, body, headers=None):
    return svc.request("PATCH", f"/api/subscriptions/{sid}", body=body, headers=headers)


@pytest.fixture
def chan(site):
    """An empty channel on the fixture site: a check of it lists nothing."""
    return site.channel("api-" + uuid.uuid4().hex[:8])


def test_create_answers_the_record_with_its_defaults(service, chan):
    st, _, rec = create(service, {"url": chan})
    assert st == 200, rec
    assert set(rec) == RECORD_FIELDS
    assert uuid.UUID(rec["id"]).version == 4 and rec["id"] == rec["id"].lower()
    assert rec["url"] == chan
    assert (rec["download_type"], rec["quality"], rec["format_id"], rec["audio_format"]) == \
        ("video", "best", None, "m4a")
    assert (rec["embed_metadata"], rec["sponsorblock"]) == (False, "off")
    assert rec["subtitles"] == []
    assert (rec["check_every"], rec["backlog"]) == (21600, 0)
    assert (rec["title_include"], rec["title_exclude"]) == (None, None)
    assert (rec["min_duration"], rec["max_duration"]) == (None, None)
    assert rec["skip_live"] is True and rec["enabled"] is True
    assert rec["listing_order"] == "newest_first"
    # The record's keys in the order docs/api.md lists them.
    assert list(rec)[list(rec).index("skip_live") + 1] == "listing_order"
    assert rec["state"] == "new" and rec["last_checked_at"] is None
    assert rec["next_check_at"].endswith("Z") and rec["last_error"] == ""
    assert (rec["seen_count"], rec["downloaded_count"]) == (0, 0)
    st, _, got = service.get(f"/api/subscriptions/{rec['id']}")
    assert st == 200 and got["id"] == rec["id"]
    st, _, lst = service.get("/api/subscriptions")
    assert st == 200 and rec["id"] in [s["id"] for s in lst]


def test_every_field_is_kept_as_given(service, chan):
    body = {"url": chan, "name": "Cooking ✓", "download_type": "audio", "quality": "128kbps",
            "audio_format": "mp3", "check_every": 900, "backlog": 500,
            "title_include": "^(recipe|cook)", "title_exclude": "short", "min_duration": 0,
            "max_duration": 3600, "skip_live": False, "embed_metadata": True,
            "sponsorblock": "remove", "subtitles": ["es", "pt-BR"],
            "listing_order": "oldest_first"}
    st, _, rec = create(service, body)
    assert st == 200, rec
    for k, v in body.items():
        assert rec[k] == v, k
    st, _, rec = create(service, {"url": chan, "format_id": "22", "check_every": 2592000})
    assert st == 200 and rec["format_id"] == "22" and rec["check_every"] == 2592000


def test_a_list_is_newest_first(service, chan):
    ids = [create(service, {"url": chan})[2]["id"] for _ in range(3)]
    st, _, lst = service.get("/api/subscriptions")
    got = [s["id"] for s in lst if s["id"] in ids]
    assert got == ids[::-1]


BAD = [
    ({}, "url: field required"),
    ({"url": 5}, "url: must be a string"),
    ({"url": "ftp://x/y"}, "url: "),
    ({"url": "-http://x"}, "url: "),
    ({"url": "http://example.com/" + "x" * 2048}, "url: must be at most 2048 bytes"),
    ({"url": "http://example.com/a b"}, "url: must not contain spaces or control characters"),
    ({"url": ""}, "url: must not be empty"),
    ({"name": 5}, "name: must be a string"),
    ({"name": "x" * 201}, "name: must be at most 200 bytes"),
    ({"name": "a\nb"}, "name: must not contain control characters"),
    ({"download_type": "gif"}, "download_type: must be one of: video, audio"),
    ({"quality": "128kbps"}, "quality: must be one of: best, 2160p"),
    ({"download_type": "audio", "quality": "720p"}, "quality: must be one of: best, 320kbps"),
    ({"format_id": "best"}, "format_id: must be one format's id"),
    ({"format_id": "a b"}, "format_id: must be 1 to 64 characters"),
    ({"audio_format": "ogg"}, "audio_format: must be one of: m4a"),
    ({"check_every": 899}, "check_every: must be an integer from 900 to 2592000"),
    ({"check_every": 2592001}, "check_every: must be an integer from 900 to 2592000"),
    ({"check_every": "3600"}, "check_every: must be an integer"),
    ({"check_every": 3600.5}, "check_every: must be an integer"),
    ({"backlog": -1}, "backlog: must be an integer from 0 to 500"),
    ({"backlog": 501}, "backlog: must be an integer from 0 to 500"),
    ({"title_include": "("}, "title_include: not a valid POSIX extended regular expression"),
    ({"title_exclude": "a{2,1}"}, "title_exclude: not a valid POSIX extended regular expression"),
    ({"title_include": "x" * 201}, "title_include: must be at most 200 bytes"),
    ({"title_include": 1}, "title_include: must be a string"),
    ({"min_duration": -1}, "min_duration: must be an integer from 0"),
    ({"max_duration": "60"}, "max_duration: must be an integer"),
    ({"max_duration": 31536001}, "max_duration: must be an integer from 0 to 31536000"),
    ({"min_duration": 1.5}, "min_duration: must be an integer"),
    ({"min_duration": 61, "max_duration": 60}, "min_duration: must not be greater than max_duration"),
    ({"skip_live": 1}, "skip_live: must be true or false"),
    ({"skip_live": "false"}, "skip_live: must be true or false"),
    ({"enabled": False}, "enabled: cannot be set at creation"),
    ({"subtitles": "en"}, "subtitles: must be an array of language codes, e.g. [\"en\", \"es\"]"),
    ({"subtitles": ["e"]}, "subtitles: each must be a language code of 2 to 16 characters "
                           "from A-Z a-z 0-9 -"),
    ({"subtitles": [f"l{i}" for i in range(9)]}, "subtitles: at most 8 languages"),
    ({"subtitles": ["en", "EN"]}, "subtitles: \"EN\" is listed twice"),
    ({"embed_metadata": "true"}, "embed_metadata: must be true or false"),
    ({"embed_metadata": 1}, "embed_metadata: must be true or false"),
    ({"sponsorblock": "cut"}, "sponsorblock: must be one of: off, mark, remove"),
    ({"sponsorblock": True}, "sponsorblock: must be a string"),
    ({"listing_order": "newest"}, "listing_order: must be one of: newest_first, oldest_first"),
    ({"listing_order": "Oldest_First"},
     "listing_order: must be one of: newest_first, oldest_first"),
    ({"listing_order": ""}, "listing_order: must be one of: newest_first, oldest_first"),
    ({"listing_order": 1}, "listing_order: must be a string"),
    ({"listing_order": True}, "listing_order: must be a string"),
    ({"listing_order": ["oldest_first"]}, "listing_order: must be a string"),
    ({"colour": "red"}, "colour: unknown field"),
]


@pytest.mark.parametrize("extra,detail", BAD, ids=[d for _, d in BAD])
def test_each_bad_field_is_a_400_naming_it(service, chan, extra, detail):
    body = {"url": chan, **extra}
    if "url" in extra or not extra:
        body = dict(extra)
    st, _, ans = create(service, body)
    assert st == 400, ans
    assert ans["detail"].startswith(detail), ans


def test_a_bad_body_creates_nothing(service, chan):
    before = len(service.get("/api/subscriptions")[2])
    assert create(service, {"url": chan, "backlog": 501})[0] == 400
    st, _, _ = service.request("POST", "/api/subscriptions", body="[1]",
                               headers={"Content-Type": "application/json"})
    assert st == 400
    st, _, _ = service.request("POST", "/api/subscriptions", body="{}",
                               headers={"Content-Type": "text/plain"})
    assert st == 415
    assert len(service.get("/api/subscriptions")[2]) == before


def test_an_unknown_id_is_404_on_every_route(service):
    sid = str(uuid.uuid4())
    for method, path, body in (("GET", f"/api/subscriptions/{sid}", None),
                               ("PATCH", f"/api/subscriptions/{sid}", {"name": "x"}),
                               ("DELETE", f"/api/subscriptions/{sid}", None),
                               ("POST", f"/api/subscriptions/{sid}/check", None),
                               ("GET", "/api/subscriptions/not-a-uuid", None),
                               ("DELETE", "/api/subscriptions/not-a-uuid", None)):
        st, _, ans = service.request(method, path, body=body)
        assert (st, ans) == (404, {"detail": "Suscripción no encontrada"}), (method, path)
    st, h, _ = service.request("PUT", f"/api/subscriptions/{sid}", body={})
    assert st == 405 and "PATCH" in h["Allow"] and "DELETE" in h["Allow"]


def test_patch_changes_what_it_names_and_only_that(service, chan):
    rec = create(service, {"url": chan, "quality": "720p", "title_include": "a",
                           "min_duration": 10, "check_every": 3600})[2]
    st, _, got = patch(service, rec["id"], {"name": "Renamed", "check_every": 7200,
                                            "title_exclude": "live", "max_duration": 600})
    assert st == 200, got
    assert (got["name"], got["check_every"], got["title_exclude"], got["max_duration"]) == \
        ("Renamed", 7200, "live", 600)
    for k in ("url", "quality", "title_include", "min_duration", "backlog", "created_at"):
        assert got[k] == rec[k], k
    # null puts a field back to its default.
    st, _, got = patch(service, rec["id"], {"title_include": None, "min_duration": None})
    assert st == 200 and got["title_include"] is None and got["min_duration"] is None
    # The download fields are judged together with the row's: audio with 720p is refused.
    st, ans = patch(service, rec["id"], {"download_type": "audio"})[::2]
    assert st == 400 and ans["detail"].startswith("quality: must be one of: best, 320kbps")
    st, _, got = patch(service, rec["id"], {"download_type": "audio", "quality": "128kbps",
                                            "audio_format": "opus"})
    assert st == 200 and (got["download_type"], got["quality"], got["audio_format"]) == \
        ("audio", "128kbps", "opus")
    st, _, got = patch(service, rec["id"], {"embed_metadata": True, "sponsorblock": "mark"})
    assert st == 200 and (got["embed_metadata"], got["sponsorblock"]) == (True, "mark")
    assert got["audio_format"] == "opus"
    st, _, got = patch(service, rec["id"], {"embed_metadata": None, "sponsorblock": None})
    assert st == 200 and (got["embed_metadata"], got["sponsorblock"]) == (False, "off")
    st, _, got = patch(service, rec["id"], {"subtitles": ["en", "fr"]})
    assert st == 200 and got["subtitles"] == ["en", "fr"] and got["audio_format"] == "opus"
    st, _, got = patch(service, rec["id"], {"name": "Renamed"})
    assert st == 200 and got["subtitles"] == ["en", "fr"], "kept when not named"
    st, _, got = patch(service, rec["id"], {"subtitles": None})
    assert st == 200 and got["subtitles"] == []
    st, _, got = patch(service, rec["id"], {"listing_order": "oldest_first"})
    assert st == 200 and got["listing_order"] == "oldest_first"
    assert got["subtitles"] == [] and got["audio_format"] == "opus"
    st, _, got = patch(service, rec["id"], {"name": "Renamed"})
    assert st == 200 and got["listing_order"] == "oldest_first", "kept when not named"
    assert service.get(f"/api/subscriptions/{rec['id']}")[2]["listing_order"] == "oldest_first"
    st, _, got = patch(service, rec["id"], {"listing_order": None})
    assert st == 200 and got["listing_order"] == "newest_first"
    st, _, got = patch(service, rec["id"], {"enabled": False})
    assert st == 200 and got["enabled"] is False and got["next_check_at"] is None
    st, _, got = patch(service, rec["id"], {"enabled": True})
    assert st == 200 and got["enabled"] is True and got["next_check_at"]


@pytest.mark.parametrize("body,detail", [
    ({"url": "http://x/y"}, "url: cannot be changed"),
    ({"backlog": 3}, "backlog: cannot be changed"),
    ({"id": "x"}, "id: unknown field"),
    ({"state": "idle"}, "state: unknown field"),
    ({"check_every": 10}, "check_every: must be an integer from 900"),
    ({"enabled": "yes"}, "enabled: must be true or false"),
    ({"embed_metadata": "no"}, "embed_metadata: must be true or false"),
    ({"sponsorblock": "skip"}, "sponsorblock: must be one of: off, mark, remove"),
    ({"listing_order": "last"}, "listing_order: must be one of: newest_first, oldest_first"),
    ({"listing_order": 0}, "listing_order: must be a string"),
    ({"subtitles": ["en_US"]}, "subtitles: each must be a language code"),
    ({"title_exclude": "[z-a]"}, "title_exclude: not a valid POSIX extended"),
    ({"max_duration": 5}, "min_duration: must not be greater than max_duration"),
])
def test_a_bad_patch_is_a_400_and_changes_nothing(service, chan, body, detail):
    rec = create(service, {"url": chan, "min_duration": 10})[2]
    st, _, ans = patch(service, rec["id"], body)
    assert st == 400 and ans["detail"].startswith(detail), ans
    assert settings(service.get(f"/api/subscriptions/{rec['id']}")[2]) == settings(rec)


def test_delete_removes_it_and_check_now_needs_it_enabled(service, chan):
    rec = create(service, {"url": chan})[2]
    st, _, got = service.post(f"/api/subscriptions/{rec['id']}/check")
    assert st == 200 and got["id"] == rec["id"]
    patch(service, rec["id"], {"enabled": False})
    st, _, ans = service.post(f"/api/subscriptions/{rec['id']}/check")
    assert st == 409 and "disabled" in ans["detail"]
    st, _, ans = service.delete(f"/api/subscriptions/{rec['id']}")
    assert (st, ans) == (200, {"message": "Suscripción eliminada"})
    assert service.get(f"/api/subscriptions/{rec['id']}")[0] == 404
    assert service.delete(f"/api/subscriptions/{rec['id']}")[0] == 404


def test_the_limit_per_key_is_a_429(make_service, site):
    svc = make_service(OFFLINETUBE_MAX_SUBSCRIPTIONS=2)
    url = site.channel("limit")
    assert create(svc, {"url": url})[0] == 200
    second = create(svc, {"url": url})[2]
    st, _, ans = create(svc, {"url": url})
    assert st == 429 and ans["detail"].startswith("Too many subscriptions (limit 2)")
    assert len(svc.get("/api/subscriptions")[2]) == 2
    svc.delete(f"/api/subscriptions/{second['id']}")
    assert create(svc, {"url": url})[0] == 200


def test_a_private_address_is_refused_unless_allowed(make_service, site):
    svc = make_service(OFFLINETUBE_ALLOW_PRIVATE_URLS=0)
    for url in ("http://127.0.0.1:9/channel/x", "http://10.1.2.3/c", "http://[::1]/c",
                "http://localhost/c"):
        st, _, ans = create(svc, {"url": url})
        assert st == 400 and ans["detail"].startswith("url: "), (url, ans)
    assert svc.get("/api/subscriptions")[2] == []


@pytest.fixture(scope="module")
def keyed(site, xdg):
    svc = Service(site, xdg, {"OFFLINETUBE_AUTH": "on", "OFFLINETUBE_MAX_SUBSCRIPTIONS": "1"})
    try:
        svc.start()
    except BaseException:
        svc.finish()
        raise
    svc.keys = {n: add_key(svc, n, admin=(n == "root")) for n in ("alice", "bob", "root")}
    yield svc
    end_service(svc)


def test_another_keys_subscription_is_invisible_and_untouchable(keyed, site):
    alice = {"X-API-Key": keyed.keys["alice"]}
    bob = {"X-API-Key": keyed.keys["bob"]}
    root = {"X-API-Key": keyed.keys["root"]}
    assert create(keyed, {"url": site.channel("keyed")})[0] == 401
    st, _, rec = create(keyed, {"url": site.channel("keyed")}, headers=alice)
    assert st == 200, rec
    sid = rec["id"]
    # The limit is each key's own: alice is at 1, bob is not.
    assert create(keyed, {"url": site.channel("keyed")}, headers=alice)[0] == 429
    st, _, brec = create(keyed, {"url": site.channel("keyed")}, headers=bob)
    assert st == 200
    assert [s["id"] for s in keyed.get("/api/subscriptions", headers=bob)[2]] == [brec["id"]]
    for method, path, body in (("GET", f"/api/subscriptions/{sid}", None),
                               ("PATCH", f"/api/subscriptions/{sid}", {"name": "mine"}),
                               ("POST", f"/api/subscriptions/{sid}/check", None),
                               ("DELETE", f"/api/subscriptions/{sid}", None)):
        st, _, ans = keyed.request(method, path, body=body, headers=bob)
        assert (st, ans) == (404, {"detail": "Suscripción no encontrada"}), method
    assert settings(keyed.get(f"/api/subscriptions/{sid}", headers=alice)[2]) == settings(rec)
    # An admin key sees and changes every key's.
    ids = {s["id"] for s in keyed.get("/api/subscriptions", headers=root)[2]}
    assert {sid, brec["id"]} <= ids
    assert patch(keyed, sid, {"name": "by root"}, headers=root)[0] == 200
    assert keyed.delete(f"/api/subscriptions/{sid}", headers=root)[0] == 200
