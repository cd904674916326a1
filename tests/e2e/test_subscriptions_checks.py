"""test_subscriptions_checks.py: the worker's checks, with real yt-dlp against a fixture
channel whose entries the tests publish while the service runs: the backlog, new
entries, the filters, live entries, failures and their backoff, and crashes mid-check."""
import calendar
import time
import uuid

import pytest

from harness import wait_until


def when(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def sub(svc, sid):
    st, _, rec = svc.get(f"/api/subscriptions/{sid}")
    assert st == 200, rec
    return rec


def done_checking(svc, sid, timeout=60):
    """The subscription once a check has ended: it is not checking, and its next
    check lies ahead (a check due now, first or asked for, has not run yet)."""
    def ok():
        rec = sub(svc, sid)
        return rec if rec["state"] in ("idle", "error") and rec["next_check_at"] and \
            when(rec["next_check_at"]) > time.time() + 200 else None
    return wait_until(ok, timeout, 0.2, f"a check of {sid} to end")


def check_now(svc, sid):
    st, _, rec = svc.post(f"/api/subscriptions/{sid}/check")
    assert st == 200, rec
    return done_checking(svc, sid)


def tasks_of(svc, sid):
    return [t for t in svc.tasks() if t.get("subscription_id") == sid]


def subscribe(svc, url, **fields):
    st, _, rec = svc.post("/api/subscriptions", {"url": url, **fields})
    assert st == 200, rec
    return rec


def new_channel(site, n=0, prefix="c", order="newest"):
    name = prefix + uuid.uuid4().hex[:8]
    url = site.channel(name, order=order)
    for i in range(1, n + 1):
        site.add_entry(name, f"{name}-{i}")
    return name, url


def entry_url(site, name, i):
    return f"{site.base}/video/ch-{name}-{i}"


def test_the_first_check_with_no_backlog_downloads_nothing(service, site):
    name, url = new_channel(site, 3)
    rec = subscribe(service, url)
    rec = done_checking(service, rec["id"], timeout=20)
    assert rec["state"] == "idle" and rec["last_error"] == ""
    assert (rec["seen_count"], rec["downloaded_count"]) == (3, 0)
    assert rec["name"] == f"Fixture channel {name}"
    assert rec["last_checked_at"] is not None
    assert tasks_of(service, rec["id"]) == []
    # A second check adds nothing either.
    rec = check_now(service, rec["id"])
    assert (rec["seen_count"], rec["downloaded_count"]) == (3, 0)
    assert tasks_of(service, rec["id"]) == []


def test_a_backlog_of_n_downloads_exactly_the_n_newest(service, site):
    name, url = new_channel(site, 5)
    rec = subscribe(service, url, backlog=2, quality="360p", name="Mine")
    rec = done_checking(service, rec["id"])
    assert (rec["seen_count"], rec["downloaded_count"], rec["name"]) == (5, 2, "Mine")
    got = tasks_of(service, rec["id"])
    assert sorted(t["url"] for t in got) == sorted(entry_url(site, name, i) for i in (4, 5))
    for t in got:
        assert (t["quality"], t["download_type"], t["audio_format"]) == ("360p", "video", "m4a")
        done = service.wait_for_status(t["id"], "completed", timeout=90)
        assert done["filename"]


def test_new_entries_become_exactly_those_tasks_and_never_twice(service, site):
    name, url = new_channel(site, 2)
    rec = done_checking(service, subscribe(service, url, download_type="audio",
                                           quality="128kbps", audio_format="mp3")["id"])
    site.add_entry(name, f"{name}-3")
    site.add_entry(name, f"{name}-4")
    rec = check_now(service, rec["id"])
    got = tasks_of(service, rec["id"])
    assert sorted(t["url"] for t in got) == sorted(entry_url(site, name, i) for i in (3, 4))
    assert all((t["download_type"], t["quality"], t["audio_format"]) ==
               ("audio", "128kbps", "mp3") for t in got)
    assert (rec["seen_count"], rec["downloaded_count"]) == (4, 2)
    rec = check_now(service, rec["id"])
    assert len(tasks_of(service, rec["id"])) == 2
    assert (rec["seen_count"], rec["downloaded_count"]) == (4, 2)


def test_an_oldest_first_playlist_is_checked_at_its_end(service, site):
    # A playlist of 60 that lists its oldest first and adds new entries at
    # its end: more than the 50 a check lists at least.
    name, url = new_channel(site, 60, order="oldest")
    last = subscribe(service, url, backlog=2, listing_order="oldest_first")
    # The same playlist as if it listed its newest first (the default).
    first = subscribe(service, url, backlog=2)
    assert (last["listing_order"], first["listing_order"]) == ("oldest_first", "newest_first")
    last = done_checking(service, last["id"])
    first = done_checking(service, first["id"])
    # The backlog takes the newest two, at the end; the 50 last are seen.
    assert sorted(t["url"] for t in tasks_of(service, last["id"])) == \
        sorted(entry_url(site, name, i) for i in (59, 60))
    assert (last["state"], last["seen_count"], last["downloaded_count"]) == ("idle", 50, 2)
    # Entries added at the end become exactly those tasks at the next check.
    site.add_entry(name, f"{name}-61")
    site.add_entry(name, f"{name}-62")
    last = check_now(service, last["id"])
    assert sorted(t["url"] for t in tasks_of(service, last["id"])) == \
        sorted(entry_url(site, name, i) for i in (59, 60, 61, 62))
    assert (last["seen_count"], last["downloaded_count"]) == (52, 4)
    last = check_now(service, last["id"])
    assert len(tasks_of(service, last["id"])) == 4
    assert (last["seen_count"], last["downloaded_count"]) == (52, 4)
    # Listed from its start, the same playlist gives its two oldest as the
    # backlog and never reaches what is added at its end: why the field is.
    first = check_now(service, first["id"])
    assert sorted(t["url"] for t in tasks_of(service, first["id"])) == \
        sorted(entry_url(site, name, i) for i in (1, 2))
    assert (first["seen_count"], first["downloaded_count"]) == (50, 2)


def test_a_patch_to_oldest_first_finds_what_the_end_adds(service, site):
    name, url = new_channel(site, 55, order="oldest")
    rec = done_checking(service, subscribe(service, url)["id"])
    assert (rec["seen_count"], rec["downloaded_count"]) == (50, 0)
    site.add_entry(name, f"{name}-56")
    rec = check_now(service, rec["id"])
    assert tasks_of(service, rec["id"]) == []
    st, _, rec = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                 body={"listing_order": "oldest_first"})
    assert st == 200 and rec["listing_order"] == "oldest_first", rec
    site.add_entry(name, f"{name}-57")
    rec = check_now(service, rec["id"])
    # Listed from the end now: what lay past the first 50 was never seen,
    # and becomes tasks with what was added.
    assert sorted(t["url"] for t in tasks_of(service, rec["id"])) == \
        sorted(entry_url(site, name, i) for i in range(51, 58))
    assert (rec["seen_count"], rec["downloaded_count"]) == (57, 7)


def test_the_tasks_a_check_makes_carry_its_download_options(make_service, site):
    # SponsorBlock's service is a closed local port: the options must still
    # reach the tasks and the downloads complete (as for a task's own).
    service = make_service(OFFLINETUBE_SPONSORBLOCK_API="http://127.0.0.1:9")
    name, url = new_channel(site, 2)
    rec = subscribe(service, url, backlog=1, embed_metadata=True, sponsorblock="mark")
    rec = done_checking(service, rec["id"])
    site.add_entry(name, f"{name}-3")
    rec = check_now(service, rec["id"])
    got = tasks_of(service, rec["id"])
    assert sorted(t["url"] for t in got) == sorted(entry_url(site, name, i) for i in (2, 3))
    for t in got:
        assert (t["embed_metadata"], t["sponsorblock"]) == (True, "mark"), t
        done = service.wait_for_status(t["id"], "completed", timeout=90)
        assert (done["embed_metadata"], done["sponsorblock"]) == (True, "mark")
    # Changed options apply to the entries that come after.
    st, _, rec = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                 body={"embed_metadata": False, "sponsorblock": "off"})
    assert st == 200, rec
    site.add_entry(name, f"{name}-4")
    rec = check_now(service, rec["id"])
    last = [t for t in tasks_of(service, rec["id"]) if t["url"] == entry_url(site, name, 4)]
    assert len(last) == 1 and (last[0]["embed_metadata"], last[0]["sponsorblock"]) == \
        (False, "off")


def test_the_tasks_a_check_makes_ask_for_its_subtitles(service, site):
    name, url = new_channel(site, 1)
    rec = subscribe(service, url, backlog=1, subtitles=["en", "es"])
    rec = done_checking(service, rec["id"])
    [t] = tasks_of(service, rec["id"])
    assert t["subtitle_langs"] == ["en", "es"], t
    done = service.wait_for_status(t["id"], "completed", timeout=90)
    # The channel's clip page has no tracks: asked for, none found, no error.
    assert (done["subtitle_langs"], done["subtitles"]) == (["en", "es"], [])
    st, _, rec = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                 body={"subtitles": None})
    assert st == 200 and rec["subtitles"] == [], rec
    site.add_entry(name, f"{name}-2")
    rec = check_now(service, rec["id"])
    last = [t for t in tasks_of(service, rec["id"]) if t["url"] == entry_url(site, name, 2)]
    assert len(last) == 1 and last[0]["subtitle_langs"] == [], last


def test_each_filter_leaves_out_what_it_names_for_good(service, site):
    name, url = new_channel(site, 0)
    rec = subscribe(service, url, title_include="^(recipe|news)", title_exclude="short",
                    min_duration=60, max_duration=3600)
    rec = done_checking(service, rec["id"])
    add = site.add_entry
    add(name, "ok1", "Recipe: bread", 600)
    add(name, "ok2", "NEWS tonight", 60)
    add(name, "ok3", "recipe without a duration", None)
    add(name, "inc", "Cat video", 600)
    add(name, "exc", "Recipe shorts", 600)
    add(name, "min", "Recipe teaser", 59)
    add(name, "max", "Recipe marathon", 3601)
    rec = check_now(service, rec["id"])
    got = sorted(t["url"] for t in tasks_of(service, rec["id"]))
    assert got == sorted(f"{site.base}/video/ch-{i}" for i in ("ok1", "ok2", "ok3"))
    assert (rec["seen_count"], rec["downloaded_count"]) == (7, 3)
    # Relaxed filters apply to what comes next; what they left out stays out.
    st, _, rec = service.request("PATCH", f"/api/subscriptions/{rec['id']}", body={
        "title_include": None, "title_exclude": None, "min_duration": None,
        "max_duration": None})
    assert st == 200, rec
    add(name, "later", "Cat video two", 10)
    rec = check_now(service, rec["id"])
    got = sorted(t["url"] for t in tasks_of(service, rec["id"]))
    assert got == sorted(f"{site.base}/video/ch-{i}" for i in ("ok1", "ok2", "ok3", "later"))
    assert (rec["seen_count"], rec["downloaded_count"]) == (8, 4)


def test_live_and_upcoming_entries_wait_unless_skip_live_is_false(service, site):
    name, url = new_channel(site, 0)
    rec = done_checking(service, subscribe(service, url)["id"])
    keep = done_checking(service, subscribe(service, url, skip_live=False)["id"])
    site.add_entry(name, f"{name}-live", live_status="is_live")
    site.add_entry(name, f"{name}-soon", live_status="is_upcoming")
    rec = check_now(service, rec["id"])
    assert tasks_of(service, rec["id"]) == [] and rec["seen_count"] == 0
    keep = check_now(service, keep["id"])
    assert sorted(t["url"] for t in tasks_of(service, keep["id"])) == \
        sorted(entry_url(site, name, s) for s in ("live", "soon"))
    # The stream has ended: it is an entry like any other now.
    for e in site.channels[name]:
        if e["id"] == f"{name}-live":
            e["live_status"] = "was_live"
    rec = check_now(service, rec["id"])
    assert [t["url"] for t in tasks_of(service, rec["id"])] == [entry_url(site, name, "live")]
    keep = check_now(service, keep["id"])
    assert len(tasks_of(service, keep["id"])) == 2


def test_a_failing_source_says_why_and_is_not_hammered(service, site):
    name = "gone" + uuid.uuid4().hex[:8]
    url = f"{site.base}/channel/{name}"      # never published: 404
    rec = done_checking(service, subscribe(service, url)["id"])
    assert rec["state"] == "error"
    assert "404" in rec["last_error"], rec
    # Backed off: not again for minutes, though the worker loops many times a second.
    assert when(rec["next_check_at"]) >= time.time() + 250
    time.sleep(3)
    assert site.channel_requests(name) == 1
    # It comes back: asked for, it is checked once more, and recovers.
    site.channel(name)
    site.add_entry(name, f"{name}-1")
    rec = check_now(service, rec["id"])
    assert (rec["state"], rec["last_error"], rec["seen_count"]) == ("idle", "", 1)
    assert site.channel_requests(name) == 2


def test_disable_stops_checks_and_delete_keeps_the_tasks(service, site):
    name, url = new_channel(site, 1)
    rec = done_checking(service, subscribe(service, url, backlog=1)["id"])
    [task] = tasks_of(service, rec["id"])
    st, _, rec = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                 body={"enabled": False})
    assert st == 200 and rec["enabled"] is False
    site.add_entry(name, f"{name}-2")
    assert service.post(f"/api/subscriptions/{rec['id']}/check")[0] == 409
    time.sleep(2)
    assert site.channel_requests(name) == 1
    assert service.delete(f"/api/subscriptions/{rec['id']}")[0] == 200
    assert service.task(task["id"])["subscription_id"] == rec["id"]


def test_a_slow_listing_never_delays_a_download(service, site):
    name, url = new_channel(site, 1)
    site.channel_delay[name] = 10
    rec = subscribe(service, url)
    wait_until(lambda: sub(service, rec["id"])["state"] == "checking", 20, 0.1,
               "the check to start")
    t0 = time.monotonic()
    t = service.submit(site.page("clip"))
    service.wait_for_status(t["id"], ("downloading", "processing", "completed"), timeout=10)
    assert time.monotonic() - t0 < 5
    assert sub(service, rec["id"])["state"] == "checking"
    rec = done_checking(service, rec["id"])
    assert rec["seen_count"] == 1


def test_check_now_during_a_check_is_followed_by_another_check(service, site):
    """Asked while a check runs, check-now may come after that check's
    listing was read: another check follows it at once, not at the next
    interval."""
    name, url = new_channel(site, 1)
    site.channel_delay[name] = 3
    rec = subscribe(service, url)
    wait_until(lambda: sub(service, rec["id"])["state"] == "checking", 20, 0.1,
               "the check to start")
    wait_until(lambda: site.channel_requests(name) == 1, 20, 0.1, "the listing asked for")
    st, _, body = service.post(f"/api/subscriptions/{rec['id']}/check")
    assert st == 200, body
    site.channel_delay[name] = 0
    wait_until(lambda: site.channel_requests(name) == 2, 30, 0.2, "a second check")
    rec = done_checking(service, rec["id"])
    assert rec["state"] == "idle" and rec["seen_count"] == 1, rec


def test_a_check_that_ends_while_the_database_is_locked_is_written_after(service, site):
    """Another program holds the write lock when the listing ends, longer than
    any busy wait: the check's end must not be lost (a subscription left
    "checking" is never checked again)."""
    name, url = new_channel(site, 3)
    site.channel_delay[name] = 2
    rec = subscribe(service, url, backlog=1)
    wait_until(lambda: sub(service, rec["id"])["state"] == "checking", 20, 0.1,
               "the check to start")
    with service.write_lock():
        # The listing ends 2 to 4 s from now; the lock outlasts a 5 s wait
        # for the record and another for its failure (the old worker's).
        time.sleep(20)
        assert sub(service, rec["id"])["state"] == "checking"
    rec = done_checking(service, rec["id"], timeout=30)
    assert rec["state"] == "error" and rec["last_error"].startswith("database: "), rec
    assert tasks_of(service, rec["id"]) == []
    # Nothing was recorded: the next check finds the entries as a first one.
    rec = check_now(service, rec["id"])
    assert (rec["state"], rec["seen_count"], rec["downloaded_count"]) == ("idle", 3, 1), rec
    assert [t["url"] for t in tasks_of(service, rec["id"])] == [entry_url(site, name, 3)]


def test_a_check_that_ends_after_a_pause_records_nothing(service, site):
    """Paused while its listing is read: the check's entries are neither seen
    nor queued, so after a resume its backlog rule decides, as for a first check."""
    name, url = new_channel(site, 3)
    site.channel_delay[name] = 3
    rec = subscribe(service, url, backlog=1)
    wait_until(lambda: sub(service, rec["id"])["state"] == "checking", 20, 0.1,
               "the check to start")
    st, _, body = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                  body={"enabled": False})
    assert st == 200 and body["enabled"] is False, body
    wait_until(lambda: sub(service, rec["id"])["state"] != "checking", 20, 0.2,
               "the check to end")
    time.sleep(0.5)
    paused = sub(service, rec["id"])
    assert (paused["state"], paused["seen_count"], paused["downloaded_count"]) == \
        ("new", 0, 0), paused
    assert tasks_of(service, rec["id"]) == []
    site.channel_delay[name] = 0
    st, _, body = service.request("PATCH", f"/api/subscriptions/{rec['id']}",
                                  body={"enabled": True})
    assert st == 200, body
    rec = done_checking(service, rec["id"])
    assert (rec["seen_count"], rec["downloaded_count"]) == (3, 1)
    assert [t["url"] for t in tasks_of(service, rec["id"])] == [entry_url(site, name, 3)]
    service.delete(f"/api/subscriptions/{rec['id']}")


def test_a_crash_mid_check_and_a_restart_lose_and_duplicate_nothing(make_service, site):
    svc = make_service()
    name, url = new_channel(site, 4)
    site.channel_delay[name] = 4
    rec = subscribe(svc, url, backlog=2)
    wait_until(lambda: sub(svc, rec["id"])["state"] == "checking", 20, 0.1,
               "the check to start")
    svc.kill_worker()
    assert sub(svc, rec["id"])["state"] == "checking"
    assert tasks_of(svc, rec["id"]) == []
    svc.start_worker()
    svc.wait_healthy()
    rec = done_checking(svc, rec["id"], timeout=60)
    assert (rec["state"], rec["seen_count"], rec["downloaded_count"]) == ("idle", 4, 2)
    got = tasks_of(svc, rec["id"])
    assert sorted(t["url"] for t in got) == sorted(entry_url(site, name, i) for i in (3, 4))
    site.channel_delay[name] = 0
    svc.restart()
    rec = check_now(svc, rec["id"])
    assert (rec["seen_count"], rec["downloaded_count"]) == (4, 2)
    assert len(tasks_of(svc, rec["id"])) == 2


def test_the_tasks_a_check_makes_are_the_subscriptions_keys(make_service, site):
    from test_keys import add_key
    svc = make_service(OFFLINETUBE_AUTH="on")
    alice = {"X-API-Key": add_key(svc, "alice")}
    bob = {"X-API-Key": add_key(svc, "bob")}
    name, url = new_channel(site, 2)
    st, _, rec = svc.post("/api/subscriptions", {"url": url, "backlog": 1}, headers=alice)
    assert st == 200, rec

    def checked():
        r = svc.get(f"/api/subscriptions/{rec['id']}", headers=alice)[2]
        return r if r["state"] == "idle" else None
    assert wait_until(checked, 30, 0.2, "the first check")["downloaded_count"] == 1
    [task] = [t for t in svc.get("/api/downloads", headers=alice)[2]
              if t["subscription_id"] == rec["id"]]
    assert task["url"] == entry_url(site, name, 2)
    assert svc.get("/api/downloads", headers=bob)[2] == []
    assert svc.get(f"/api/downloads/{task['id']}", headers=bob)[0] == 404


@pytest.mark.parametrize("lane", [1, 2])
def test_checks_run_at_most_max_checks_at_once(make_service, site, lane):
    svc = make_service(OFFLINETUBE_MAX_CHECKS=lane)
    subs = []
    for _ in range(3):
        name, url = new_channel(site, 1)
        site.channel_delay[name] = 2
        subs.append(subscribe(svc, url)["id"])
    most = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = [s["state"] for s in svc.get("/api/subscriptions")[2]]
        most = max(most, states.count("checking"))
        if all(s == "idle" for s in states):
            break
        time.sleep(0.1)
    assert all(sub(svc, s)["state"] == "idle" for s in subs)
    assert most == lane
