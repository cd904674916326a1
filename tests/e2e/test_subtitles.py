"""test_subtitles.py: the subtitles field, from the request to WebVTT files
served by nginx beside the media, their links, their removal and their
reconciliation at start."""
import os
import shutil
import time
import urllib.parse
import uuid
import filecmp

from fixture_site import SUBTITLES
from harness import raw_request as raw, wait_until
from test_keys import add_key
from test_orphans import (PG_NO_SCAN, plant, sync_gate, wait_running,
                          worker_log_since_last_start)

NOT_FOUND = {"detail": "Subtítulos no encontrados"}
VTT = "text/vtt; charset=utf-8"


def subtitle_files(svc, tid=None):
    d = os.path.join(svc.data_dir, "subtitles")
    return sorted(n for n in os.listdir(d) if tid is None or n.startswith(tid))


def link(tid, lang):
    return {"lang": lang, "url": f"/api/subtitles/{tid}/{lang}"}


def test_asked_en_only_en_is_stored_and_served_as_webvtt(service, site):
    done = service.download(site.page("subs"), subtitles=["en"])
    tid = done["id"]
    assert done["subtitle_langs"] == ["en"]
    assert done["subtitles"] == [link(tid, "en")]
    assert subtitle_files(service, tid) == [f"{tid}.en.vtt"]
    st, h, body = service.get(done["subtitles"][0]["url"])
    assert (st, h["Content-Type"]) == (200, VTT), body
    assert body == SUBTITLES["subs-en.vtt"].encode()
    assert h["X-Content-Type-Options"] == "nosniff"
    # Only what is stored, spelled as stored: es was there to take, not asked.
    for lang in ("es", "EN", "en.vtt", "..", "x" * 300):
        assert service.get(f"/api/subtitles/{tid}/{lang}")[::2] == (404, NOT_FOUND), lang
    # Beside the media, never in it: the file is still the site's.
    assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)
    # The list carries the same record.
    listed = [t for t in service.tasks() if t["id"] == tid]
    assert listed == [done]
    # A page of an allowed origin (a front end on localhost) may read it, as
    # it may the other media; HEAD and Range are nginx's.
    st, h, _ = service.get(done["subtitles"][0]["url"],
                           headers={"Origin": "http://localhost:5173"})
    assert (st, h["Access-Control-Allow-Origin"]) == (200, "http://localhost:5173")
    st, h, body = service.get(done["subtitles"][0]["url"], headers={"Range": "bytes=0-5"})
    assert (st, body) == (206, b"WEBVTT")
    st, h, _ = service.request("HEAD", done["subtitles"][0]["url"])
    assert (st, h["Content-Type"]) == (200, VTT)


def test_each_language_asked_in_its_order_a_subrip_track_converted(service, site):
    done = service.download(site.page("subs"), subtitles=["es", "en"])
    tid = done["id"]
    assert done["subtitles"] == [link(tid, "es"), link(tid, "en")]
    st, h, body = service.get(f"/api/subtitles/{tid}/es")
    assert (st, h["Content-Type"]) == (200, VTT)
    assert body.startswith(b"WEBVTT") and b"Hola desde el fixture" in body, body


def test_a_language_the_video_lacks_is_no_error(service, site):
    done = service.download(site.page("subs"), subtitles=["fr", "de"])
    assert (done["subtitle_langs"], done["subtitles"]) == (["fr", "de"], [])
    assert done["error_message"] == ""
    assert subtitle_files(service, done["id"]) == []
    assert service.get(f"/api/subtitles/{done['id']}/fr")[::2] == (404, NOT_FOUND)
    # Nor asking for none, nor a page without any.
    plain = service.download(site.page("clip"), subtitles=["en"])
    assert plain["subtitles"] == []
    plain = service.download(site.page("clip2"))
    assert (plain["subtitle_langs"], plain["subtitles"]) == ([], [])


def test_automatic_captions_only_where_no_uploaded_subtitles(service, site):
    """/formats/autocaps has en as automatic captions only, es both uploaded
    and automatic: en falls back to the captions, es is the uploaded track."""
    done = service.download(f"{site.base}/formats/autocaps", subtitles=["en", "es"])
    tid = done["id"]
    assert done["subtitles"] == [link(tid, "en"), link(tid, "es")]
    assert service.get(f"/api/subtitles/{tid}/en")[2] == SUBTITLES["auto-en.vtt"].encode()
    assert service.get(f"/api/subtitles/{tid}/es")[2] == SUBTITLES["up-es.vtt"].encode()


def test_subtitles_the_site_refuses_never_fail_the_download(service, site):
    """yt-dlp gives up a whole download when one subtitles file cannot be
    fetched (a 404 here; YouTube's 429 on captions): the worker runs it again
    without that language."""
    log_from = len(service.log("worker"))
    done = service.download(site.page("subsbroken"), subtitles=["es", "en"])
    assert done["error_message"] == ""
    assert done["subtitles"] == [link(done["id"], "en")]
    assert service.get(done["subtitles"][0]["url"])[2] == SUBTITLES["subs-en.vtt"].encode()
    assert f"{done['id']}: the es subtitles cannot be downloaded: downloading without them" \
        in service.log("worker")[log_from:], service.logs_tail()
    assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)


def test_a_retried_task_keeps_its_languages_and_stores_them(service, site):
    t = service.submit(f"{site.base}/video/broken-subs", subtitles=["en"])
    failed = service.wait_for_status(t["id"], "error")
    assert (failed["subtitle_langs"], failed["subtitles"]) == (["en"], [])
    site.fixed.add("subs")
    st, _, body = service.post(f"/api/downloads/{t['id']}/retry")
    assert st == 200 and body["subtitle_langs"] == ["en"], body
    done = service.wait_for_status(t["id"], "completed")
    assert done["subtitles"] == [link(t["id"], "en")]


def test_a_playlists_entries_take_the_languages(service, site):
    first = service.submit(f"{site.base}/playlist/three", subtitles=["en"])
    service.wait_for_status(first["id"], "completed")
    entries = [t for t in service.tasks() if t["playlist_id"] and
               t["playlist_id"] == service.task(first["id"])["playlist_id"]]
    assert len(entries) == 3
    assert all(t["subtitle_langs"] == ["en"] for t in entries), entries


def test_removed_with_the_task(service, site):
    done = service.download(site.page("subs"), subtitles=["en", "es"])
    tid = done["id"]
    assert len(subtitle_files(service, tid)) == 2
    assert service.delete(f"/api/downloads/{tid}/remove")[0] == 200
    assert subtitle_files(service, tid) == []
    for s in done["subtitles"]:
        assert service.get(s["url"])[::2] == (404, NOT_FOUND)


def test_bad_subtitles_are_400_naming_the_field(service, site):
    before = len(service.tasks())
    for value, detail in (
            ("en", "subtitles: must be an array of language codes, e.g. [\"en\", \"es\"]"),
            ({"en": True}, "subtitles: must be an array of language codes, e.g. [\"en\", \"es\"]"),
            ([f"l{i}" for i in range(9)], "subtitles: at most 8 languages"),
            (["e"], "subtitles: each must be a language code of 2 to 16 characters "
                    "from A-Z a-z 0-9 -"),
            (["en", 1], "subtitles: each must be a language code of 2 to 16 characters "
                        "from A-Z a-z 0-9 -"),
            (["../../etc/passwd"], "subtitles: each must be a language code of 2 to 16 "
                                   "characters from A-Z a-z 0-9 -"),
            (["en.*"], "subtitles: each must be a language code of 2 to 16 characters "
                       "from A-Z a-z 0-9 -"),
            (["en", "es", "EN"], "subtitles: \"EN\" is listed twice")):
        st, _, body = service.post("/api/download", {"url": site.page("subs"),
                                                     "subtitles": value})
        assert (st, body) == (400, {"detail": detail}), value
    assert len(service.tasks()) == before
    # A path nginx refuses itself is a missing file too.
    st, _, body = raw(service, f"/api/subtitles/{uuid.uuid4()}/e%00n")
    assert st == 404 and b"Subt\xc3\xadtulos no encontrados" in body, body


def test_keys_another_keys_task_has_none_and_the_signed_link_opens_it(make_service, site):
    svc = make_service(OFFLINETUBE_AUTH="on")
    alice, bob = add_key(svc, "alice"), add_key(svc, "bob")
    st, _, t = svc.post("/api/download", {"url": site.page("subs"), "subtitles": ["en"]},
                        headers={"X-API-Key": alice})
    assert st == 200, t
    t = wait_until(lambda: (lambda x: x if x["status"] == "completed" else None)(
        svc.get(f"/api/downloads/{t['id']}", headers={"X-API-Key": alice})[2]), 60,
        what="the download")
    plain = f"/api/subtitles/{t['id']}/en"
    [sub] = t["subtitles"]
    assert sub["lang"] == "en" and sub["url"].startswith(plain + "?exp="), sub
    assert "&kid=" in sub["url"] and "&sig=" in sub["url"], sub
    # The signed link needs no header: what <track src> does.
    st, h, body = raw(svc, sub["url"])
    assert (st, h["Content-Type"], body) == (200, VTT, SUBTITLES["subs-en.vtt"].encode())
    assert svc.get(plain, headers={"X-API-Key": alice})[0] == 200
    assert svc.get(plain, headers={"X-API-Key": bob})[::2] == (404, NOT_FOUND)
    assert svc.get(plain)[0] == 401
    path, _, q = sub["url"].partition("?")
    params = dict(urllib.parse.parse_qsl(q))
    # The link is for this language of this task only.
    assert raw(svc, f"{path[:-2]}es?{q}")[0] == 403
    bad = params["sig"][:-1] + ("A" if params["sig"][-1] != "A" else "B")
    assert raw(svc, f"{path}?exp={params['exp']}&kid={params['kid']}&sig={bad}")[0] == 403


@PG_NO_SCAN
def test_start_removes_subtitle_files_no_completed_row_stores(make_service, site):
    svc = make_service()
    done = svc.download(site.page("subs"), subtitles=["en"])
    failed = svc.wait_for_status(svc.submit(f"{site.base}/missing",
                                            subtitles=["en"])["id"], "error")
    svc.stop_worker()
    subs = os.path.join(svc.data_dir, "subtitles")
    stranger = str(uuid.uuid4())
    gone = {
        f"{done['id']}.es.vtt": "its task stored no es subtitles",
        f"{done['id']}.EN.vtt": "its task stored no EN subtitles",
        f"{failed['id']}.en.vtt": "its task is error",
        f"{stranger}.en.vtt": "no task has this id",
    }
    for n in gone:
        plant(subs, n)
    own = os.path.join(subs, f"{done['id']}.en.vtt")
    kept = [own,
            plant(subs, f"{uuid.uuid4()}.en.vtt", mtime=time.time() - 3 * 365 * 86400),
            plant(subs, "notes.en.vtt"), plant(subs, f"{done['id']}.en.srt"),
            plant(subs, f"{done['id']}.en.vtt.part")]
    svc.start_worker()
    wait_running(svc)
    log = worker_log_since_last_start(svc)
    for n, why in gone.items():
        assert not os.path.lexists(os.path.join(subs, n)), n
        assert f"removed {subs}/{n}: {why}" in log, (n, log)
    assert [p for p in kept if not os.path.lexists(p)] == []
    assert svc.get(f"/api/subtitles/{done['id']}/en")[0] == 200


def test_a_run_killed_before_its_completion_is_completed_with_its_subtitles(make_service,
                                                                            site):
    """As test_orphans' re-attach, with subtitles: the worker is killed after it
    moved the files into place and before the completion was written; the next
    start completes the row with the media and the subtitles it finds."""
    gate = sync_gate()
    try:
        svc = make_service(PATH=f"{gate}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        t = svc.submit(site.page("subs"), subtitles=["en", "es", "fr"])
        wait_until(lambda: os.path.exists(os.path.join(gate, "started")), 60, 0.05,
                   "the finished files being synced")
        assert subtitle_files(svc, t["id"]) == [], "named only once on the disk"
        with svc.write_lock():
            with open(os.path.join(gate, "go"), "w"):
                pass
            wait_until(lambda: len(subtitle_files(svc, t["id"])) == 2, 20, 0.01,
                       "the subtitles moved into subtitles/")
            time.sleep(0.2)
            svc.kill_worker()
        assert svc.task(t["id"])["status"] in ("downloading", "processing")
        svc.start_worker()
        wait_running(svc)
        done = svc.wait_for_status(t["id"], "completed", 10)
        assert f"{t['id']}: claimed" not in worker_log_since_last_start(svc)
        assert sorted(s["lang"] for s in done["subtitles"]) == ["en", "es"]
        for s in done["subtitles"]:
            assert svc.get(s["url"])[0] == 200
        assert svc.leftovers() == []
    finally:
        shutil.rmtree(gate, ignore_errors=True)
