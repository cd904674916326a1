"""test_fresh_start.py: the API and the worker start on a new data directory in
any order, or at the same instant, with the CPUs busy, and both come up.

Both programs create and migrate the database when they open it.  Switching a
new file to WAL takes an exclusive lock that SQLite refuses at once, without
waiting for busy_timeout, while the other program holds a shared one: once in
a while, `make run` died at its first start with "database is locked".
"""
import os
import sqlite3
import subprocess
import shutil
import signal
import tempfile

import pytest

import harness
from harness import BIN, REPO, RUN_AS, YTDLP, wait_until

pytestmark = pytest.mark.skipif(
    harness.PG, reason="a new data directory as make run makes it, its SQLite file "
    "made at once by both programs: SQLite only")

ROUNDS = 30
ORDERS = ("together", "api first", "worker first")


@pytest.fixture
def busy_cpus():
    """Twice as many busy loops as CPUs, for the length of the test."""
    procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
             for _ in range(2 * (os.cpu_count() or 1))]
    yield
    for p in procs:
        p.kill()
        p.wait()


def migrations_in_tree():
    d = os.path.join(REPO, "sql", "migrations")
    return sorted(int(f.split("_")[0]) for f in os.listdir(d) if f.endswith(".sql"))


def start_both(data, order):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "OFFLINETUBE_DATA_DIR": data,
        "OFFLINETUBE_YTDLP": YTDLP,
        "ASAN_OPTIONS": "detect_leaks=1:exitcode=23",
        **({"OFFLINETUBE_USER": RUN_AS} if os.geteuid() == 0 else {}),
    }
    api = [os.path.join(BIN, "offlinetube-api")]
    worker = [os.path.join(BIN, "offlinetube-worker")]
    logs = {n: open(os.path.join(data, f"{n}.log"), "wb") for n in ("api", "worker")}
    if order == "together":
        # One shell starts both, a few microseconds apart.
        sh = subprocess.Popen(
            ["sh", "-c", '"$1" >"$3" 2>&1 & echo $!; "$2" >"$4" 2>&1 & echo $!',
             "sh", api[0], worker[0], logs["api"].name, logs["worker"].name],
            env=env, stdout=subprocess.PIPE, text=True)
        pids = [int(x) for x in sh.communicate()[0].split()]
        procs = {"api": pids[0], "worker": pids[1]}
    else:
        first, second = ("api", "worker") if order == "api first" else ("worker", "api")
        argv = {"api": api, "worker": worker}
        procs = {}
        for n in (first, second):
            procs[n] = subprocess.Popen(argv[n], env=env, stdout=logs[n],
                                        stderr=subprocess.STDOUT).pid
    for f in logs.values():
        f.close()
    return procs


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def log(data, name):
    with open(os.path.join(data, f"{name}.log"), errors="replace") as f:
        return f.read()


def test_both_programs_start_on_a_fresh_data_directory_in_any_order(busy_cpus):
    want = migrations_in_tree()
    for i in range(ROUNDS):
        order = ORDERS[i % len(ORDERS)]
        data = tempfile.mkdtemp(prefix="ot-fresh-", dir="/tmp")
        os.chmod(data, 0o755)
        procs = start_both(data, order)
        try:
            def up():
                for n, pid in procs.items():
                    assert alive(pid), (f"round {i} ({order}): {n} exited:\n"
                                        f"{log(data, 'api')}\n{log(data, 'worker')}")
                return ("listening on" in log(data, "api")
                        and "running, pid" in log(data, "worker"))
            wait_until(up, 60, 0.05, f"round {i} ({order}): both programs up")
            for n in procs:
                assert "database is locked" not in log(data, n), log(data, n)
            db = sqlite3.connect(os.path.join(data, "offlinetube.db"))
            have = [r[0] for r in db.execute("SELECT version FROM schema_migrations "
                                             "ORDER BY version")]
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            db.close()
            assert have == want and mode == "wal", (i, order, have, mode)
        finally:
            for pid in procs.values():
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for pid in procs.values():
                try:
                    wait_until(lambda: not alive(pid), 10, 0.05, "a program to stop")
                finally:
                    try:
                        os.waitpid(pid, 0)
                    except ChildProcessError:
                        pass
        for n in procs:
            text = log(data, n)
            assert "AddressSanitizer" not in text and "runtime error:" not in text, text
        shutil.rmtree(data, ignore_errors=True)
