"""test_limits.py: the disk guard and the file size cap keep one download from
filling the server's disk."""
import time

from harness import wait_until


def test_no_download_starts_while_the_disk_is_below_the_guard(make_service, site):
    # A minimum no disk here reaches: the guard is always on.
    svc = make_service(OFFLINETUBE_MIN_FREE_MB=1 << 30)
    t = svc.submit(site.page("slow-diskguard"))
    time.sleep(3)
    assert svc.task(t["id"])["status"] == "pending"
    assert "/video/slow-diskguard" not in site.requests
    st, _, health = svc.get("/api/health")
    assert health["disk"]["low"] is True and health["disk"]["min_free_mb"] == 1 << 30
    # With the guard lowered (a restart of the worker with the new setting), it starts.
    svc.stop_worker()
    svc.env["OFFLINETUBE_MIN_FREE_MB"] = "1"
    svc.start_worker()
    svc.wait_for_status(t["id"], ("downloading", "completed"), timeout=30)
    svc.delete(f"/api/downloads/{t['id']}/remove")


def test_a_file_over_the_size_cap_fails_with_a_clear_message(make_service, site):
    svc = make_service(OFFLINETUBE_MAX_FILESIZE="10K")
    t = svc.submit(site.page("clip"))
    t = wait_until(lambda: (lambda x: x if x["status"] in ("completed", "error") else None)(
        svc.task(t["id"])), 60, what="the capped download to end")
    assert t["status"] == "error", t
    assert "OFFLINETUBE_MAX_FILESIZE" in t["error_message"], t
    assert svc.leftovers() == []


def test_a_bad_size_setting_is_refused_at_start():
    import os
    import subprocess
    from harness import BIN
    env = dict(os.environ, OFFLINETUBE_MAX_FILESIZE="lots", OFFLINETUBE_DATA_DIR="/tmp/ot-badsize")
    p = subprocess.run([os.path.join(BIN, "offlinetube-worker")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "OFFLINETUBE_MAX_FILESIZE" in p.stderr
