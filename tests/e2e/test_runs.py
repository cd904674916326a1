"""test_runs.py: what each kind of URL costs in yt-dlp runs, counted through a wrapper.

A video is one run: the same run that downloads it would have listed a playlist.
A playlist is one listing run plus one run per entry.  A page of several whole
videos (which yt-dlp would download all into one task) is stopped, listed with
-J, and still becomes one task per video.
"""
import os
import uuid

import pytest

from harness import wait_until


@pytest.fixture(scope="module")
def rsvc(make_service_module, xdg):
    return make_service_module(OFFLINETUBE_YTDLP=os.path.join(xdg, "ytdlp-counting"),
                               OFFLINETUBE_MAX_DOWNLOADS=1)


def run_lines(svc, marker):
    """The argument lists of the yt-dlp runs that named marker."""
    try:
        with open(os.path.join(svc.xdg, "runs", "ytdlp-runs.log")) as f:
            return [line for line in f if marker in line]
    except FileNotFoundError:
        return []


def members(svc, first_id, n):
    """The n tasks of first_id's playlist once all are completed, in order."""
    t = svc.task(first_id)
    pid = t.get("playlist_id")
    if not pid:
        assert t["status"] not in ("error", "cancelled"), t
        return None
    ms = [x for x in svc.tasks() if x.get("playlist_id") == pid]
    bad = [x for x in ms if x["status"] in ("error", "cancelled")]
    assert not bad, bad
    if len(ms) == n and all(x["status"] == "completed" for x in ms):
        return sorted(ms, key=lambda x: x["playlist_index"])
    return None


def test_a_video_is_downloaded_by_a_single_yt_dlp_run(rsvc, site):
    url = site.page(f"slow-one-run-{uuid.uuid4().hex[:8]}")
    t = rsvc.submit(url)
    # The title and the remote thumbnail reach the row while it downloads.
    running = wait_until(lambda: (lambda c: c if c["title"] else None)(rsvc.task(t["id"])),
                         30, 0.1, "a title while downloading")
    assert running["status"] in ("downloading", "processing", "completed"), running
    assert running["title"].startswith("Fixture slow clip"), running
    assert running["thumbnail"] in (f"{site.base}/media/thumb.jpg",
                                    f"/api/thumbnails/{t['id']}"), running
    done = rsvc.wait_for_status(t["id"], "completed", 60)
    lines = run_lines(rsvc, url)
    assert len(lines) == 1, lines
    assert "-J" not in lines[0].split(), lines
    assert done["filename"].startswith("Fixture slow clip") and not done["is_playlist"]
    assert not rsvc.leftovers()


def test_a_playlist_is_listed_once_then_one_run_per_entry(rsvc, site):
    url = f"{site.base}/playlist/three?run={uuid.uuid4().hex[:8]}"
    first = rsvc.submit(url)
    ms = wait_until(lambda: members(rsvc, first["id"], 3), 90, 0.3, "three completed tasks")
    assert [x["playlist_index"] for x in ms] == [1, 2, 3]
    assert ms[0]["id"] == first["id"] and ms[0]["url"] == url
    assert [x["title"].split(" (")[0] for x in ms] == \
        ["Playlist entry one", "Playlist entry two", "Playlist entry three"]
    # The listing never downloads: the playlist's URL is one run, each entry one more.
    assert len(run_lines(rsvc, url)) == 1, run_lines(rsvc, url)
    for n in ("pl1", "pl2", "pl3"):
        assert len(run_lines(rsvc, f"/video/{n}")) >= 1, n
    assert not rsvc.leftovers()


def test_a_page_of_several_videos_becomes_one_task_per_video(rsvc, site):
    url = f"{site.base}/multi/pair?run={uuid.uuid4().hex[:8]}"
    first = rsvc.submit(url)
    ms = wait_until(lambda: members(rsvc, first["id"], 2), 90, 0.3, "two completed tasks")
    assert ms[0]["id"] == first["id"]
    assert all(x["is_playlist"] and x["playlist_total"] == 2 for x in ms), ms
    # Each task holds one video: the two files are the page's two sources.
    for x, src in zip(ms, ("v360.mp4", "v360b.mp4")):
        with open(rsvc.path_of(x), "rb") as a, open(site.media_path(src), "rb") as b:
            assert a.read() == b.read(), (x["filename"], src)
    # The download run was stopped at the first whole video, then the page listed.
    lines = run_lines(rsvc, url)
    assert len(lines) == 2 and "-J" in lines[1].split(), lines
    assert not rsvc.leftovers()
    assert len(os.listdir(os.path.join(rsvc.data_dir, "downloads"))) >= 2
