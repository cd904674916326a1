"""test_make_run.py: scripts/run.sh, the script behind `make run`, on the
sanitizer build: it brings up the whole service, and SIGTERM to it or Ctrl-C
to its process group stops all of it with nothing left behind.  `make run`
itself, as the README has it typed, is test_readme_make_run.py."""
import http.client
import json
import os
import signal
import subprocess
import tempfile

import pytest

import harness
from harness import BIN, REPO, free_port, wait_until


def children_of(pid):
    """Every descendant of pid, read from /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    except OSError:
        return None, b""
    finally:
        c.close()


@pytest.fixture
def running(xdg):
    data = tempfile.mkdtemp(prefix="ot-run-", dir="/tmp")
    port = free_port()
    env = dict(os.environ, OFFLINETUBE_DATA_DIR=data,
               OFFLINETUBE_LISTEN=f"127.0.0.1:{port}", XDG_CONFIG_HOME=xdg,
               ASAN_OPTIONS="detect_leaks=1:exitcode=23")
    # run.sh hands the store's setting to both programs as it is.
    if harness.PG:
        env["OFFLINETUBE_DATABASE"] = harness.pg_database(data)
    log = open(os.path.join(data, "run.log"), "wb")
    p = subprocess.Popen(["bash", os.path.join(REPO, "scripts", "run.sh"), BIN],
                         cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        wait_until(lambda: get(port, "/api/health")[0] == 200, 30,
                   what="/api/health through make run")
        yield p, port, data
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        log.close()


@pytest.mark.parametrize("how", ["SIGTERM to run.sh", "Ctrl-C to the process group",
                                 "Ctrl-C that only nginx acts on"])
def test_make_run_serves_and_stops_everything(running, how):
    p, port, data = running
    st, body = get(port, "/api/health")
    health = json.loads(body)
    assert health["status"] == "ok" and health["yt_dlp"], health
    procs = children_of(p.pid)
    names = {open(f"/proc/{c}/comm").read().strip() for c in procs if alive(c)}
    assert {"offlinetube-api", "offlinetube-wor", "nginx"} <= names, names
    if how.startswith("SIGTERM"):
        p.send_signal(signal.SIGTERM)
    elif how.endswith("nginx acts on"):
        # What bash may make of Ctrl-C to the group: a child that caught it
        # exited cleanly, so bash takes it as that child's and runs no trap.
        nginx = [c for c in children_of(p.pid) if alive(c)
                 and open(f"/proc/{c}/comm").read().strip() == "nginx"
                 and int(open(f"/proc/{c}/stat").read().rsplit(")", 1)[1].split()[1])
                 == p.pid]
        assert len(nginx) == 1, nginx     # the master, run.sh's child
        os.kill(nginx[0], signal.SIGINT)
    else:
        os.killpg(p.pid, signal.SIGINT)
    assert p.wait(timeout=10) == 0
    wait_until(lambda: not any(alive(c) for c in procs), 5,
               what="nginx, the API and the worker to exit")
    assert get(port, "/api/health")[0] is None
    assert not os.path.exists(os.path.join(data, "run", "api.sock"))
    with open(os.path.join(data, "run.log"), "rb") as f:
        log = f.read()
    assert b"AddressSanitizer" not in log and b"runtime error:" not in log, log[-2000:]
