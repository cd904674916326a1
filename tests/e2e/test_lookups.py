"""test_lookups.py: search, trending and info run yt-dlp in the worker's look-up
lane, are cached, shared between identical askers, and fail loudly."""
import os
import re
import signal
import threading
import time
import urllib.parse
import uuid

import pytest

from harness import ffprobe, job_dirs, proc_cmdline, proc_state, wait_until


def counting(xdg):
    """yt-dlp behind a wrapper that records each run (see tests/fixtures/ytdlp-counting)."""
    return os.path.join(xdg, "ytdlp-counting")


@pytest.fixture(scope="module")
def lsvc(make_service_module, xdg):
    return make_service_module(
        OFFLINETUBE_YTDLP=counting(xdg), OFFLINETUBE_SEARCH_PREFIX="otfixsearch",
        OFFLINETUBE_TRENDING_QUERY="Playlist entry", OFFLINETUBE_LOOKUP_TIMEOUT=20,
        OFFLINETUBE_MAX_DOWNLOADS=1)


def runs(svc, marker):
    """How many times yt-dlp was started with marker in its arguments."""
    try:
        with open(os.path.join(svc.xdg, "runs", "ytdlp-runs.log")) as f:
            return sum(1 for line in f if marker in line)
    except FileNotFoundError:
        return 0


def run_pids(svc, marker):
    """The pids of the runs with marker in their arguments (the wrapper logs
    its own pid, which exec hands on to yt-dlp or sleep)."""
    try:
        with open(os.path.join(svc.xdg, "runs", "ytdlp-pids.log")) as f:
            return [int(line.split(" ", 1)[0]) for line in f if marker in line]
    except FileNotFoundError:
        return []


def search(svc, q, **params):
    qs = urllib.parse.urlencode({"q": q, **params})
    return svc.get("/api/search?" + qs)


ITEM_KEYS = {"id", "title", "url", "thumbnail", "duration", "duration_formatted",
             "uploader", "view_count"}


def test_search_returns_results_with_their_fields(lsvc, site):
    st, _, body = search(lsvc, "Fixture clip")
    assert st == 200, body
    assert body["query"] == "Fixture clip"
    titles = sorted(r["title"] for r in body["results"])
    assert titles == ["Fixture clip", "Fixture clip two"]
    for r in body["results"]:
        assert set(r) >= ITEM_KEYS, r
        assert r["url"].startswith(site.base + "/video/")
        assert r["uploader"] == "OfflineTube fixtures"
        assert r["view_count"] == 42
        assert r["duration"] == 3 and r["duration_formatted"] == "0:03"


def test_search_honours_max_results(lsvc):
    st, _, body = search(lsvc, "Fixture", max_results=2)
    assert st == 200, body
    assert len(body["results"]) == 2
    st, _, body = search(lsvc, "Fixture", max_results=50)
    assert st == 200 and len(body["results"]) > 2


@pytest.mark.parametrize("params, detail", [
    ({"q": "x", "max_results": "0"}, "max_results"),
    ({"q": "x", "max_results": "51"}, "max_results"),
    ({"q": "x", "max_results": "ten"}, "max_results"),
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "a" * 501}, "q"),
])
def test_search_refuses_bad_parameters(lsvc, params, detail):
    st, _, body = lsvc.get("/api/search?" + urllib.parse.urlencode(params))
    assert st == 400, body
    assert body["detail"].startswith(detail + ":"), body


def test_search_with_a_url_lists_that_url(lsvc, site):
    st, _, body = search(lsvc, site.base + "/playlist/three")
    assert st == 200, body
    assert [r["title"] for r in body["results"]] == [
        "Playlist entry one", "Playlist entry two", "Playlist entry three"]
    st, _, body = search(lsvc, site.page("hd"))
    assert st == 200, body
    assert len(body["results"]) == 1
    assert body["results"][0]["title"].startswith("Fixture HD clip")


def test_a_second_identical_search_comes_from_the_cache(lsvc):
    q = f"Fixture clip {uuid.uuid4().hex[:6]}"
    # No fixture matches, which is still an answer: an empty list, cached.
    st, _, first = search(lsvc, q)
    assert st == 200, first
    assert runs(lsvc, q) == 1
    st, _, second = search(lsvc, "  " + q.replace(" ", "   ") + " ")
    assert st == 200 and second["results"] == first["results"]
    assert runs(lsvc, q) == 1, "the cached answer ran yt-dlp again"


def test_a_new_search_prefix_is_not_answered_from_the_old_ones_cache(make_service, xdg):
    """The prefix is part of the question, for search and for trending from a
    query: after a change, both run again, under the new prefix."""
    mark = uuid.uuid4().hex[:6]
    q, tq = f"Fixture clip {mark}", f"Playlist entry {mark}"
    svc = make_service(OFFLINETUBE_YTDLP=counting(xdg), OFFLINETUBE_TRENDING_QUERY=tq)
    for _ in range(2):
        st, _, body = search(svc, q)
        assert (st, body["results"]) == (200, []), body
        st, _, body = svc.get("/api/trending")
        assert (st, body["results"]) == (200, []), body
    assert (runs(svc, q), runs(svc, tq)) == (1, 1)
    svc.env["OFFLINETUBE_SEARCH_PREFIX"] = "otnosuchsearch"
    svc.restart()
    st, _, body = search(svc, q)
    assert st == 502 and "otnosuchsearch20" in body["detail"], body
    st, _, body = svc.get("/api/trending")
    assert st == 502 and "otnosuchsearch20" in body["detail"], body
    assert (runs(svc, q), runs(svc, tq)) == (2, 2)


def lookup_cache_counts(svc):
    """/api/metrics' offlinetube_lookup_cache_total, {result: value}."""
    st, _, body = svc.request("GET", "/api/metrics")
    assert st == 200
    return {m.group(1): float(m.group(2)) for m in re.finditer(
        r'^offlinetube_lookup_cache_total\{result="(\w+)"\} (\S+)$', body.decode(), re.M)}


def test_identical_searches_at_the_same_moment_run_yt_dlp_once(lsvc):
    q = f"otslow {uuid.uuid4().hex[:6]}"
    answers = []
    before = lookup_cache_counts(lsvc)

    def ask():
        answers.append(search(lsvc, q))
    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [200, 200, 200], answers
    assert runs(lsvc, q) == 1
    # One ran yt-dlp, the two others joined it (/api/metrics counts them so).
    after = lookup_cache_counts(lsvc)
    assert {r: after[r] - before.get(r, 0) for r in ("miss", "joined", "hit")} == \
        {"miss": 1, "joined": 2, "hit": 0}


def test_a_lookup_that_hangs_ends_in_504_and_leaves_no_process(make_service, xdg):
    svc = make_service(OFFLINETUBE_YTDLP=counting(xdg), OFFLINETUBE_LOOKUP_TIMEOUT=3)
    q = f"othang {uuid.uuid4().hex[:6]}"
    st, _, body = search(svc, q)
    pids = run_pids(svc, q)
    assert len(pids) == 1, pids
    try:
        assert st == 504, body
        # The run became `sleep 300`: only its pid can tell it is still there.
        wait_until(lambda: proc_state(pids[0]) in (None, "Z", "X"), 3,
                   what="the hung yt-dlp to be stopped")
    finally:
        if proc_state(pids[0]) not in (None, "Z", "X") and \
                proc_cmdline(pids[0])[:1] == ["sleep"]:
            os.kill(pids[0], signal.SIGKILL)
    assert "3 s" in body["detail"], body
    assert not job_dirs(svc.data_dir)


def test_trending_searches_the_trending_query_when_no_url_is_set(lsvc):
    st, _, body = lsvc.get("/api/trending?max_results=2")
    assert st == 200, body
    assert set(body) == {"results"}
    assert [r["title"] for r in body["results"]] == ["Playlist entry one",
                                                     "Playlist entry two"]
    st, _, _ = lsvc.get("/api/trending?max_results=0")
    assert st == 400


def test_trending_lists_the_trending_url(make_service, site):
    svc = make_service(OFFLINETUBE_TRENDING_URL=site.base + "/playlist/three")
    st, _, body = svc.get("/api/trending")
    assert st == 200, body
    assert [r["title"] for r in body["results"]] == [
        "Playlist entry one", "Playlist entry two", "Playlist entry three"]


def test_info_lists_formats_best_first_and_one_downloads(lsvc, site):
    st, _, info = lsvc.post("/api/info", {"url": site.page("two")})
    assert st == 200, info
    for k in ("id", "title", "description", "thumbnail", "duration", "duration_formatted",
              "uploader", "view_count", "url", "formats"):
        assert k in info, k
    assert info["title"].startswith("Fixture two qualities")
    heights = [f["height"] for f in info["formats"]]
    assert heights == sorted(heights, reverse=True) and heights[0] == 720, info["formats"]
    ids = [f["format_id"] for f in info["formats"]]
    assert len(ids) == len(set(ids))
    for f in info["formats"]:
        for k in ("format_id", "format_note", "ext", "protocol", "width", "height", "fps",
                  "filesize", "filesize_formatted", "vcodec", "acodec", "has_audio",
                  "has_video", "resolution"):
            assert k in f, (k, f)
    small = info["formats"][-1]
    st, _, t = lsvc.post("/api/download", {"url": site.page("two"),
                                          "format_id": small["format_id"]})
    assert st == 200, t
    t = lsvc.wait_for_status(t["id"], "completed")
    v = [s for s in ffprobe(lsvc.path_of(t))["streams"] if s["codec_type"] == "video"]
    assert v and v[0]["height"] == 360


def test_info_orders_formats_by_kind_then_quality(lsvc, site):
    """Video with audio, then video only, then audio only; each best first (by
    height, audio by bitrate), with the values the fixture declares
    (fixture_site.FORMATS["mixed"]).  yt-dlp lists them worst first, and makes
    the repeated "audio" id audio-0 (64k) and audio-1 (128k)."""
    st, _, info = lsvc.post("/api/info", {"url": site.base + "/formats/mixed"})
    assert st == 200, info
    assert info["title"] == "Fixture mixed formats"
    mp4a, avc = "mp4a.40.2", "avc1.42c01e"
    want = [
        # format_id, ext, width, height, vcodec, acodec, has_audio, has_video,
        # resolution, filesize, filesize_formatted
        ("720", "mp4", 1280, 720, "avc1.64001f", mp4a, True, True, "1280x720",
         3145728, "3.0 MB"),
        ("360", "mp4", 640, 360, avc, mp4a, True, True, "640x360", None, None),
        ("v480", "mp4", 854, 480, avc, "none", False, True, "854x480",
         2097152, "2.0 MB"),
        ("audio-1", "m4a", None, None, "none", mp4a, True, False, "audio only",
         524288, "512.0 KB"),
        ("audio-0", "m4a", None, None, "none", mp4a, True, False, "audio only",
         262144, "256.0 KB"),
    ]
    keys = ("format_id", "ext", "width", "height", "vcodec", "acodec", "has_audio",
            "has_video", "resolution", "filesize", "filesize_formatted")
    assert [tuple(f[k] for k in keys) for f in info["formats"]] == want
    ids = [f["format_id"] for f in info["formats"]]
    assert len(ids) == len(set(ids))


def test_info_of_a_failing_page_is_502_with_the_reason(lsvc, site):
    st, _, body = lsvc.post("/api/info", {"url": site.base + "/video/missing-page"})
    assert st == 502, body
    assert "404" in body["detail"], body


@pytest.mark.parametrize("body, status", [
    ({}, 400), ({"url": "file:///etc/passwd"}, 400), ({"url": "-x"}, 400),
    ("not json", 400),
])
def test_info_validates_its_body(lsvc, body, status):
    st, _, answer = lsvc.post("/api/info", body,
                              headers={"Content-Type": "application/json"})
    assert st == status, answer
    assert answer["detail"]


def test_searches_are_answered_while_downloads_fill_every_slot(lsvc, site):
    # OFFLINETUBE_MAX_DOWNLOADS=1: one slow download runs, another waits.
    a = lsvc.submit(site.base + "/video/slow-lane-a")
    b = lsvc.submit(site.base + "/video/slow-lane-b")
    lsvc.wait_for_status(a["id"], "downloading")
    st, _, body = search(lsvc, f"Fixture HD {uuid.uuid4().hex[:4]}")
    assert st == 200, body
    st, _, body = lsvc.post("/api/info", {"url": site.page("clip")})
    assert st == 200, body
    assert lsvc.task(a["id"])["status"] == "downloading"
    assert lsvc.task(b["id"])["status"] == "pending"
    lsvc.delete(f"/api/downloads/{a['id']}/remove")
    lsvc.delete(f"/api/downloads/{b['id']}/remove")


def test_lookups_answer_503_when_the_worker_is_not_running(make_service):
    svc = make_service()
    svc.stop_worker()
    # The heartbeat ages out after 15 s; a stopped worker clears it at once
    # and lets go of its lock (test_lookups_start.py: the API's own first
    # seconds and a starting worker).
    st, _, body = search(svc, f"anything {uuid.uuid4().hex[:4]}")
    assert st == 503, body


def test_slow_lookups_leave_threads_for_the_task_routes(make_service, xdg, site):
    """Eight distinct searches that hang, against 6 API threads: (6 - 1) / 2 = 2
    of them wait on look-ups, the others get 503 with Retry-After at once, and
    the task routes (list, create, cancel) answer meanwhile."""
    svc = make_service(OFFLINETUBE_YTDLP=counting(xdg), OFFLINETUBE_API_THREADS=6,
                       OFFLINETUBE_LOOKUP_TIMEOUT=10, OFFLINETUBE_MAX_LOOKUPS=4)
    mark = uuid.uuid4().hex[:6]
    answers, lock = [], threading.Lock()

    def ask(i):
        t0 = time.monotonic()
        st, h, body = search(svc, f"othang {mark} {i}")
        with lock:
            answers.append((st, h.get("Retry-After"), body, time.monotonic() - t0))
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    try:
        # Searches are hanging in yt-dlp: their threads wait.
        wait_until(lambda: len(run_pids(svc, mark)) >= 2, 10, 0.05, "two hung searches")
        time.sleep(0.5)
        for what, call in (
                ("list", lambda: svc.get("/api/downloads")),
                ("create", lambda: svc.post("/api/download", {"url": site.page("slow-seat")})),
                ("health", lambda: svc.get("/api/health"))):
            t0 = time.monotonic()
            st, _, body = call()
            took = time.monotonic() - t0
            assert st == 200 and took < 2, (what, st, took, body)
            if what == "create":
                t0 = time.monotonic()
                st, _, body = svc.delete(f"/api/downloads/{body['id']}")
                assert st == 200 and time.monotonic() - t0 < 2, (st, body)
    finally:
        for t in threads:
            t.join(30)
    refused = [a for a in answers if a[0] == 503]
    assert len(refused) == 6, [(a[0], a[2]) for a in answers]
    for st, retry, body, took in refused:
        assert retry == "5" and took < 2, (retry, took)
        assert body["detail"] == ("Too many look-ups are waiting for the worker "
                                  "(limit 2 at once); try again in a few seconds"), body
    assert sorted(a[0] for a in answers if a[0] != 503) == [504, 504], answers
    assert len(run_pids(svc, mark)) == 2, "a refused search reached yt-dlp"
    # A seat is given back with its answer: a search runs again.
    st, _, body = search(svc, "Fixture clip")
    assert st == 200, body
