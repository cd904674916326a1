"""harness.py: runs real nginx + offlinetube-api + offlinetube-worker for the e2e tests.

The binaries come from $OFFLINETUBE_BIN (default build/).  Each service runs on a
free loopback port with its own data directory under /tmp (short: the unix socket
path must fit 107 bytes).  Teardown stops the three programs with SIGTERM and fails
the test run when one does not exit cleanly, when a yt-dlp or FFmpeg process is left
behind, or when a sanitizer wrote a report into a program's log.
"""
import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures"))
import fixture_site  # noqa: E402
import openapi_check  # noqa: E402

BIN = os.path.join(REPO, os.environ.get("OFFLINETUBE_BIN", "build"))
YTDLP = shutil.which("yt-dlp") or "/usr/bin/yt-dlp"
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# Whom the programs become when the suite runs as root.
RUN_AS = "nobody"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")
FINAL = ("completed", "error", "cancelled")

TASK_FIELDS = {
    "id": str, "url": str, "title": str, "thumbnail": str, "status": str,
    "progress": (int, float), "speed": str, "eta": str, "filesize": int,
    "downloaded_bytes": int, "format_note": str, "is_playlist": bool,
    "playlist_index": int, "playlist_total": int, "filename": str, "quality": str,
    "download_type": str, "error_message": str, "created_at": str,
    "completed_at": (str, type(None)), "embed_metadata": bool, "sponsorblock": str,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ffprobe(path, entries="stream=codec_type,codec_name,width,height:format=duration,format_name"):
    """The streams and duration of a media file (or other entries), as ffprobe reports them."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-show_entries", entries,
         "-of", "json", path], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def media_procs(data_dir):
    """yt-dlp, FFmpeg and ffprobe processes working for this data directory.

    A process counts when its command line names the data directory or its working
    directory lies in it (a job run from its temporary directory)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        argv = proc_cmdline(pid)
        if not argv or proc_state(pid) == "Z":
            continue
        names = [os.path.basename(a) for a in argv[:2]]
        if not any(n in ("yt-dlp", "yt_dlp", "ffmpeg", "ffprobe") or "yt-dlp" in n
                   or n == "__main__.py" and "yt_dlp" in " ".join(argv[:2])
                   for n in names):
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = ""
        if data_dir in " ".join(argv) or cwd == data_dir or cwd.startswith(data_dir + "/"):
            found.append((pid, argv))
    return found


def proc_ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def job_dirs(data_dir):
    """The run directories left under the workers' own tmp/worker-{id}/
    (a worker's own directory stays while it runs)."""
    tmp = os.path.join(data_dir, "tmp")
    out = []
    for w in sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []:
        d = os.path.join(tmp, w)
        if w.startswith("worker-") and os.path.isdir(d):
            out.extend(os.path.join(w, j) for j in sorted(os.listdir(d)))
        else:
            out.append(w)
    return out


def job_procs(data_dir):
    """Every process of a job (data/tmp/worker-N/ID): yt-dlp, the FFmpeg it runs, and
    whatever those start, known by the TMPDIR the worker gives each job."""
    base = os.path.join(os.path.realpath(data_dir), "tmp") + "/"
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if any(e.startswith(b"TMPDIR=" + base.encode()) and len(e) > 7 + len(base)
               for e in env) and proc_state(int(d)) not in (None, "Z", "X"):
            found.append((int(d), proc_cmdline(int(d))))
    return found


def ytdlp_procs(data_dir):
    """The yt-dlp runs of this data directory alive at one instant.

    A walk of /proc is not atomic: a process that ends during it and one that
    starts during it would both be seen.  The second look keeps only those still
    alive after the walk, which therefore all existed at the same time.  A run
    is a yt-dlp process whose parent is not one: yt-dlp forks to start FFmpeg
    and other helpers, and until that child calls exec it has yt-dlp's command
    line too."""
    found = [(p, a) for p, a in media_procs(data_dir)
             if any("yt-dlp" in os.path.basename(x) or "yt_dlp" in x for x in a[:2])]
    pids = {p for p, _ in found}
    return [(p, a) for p, a in found if proc_state(p) not in (None, "Z", "X")
            and proc_cmdline(p) == a and proc_ppid(p) not in pids]


def raw_request(svc, path, headers=None, method="GET"):
    """A request whose path goes out exactly as written (no client-side quoting);
    returns (status, headers, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        data = r.read()
        openapi_check.record(method, path, headers, None, r.status, r.headers, data)
        return r.status, r.headers, data
    finally:
        c.close()


def hosts_prefix(path):
    """An argv prefix that runs a program with the file `path` as its /etc/hosts
    (in a mount namespace of its own): a test makes a name resolve where it
    wants without DNS, even differently for the API and the worker."""
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
            path]


def can_fake_hosts():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


def write_hosts(path, names):
    """An /etc/hosts of `names` (name -> address), readable by the programs' user."""
    with open(path, "w") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n")
        f.writelines(f"{a} {n}\n" for n, a in names.items())
    os.chmod(path, 0o644)
    return path


def wait_until(pred, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def files_under(d):
    out = []
    for root, _, files in os.walk(d):
        out.extend(os.path.join(root, f) for f in files)
    return sorted(out)


# OFFLINETUBE_TEST_DATABASE=postgresql: every service's store is a database of
# its own on one PostgreSQL server for the session (tests/pg/cluster.sh),
# made at the service's first start and kept for its data directory's later
# ones.  Unset (or sqlite): the data directory's SQLite file, as in production.
PG = os.environ.get("OFFLINETUBE_TEST_DATABASE", "sqlite") == "postgresql"
_pg = {"dir": None, "uri": None, "dbs": {}}


def pg_server():
    """The session's server: its connection URI (database offlinetube)."""
    if _pg["uri"] is None:
        d = tempfile.mkdtemp(prefix="ot-pg-", dir="/tmp")
        _pg["uri"] = subprocess.run(["sh", os.path.join(REPO, "tests", "pg", "cluster.sh"),
                                     "start", d], check=True, capture_output=True,
                                    text=True).stdout.strip()
        _pg["dir"] = d
        atexit.register(lambda: subprocess.run(
            ["sh", os.path.join(REPO, "tests", "pg", "cluster.sh"), "stop", d],
            capture_output=True))
    return _pg["uri"]


def pg_socket_dir():
    """The directory of the session's server's unix socket (.s.PGSQL.5432)."""
    pg_server()
    return _pg["dir"]


def pg_database(data_dir):
    """The URI of data_dir's database, made empty at its first use."""
    import psycopg2
    uri = pg_server()
    if data_dir not in _pg["dbs"]:
        name = f"ot_{len(_pg['dbs'])}_{os.getpid()}"
        con = psycopg2.connect(uri)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            # FILE_COPY: a copy of the small template's files, 3x quicker here
            # than the default's block by block (130 ms against 390 ms).
            cur.execute(f"CREATE DATABASE {name} STRATEGY FILE_COPY")
        con.close()
        _pg["dbs"][data_dir] = uri.replace("/offlinetube?", f"/{name}?", 1)
    return _pg["dbs"][data_dir]


class Service:
    """nginx + API + worker on one data directory; each program's log is kept in it."""

    def __init__(self, site, xdg, env=None, data_dir=None):
        self.xdg = xdg
        self.site = site
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="ot-", dir="/tmp")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # What nginx listens on: a test may open it wider than the API is told.
        self.nginx_listen = f"127.0.0.1:{self.port}"
        self.socket_path = os.path.join(self.data_dir, "run", "api.sock")
        self.log_dir = os.path.join(self.data_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": xdg,
            "OFFLINETUBE_DATA_DIR": self.data_dir,
            "OFFLINETUBE_LISTEN": f"127.0.0.1:{self.port}",
            "OFFLINETUBE_SOCKET": self.socket_path,
            "OFFLINETUBE_SOCKET_PATH": self.socket_path,
            "OFFLINETUBE_YTDLP": YTDLP,
            "OFFLINETUBE_FFMPEG": FFMPEG,
            "OFFLINETUBE_ALLOW_PRIVATE_URLS": "1",
            "OFFLINETUBE_SEARCH_PREFIX": "otfixsearch",
            "OFFLINETUBE_MAX_DOWNLOADS": "3",
            # The suite polls hard from one address; test_rate_limits lowers these.
            "OFFLINETUBE_RATE_LIMIT": "1000",
            # Run as root (CI), the programs refuse to start unless told whom to become.
            **({"OFFLINETUBE_USER": RUN_AS} if os.geteuid() == 0 else {}),
            "OFFLINETUBE_LOOKUP_RATE_LIMIT": "6000",
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=23",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        }
        if PG:
            self.env["OFFLINETUBE_DATABASE"] = pg_database(self.data_dir)
        self.env.update(env or {})
        self.procs = {}          # name -> Popen
        self.wrap = {}           # name -> argv prefix (hosts_prefix)
        self.args = {}           # name -> extra arguments ("-v")
        self.problems = []       # unclean exits, found at stop time

    # -- programs ---------------------------------------------------------

    def _spawn(self, name, argv):
        argv = self.wrap.get(name, []) + argv
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        log.write(f"==== start {time.strftime('%H:%M:%S')} {argv}\n".encode())
        log.flush()
        p = subprocess.Popen(argv, env=self.env, cwd=self.data_dir, stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = p
        return p

    def log(self, name):
        try:
            with open(os.path.join(self.log_dir, f"{name}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def logs_tail(self, n=40):
        out = []
        for name in ("api", "worker", "nginx"):
            lines = self.log(name).splitlines()[-n:]
            out.append(f"--- {name}.log (last {n} lines) ---\n" + "\n".join(lines))
        return "\n".join(out)

    def _need_alive(self, name):
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            raise AssertionError(f"{name} exited early (rc={p and p.returncode})\n"
                                 + self.logs_tail())

    def start_api(self):
        for exe in ("offlinetube-api", "offlinetube-worker"):
            if not os.access(os.path.join(BIN, exe), os.X_OK):
                pytest.fail(f"{os.path.join(BIN, exe)} is not built")
        self._spawn("api", [os.path.join(BIN, "offlinetube-api")] + self.args.get("api", []))
        wait_until(lambda: self._socket_answers() or
                   self.procs["api"].poll() is not None, 20, what="the API socket")
        self._need_alive("api")

    def _socket_answers(self):
        with socket.socket(socket.AF_UNIX) as s:
            try:
                s.connect(self.socket_path)
                return True
            except OSError:
                return False

    def start_worker(self):
        self._spawn("worker", [os.path.join(BIN, "offlinetube-worker")]
                    + self.args.get("worker", []))
        time.sleep(0.05)

    def start_nginx(self):
        conf = subprocess.run(
            ["sh", os.path.join(REPO, "scripts", "nginx-conf.sh"), self.data_dir,
             self.nginx_listen, self.socket_path],
            env=self.env, check=True, capture_output=True, text=True).stdout.strip()
        self._spawn("nginx", [NGINX, "-p", os.path.join(self.data_dir, "nginx"),
                              "-e", "stderr", "-c", conf])

    def start(self):
        self.start_api()
        self.start_worker()
        self.start_nginx()
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout=30):
        def ok():
            for n in self.procs:
                self._need_alive(n)
            try:
                st, _, body = self.get("/api/health")
            except OSError:
                return False
            return st == 200 and isinstance(body, dict) and \
                (body.get("worker") or {}).get("alive") is True
        try:
            wait_until(ok, timeout, 0.2, "GET /api/health: 200 with worker.alive")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.logs_tail()}") from None

    def stop_proc(self, name, sig=signal.SIGTERM, timeout=10):
        """Stops one program; records (does not raise) an unclean exit."""
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            if p is not None and p.returncode not in (0,) and sig == signal.SIGTERM:
                self.problems.append(f"{name} had already exited with {p.returncode}")
            return p and p.returncode
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.problems.append(f"{name} did not exit within {timeout}s of {sig.name}")
            p.kill()
            p.wait()
            return None
        if sig == signal.SIGTERM and p.returncode != 0:
            self.problems.append(f"{name} exited with {p.returncode} after SIGTERM")
        return p.returncode

    def stop_worker(self):
        return self.stop_proc("worker")

    def kill_worker(self):
        return self.stop_proc("worker", signal.SIGKILL)

    def restart_worker(self):
        self.stop_worker()
        self.start_worker()
        self.wait_healthy()

    def stop(self):
        for name in ("nginx", "api", "worker") + tuple(getattr(self, "more_workers", ())):
            self.stop_proc(name)

    def start_more_worker(self, name="worker2"):
        """Another offlinetube-worker on the same data directory and database
        (PostgreSQL: several may run; SQLite refuses it), its log in
        logs/{name}.log; stopped and checked with the service."""
        self.more_workers = getattr(self, "more_workers", []) + [name]
        p = self._spawn(name, [os.path.join(BIN, "offlinetube-worker")]
                        + self.args.get("worker", []))
        time.sleep(0.05)
        return p

    def forget_proc(self, name):
        """A program a test killed or saw exit on purpose: not stopped or
        counted against the service at its end."""
        self.procs.pop(name, None)

    def restart(self):
        """Stops all three and starts them again on the same port and data directory."""
        self.stop()
        self.start()

    def pids(self):
        return {n: p.pid for n, p in self.procs.items() if p.poll() is None}

    # -- checks at the end ---------------------------------------------------

    def sanitizer_reports(self):
        bad = []
        for name in ("api", "worker") + tuple(getattr(self, "more_workers", ())):
            text = self.log(name)
            for mark in SANITIZER_MARKS:
                if mark in text:
                    i = text.index(mark)
                    bad.append(f"{name}.log: {text[max(0, i - 200):i + 3000]}")
                    break
        return bad

    def finish(self):
        """Stops everything and returns the list of problems found (empty = clean)."""
        self.stop()
        problems = list(self.problems)
        try:
            wait_until(lambda: not media_procs(self.data_dir), 5, 0.2)
        except AssertionError:
            left = media_procs(self.data_dir)
            problems.append(f"yt-dlp/FFmpeg processes left behind: {left}")
            for pid, _ in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        problems.extend(self.sanitizer_reports())
        return problems

    # -- HTTP --------------------------------------------------------------

    def sql(self, statement, args=()):
        """One statement on the service's database, from outside as another
        program would (its own connection and transaction): the rows it gave
        (RETURNING for what an insert made) and how many it changed.  Plain
        SQL only, so that a test says what it does, not to which engine."""
        if PG:
            return self._pg_sql(statement, args)
        db = sqlite3.connect(os.path.join(self.data_dir, "offlinetube.db"), timeout=10)
        try:
            with db:
                cur = db.execute(statement, args)
                rows = cur.fetchall()
                return rows, cur.rowcount
        finally:
            db.close()

    @contextlib.contextmanager
    def write_lock(self):
        """Another program holding the database's write lock while the
        block runs, as sqlite3 or a backup tool would: the programs' writes
        wait for it, their reads do not (PostgreSQL: the tables they write,
        locked against writes)."""
        if PG:
            import psycopg2
            con = psycopg2.connect(self.env["OFFLINETUBE_DATABASE"])
            try:
                with con.cursor() as cur:
                    cur.execute("LOCK TABLE tasks, deliveries, webhooks, lookups, "
                                "subscriptions, meta, metrics IN EXCLUSIVE MODE")
                    yield
                con.rollback()
            finally:
                con.close()
            return
        db = sqlite3.connect(os.path.join(self.data_dir, "offlinetube.db"), timeout=10,
                             isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            yield
            db.execute("ROLLBACK")
        finally:
            db.close()

    def _pg_sql(self, statement, args):
        """Service.sql() on PostgreSQL: ? parameters become psycopg2's %s;
        truth values come back as 1 and 0, as SQLite gives them."""
        import psycopg2
        con = psycopg2.connect(self.env["OFFLINETUBE_DATABASE"])
        try:
            with con, con.cursor() as cur:
                cur.execute(statement.replace("%", "%%").replace("?", "%s"), tuple(args))
                rows = cur.fetchall() if cur.description is not None else []
                rows = [tuple(int(v) if isinstance(v, bool) else v for v in r)
                        for r in rows]
                return rows, cur.rowcount
        finally:
            con.close()

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One request; returns (status, headers, body): body is the decoded JSON when
        the answer is JSON and parses, else the raw bytes."""
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = r.headers
            status = r.status
        finally:
            c.close()
        # Every answer is held against docs/openapi.json when the test ends.
        openapi_check.record(method, path, h, body, status, hdrs, data)
        if "json" in (hdrs.get("Content-Type") or ""):
            try:
                return status, hdrs, json.loads(data)
            except ValueError:
                pass
        return status, hdrs, data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # -- tasks -------------------------------------------------------------

    def submit(self, url, **fields):
        st, _, body = self.post("/api/download", {"url": url, **fields})
        assert st == 200, f"POST /api/download {url}: {st} {body}"
        return body

    def task(self, tid):
        st, _, body = self.get(f"/api/downloads/{tid}")
        assert st == 200, f"GET /api/downloads/{tid}: {st} {body}"
        return body

    def tasks(self, query=""):
        st, _, body = self.get("/api/downloads" + query)
        assert st == 200, f"GET /api/downloads{query}: {st} {body}"
        return body

    def wait_for_status(self, tid, statuses, timeout=60):
        if isinstance(statuses, str):
            statuses = (statuses,)
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            t = self.task(tid)
            if not seen or seen[-1] != t["status"]:
                seen.append(t["status"])
            if t["status"] in statuses:
                return t
            if t["status"] in FINAL:
                raise AssertionError(
                    f"task {tid} reached {t['status']} waiting for {statuses} "
                    f"(seen {seen}): error_message={t.get('error_message')!r}\n"
                    + self.logs_tail())
            if time.monotonic() > deadline:
                raise AssertionError(f"task {tid} still {t['status']} after {timeout}s "
                                     f"waiting for {statuses} (seen {seen})\n"
                                     + self.logs_tail())
            time.sleep(0.1)

    def download(self, url, **fields):
        """Submits a download and waits for it to complete."""
        t = self.submit(url, **fields)
        return self.wait_for_status(t["id"], "completed")

    def fetch_file(self, tid):
        return self.get(f"/api/download/{tid}/file")

    def path_of(self, task):
        return os.path.join(self.data_dir, "downloads", task["filename"])

    def leftovers(self):
        """Partial and temporary files: everything under tmp/ and any non-final
        file (.part, .ytdl, .temp, fragments) under downloads/."""
        out = files_under(os.path.join(self.data_dir, "tmp"))
        for f in files_under(os.path.join(self.data_dir, "downloads")):
            b = os.path.basename(f)
            if (b.endswith((".part", ".ytdl", ".temp", ".tmp")) or ".part-Frag" in b
                    or ".temp." in b or b.startswith(".")):
                out.append(f)
        return out


def run_service(site, xdg, env=None):
    svc = Service(site, xdg, env)
    try:
        svc.start()
    except BaseException:
        problems = svc.finish()
        if svc.procs:
            print(f"service start failed; data dir kept: {svc.data_dir}; {problems}")
        else:
            shutil.rmtree(svc.data_dir, ignore_errors=True)
        raise
    return svc


def end_service(svc):
    problems = svc.finish()
    if problems:
        pytest.fail(f"service in {svc.data_dir} did not end cleanly:\n" + "\n".join(problems)
                    + "\n" + svc.logs_tail(), pytrace=False)
    shutil.rmtree(svc.data_dir, ignore_errors=True)
