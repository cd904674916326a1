"""test_etag.py: ETag and If-None-Match on the list and on one task: 304 while nothing
changed, a full answer after a new task, a status change, a removal or a changed title,
and never across keys or queries."""

import pytest

from harness import wait_until
from test_keys import add_key


def get(svc, path, tag=None, headers=None):
    h = dict(headers or {})
    if tag is not None:
        h["If-None-Match"] = tag
    return svc.request("GET", path, headers=h)


def settled(svc):
    """The list once no task is pending or running: its tag holds still."""
    def ok():
        st, h, body = get(svc, "/api/downloads")
        assert st == 200, body
        busy = [t for t in body if t["status"] in ("pending", "downloading", "processing")]
        return None if busy else h["ETag"]
    return wait_until(ok, 60, 0.2, "the tasks to settle")


@pytest.fixture
def quiet(make_service, site):
    """A service of its own (no other test's tasks move its counter), with one
    completed task."""
    svc = make_service()
    svc.download(site.page("clip"))
    return svc


def test_an_unchanged_list_is_a_304_with_no_body(quiet):
    tag = settled(quiet)
    assert tag.startswith('"l') and tag.endswith('"'), tag
    st, h, body = get(quiet, "/api/downloads", tag)
    assert (st, body) == (304, b""), body
    assert h["ETag"] == tag
    # RFC 9110's forms: weak comparison, a list, "*".
    for v in (f"W/{tag}", f'"nope", {tag}', f' , W/"x",{tag} ', "*"):
        assert get(quiet, "/api/downloads", v)[0] == 304, v
    # Anything else, or a value that does not parse, gets the list.
    for v in ('"nope"', tag[1:-1], tag[:-1], f"{tag} x", "", "W/"):
        st, h, body = get(quiet, "/api/downloads", v)
        assert st == 200 and isinstance(body, list) and h["ETag"] == tag, v


def test_a_new_task_a_status_change_and_a_removal_change_the_tag(quiet, site):
    tag = settled(quiet)
    st, _, t = quiet.post("/api/download", {"url": f"{site.base}/video/slow-etag"})
    assert st == 200, t
    st, h, body = get(quiet, "/api/downloads", tag)
    assert st == 200 and t["id"] in [x["id"] for x in body]
    tag2 = h["ETag"]
    assert tag2 != tag
    assert quiet.delete(f"/api/downloads/{t['id']}")[0] == 200     # cancel
    quiet.wait_for_status(t["id"], "cancelled")
    tag3 = settled(quiet)
    assert tag3 not in (tag, tag2)
    st, _, body = get(quiet, "/api/downloads", tag2)
    assert st == 200 and [x["status"] for x in body if x["id"] == t["id"]] == ["cancelled"]
    assert quiet.delete(f"/api/downloads/{t['id']}/remove")[0] == 200
    st, h, body = get(quiet, "/api/downloads", tag3)
    assert st == 200 and t["id"] not in [x["id"] for x in body]
    assert get(quiet, "/api/downloads", h["ETag"])[0] == 304


def test_only_what_a_record_shows_moves_the_tag(quiet):
    """A claim's bookkeeping (attempts, lease) is not in any record: the tag holds.
    A changed title is: it moves."""
    tag = settled(quiet)
    quiet.sql("UPDATE tasks SET attempts = attempts + 1, lease_until = 1")
    assert get(quiet, "/api/downloads", tag)[0] == 304
    quiet.sql("UPDATE tasks SET title = title || ' (renamed)'")
    st, h, body = get(quiet, "/api/downloads", tag)
    assert st == 200 and body[0]["title"].endswith(" (renamed)") and h["ETag"] != tag


def test_the_query_is_part_of_the_tag(quiet):
    tag = settled(quiet)
    st, h, _ = get(quiet, "/api/downloads?limit=1", tag)
    assert st == 200 and h["ETag"] != tag
    assert get(quiet, "/api/downloads?limit=1", h["ETag"])[0] == 304
    assert get(quiet, "/api/downloads?status=completed", h["ETag"])[0] == 200


def test_one_task_has_its_own_tag(quiet, site):
    tid = get(quiet, "/api/downloads")[2][0]["id"]
    st, h, rec = get(quiet, f"/api/downloads/{tid}")
    tag = h["ETag"]
    assert st == 200 and tag.startswith('"t'), tag
    st, h2, body = get(quiet, f"/api/downloads/{tid}", tag)
    assert (st, body, h2["ETag"]) == (304, b"", tag)
    assert get(quiet, f"/api/downloads/{tid}", f"W/{tag}")[0] == 304
    # Another task's change leaves this one's tag alone; its own change moves it.
    quiet.download(site.page("clip2"))
    assert get(quiet, f"/api/downloads/{tid}", tag)[0] == 304
    st, _, t = quiet.post(f"/api/downloads/{tid}/retry")
    assert st == 409, t    # completed: not retried, nothing changed
    assert get(quiet, f"/api/downloads/{tid}", tag)[0] == 304
    assert quiet.delete(f"/api/downloads/{tid}/remove")[0] == 200
    assert get(quiet, f"/api/downloads/{tid}", tag)[0] == 404


def test_a_status_change_moves_one_tasks_tag(quiet, site):
    st, _, t = quiet.post("/api/download", {"url": f"{site.base}/video/slow-etag-one"})
    st, h, _ = get(quiet, f"/api/downloads/{t['id']}")
    tag = h["ETag"]
    assert quiet.delete(f"/api/downloads/{t['id']}")[0] == 200
    quiet.wait_for_status(t["id"], "cancelled")
    st, h, rec = get(quiet, f"/api/downloads/{t['id']}", tag)
    assert st == 200 and rec["status"] == "cancelled" and h["ETag"] != tag


def test_keys_never_share_a_tag(make_service, site):
    svc = make_service(OFFLINETUBE_AUTH="on")
    a, b = add_key(svc, "a"), add_key(svc, "b")
    ha, hb = {"X-API-Key": a}, {"X-API-Key": b}
    st, _, t = svc.post("/api/download", {"url": site.page("clip")}, headers=ha)
    assert st == 200, t
    wait_until(lambda: get(svc, f"/api/downloads/{t['id']}", headers=ha)[2]["status"]
               == "completed", 60, 0.2, "the download")
    st, h, body = get(svc, "/api/downloads", headers=ha)
    tag_a = h["ETag"]
    assert get(svc, "/api/downloads", tag_a, headers=ha)[0] == 304
    st, h, body = get(svc, "/api/downloads", tag_a, headers=hb)
    assert st == 200 and body == [] and h["ETag"] != tag_a
    # One task: another key gets 404 whatever it sends.
    _, h, rec = get(svc, f"/api/downloads/{t['id']}", headers=ha)
    assert rec["stream_url"] and "sig=" in rec["stream_url"]
    assert get(svc, f"/api/downloads/{t['id']}", h["ETag"], headers=ha)[0] == 304
    assert get(svc, f"/api/downloads/{t['id']}", h["ETag"], headers=hb)[0] == 404


def test_a_cross_origin_page_may_send_and_read_the_tag(make_service):
    svc = make_service(OFFLINETUBE_CORS_ORIGINS="https://app.example")
    o = {"Origin": "https://app.example"}
    st, h, _ = svc.request("OPTIONS", "/api/downloads", headers={
        **o, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert st == 204 and "If-None-Match" in h["Access-Control-Allow-Headers"]
    st, h, _ = get(svc, "/api/downloads", headers=o)
    assert st == 200 and "ETag" in h["Access-Control-Expose-Headers"]
