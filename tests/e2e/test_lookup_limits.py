"""test_lookup_limits.py: what one look-up may cost the worker, in time and in
memory, and what a noisy or vanished run leaves of its reason.

yt-dlp is tests/fixtures/yt-dlp-standin here: a marker in the URL makes it
print a huge answer, hang, or fill its stderr (see the script)."""
import os
import shutil
import threading
import time
import uuid

import pytest

from harness import fixture_site, job_dirs, job_procs, proc_state, wait_until


@pytest.fixture(scope="module")
def standin(xdg):
    """The stand-in, copied where the programs' user can run it."""
    path = os.path.join(xdg, "yt-dlp-standin")
    shutil.copy(os.path.join(fixture_site.HERE, "yt-dlp-standin"), path)
    os.chmod(path, 0o755)
    return path


def started(svc, marker):
    """The pids of the stand-in's runs with marker in their arguments."""
    try:
        with open(os.path.join(svc.xdg, "runs", "standin.log")) as f:
            return [int(line.split(" ", 1)[0]) for line in f if marker in line]
    except FileNotFoundError:
        return []


def marked(svc, pid, what):
    """When the run pid marked what (time.time()), or None."""
    try:
        with open(os.path.join(svc.xdg, "runs", "standin-marks.log")) as f:
            for line in f:
                p, t, w = line.rstrip("\n").split(" ", 2)
                if int(p) == pid and w == what:
                    return float(t)
    except FileNotFoundError:
        pass
    return None


def gone(pid):
    return proc_state(pid) in (None, "Z", "X")


def info_async(svc, url, out):
    """POST /api/info in a thread; its (status, body) lands in out."""
    def ask():
        st, _, body = svc.post("/api/info", {"url": url}, timeout=60)
        out.append((st, body))
    t = threading.Thread(target=ask, daemon=True)
    t.start()
    return t


def test_a_cancel_is_not_held_up_by_a_lookup_of_22000_formats(make_service, standin):
    """The worker's one loop also reads every download and hears every cancel.
    Formats were made unique by comparing each with every one kept: a manifest
    of 22,000 variants held the loop for minutes; now its answer is ready in
    well under a second and a cancel meanwhile takes effect at once."""
    svc = make_service(OFFLINETUBE_YTDLP=standin, OFFLINETUBE_LOOKUP_TIMEOUT=50)
    tag = uuid.uuid4().hex[:6]
    t = svc.submit(f"{svc.site.base}/video/othang-{tag}")
    svc.wait_for_status(t["id"], "downloading")
    wait_until(lambda: started(svc, f"othang-{tag}"), 10, what="the download's run")
    dl = started(svc, f"othang-{tag}")[0]

    out = []
    asker = info_async(svc, f"{svc.site.base}/video/otformats-22000-{tag}", out)
    wait_until(lambda: started(svc, f"otformats-22000-{tag}"), 10, what="the look-up's run")
    lk = started(svc, f"otformats-22000-{tag}")[0]
    wait_until(lambda: marked(svc, lk, "printed formats"), 20, 0.02,
               what="the stand-in to print its answer")
    # The answer is in; the old loop was now busy with it.
    time.sleep(0.2)
    t0 = time.monotonic()
    st, _, body = svc.delete(f"/api/downloads/{t['id']}")
    assert st == 200, body
    try:
        wait_until(lambda: gone(dl), 10, 0.01, what="the cancelled download to stop")
    finally:
        if not gone(dl):
            os.kill(dl, 9)
    took = time.monotonic() - t0
    asker.join(60)
    assert took < 1.0, f"the cancel took {took:.2f} s"
    assert out and out[0][0] == 200, out
    formats = out[0][1]["formats"]
    assert len(formats) == 1000, len(formats)
    # Best first: the highest variant, then by bitrate within a height.
    assert formats[0]["height"] == 1143 and formats[0]["format_id"] == "hls-21999"


def test_an_answer_over_4_mib_is_a_502_that_says_so(make_service, standin):
    svc = make_service(OFFLINETUBE_YTDLP=standin)
    st, _, body = svc.post("/api/info",
                           {"url": f"{svc.site.base}/video/otbytes-5000000-{uuid.uuid4().hex[:6]}"})
    assert st == 502, body
    assert body["detail"] == "yt-dlp's answer was larger than 4 MiB"
    # Just under the bound is an answer.
    st, _, body = svc.post("/api/info",
                           {"url": f"{svc.site.base}/video/otbytes-4000000-{uuid.uuid4().hex[:6]}"})
    assert st == 200, body
    assert body["id"] == "big"
    # The row is answered first, then the run's directory removed.
    wait_until(lambda: not job_dirs(svc.data_dir), 5,
               what="the look-ups' directories to go")


def test_lookups_past_the_lanes_16_mib_fail_one_with_a_502(make_service, standin):
    """Five look-ups of 3.5 MiB each, all held at once: the one that takes the
    lane past 16 MiB is stopped and says why; the other four are answered.
    16 API threads let seven look-ups wait at once ((16 - 1) / 2), so none
    of the five is turned away before it reaches the worker."""
    svc = make_service(OFFLINETUBE_YTDLP=standin, OFFLINETUBE_MAX_LOOKUPS=5,
                       OFFLINETUBE_API_THREADS=16)
    tag = uuid.uuid4().hex[:6]
    out, askers = [], []
    for i in range(5):
        askers.append(info_async(svc, f"{svc.site.base}/video/othold-3670000-{tag}-{i}", out))
    for a in askers:
        a.join(60)
    codes = sorted(st for st, _ in out)
    assert codes == [200, 200, 200, 200, 502], out
    detail = [b for st, b in out if st == 502][0]["detail"]
    assert detail == ("The worker is already reading 16 MiB of look-up answers; "
                      "try again shortly")
    wait_until(lambda: not job_procs(svc.data_dir), 10, what="the runs to end")


def test_a_lookup_whose_row_is_gone_is_stopped_and_the_worker_lives(make_service, standin):
    """A row deleted (or pruned) while the worker runs its look-up: the worker
    had freed and read a struct the store left unfilled, and crashed."""
    svc = make_service(OFFLINETUBE_YTDLP=standin, OFFLINETUBE_LOOKUP_TIMEOUT=50)
    worker = svc.procs["worker"].pid
    tag = uuid.uuid4().hex[:6]
    out = []
    asker = info_async(svc, f"{svc.site.base}/video/othang-{tag}", out)
    wait_until(lambda: started(svc, f"othang-{tag}"), 10, what="the look-up's run")
    run = started(svc, f"othang-{tag}")[0]
    _, n = svc.sql("DELETE FROM lookups WHERE status = 'running'")
    assert n == 1
    try:
        wait_until(lambda: gone(run), 5, 0.05, what="the look-up's run to be stopped")
    finally:
        if not gone(run):
            os.kill(run, 9)
    asker.join(30)
    assert out and out[0][0] == 502, out
    assert out[0][1]["detail"] == "The look-up failed"
    # Alive, the same process, and still answering.
    assert svc.procs["worker"].poll() is None and svc.procs["worker"].pid == worker
    st, _, body = svc.post("/api/info", {"url": f"{svc.site.base}/video/otbytes-10-{tag}"})
    assert st == 200, body
    assert not svc.sanitizer_reports()


@pytest.mark.parametrize("what", ["download", "look-up"])
def test_a_noisy_yt_dlp_keeps_its_reason(make_service, standin, what):
    """40 KB of warnings, then the ERROR: line, in one read: the whole tail
    was dropped and the reason became "yt-dlp exited with status 1"."""
    svc = make_service(OFFLINETUBE_YTDLP=standin)
    url = f"{svc.site.base}/video/otnoisy-{uuid.uuid4().hex[:6]}"
    reason = "ERROR: [generic] the real reason: HTTP Error 404"
    if what == "download":
        t = svc.submit(url)
        t = svc.wait_for_status(t["id"], "error")
        assert t["error_message"] == reason
    else:
        st, _, body = svc.post("/api/info", {"url": url})
        assert st == 502, body
        assert body["detail"] == reason


def test_a_downloads_listing_over_16_mib_fails_and_says_so(make_service, standin):
    """A page of whole videos is listed with -J; that listing is bounded too
    (it was 64 MiB, parsed in one go in the loop)."""
    svc = make_service(OFFLINETUBE_YTDLP=standin)
    t = svc.submit(f"{svc.site.base}/video/otlisting-17000000-{uuid.uuid4().hex[:6]}")
    t = svc.wait_for_status(t["id"], "error", timeout=60)
    assert t["error_message"] == "yt-dlp's listing of this URL was larger than 16 MiB"
    wait_until(lambda: not job_procs(svc.data_dir), 10, what="the runs to end")
    wait_until(lambda: not job_dirs(svc.data_dir), 5,
               what="the task's directory to go")


def test_a_waiting_lookup_does_not_hold_the_api_s_stop(make_service, standin):
    """SIGTERM while a look-up waits for a hanging yt-dlp: the waiter answers
    503 with Retry-After at once and the API exits, where it waited out the
    whole look-up deadline (here 50 + 5 s) before it stopped."""
    svc = make_service(OFFLINETUBE_YTDLP=standin, OFFLINETUBE_LOOKUP_TIMEOUT=50)
    tag = uuid.uuid4().hex[:6]
    out = []
    asker = info_async(svc, f"{svc.site.base}/video/othang-{tag}", out)
    wait_until(lambda: started(svc, f"othang-{tag}"), 10, what="the look-up's run")
    t0 = time.monotonic()
    assert svc.stop_proc("api", timeout=20) == 0, svc.logs_tail()
    took = time.monotonic() - t0
    asker.join(10)
    assert took < 10, f"the API took {took:.1f} s to stop"
    assert out and out[0][0] == 503, out
    assert out[0][1]["detail"] == "The service is stopping; ask again in a few seconds"
    svc.start_api()
    # The question stayed asked: the worker still runs it, for whoever asks again.
    assert svc.procs["worker"].poll() is None
