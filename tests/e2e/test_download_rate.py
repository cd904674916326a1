"""test_download_rate.py: OFFLINETUBE_DOWNLOAD_RATE caps how fast a download fetches.

The check is a lower bound on the time a capped download takes: the cap makes
it last at least size / rate however fast the machine, while the same file
uncapped comes from the loopback fixture site in well under that.  A slow,
loaded machine can only make it take longer, so the bound holds there too."""
import filecmp
import os
import subprocess
import tempfile
import time

from harness import BIN, wait_until, ytdlp_procs

RATE = 8 * 1024          # bytes per second: "8K"


def test_a_capped_download_takes_at_least_what_the_cap_implies(make_service, site):
    svc = make_service(OFFLINETUBE_DOWNLOAD_RATE="8K")
    size = os.path.getsize(site.media_path("v360b.mp4"))
    assert size / RATE >= 5, "the fixture file is too small for a clear bound"
    # Look-ups are not slowed: an info of the page answers at once.
    started = time.monotonic()
    st, _, body = svc.post("/api/info", {"url": site.page("clip2")})
    assert st == 200, body
    assert time.monotonic() - started < size / RATE / 2
    started = time.monotonic()
    t = svc.submit(site.page("clip2"))
    runs = wait_until(lambda: ytdlp_procs(svc.data_dir), 30, 0.05, "yt-dlp running")
    argv = runs[0][1]
    assert argv[argv.index("-r") + 1] == "8K", argv
    done = svc.wait_for_status(t["id"], "completed", 120)
    took = time.monotonic() - started
    assert took >= size / RATE * 0.95, f"{size} bytes in {took:.1f}s at {RATE} B/s"
    assert filecmp.cmp(svc.path_of(done), site.media_path("v360b.mp4"), shallow=False)


def test_a_rate_yt_dlp_would_not_take_stops_both_programs_at_start():
    d = tempfile.mkdtemp(prefix="ot-rate-", dir="/tmp")
    os.chmod(d, 0o777)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OFFLINETUBE_DATA_DIR": d,
           "OFFLINETUBE_DOWNLOAD_RATE": "2MB/s",
           **({"OFFLINETUBE_USER": "nobody"} if os.geteuid() == 0 else {})}
    for prog in ("offlinetube-api", "offlinetube-worker"):
        p = subprocess.run([os.path.join(BIN, prog)], env=env, capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert p.returncode != 0, (prog, p.stderr)
        assert "OFFLINETUBE_DOWNLOAD_RATE: bytes per second like 2M, 500K or 1.5M " \
               "(yt-dlp's -r), at least 1: 2MB/s" in p.stderr, (prog, p.stderr)
