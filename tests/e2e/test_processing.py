"""test_processing.py: the FFmpeg phase: the `processing` state, cancel while FFmpeg
runs, and FFmpeg left running by a worker killed with SIGKILL.

FFmpeg is given to the service as a wrapper that makes every FFmpeg step (a run
with an input file) last two seconds longer, so the phase can be seen and
interrupted; yt-dlp finds ffprobe beside it."""
import os
import time

import pytest

from harness import FFMPEG, FFPROBE, ffprobe, job_procs, wait_until

ORDER = ["pending", "downloading", "processing", "completed"]


def ffmpeg_wrapper(xdg, delay):
    """A directory with ffmpeg (slower by delay seconds per step) and ffprobe."""
    d = os.path.join(xdg, f"slow-ffmpeg-{delay}")
    os.makedirs(d, exist_ok=True)
    for name, real, wait in (("ffmpeg", FFMPEG, delay), ("ffprobe", FFPROBE, 0)):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n"
                    f'case " $* " in *" -i "*) sleep {wait} ;; esac\n'
                    f'exec {real} "$@"\n')
        os.chmod(path, 0o755)
    os.chmod(d, 0o755)
    return os.path.join(d, "ffmpeg")


@pytest.fixture(scope="module")
def slow_ffmpeg(xdg):
    return ffmpeg_wrapper(xdg, 2)


def statuses_until(svc, tid, final, timeout=60):
    seen = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1] != final:
        assert time.monotonic() < deadline, f"not {final} in {timeout}s: {seen}"
        st = svc.task(tid)["status"]
        assert st in ORDER, (st, svc.task(tid))
        if not seen or seen[-1] != st:
            seen.append(st)
        time.sleep(0.05)
    return seen


def test_audio_extraction_goes_through_processing_to_an_audio_only_file(
        make_service, site, slow_ffmpeg):
    svc = make_service(OFFLINETUBE_FFMPEG=slow_ffmpeg)
    t = svc.submit(site.page("clip"), download_type="audio", audio_format="mp3")
    seen = statuses_until(svc, t["id"], "completed")
    assert "processing" in seen, seen
    assert [ORDER.index(s) for s in seen] == sorted(ORDER.index(s) for s in seen), seen
    done = svc.task(t["id"])
    assert done["filename"].endswith(".mp3"), done
    streams = ffprobe(svc.path_of(done))["streams"]
    assert [s["codec_type"] for s in streams] == ["audio"], streams


def test_cancel_while_ffmpeg_runs_stops_it_within_a_second(make_service, site, slow_ffmpeg):
    svc = make_service(OFFLINETUBE_FFMPEG=slow_ffmpeg)
    t = svc.submit(site.page("clip"), download_type="audio", audio_format="mp3")
    wait_until(lambda: svc.task(t["id"])["status"] == "processing", 30, 0.05, "processing")
    assert job_procs(svc.data_dir), "no FFmpeg step running"
    st, _, body = svc.delete(f"/api/downloads/{t['id']}")
    assert (st, body) == (200, {"message": "Descarga cancelada"})
    try:
        wait_until(lambda: not job_procs(svc.data_dir), 1.0, 0.05)
    except AssertionError:
        raise AssertionError(f"still running 1 s after cancel: {job_procs(svc.data_dir)}")
    time.sleep(0.3)
    assert svc.task(t["id"])["status"] == "cancelled"
    assert svc.leftovers() == []
    assert not [f for f in os.listdir(os.path.join(svc.data_dir, "downloads"))
                if t["id"] in f]


def test_ffmpeg_left_running_by_a_killed_worker_is_stopped_by_the_next(
        make_service, site, xdg):
    # Its FFmpeg step would outlast the test: only the next worker can end it.
    svc = make_service(OFFLINETUBE_FFMPEG=ffmpeg_wrapper(xdg, 60))
    t = svc.submit(site.page("clip"), download_type="audio", audio_format="mp3")
    wait_until(lambda: any(a[:1] == ["sleep"] for _, a in job_procs(svc.data_dir)),
               30, 0.02, "an FFmpeg step running")
    svc.kill_worker()
    # The kernel stops yt-dlp with its worker; what yt-dlp started goes on.
    time.sleep(0.2)
    orphans = {p for p, _ in job_procs(svc.data_dir)}
    assert orphans, "the FFmpeg step did not outlive the worker: nothing to prove"
    svc.start_worker()
    try:
        wait_until(lambda: not orphans & {p for p, _ in job_procs(svc.data_dir)},
                   3, 0.05)
    except AssertionError:
        raise AssertionError(f"orphans still running: {job_procs(svc.data_dir)}\n"
                             + svc.logs_tail()) from None
    # The task is queued again; its rerun meets the same slow FFmpeg: cancel it.
    wait_until(lambda: svc.task(t["id"])["status"] != "pending", 10, 0.05, "the rerun")
    assert svc.delete(f"/api/downloads/{t['id']}")[0] == 200
    wait_until(lambda: not job_procs(svc.data_dir), 5, 0.1, "no job processes")
    assert svc.leftovers() == []
