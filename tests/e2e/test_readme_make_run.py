"""test_readme_make_run.py: the README as a new user types it.

A fresh clone of the working tree; `make run` through make (the command the
README gives, run by Debian's /bin/sh, never the script behind it), with a
data directory and a port of the test's own; a look-up the moment the port
answers; the README's curl walk-through against the fixture site; then
Ctrl-C to the whole process group, and nothing left running.  Once as root
(the API and the worker become nobody) and once as an ordinary account made
for the test (as whoever runs the suite, when that is not root).
"""
import http.client
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

import docexamples
import harness
from harness import REPO, free_port, media_procs, wait_until

pytestmark = pytest.mark.skipif(
    harness.PG, reason="the README's make run, which needs no server: SQLite only")

BUILD_SECONDS = 600     # a fresh clone builds both programs first
USER_PATH = "/usr/local/bin:/usr/bin:/bin"     # an ordinary login's PATH


def clone_working_tree(dest):
    """A git clone of the repository with its uncommitted changes and its
    untracked files laid over it: the tree under test, and nothing built."""
    if subprocess.run(["git", "-C", REPO, "rev-parse", "--git-dir"],
                      capture_output=True).returncode != 0:
        shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(
            ".git", "build", "node_modules", "__pycache__"))
        return dest
    subprocess.run(["git", "clone", "-q", REPO, dest], check=True)
    diff = subprocess.run(["git", "-C", REPO, "diff", "HEAD", "--binary"],
                          check=True, capture_output=True).stdout
    if diff:
        subprocess.run(["git", "-C", dest, "apply", "--binary", "-"], input=diff,
                       check=True)
    untracked = subprocess.run(
        ["git", "-C", REPO, "ls-files", "--others", "--exclude-standard", "-z"],
        check=True, capture_output=True).stdout.decode().split("\0")
    for f in filter(None, untracked):
        os.makedirs(os.path.dirname(os.path.join(dest, f)) or dest, exist_ok=True)
        shutil.copy2(os.path.join(REPO, f), os.path.join(dest, f))
    return dest


def session_procs(sid):
    """The processes of a session (make and everything it started)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X") and int(fields[3]) == sid:
            out.append(int(d))
    return out


def comm_and_uid(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        with open(f"/proc/{pid}/status") as f:
            uid = next(int(l.split()[1]) for l in f if l.startswith("Uid:"))
        return comm, uid
    except (OSError, StopIteration):
        return None, None


def ask(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        h = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def answers(port):
    try:
        return ask(port, "GET", "/api/health")[0] is not None
    except OSError:
        return False


@pytest.fixture
def account():
    """An ordinary account for the test, removed after it."""
    if os.geteuid() != 0:
        yield pwd.getpwuid(os.geteuid()).pw_name
        return
    name = "otreadme" + uuid.uuid4().hex[:6]
    home = tempfile.mkdtemp(prefix="ot-home-", dir="/tmp")
    subprocess.run(["useradd", "--user-group", "--home-dir", home, "--shell",
                    "/bin/sh", name], check=True)
    shutil.chown(home, name, name)
    yield name
    subprocess.run(["userdel", name], check=False)
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.parametrize("who", ["root", "an ordinary user"])
def test_make_run_and_the_readme_walk_through(who, site, xdg, request):
    if who == "root" and os.geteuid() != 0:
        pytest.skip("needs root")
    user = None if who == "root" else request.getfixturevalue("account")
    top = tempfile.mkdtemp(prefix="ot-readme-", dir="/tmp")
    os.chmod(top, 0o755)
    clone = clone_working_tree(os.path.join(top, "offlinetube"))
    data = os.path.join(top, "data")
    os.mkdir(data)
    if user is not None:
        subprocess.run(["chown", "-R", f"{user}:{user}", top], check=True)
    port = free_port()
    home = pwd.getpwnam(user).pw_dir if user else os.environ.get("HOME", "/root")
    env = {"PATH": USER_PATH if user else os.environ.get("PATH", USER_PATH),
           "HOME": home, "LANG": "C.UTF-8", "XDG_CONFIG_HOME": xdg,
           "OFFLINETUBE_DATA_DIR": data, "OFFLINETUBE_LISTEN": f"127.0.0.1:{port}",
           # The fixture site is on loopback, and searches go to its plugin.
           "OFFLINETUBE_ALLOW_PRIVATE_URLS": "1",
           "OFFLINETUBE_SEARCH_PREFIX": "otfixsearch"}
    as_user = {"user": user, "group": user} if user else {}
    log_path = os.path.join(top, "make-run.log")
    log = open(log_path, "wb")
    make = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, **as_user)
    log.close()

    def make_log():
        with open(log_path, errors="replace") as f:
            return f.read()[-6000:]

    try:
        def up():
            assert make.poll() is None, f"make run exited with {make.returncode}:\n{make_log()}"
            return answers(port)
        wait_until(up, BUILD_SECONDS, 0.02, "make run to answer")

        # Look-ups in the first seconds: the worker may still be starting.
        st, body = ask(port, "POST", "/api/info",
                        {"url": f"{site.base}/watch?v=dQw4w9WgXcQ"})
        assert st == 200, (st, body, make_log())
        assert json.loads(body)["title"].startswith("Rick Astley"), body
        st, body = ask(port, "GET", "/api/search?q=Me+at+the+zoo")
        assert st == 200, (st, body, make_log())

        procs = {comm_and_uid(p) for p in session_procs(make.pid)}
        names = {c for c, _ in procs}
        assert {"offlinetube-api", "offlinetube-wor", "nginx"} <= names, procs
        if user is None:
            nobody = pwd.getpwnam("nobody").pw_uid
            assert {u for c, u in procs if c in ("offlinetube-api", "offlinetube-wor")} \
                == {nobody}, procs

        runner = docexamples.Runner(
            f"http://127.0.0.1:{port}", site.base, os.path.join(clone, "build"),
            {"PATH": env["PATH"], "HOME": home, "LANG": "C.UTF-8",
             "QUOTING_STYLE": "shell-escape",
             **({"OFFLINETUBE_USER": "nobody"} if user is None else {})},
            lambda: own_data_dir(top, user), user=user)
        try:
            found = runner.run_document(os.path.join(clone, "README.md"))
        finally:
            runner.close()
        assert len(runner.ran) + len(runner.skipped) == len(found)

        # Ctrl-C: the terminal sends SIGINT to the whole foreground group.
        os.killpg(make.pid, signal.SIGINT)
        make.wait(30)
        wait_until(lambda: not session_procs(make.pid), 15, 0.1,
                   "every process of make run to exit")
        assert not answers(port), "something still answers on the port"
        assert not os.path.exists(os.path.join(data, "run", "api.sock"))
        assert not media_procs(data)
        assert "OfflineTube is listening on" in make_log()
    finally:
        if session_procs(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        if make.poll() is None:
            make.wait()
    shutil.rmtree(top, ignore_errors=True)


def own_data_dir(top, user):
    d = tempfile.mkdtemp(prefix="keys-", dir=top)
    os.chmod(d, 0o777 if user is None else 0o755)
    if user is not None:
        shutil.chown(d, user, user)
    return d
