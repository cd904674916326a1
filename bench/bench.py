#!/usr/bin/python3
"""bench.py: `make bench`: OfflineTube measured against the limits of its own parts.

Starts nginx + offlinetube-api + offlinetube-worker on a temporary data directory
(loopback only), and beside them a second, plain nginx that serves the same bytes
from static files: the ratio of the two in the same run is the figure that counts.
Prints one table and writes it, with the machine and package versions, to
docs/benchmarks.md.  Stdlib only; wrk does the HTTP load.  The whole run stays
well under ten minutes on a 2-core machine.  Nothing here asserts: a miss is
reported, not failed.
"""
import argparse
import datetime
import glob
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
YTDLP = shutil.which("yt-dlp") or "/usr/bin/yt-dlp"
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = os.path.join(REPO, "bench", "wrk.lua")
CACHE = os.path.join(REPO, "build", "bench-cache")
CLK = os.sysconf("SC_CLK_TCK")

# -- small helpers --------------------------------------------------------


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


def first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def hreq(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = dict(headers or {})
    if body is not None:
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def rss_kb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])     # utime + stime


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round((len(v) - 1) * p)))]


class RssPeak:
    """Samples the peak RSS of some processes every few milliseconds."""

    def __init__(self, pids, interval=0.005):
        self.pids, self.interval = pids, interval
        self.peak = {p: 0 for p in pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            for p in self.pids:
                self.peak[p] = max(self.peak[p], rss_kb(p))
            time.sleep(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def wrk(url, seconds, conns=16, threads=2, mode="get", **env):
    e = dict(os.environ, WRK_MODE=mode, **{k: str(v) for k, v in env.items()})
    out = run([WRK, "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", LUA, url], env=e)
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            r = json.loads(line[8:])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            r["bps"] = r["bytes"] / (r["duration_us"] / 1e6)
            r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
            return r
    raise RuntimeError(f"wrk gave no result for {url}:\n{out}")


def probe_code(marks):
    """Python for a yt-dlp stand-in: a download whose output the worker's loop
    must keep reading (a line every 2 ms; the pipe looked at every 1 ms with
    FIONREAD).  When marks/probe-stop appears it writes, in marks/probe.json,
    each stretch the pipe stayed unread, by when it began: how long the loop
    did nothing for this download."""
    return f"""# The probe: a download whose output the loop must keep reading.  oldest:
# when the oldest line still unread was written (None: all were read).
buf, gaps = array.array("i", [0]), []
oldest, nxt, end = None, 0.0, time.time() + 600
stop = os.path.join({marks!r}, "probe-stop")
open(os.path.join({marks!r}, "probe-started"), "w").close()
while time.time() < end and not os.path.exists(stop):
    fcntl.ioctl(1, termios.FIONREAD, buf)
    now = time.time()
    if buf[0] == 0:
        oldest = None
    elif now - oldest > 0.003:
        gaps.append((round(oldest, 4), round(now - oldest, 4)))
    if now >= nxt:
        os.write(1, b"[download] probe line\\n")
        if oldest is None:
            oldest = now
        nxt = now + 0.002
    time.sleep(0.001)
# Each stretch unread, by when it began: its longest sighting.
worst = {{}}
for t, g in gaps:
    worst[t] = max(worst.get(t, 0), g)
with open(os.path.join({marks!r}, "probe.json"), "w") as f:
    json.dump(sorted(worst.items()), f)
"""


# -- the rows of the tasks table --------------------------------------------

SEED_SQL = """
INSERT INTO tasks (id, url, title, thumbnail, status, progress, filesize,
    downloaded_bytes, format_note, filename, quality, download_type, audio_format,
    created_at, updated_at, completed_at)
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n),
u(i, id) AS (SELECT i, lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2)))
    || '-4' || substr(lower(hex(randomblob(2))), 2) || '-a'
    || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))) FROM c)
SELECT id, 'https://www.youtube.com/watch?v=' || substr(hex(randomblob(6)), 1, 11),
    'Benchmark video number ' || i || ' - a title of ordinary length',
    '/api/thumbnails/' || id, :status, CASE :status WHEN 'completed' THEN 100 ELSE 0 END,
    CASE :status WHEN 'completed' THEN 48000000 + i ELSE 0 END,
    CASE :status WHEN 'completed' THEN 48000000 + i ELSE 0 END,
    CASE :status WHEN 'completed' THEN '720p' ELSE '' END,
    CASE :status WHEN 'completed' THEN 'Benchmark video number ' || i || '__' || id || '.mp4'
        ELSE '' END,
    'best', 'video', 'm4a', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
    CASE :status WHEN 'completed' THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END
FROM u
"""


def seed(db, n, status="completed"):
    con = sqlite3.connect(db, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    with con:
        con.execute(SEED_SQL, {"n": n, "status": status})
    con.close()


def sql(db, statement, args=()):
    con = sqlite3.connect(db, timeout=30)
    with con:
        rows = con.execute(statement, args).fetchall()
    con.close()
    return rows


# -- the programs -------------------------------------------------------------


class Bench:
    def __init__(self, bindir, seconds):
        self.bin = bindir
        self.secs = seconds
        self.dir = tempfile.mkdtemp(prefix="otb-", dir="/tmp")
        # Run as root, the programs become nobody, who must reach the data below
        # and write the pickup marks of the stand-in yt-dlp.
        os.chmod(self.dir, 0o755)
        os.mkdir(os.path.join(self.dir, "marks"))
        os.chmod(os.path.join(self.dir, "marks"), 0o1777)
        self.data = os.path.join(self.dir, "data")
        self.static = os.path.join(self.dir, "static")
        self.site = os.path.join(self.dir, "site")
        for d in (self.data, self.static, self.site, os.path.join(self.dir, "logs")):
            os.makedirs(d)
        self.port = free_port()
        self.sport = free_port()
        self.db = os.path.join(self.data, "offlinetube.db")
        self.sock = os.path.join(self.data, "run", "api.sock")
        self.procs = {}
        self.rows = []       # (item, what, value, target, ok)
        self.notes = {}
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": os.path.join(self.dir, "xdg"),
            "OFFLINETUBE_DATA_DIR": self.data,
            "OFFLINETUBE_LISTEN": f"127.0.0.1:{self.port}",
            "OFFLINETUBE_SOCKET": self.sock,
            "OFFLINETUBE_FFMPEG": FFMPEG,
            "OFFLINETUBE_ALLOW_PRIVATE_URLS": "1",
            # Started as root, the programs need an account to become.
            **({"OFFLINETUBE_USER": "nobody"} if os.geteuid() == 0 else {}),
            # The rate limit is per client address and wrk is one address:
            # high enough never to refuse, still on the path of every request.
            "OFFLINETUBE_RATE_LIMIT": "1000000",
            "OFFLINETUBE_LOOKUP_RATE_LIMIT": "1000000",
            # Item 2 leaves tens of thousands of rows pending: the cap's maximum.
            "OFFLINETUBE_MAX_PENDING": "100000",
            "OFFLINETUBE_MAX_SUBSCRIPTIONS": "1000",
        }
        os.makedirs(self.env["XDG_CONFIG_HOME"])

    # results

    def add(self, item, what, value, target="", ok=None):
        self.rows.append((item, what, value, target, ok))
        mark = "" if ok is None else ("  PASS" if ok else "  MISS")
        log(f"{item} {what}: {value} {('(target ' + target + ')') if target else ''}{mark}")

    # processes

    def spawn(self, name, argv, env=None):
        logf = open(os.path.join(self.dir, "logs", f"{name}.log"), "ab")
        p = subprocess.Popen(argv, env=env or self.env, cwd=self.dir,
                             stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        self.procs[name] = p
        return p

    def stop(self, name):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGCONT)
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def wait_for(self, pred, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.02)
        raise RuntimeError(f"timed out waiting for {what}; logs in {self.dir}/logs")

    def start_static(self):
        nd = os.path.join(self.dir, "nginx-static")
        os.makedirs(nd)
        user = f"user {run(['id', '-un']).strip()} {run(['id', '-gn']).strip()};" \
            if os.getuid() == 0 else ""
        conf = os.path.join(nd, "nginx.conf")
        # The same nginx settings as nginx/offlinetube.conf.in where they matter.
        with open(conf, "w") as f:
            f.write(f"""{user}
worker_processes 1;
daemon off;
pid {nd}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
	access_log off;
	server_tokens off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	client_body_temp_path {nd}/body;
	proxy_temp_path {nd}/proxy;
	fastcgi_temp_path {nd}/fastcgi;
	uwsgi_temp_path {nd}/uwsgi;
	scgi_temp_path {nd}/scgi;
	server {{
		listen 127.0.0.1:{self.sport};
		location /static/ {{
			alias {self.static}/;
			default_type "application/json; charset=utf-8";
		}}
		location /media/ {{
			alias {self.data}/downloads/;
			default_type video/mp4;
		}}
		location /site/ {{
			alias {self.site}/;
			types {{ text/html html; video/mp4 mp4; }}
		}}
	}}
}}
""")
        self.spawn("nginx-static", [NGINX, "-p", nd, "-e", "stderr", "-c", conf])

    def start_api(self):
        self.spawn("api", [os.path.join(self.bin, "offlinetube-api")])

        def up():
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(self.sock)
                    return True
                except OSError:
                    return False
        self.wait_for(up, 20, "the API socket")

    def start_worker(self, ytdlp):
        env = dict(self.env, OFFLINETUBE_YTDLP=ytdlp)
        self.spawn("worker", [os.path.join(self.bin, "offlinetube-worker")], env)

        def alive():
            try:
                st, body = hreq(self.port, "GET", "/api/health")
            except OSError:
                return False
            return st == 200 and (json.loads(body).get("worker") or {}).get("alive") is True
        self.wait_for(alive, 30, "the worker's heartbeat")

    def start_nginx(self):
        conf = run(["sh", os.path.join(REPO, "scripts", "nginx-conf.sh"), self.data,
                    f"127.0.0.1:{self.port}", self.sock], env=self.env).strip()
        self.spawn("nginx", [NGINX, "-p", os.path.join(self.data, "nginx"), "-e", "stderr",
                             "-c", conf])

        def up():
            try:
                return hreq(self.port, "GET", "/api/health")[0] in (200, 503)
            except OSError:
                return False
        self.wait_for(up, 20, "nginx")

    def write_script(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    def close(self, keep):
        for name in list(self.procs):
            self.stop(name)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- the measurements ---------------------------------------------------

    def idle(self):
        """Item 4b and 6a: 60 quiet seconds; CPU time and RSS of both programs."""
        api, wk = self.procs["api"].pid, self.procs["worker"].pid
        time.sleep(2)
        a0, w0 = cpu_ticks(api), cpu_ticks(wk)
        t0 = time.monotonic()
        time.sleep(self.idle_secs)
        dt = time.monotonic() - t0
        a = (cpu_ticks(api) - a0) / CLK / dt * 100
        w = (cpu_ticks(wk) - w0) / CLK / dt * 100
        self.add("4", f"idle CPU, API ({dt:.0f} s)", f"{a:.2f}% of a core", "<0.5%", a < 0.5)
        self.add("4", f"idle CPU, worker ({dt:.0f} s)", f"{w:.2f}% of a core", "<0.5%", w < 0.5)
        ra, rw = rss_kb(api), rss_kb(wk)
        self.idle_rss = (ra, rw)
        self.add("6", "RSS idle, API (all threads) + worker",
                 f"{ra / 1024:.1f} + {rw / 1024:.1f} = {(ra + rw) / 1024:.1f} MiB", "<20 MB",
                 (ra + rw) * 1024 < 20e6)

    def reads(self):
        """Item 1: the three reads beside nginx serving the identical bytes."""
        ids = sql(self.db, "SELECT id FROM tasks ORDER BY seq LIMIT 1 OFFSET 500")
        tid = ids[0][0]
        cases = [("single task", f"/api/downloads/{tid}", "task.json", 0.40),
                 ("page of 50", "/api/downloads?limit=50", "page50.json", 0.25),
                 ("full list (1,000)", "/api/downloads", "all.json", 0.25)]
        api, wk = self.procs["api"].pid, self.procs["worker"].pid
        peak = {api: 0, wk: 0}
        for what, path, fname, target in cases:
            st, body = hreq(self.port, "GET", path)
            assert st == 200, (path, st, body[:200])
            with open(os.path.join(self.static, fname), "wb") as f:
                f.write(body)
            st2, body2 = hreq(self.sport, "GET", f"/static/{fname}")
            assert st2 == 200 and body2 == body
            wrk(f"http://127.0.0.1:{self.port}{path}", 1)           # warm-up
            # Three rounds of the API then nginx, half as long each: the
            # round whose ratio is the median is reported, so that one slow
            # spell of this shared machine does not decide the figure.
            # The RSS sampler runs through both halves: it costs them alike.
            rounds = []
            for _ in range(3):
                with RssPeak([api, wk]) as rp:
                    r = wrk(f"http://127.0.0.1:{self.port}{path}", max(2, self.secs // 2))
                    s = wrk(f"http://127.0.0.1:{self.sport}/static/{fname}",
                            max(2, self.secs // 2))
                for p in peak:
                    peak[p] = max(peak[p], rp.peak[p])
                rounds.append((r["rps"] / s["rps"], r, s))
            rounds.sort(key=lambda x: x[0])
            ratio, r, s = rounds[1]
            r = dict(r, errors=sum(x[1]["errors"] for x in rounds))
            self.add("1", f"GET {what} ({len(body)} B): API",
                     f"{r['rps']:.0f} req/s, p50 {r['p50_us'] / 1000:.2f} ms, "
                     f"p99 {r['p99_us'] / 1000:.2f} ms" + (f", {r['errors']} errors"
                                                          if r["errors"] else ""))
            self.add("1", f"GET {what}: nginx static, same bytes",
                     f"{s['rps']:.0f} req/s, p50 {s['p50_us'] / 1000:.2f} ms, "
                     f"p99 {s['p99_us'] / 1000:.2f} ms")
            self.add("1", f"GET {what}: API / static", f"{ratio * 100:.0f}%",
                     f">={target * 100:.0f}%", ratio >= target and r["errors"] == 0)
        self.add("6", "RSS during item 1 (peak), API + worker",
                 f"{peak[api] / 1024:.1f} + {peak[wk] / 1024:.1f} MiB")

    def revalidate(self):
        """Item 10: GET /api/downloads (1,000 tasks) answered 304 to its own ETag,
        against the full answer, against the API's cheapest answer (one task,
        the floor of a FastCGI round trip) and against nginx's 304 for a
        static file."""
        def tagged(port, path):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("GET", path)
            r = c.getresponse()
            n = len(r.read())
            c.close()
            return r.getheader("ETag"), n
        path = "/api/downloads"
        tag, full_len = tagged(self.port, path)
        st, _ = hreq(self.port, "GET", path, headers={"If-None-Match": tag})
        assert st == 304, st
        with open(os.path.join(self.static, "all.json"), "wb") as f:
            f.write(b"x" * full_len)
        stag, _ = tagged(self.sport, "/static/all.json")
        st, _ = hreq(self.sport, "GET", "/static/all.json", headers={"If-None-Match": stag})
        assert st == 304, st
        api_url = f"http://127.0.0.1:{self.port}{path}"
        tid = sql(self.db, "SELECT id FROM tasks ORDER BY seq LIMIT 1 OFFSET 500")[0][0]
        one_url = f"http://127.0.0.1:{self.port}/api/downloads/{tid}"
        wrk(api_url, 1, mode="inm", WRK_INM=tag)                   # warm-up
        rounds = []
        for _ in range(3):
            n = wrk(api_url, max(2, self.secs // 2), mode="inm", WRK_INM=tag)
            f = wrk(api_url, max(2, self.secs // 2))
            o = wrk(one_url, max(2, self.secs // 2))
            s = wrk(f"http://127.0.0.1:{self.sport}/static/all.json",
                    max(2, self.secs // 2), mode="inm", WRK_INM=stag)
            rounds.append((n["rps"] / o["rps"], n, f, o, s))
        rounds.sort(key=lambda x: x[0])
        ratio, n, f, o, s = rounds[1]
        errors = sum(x[1]["errors"] + x[3]["errors"] for x in rounds)
        fmt = lambda r: f"{r['rps']:.0f} req/s, p50 {r['p50_us'] / 1000:.2f} ms, " \
            f"p99 {r['p99_us'] / 1000:.2f} ms"
        self.add("10", "GET full list (1,000), If-None-Match: API 304", fmt(n) +
                 (f", {errors} errors" if errors else ""))
        self.add("10", f"GET full list (1,000): API 200 ({full_len} B)", fmt(f))
        self.add("10", "GET single task: API 200 (its cheapest answer)", fmt(o))
        self.add("10", "nginx static 304 (If-None-Match)", fmt(s))
        self.add("10", "API 304 / API 200", f"{n['rps'] / f['rps']:.1f}x", ">=10x",
                 n["rps"] >= 10 * f["rps"] and errors == 0)
        self.add("10", "API 304 / API single task (a 304 costs no more than any answer)",
                 f"{ratio * 100:.0f}%", ">=90%", ratio >= 0.90 and errors == 0)
        self.add("10", "API 304 / nginx static 304", f"{n['rps'] / s['rps'] * 100:.0f}%")

    def creates(self):
        """Item 2: sustained POST /api/download at 16 connections."""
        body = json.dumps({"url": f"http://127.0.0.1:{self.sport}/site/none.html"})
        before = sql(self.db, "SELECT max(seq) FROM tasks")[0][0]
        wk = self.procs["worker"]
        # The worker is paused: this measures the API's writes, not yt-dlp runs.
        wk.send_signal(signal.SIGSTOP)
        try:
            wrk(f"http://127.0.0.1:{self.port}/api/download", 1, mode="post", WRK_BODY=body)
            r = wrk(f"http://127.0.0.1:{self.port}/api/download", self.secs, mode="post",
                    WRK_BODY=body)
            mode = sql(self.db, "PRAGMA journal_mode")[0][0]
        finally:
            sql(self.db, "DELETE FROM tasks WHERE seq > ?", (before,))
            # The items after this one start from a short WAL again.
            sql(self.db, "PRAGMA wal_checkpoint(TRUNCATE)")
            wk.send_signal(signal.SIGCONT)
        self.add("2", "POST /api/download, 16 connections",
                 f"{r['rps']:.0f} creates/s, p50 {r['p50_us'] / 1000:.2f} ms, "
                 f"p99 {r['p99_us'] / 1000:.2f} ms" +
                 (f", {r['errors']} errors" if r["errors"] else "") +
                 f" (journal_mode={mode}, synchronous=NORMAL: no fsync per commit)",
                 ">=2,000/s", r["rps"] >= 2000 and r["errors"] == 0)

    def flood(self):
        """Item 8: POST /api/download at 16 connections while the worker runs,
        failing every task through the stand-in yt-dlp as fast as it claims them."""
        body = json.dumps({"url": f"http://127.0.0.1:{self.sport}/site/none.html"})
        before = sql(self.db, "SELECT max(seq) FROM tasks")[0][0]
        try:
            wrk(f"http://127.0.0.1:{self.port}/api/download", 1, mode="post", WRK_BODY=body)
            mid = sql(self.db, "SELECT max(seq) FROM tasks")[0][0]
            api, wk = self.procs["api"].pid, self.procs["worker"].pid
            a0, w0, t0 = cpu_ticks(api), cpu_ticks(wk), time.monotonic()
            r = wrk(f"http://127.0.0.1:{self.port}/api/download", self.secs, mode="post",
                    WRK_BODY=body)
            dt = time.monotonic() - t0
            cpu = ((cpu_ticks(api) - a0) / CLK / dt * 100, (cpu_ticks(wk) - w0) / CLK / dt * 100)
            try:
                wal = os.path.getsize(self.db + "-wal")
            except OSError:
                wal = 0
            # Durable: a row for every 200 wrk counted (a create answers after its commit).
            rows = (sql(self.db, "SELECT count(*) FROM tasks WHERE seq > ?", (mid,))[0][0],
                    sql(self.db, "SELECT count(*) FROM tasks WHERE seq > ? AND "
                        "status = 'error'", (before,))[0][0])
        finally:
            # The worker has finished with the rows it claimed before they go.
            time.sleep(1)
            sql(self.db, "UPDATE tasks SET status = 'cancelled' WHERE seq > ? AND "
                "status = 'pending'", (before,))
            time.sleep(0.5)
            sql(self.db, "DELETE FROM tasks WHERE seq > ?", (before,))
            sql(self.db, "PRAGMA wal_checkpoint(TRUNCATE)")
        ok = r["errors"] == 0 and rows[0] >= r["requests"]
        self.add("8", "POST /api/download, 16 connections, worker failing each task",
                 f"{r['rps']:.0f} creates/s, p50 {r['p50_us'] / 1000:.2f} ms, "
                 f"p99 {r['p99_us'] / 1000:.2f} ms; {rows[0]} rows, {rows[1]} tasks "
                 f"failed by the worker meanwhile; WAL file {wal / 1e6:.0f} MB at the end; "
                 f"CPU: API {cpu[0]:.0f}%, worker {cpu[1]:.0f}% of a core" +
                 (f", {r['errors']} errors" if r["errors"] else ""),
                 ">=2,000/s, p99<100 ms",
                 ok and r["rps"] >= 2000 and r["p99_us"] < 100000)

    def streams(self):
        """Item 3: a 100 MB file, whole and by 1 MiB ranges, via X-Accel and directly."""
        name = "Bench stream 100MB__00000000-0000-4000-a000-000000000100.mp4"
        src = os.path.join(CACHE, "stream-100MB.bin")
        if not os.path.exists(src) or os.path.getsize(src) != 100 * 1000 * 1000:
            os.makedirs(CACHE, exist_ok=True)
            with open(src + ".tmp", "wb") as f:
                f.write(os.urandom(100 * 1000 * 1000))
            os.rename(src + ".tmp", src)
        dst = os.path.join(self.data, "downloads", name)
        shutil.copyfile(src, dst)
        sql(self.db, "INSERT INTO tasks (id, url, status, progress, filename, filesize, "
            "created_at, updated_at, completed_at) VALUES ('00000000-0000-4000-a000-"
            "000000000100', 'https://example.com/v', 'completed', 100, ?, ?, "
            "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
            (name, 100 * 1000 * 1000))
        q = name.replace(" ", "%20")
        api = f"http://127.0.0.1:{self.port}/api/stream/{q}"
        direct = f"http://127.0.0.1:{self.sport}/media/{q}"
        size = 100 * 1000 * 1000

        def warm():
            # The host reclaims cold page cache (these machines run kdamond):
            # the file is read whole before each half, so that both sides
            # serve it from memory and neither measures the disk.
            with open(dst, "rb") as f:
                while f.read(1 << 22):
                    pass
        for what, mode in (("whole file", "get"), ("1 MiB ranges", "range")):
            warm()
            wrk(api, 1, mode=mode, WRK_SIZE=size)
            # Three rounds, as in item 1: the round with the median ratio is shown.
            rounds = []
            for _ in range(3):
                warm()
                r = wrk(api, max(2, self.secs // 2), mode=mode, WRK_SIZE=size)
                warm()
                d = wrk(direct, max(2, self.secs // 2), mode=mode, WRK_SIZE=size)
                rounds.append((r["bps"] / d["bps"], r, d))
            rounds.sort(key=lambda x: x[0])
            ratio, r, d = rounds[1]
            r = dict(r, errors=sum(x[1]["errors"] for x in rounds))
            self.add("3", f"stream {what}: via API + X-Accel",
                     f"{r['bps'] / 1e6:.0f} MB/s ({r['rps']:.1f} req/s)" +
                     (f", {r['errors']} errors" if r["errors"] else ""))
            self.add("3", f"stream {what}: nginx direct",
                     f"{d['bps'] / 1e6:.0f} MB/s ({d['rps']:.1f} req/s)")
            self.add("3", f"stream {what}: X-Accel / direct", f"{ratio * 100:.0f}%", ">=95%",
                     ratio >= 0.95 and r["errors"] == 0)

    def pickup_latencies(self, n, marks):
        """From each POST's answer to the stand-in yt-dlp noting its start, in ms."""
        lat = []
        tag = f"{time.monotonic_ns()}"
        for i in range(n):
            url = f"http://127.0.0.1:9/pickup-{tag}-{i}"
            st, body = hreq(self.port, "POST", "/api/download", {"url": url})
            t_answer = time.time()
            assert st == 200, body

            def seen():
                try:
                    with open(marks) as f:
                        for line in f:
                            t, u = line.split()
                            if u == url:
                                return float(t)
                except (OSError, ValueError):
                    pass
                return None
            end = time.monotonic() + 5
            while (t := seen()) is None:
                if time.monotonic() > end:
                    raise RuntimeError(f"task {i} never reached yt-dlp")
                time.sleep(0.002)
            lat.append((t - t_answer) * 1000)
            time.sleep(random.uniform(0.0, 0.1))  # do not phase-lock with the poll tick
        return lat

    def pickup(self, n):
        """Item 4a: from the POST's answer to the (trivial) yt-dlp being spawned."""
        lat = self.pickup_latencies(n, os.path.join(self.dir, "marks", "pickup.log"))
        p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
        self.add("4", f"pickup latency ({n} tasks)", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                 f"max {max(lat):.1f} ms", "p50<=50, p99<=200 ms", p50 <= 50 and p99 <= 200)
        self.pickup_lat = lat

    def make_fixture(self):
        mp4 = os.path.join(CACHE, "fixture-50MB.mp4")
        if not os.path.exists(mp4) or os.path.getsize(mp4) < 45e6:
            os.makedirs(CACHE, exist_ok=True)
            log("making the 50 MB fixture video (once; cached in build/bench-cache)")
            run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
                 "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=f=440",
                 "-vf", "noise=alls=60:allf=t", "-t", "60", "-fs", "50000000",
                 "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-c:a", "aac",
                 "-pix_fmt", "yuv420p", "-movflags", "+faststart", mp4 + ".tmp.mp4"])
            os.rename(mp4 + ".tmp.mp4", mp4)
        shutil.copyfile(mp4, os.path.join(self.site, "v50.mp4"))
        with open(os.path.join(self.site, "v50.html"), "w") as f:
            f.write(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="Bench fifty">
<title>Bench fifty</title></head>
<body><video controls>
<source src="http://127.0.0.1:{self.sport}/site/v50.mp4" type="video/mp4" width="640" height="360">
</video></body></html>
""")
        return f"http://127.0.0.1:{self.sport}/site/v50.html", os.path.getsize(mp4)

    def service_run(self, url):
        t0 = time.monotonic()
        st, body = hreq(self.port, "POST", "/api/download", {"url": url})
        assert st == 200, body
        tid = json.loads(body)["id"]
        picked = None
        while True:
            st, body = hreq(self.port, "GET", f"/api/downloads/{tid}")
            t = json.loads(body)
            if picked is None and t["status"] != "pending":
                picked = time.monotonic() - t0
            if t["status"] in ("completed", "error", "cancelled"):
                break
            if time.monotonic() - t0 > 120:
                raise RuntimeError("end-to-end download did not finish")
            time.sleep(0.01)
        dt = time.monotonic() - t0
        if t["status"] != "completed":
            raise RuntimeError(f"end-to-end download failed: {t['error_message']}")
        hreq(self.port, "DELETE", f"/api/downloads/{tid}/remove")
        log(f"service run: picked up after {picked:.3f} s, done after {dt:.3f} s")
        return dt

    def plain_run(self, url):
        """The file fetched by yt-dlp alone, as the worker's user would."""
        out = tempfile.mkdtemp(dir=self.dir)
        t0 = time.monotonic()
        subprocess.run([YTDLP, "-q", "-P", out, url], cwd=out, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        dt = time.monotonic() - t0
        shutil.rmtree(out)
        return dt

    def end_to_end(self, runs):
        """Item 5: a 50 MB download through the service, and by plain yt-dlp."""
        url, size = self.make_fixture()
        argvdir = os.path.join(self.dir, "argv")
        os.makedirs(argvdir)
        os.chmod(argvdir, 0o1777)   # the worker's user (nobody, run as root) writes here
        wrap = self.write_script("ytdlp-record", f"""#!/bin/bash
printf '%s\\0' "$@" > {argvdir}/$$
exec {YTDLP} "$@"
""")
        self.stop("worker")
        self.start_worker(wrap)
        self.service_run(url)                   # warm-up; records the argv
        argv = None
        for f in os.listdir(argvdir):
            with open(os.path.join(argvdir, f), "rb") as fh:
                a = [x.decode() for x in fh.read().split(b"\0")[:-1]]
            if "--progress-template" in a:
                argv = a
        assert argv, "the download phase's argv was not recorded"
        self.stop("worker")
        self.start_worker(YTDLP)
        # Plain yt-dlp: the same options, with its own output directory (and
        # without --load-info-json, which the service passes only after a -J
        # listing of a page of several videos).
        plain_args, i = [], 0
        while i < len(argv):
            if argv[i] == "--load-info-json":
                i += 2
                continue
            if argv[i] == "-P":
                plain_args += ["-P", "@OUT@"]
                i += 2
                continue
            plain_args.append(argv[i])
            i += 1
        if plain_args[-1] != url:
            plain_args[-1] = url
        # One of each in turn, so that a drift of the machine's speed during
        # the item weighs on both sides alike.
        svc, plain = [], []
        for k in range(runs):
            svc.append(self.service_run(url))
            out = os.path.join(self.dir, f"plain{k}")
            os.makedirs(out)
            a = [YTDLP] + [out if x == "@OUT@" else x for x in plain_args]
            t0 = time.monotonic()
            subprocess.run(a, cwd=out, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=self.env)
            plain.append(time.monotonic() - t0)
            shutil.rmtree(out)
        ms, mp = statistics.median(svc), statistics.median(plain)
        self.add("5", f"end-to-end {size / 1e6:.0f} MB: service (POST to completed)",
                 f"median {ms:.2f} s of {runs} ({', '.join(f'{x:.2f}' for x in svc)})")
        self.add("5", "end-to-end: plain yt-dlp, same options",
                 f"median {mp:.2f} s of {runs} ({', '.join(f'{x:.2f}' for x in plain)})")
        self.add("5", "end-to-end: service / plain", f"{ms / mp:.2f}x", "<=1.10x",
                 ms / mp <= 1.10)
        self.plain_argv = " ".join(plain_args)

    def list_latency(self, label):
        """GET ?limit=50 at one connection: latency, not queueing."""
        r = wrk(f"http://127.0.0.1:{self.port}/api/downloads?limit=50", max(2, self.secs // 2),
                conns=1, threads=1)
        return r["p50_us"] / 1000, r["p99_us"] / 1000

    def store_db(self, total, pending):
        db = os.path.join(self.dir, f"store-{total}.db")
        run([os.path.join(self.bin, "bench", "store_bench"), db, "0"])   # migrates
        seed(db, total - pending)
        seed(db, pending, "pending")
        return db

    def store_ops(self, rounds=3, each=500):
        """Claim, progress and completion through sql/store.c: 1,000 vs 100,000
        tasks, rounds interleaved so that a busy moment hits both sizes alike;
        the median of each round's median."""
        dbs = {n: self.store_db(n, rounds * each) for n in (1000, 100000)}
        got = {n: [] for n in dbs}
        for _ in range(rounds):
            for n, db in dbs.items():
                got[n].append(json.loads(run([os.path.join(self.bin, "bench", "store_bench"),
                                              db, str(each)])))
        return {n: {k: statistics.median(r[k] for r in v) for k in v[0]}
                for n, v in got.items()}

    def scale(self):
        """Items 6b and 7: the same work with 100,000 tasks in the table."""
        small_list = self.list_latency("1k")
        ops = self.store_ops()
        small_ops, big_ops = ops[1000], ops[100000]
        n = sql(self.db, "SELECT count(*) FROM tasks")[0][0]
        seed(self.db, 100000 - n)
        api = self.procs["api"].pid
        time.sleep(0.5)
        hreq(self.port, "GET", "/api/downloads?limit=50")
        big_list = self.list_latency("100k")
        # Item 6b: the API's peak RSS while it answers the whole 100,000-task list.
        with open(f"/proc/{api}/clear_refs", "w") as f:
            f.write("5")                # resets VmHWM to the current RSS
        before = rss_kb(api)
        with RssPeak([api]) as rp:
            t0 = time.monotonic()
            out = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                       f"http://127.0.0.1:{self.port}/api/downloads"])
            dt = time.monotonic() - t0
        peak = max(rp.peak[api], rss_kb(api, "VmHWM"))
        code, nbytes = out.split()
        grow = (peak - before) / 1024
        self.add("6", "API RSS answering GET /api/downloads (100,000 tasks)",
                 f"{before / 1024:.1f} -> peak {peak / 1024:.1f} MiB (+{grow:.1f} MiB); "
                 f"{int(nbytes) / 1e6:.0f} MB in {dt:.2f} s, HTTP {code}", "+<8 MB",
                 (peak - before) * 1024 < 8e6 and code == "200")
        r = big_list[0] / small_list[0]
        self.add("7", "GET ?limit=50 p50 (1 connection): 1,000 vs 100,000 tasks",
                 f"{small_list[0]:.3f} ms vs {big_list[0]:.3f} ms = {r:.2f}x", "<=1.5x",
                 r <= 1.5)
        for op in ("claim", "progress", "complete"):
            a, b = small_ops[f"{op}_p50_us"], big_ops[f"{op}_p50_us"]
            name = {"claim": "a claim", "progress": "a progress update",
                    "complete": "a status update (complete)"}[op]
            self.add("7", f"{name} p50 (store.c, 3x500): 1,000 vs 100,000",
                     f"{a:.1f} us vs {b:.1f} us = {b / a:.2f}x", "<=1.5x", b / a <= 1.5)


    # -- item 8: the loop while a look-up answers many formats ---------------

    def formats_json(self, n):
        """A -J answer with n formats, as yt-dlp prints an HLS manifest's
        variants (about 900 bytes each: URL, manifest, codecs, headers)."""
        path = os.path.join(self.dir, f"formats-{n}.json")
        hdr = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
               "(KHTML, like Gecko) Chrome/110.0.0.0 Safari/537.36",
               "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
               "Accept-Language": "en-us,en;q=0.5", "Sec-Fetch-Mode": "navigate"}
        fmts = []
        for i in range(n):
            h = (144, 240, 360, 480, 720, 1080)[i % 6]
            w = h * 16 // 9
            tbr = 100 + (i * 37) % 5000
            fid = f"hls-{tbr}-{i}"
            fmts.append({
                "format_id": fid, "format_index": None,
                "url": f"https://cdn.example.com/hls/v/variant_{i}.m3u8?token=abcdef0123456789",
                "manifest_url": "https://cdn.example.com/hls/master.m3u8", "tbr": float(tbr),
                "ext": "mp4", "fps": 30.0, "protocol": "m3u8_native", "preference": None,
                "quality": None, "has_drm": False, "width": w, "height": h,
                "vcodec": "avc1.64001f", "acodec": "mp4a.40.2", "dynamic_range": "SDR",
                "resolution": f"{w}x{h}", "aspect_ratio": 1.78, "filesize_approx": 1000000 + i,
                "http_headers": hdr, "video_ext": "mp4", "audio_ext": "none", "vbr": None,
                "abr": None, "format": f"{fid} - {w}x{h}"})
        doc = {"id": "manifest", "title": "A page of many variants", "duration": 60,
               "webpage_url": "https://example.com/many", "extractor": "generic",
               "formats": fmts}
        with open(path, "w") as f:
            json.dump(doc, f)
        return path, os.path.getsize(path)

    def stall(self, cases):
        """Item 8: the worst stall of the worker's loop while a look-up's answer
        is read and made, seen from a download running beside it.

        The download is a stand-in that writes a short line to its stdout
        every 2 ms and looks at its pipe every millisecond (FIONREAD): the
        longest the pipe stayed unread is how long the loop did nothing for
        that download.  The look-up is POST /api/info of a page whose -J
        answer lists n formats (a stand-in prints a prepared file)."""
        marks = os.path.join(self.dir, "marks")
        files = {n: self.formats_json(n) for n in cases}
        standin = self.write_script("ytdlp-stall", f"""#!/usr/bin/python3
import array, fcntl, json, os, shutil, sys, termios, time
args = sys.argv[1:]
if args == ["--version"]:
    print("2099.01.01")
    sys.exit(0)
url = args[-1]
if "-J" in args:
    n = url.rsplit("-", 1)[1]
    with open(os.path.join({self.dir!r}, f"formats-{{n}}.json"), "rb") as f:
        shutil.copyfileobj(f, sys.stdout.buffer, 65536)
    sys.exit(0)
{probe_code(marks)}sys.stderr.write("ERROR: benchmark stand-in\\n")
sys.exit(1)
""")
        self.stop("worker")
        self.start_worker(standin)
        wk = self.procs["worker"].pid
        st, body = hreq(self.port, "POST", "/api/download",
                        {"url": f"http://127.0.0.1:{self.sport}/site/probe"})
        assert st == 200, body
        tid = json.loads(body)["id"]
        self.wait_for(lambda: os.path.exists(os.path.join(marks, "probe-started")), 20,
                      "the probe download")
        windows = []
        quiet0 = time.time()
        time.sleep(2)
        windows.append(("quiet", quiet0, time.time(), None, None, 0))
        for n in cases:
            with RssPeak([wk]) as rp:
                t0 = time.time()
                st, body = hreq(self.port, "POST", "/api/info",
                                {"url": f"http://127.0.0.1:{self.sport}/site/formats-{n}"})
                t1 = time.time()
            windows.append((n, t0, t1, st, json.loads(body), rp.peak[wk]))
            time.sleep(1)
        open(os.path.join(marks, "probe-stop"), "w").close()
        self.wait_for(lambda: os.path.exists(os.path.join(marks, "probe.json")), 20,
                      "the probe's figures")
        with open(os.path.join(marks, "probe.json")) as f:
            gaps = json.load(f)
        hreq(self.port, "DELETE", f"/api/downloads/{tid}/remove")

        def worst(t0, t1):
            # A stretch that began before the window and ran into it counts.
            return max([g for t, g in gaps if t < t1 and t + g > t0] or [0.0]) * 1000

        for n, t0, t1, st, body, peak in windows:
            w = worst(t0, t1)
            if n == "quiet":
                self.add("9", "worst loop stall, 2 s with only the probe running",
                         f"{w:.0f} ms")
                continue
            path, size = files[n]
            if st == 200:
                how = f"answered with {len(body['formats'])} formats"
            else:
                how = f"{st}: {body.get('detail')}"
            self.add("9", f"worst loop stall, POST /api/info of {n:,} formats "
                     f"({size / 1e6:.1f} MB of -J)",
                     f"{w:.0f} ms over {t1 - t0:.2f} s; {how}; worker peak RSS "
                     f"{peak / 1024:.0f} MiB", "<100 ms", w < 100)
        self.stop("worker")
        self.start_worker(self.pickup_ytdlp)

    def checks(self, n_subs=500, entries=50):
        """Item 11: 500 subscriptions whose listings have not changed, checked
        all at once: the worker's loop (seen from a probe download beside the
        checks), and a real download's time beside them against alone."""
        marks = os.path.join(self.dir, "marks")
        for f in ("probe-stop", "probe-started", "probe.json", "real-start"):
            if os.path.exists(os.path.join(marks, f)):
                os.remove(os.path.join(marks, f))
        listing = os.path.join(self.dir, "listing.json")
        with open(listing, "w") as f:
            json.dump({"_type": "playlist", "id": "bench", "title": "Bench channel",
                       "entries": [{"_type": "url", "id": f"bench-{i}",
                                    "url": f"http://127.0.0.1:{self.sport}/site/e{i}",
                                    "title": f"Entry {i}", "duration": 60 + i}
                                   for i in range(entries)]}, f)
        standin = self.write_script("ytdlp-checks", f"""#!/usr/bin/python3
import array, fcntl, json, os, shutil, sys, termios, time
args = sys.argv[1:]
if "--playlist-end" in args:
    if os.path.exists({os.path.join(marks, "real-start")!r}):
        import yt_dlp                   # what a real check pays to start
        yt_dlp.YoutubeDL({{"quiet": True}})
    with open({listing!r}, "rb") as f:
        shutil.copyfileobj(f, sys.stdout.buffer)
    sys.exit(0)
if not args[-1].endswith("/probe"):
    os.execv({YTDLP!r}, [{YTDLP!r}] + args)
{probe_code(marks)}sys.stderr.write("ERROR: benchmark stand-in\\n")
sys.exit(1)
""")
        url, _ = self.make_fixture()
        self.stop("worker")
        self.start_worker(standin)
        # Alone: three runs of each before the rounds and three after, so
        # that the machine's drift (its page cache being written back, above
        # all) weighs on both sides alike.
        alone = [self.service_run(url) for _ in range(3)]
        plain_alone = [self.plain_run(url) for _ in range(3)]
        # The first round starts while the subscriptions are made: its start
        # is taken before the first one.
        t0 = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        ids = []
        for i in range(n_subs):
            st, body = hreq(self.port, "POST", "/api/subscriptions",
                            {"url": f"http://127.0.0.1:{self.sport}/site/channel-{i}",
                             "check_every": 86400})
            assert st == 200, body
            ids.append(json.loads(body)["id"])

        def round_done(since):
            n = sql(self.db, "SELECT count(*) FROM subscriptions WHERE state = 'idle' "
                    "AND last_checked_at >= ?", (since,))[0][0]
            return n == n_subs
        # The first round remembers every entry; the next ones find them unchanged.
        self.wait_for(lambda: round_done(t0), 900, "the first round of checks")
        st, body = hreq(self.port, "POST", "/api/download",
                        {"url": f"http://127.0.0.1:{self.sport}/site/probe"})
        assert st == 200, body
        probe = json.loads(body)["id"]
        self.wait_for(lambda: os.path.exists(os.path.join(marks, "probe-started")), 20,
                      "the probe download")
        time.sleep(1)
        t1 = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        time.sleep(1.1)     # last_checked_at has whole seconds
        w0 = time.time()
        sql(self.db, "UPDATE subscriptions SET next_check_at = 0")
        self.wait_for(lambda: round_done(t1), 900, "the second round of checks")
        w1 = time.time()
        open(os.path.join(marks, "probe-stop"), "w").close()
        self.wait_for(lambda: os.path.exists(os.path.join(marks, "probe.json")), 20,
                      "the probe's figures")
        with open(os.path.join(marks, "probe.json")) as f:
            gaps = json.load(f)
        worst = max([g for t, g in gaps if t < w1 and t + g > w0] or [0.0]) * 1000
        hreq(self.port, "DELETE", f"/api/downloads/{probe}/remove")
        # The third round, with the probe gone (its 500 lines a second cost the
        # CPU a download alone does not share): real downloads beside it.
        time.sleep(1.1)
        t2 = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        time.sleep(1.1)
        sql(self.db, "UPDATE subscriptions SET next_check_at = 0")
        beside, plain = [], []
        while not round_done(t2) and len(beside) < 3:
            beside.append(self.service_run(url))
            plain.append(self.plain_run(url))
        self.wait_for(lambda: round_done(t2), 900, "the third round of checks")
        alone += [self.service_run(url) for _ in range(3)]
        plain_alone += [self.plain_run(url) for _ in range(3)]
        alone, plain_alone = statistics.median(alone), statistics.median(plain_alone)
        # The fourth round with checks that start as slowly as real yt-dlp
        # (its import and set-up, ~0.4 s of CPU), as a household's round
        # is: downloads beside its first checks, the rest left undone.
        open(os.path.join(marks, "real-start"), "w").close()
        sql(self.db, "UPDATE subscriptions SET next_check_at = 0")
        self.wait_for(lambda: sql(self.db, "SELECT count(*) FROM subscriptions "
                                  "WHERE state = 'checking'")[0][0] > 0, 20,
                      "the fourth round of checks")
        real, real_plain = [], []
        for _ in range(3):
            real.append(self.service_run(url))
            real_plain.append(self.plain_run(url))
        made = sql(self.db, "SELECT count(*) FROM tasks WHERE subscription_id IS NOT NULL")[0][0]
        for sid in ids:
            hreq(self.port, "DELETE", f"/api/subscriptions/{sid}")
        self.add("11", f"{n_subs} unchanged subscriptions ({entries} entries each), "
                 "all due at once: one round", f"{w1 - w0:.1f} s with OFFLINETUBE_MAX_CHECKS=1, "
                 f"{made} tasks made by the checks of all four rounds")
        self.add("11", "worst loop stall during the round", f"{worst:.0f} ms", "<100 ms",
                 worst < 100)
        r = statistics.median(real)
        self.add("11", "52 MB download beside a round of checks that start like yt-dlp "
                 "(0.4 s of CPU each) / alone",
                 f"{r:.2f} s / {alone:.2f} s = {r / alone:.2f}x (median of 3 / 6)",
                 "<=1.10x", r / alone <= 1.10)
        rp = statistics.median(real_plain)
        self.add("11", "the same by plain yt-dlp, outside the service, beside that round / alone",
                 f"{rp:.2f} s / {plain_alone:.2f} s = {rp / plain_alone:.2f}x (median of 3 / 6)")
        if beside:
            b = statistics.median(beside)
            p = statistics.median(plain)
            self.add("11", "the same beside a round of checks that start in 40 ms "
                     "(18 process starts a second) / alone",
                     f"{b:.2f} s / {alone:.2f} s = {b / alone:.2f}x "
                     f"(median of {len(beside)} / 6)")
            self.add("11", "the same by plain yt-dlp, outside the service, beside "
                     "that round / alone",
                     f"{p:.2f} s / {plain_alone:.2f} s = {p / plain_alone:.2f}x "
                     f"(median of {len(plain)} / 6)")
        self.stop("worker")
        self.start_worker(self.pickup_ytdlp)


# -- the report -----------------------------------------------------------------


# -- item 12: the queue on PostgreSQL, with 1, 2 and 4 workers ---------------

PICKUP_SCRIPT = """#!/bin/bash
# A trivial yt-dlp: notes when it was started and for which URL, then fails.
if [ "$1" = --version ]; then echo 2099.01.01; exit 0; fi
printf '%s %s\\n' "$EPOCHREALTIME" "${{@: -1}}" >> {marks}
echo "ERROR: benchmark stand-in" >&2
exit 1
"""


def pg_available():
    return any(os.path.exists(os.path.join(d, "initdb"))
               for d in glob.glob("/usr/lib/postgresql/*/bin"))


class PgQueue:
    """Item 12 (issue 18): a throw-away PostgreSQL server (tests/pg/cluster.sh),
    the store's claim throughput with several claimers against SQLite's one,
    and a second service on PostgreSQL whose 1, 2, then 4 workers share its
    data directory: pickup latency and how fast they empty a queue."""

    CLUSTER = os.path.join(REPO, "tests", "pg", "cluster.sh")

    def __init__(self, bench):
        self.b = bench
        self.pgdir = os.path.join(bench.dir, "pg")
        self.uri = run(["sh", self.CLUSTER, "start", self.pgdir]).strip()

    def close(self):
        subprocess.run(["sh", self.CLUSTER, "stop", self.pgdir], capture_output=True)

    def drain(self, db, claimers, n):
        """n pending tasks, then `claimers` processes claim and complete them
        all at once (store_bench -c): claims per second over the whole span."""
        sb = os.path.join(self.b.bin, "bench", "store_bench")
        run([sb, "-s", db, str(n)])
        procs = [subprocess.Popen([sb, "-c", db], stdout=subprocess.PIPE, text=True)
                 for _ in range(claimers)]
        got = []
        for p in procs:
            out, _ = p.communicate(timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"store_bench -c failed ({p.returncode})")
            got.append(json.loads(out))
        total = sum(g["claims"] for g in got)
        span = max(g["last"] for g in got) - min(g["first"] for g in got if g["claims"])
        assert total == n, (total, n)
        return total / span

    def claims(self, n=3000, rounds=2):
        lite = os.path.join(self.b.dir, "claims.db")
        run([os.path.join(self.b.bin, "bench", "store_bench"), lite, "0"])
        rates = {k: [] for k in ("sqlite", 1, 2, 4)}
        for _ in range(rounds):
            rates["sqlite"].append(self.drain(lite, 1, n))
            for k in (1, 2, 4):
                rates[k].append(self.drain(self.uri, k, n))
        r = {k: statistics.median(v) for k, v in rates.items()}
        self.b.add("12", f"claims+completions/s, store.c ({rounds}x{n} tasks): SQLite, 1 worker",
                   f"{r['sqlite']:.0f}/s")
        self.b.add("12", "the same on PostgreSQL: 1, 2, 4 workers at once",
                   f"{r[1]:.0f}/s, {r[2]:.0f}/s ({r[2] / r[1]:.2f}x), "
                   f"{r[4]:.0f}/s ({r[4] / r[1]:.2f}x)",
                   "2 and 4 workers >= 1 worker's", r[2] >= r[1] * 0.95 and r[4] >= r[1] * 0.95)

    def service(self, pickups=100, burst=300):
        svc = Bench(self.b.bin, self.b.secs)
        svc.env["OFFLINETUBE_DATABASE"] = self.uri
        marks = os.path.join(svc.dir, "marks", "pickup.log")
        ytdlp = svc.write_script("ytdlp-pickup", PICKUP_SCRIPT.format(marks=marks))
        env = dict(svc.env, OFFLINETUBE_YTDLP=ytdlp)
        try:
            svc.start_api()
            svc.start_nginx()
            for k in (1, 2, 4):
                names = [f"worker{k}-{i}" for i in range(k)]
                for name in names:
                    svc.spawn(name, [os.path.join(svc.bin, "offlinetube-worker")], env)

                def alive(want=k):
                    try:
                        st, body = hreq(svc.port, "GET", "/api/health")
                        ws = json.loads(body).get("workers") or []
                    except (OSError, ValueError):
                        return False
                    return st == 200 and sum(1 for w in ws if w.get("alive")) == want
                svc.wait_for(alive, 30, f"{k} live workers")
                lat = svc.pickup_latencies(pickups, marks)
                p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
                self.b.add("12", f"pickup latency on PostgreSQL, {k} worker(s) ({pickups} tasks)",
                           f"p50 {p50:.1f} ms, p99 {p99:.1f} ms", "p50<=50, p99<=200 ms",
                           p50 <= 50 and p99 <= 200)
                # A queue of `burst` tasks made while the workers are stopped,
                # then emptied by them (3 downloads each, the stand-in fails
                # at once): tasks started per second.
                for name in names:
                    svc.procs[name].send_signal(signal.SIGSTOP)
                with open(marks) as f:
                    before = sum(1 for _ in f)
                for i in range(burst):
                    st, body = hreq(svc.port, "POST", "/api/download",
                                    {"url": f"http://127.0.0.1:9/burst-{k}-{i}"})
                    assert st == 200, body
                t0 = time.time()
                for name in names:
                    svc.procs[name].send_signal(signal.SIGCONT)

                def emptied():
                    with open(marks) as f:
                        return sum(1 for _ in f) - before >= burst
                svc.wait_for(emptied, 120, f"{burst} tasks started by {k} workers")
                with open(marks) as f:
                    last = max(float(line.split()[0]) for line in f)
                self.b.add("12", f"a queue of {burst} emptied on PostgreSQL, {k} worker(s)",
                           f"{burst / (last - t0):.0f} tasks started/s")
                for name in names:
                    svc.stop(name)
        finally:
            svc.close(keep=False)


def machine():
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = run(["nproc"]).strip()

    def pkg(names):
        for n in names:
            v = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", n],
                               capture_output=True, text=True).stdout.strip()
            if v:
                return v
        return "?"
    versions = {
        "nginx": first_line([NGINX, "-v"]).replace("nginx version: ", ""),
        "sqlite": sqlite3.sqlite_version + " (libsqlite3 " + pkg(["libsqlite3-0"]) + ")",
        "yt-dlp": first_line([YTDLP, "--version"]),
        "ffmpeg": first_line([FFMPEG, "-version"]).split(" Copyright")[0],
        "libfcgi": pkg(["libfcgi0ldbl", "libfcgi0t64", "libfcgi-bin", "libfcgi-dev"]),
        "json-c": pkg(["libjson-c5", "libjson-c-dev"]),
        "gcc": first_line(["gcc", "--version"]),
        "wrk": pkg(["wrk"]),
        "kernel": platform.release(),
    }
    return nproc, mem, cpu, versions


def table(rows):
    out = ["| # | measure | result | target | |", "|---|---|---|---|---|"]
    for item, what, value, target, ok in rows:
        mark = "" if ok is None else ("pass" if ok else "**MISS**")
        out.append(f"| {item} | {what} | {value} | {target} | {mark} |")
    return "\n".join(out)


def text_table(rows):
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    lines = []
    for item, what, value, target, ok in rows:
        mark = "" if ok is None else ("pass" if ok else "MISS")
        lines.append(f"{item:>2} {what:<{w1}}  {value:<{w2}}  {target:<22} {mark}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build")
    ap.add_argument("--seconds", type=int, default=6, help="per wrk measurement")
    ap.add_argument("--idle", type=int, default=60, help="idle seconds measured")
    ap.add_argument("--pickups", type=int, default=200)
    ap.add_argument("--runs", type=int, default=7, help="end-to-end runs of each kind")
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "benchmarks.md"))
    ap.add_argument("--notes", default=os.path.join(REPO, "bench", "notes.md"),
                    help="the hand-written analysis appended to the report")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--only", default="",
                    help="comma list of items (numbers) or steps (idle, reads, creates, "
                    "flood, streams, pickup, e2e, scale, stall, revalidate, checks, workers) to run alone; the report "
                    "is then printed, not written")
    a = ap.parse_args()
    binabs = os.path.join(REPO, a.bin) if not os.path.isabs(a.bin) else a.bin
    started = time.monotonic()
    b = Bench(binabs, a.seconds)
    b.idle_secs = a.idle
    # An item's number runs the steps that make its figures.
    items = {"1": ["reads"], "2": ["creates"], "3": ["streams"], "4": ["idle", "pickup"],
             "5": ["e2e"], "6": ["idle", "reads", "scale"], "7": ["scale"], "8": ["flood"],
             "9": ["stall"], "10": ["revalidate"], "11": ["checks"], "12": ["workers"]}
    steps = {s for x in a.only.split(",") for s in items.get(x, [x])} if a.only else None

    def want(s):
        return steps is None or s in steps
    pickup = b.write_script("ytdlp-pickup", PICKUP_SCRIPT.format(
        marks=os.path.join(b.dir, "marks", "pickup.log")))
    b.pickup_ytdlp = pickup
    try:
        b.start_static()
        b.start_api()
        b.start_nginx()
        b.start_worker(pickup)
        log(f"service on 127.0.0.1:{b.port}, static nginx on 127.0.0.1:{b.sport}, "
            f"data in {b.data}")
        if want("idle"):
            b.idle()
        seed(b.db, 1000)
        if want("reads"):
            b.reads()
        if want("revalidate"):
            b.revalidate()
        if want("creates"):
            b.creates()
        if want("flood"):
            b.flood()
        if want("streams"):
            b.streams()
        if want("pickup"):
            b.pickup(a.pickups)
        if want("e2e"):
            b.end_to_end(a.runs)
        if want("scale"):
            b.scale()
        if want("stall"):
            b.stall([4400, 20000, 40000])
        if want("checks"):
            b.checks()
        if want("workers"):
            if pg_available():
                pq = PgQueue(b)
                try:
                    pq.claims()
                    pq.service()
                finally:
                    pq.close()
            else:
                b.add("12", "PostgreSQL's queue with several workers",
                      "not measured: no PostgreSQL server installed (apt install postgresql)")
    except Exception:
        log(f"failed; logs kept in {b.dir}/logs")
        b.close(keep=True)
        raise
    b.close(keep=a.keep)
    elapsed = time.monotonic() - started
    nproc, mem, cpu, versions = machine()
    print(text_table(b.rows))
    misses = [r for r in b.rows if r[4] is False]
    print(f"\n{len([r for r in b.rows if r[4]])} targets met, {len(misses)} missed; "
          f"run took {elapsed:.0f} s")
    if steps is not None:
        log("partial run (--only): docs/benchmarks.md left alone")
        return
    notes = ""
    if os.path.exists(a.notes):
        with open(a.notes) as f:
            notes = f.read()
    vers = "\n".join(f"| {k} | {v} |" for k, v in versions.items())
    doc = f"""# Benchmarks

Written by `make bench` (bench/bench.py); do not edit by hand: the notes at the
end come from bench/notes.md.

- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}
- machine: `nproc` {nproc}, {mem} memory, {cpu}
- run time: {elapsed:.0f} s; wrk: 2 threads, 16 connections, {a.seconds} s per
  figure (item 1: three rounds of {a.seconds // 2} s), after a 1 s warm-up, over
  loopback; optimized build (`{a.bin}/`)

| package | version |
|---|---|
{vers}

## Results

{table(b.rows)}

{len([r for r in b.rows if r[4]])} targets met, {len(misses)} missed.

## How each figure is taken

1. The service path is wrk → nginx (the project's own configuration from
   scripts/nginx-conf.sh, rate limit raised so that it never refuses) → FastCGI →
   offlinetube-api → SQLite.  Beside it a second nginx (1 worker, the same
   sendfile/keepalive settings) serves the bytes the API answered, saved to a
   static file, in the same run.  The table holds 1,000 completed tasks.  Each
   figure is three rounds of the API then the static file, {a.seconds // 2} s each;
   the round with the median ratio is the one shown.
2. wrk POSTs `{{"url": ...}}` to /api/download; the worker is paused (SIGSTOP) so
   that the figure is the API's, and the rows are deleted afterwards.
8. The same POSTs with the worker running, its yt-dlp the failing stand-in of
   item 4: it claims and fails tasks as fast as it can meanwhile (three at a
   time), so its write transactions, its wake-ups at every commit and its
   checkpoints share the database with the creates.  Durable: the rows are
   counted afterwards (an answer is sent after its commit); the size of the
   -wal file when wrk stops shows whether checkpoints kept up.
3. A 100 MB file of a completed task; `GET /api/stream/{{name}}` (the API answers
   X-Accel-Redirect, nginx sends the file) against the static nginx serving the
   same file straight from downloads/.  Ranges are random, 4 KiB-aligned, 1 MiB.
   Three rounds of each, the file read whole before every half (the host
   reclaims cold page cache); the round with the median ratio is shown.
4. yt-dlp is replaced by a bash script that appends `$EPOCHREALTIME` and its URL
   to a file and fails; the client takes the time when the POST's answer is read.
   200 tasks, one after another with a random 10-60 ms pause.  Idle: utime+stime
   from /proc over {a.idle} s with nothing to do (1,000 tasks in the table
   afterwards; the worker has its 50 ms poll tick and 5 s heartbeat).
5. nginx serves an HTML page (og:title, `<video><source>`) and a 50 MB MP4 made by
   FFmpeg.  Service: POST to `completed` seen by polling every 10 ms.  Plain:
   `yt-dlp` with the service's own argv (recorded by a wrapper during a
   warm-up run) and its own output directory; {a.runs} runs of each, one
   service run and one plain run in turn, and the medians compared.
6. VmRSS from /proc (a process's RSS covers all its threads), sampled every 5 ms
   during item 1's API runs; for the 100,000-task list VmHWM is reset through
   /proc/PID/clear_refs first and the peak compared with the RSS before.
7. The page latency is wrk at one connection (p50), so it is latency, not
   queueing.  Claim, progress update and completion are timed inside one process
   through sql/store.c itself (bench/store_bench.c) on a table of 1,000 and of
   100,000 tasks; three interleaved rounds of 500 tasks per size, the median of
   the rounds' medians.
9. The worker has one loop for every download and look-up.  A download runs
   a stand-in that writes a line to its stdout every 2 ms and asks its pipe
   every millisecond how much is still unread (FIONREAD): the longest the pipe
   stayed unread is the longest the loop left that download alone.  Beside it,
   `POST /api/info` of a page whose `-J` answer (a stand-in prints a prepared
   file) lists 4,400, 20,000 and 40,000 HLS-like formats of ~900 bytes; a
   stretch counts for a look-up when it overlaps the request.  The worker's
   peak RSS is sampled every 5 ms meanwhile.
10. `GET /api/downloads` (1,000 tasks) with If-None-Match its own ETag (304),
   without it (200, the whole list), `GET /api/downloads/{{id}}` (the API's
   cheapest answer: one FastCGI round trip and one row), and the static nginx
   answering 304 for a file of the list's size; three rounds, the round with
   the median 304 / single-task ratio shown.
11. 500 subscriptions whose stand-in listings (50 entries each) never change,
   all made due at once; the loop is watched by item 9's probe download
   during one round, and a 52 MB download is timed beside later rounds
   against the same download alone (see the notes).
12. PostgreSQL (when its server package is installed): a throw-away server from
   tests/pg/cluster.sh (unix socket, fsync off as in the tests: the figures are
   the queue's, not the disk's).  Claims: bench/store_bench.c adds 3,000
   pending tasks, then 1, 2 or 4 processes claim and complete them all at once
   through sql/store.c; claims per second over the span of all, two rounds,
   the median; SQLite's figure is one process, as its one worker.  Service: a
   second API on that server with 1, 2 and 4 workers on its data directory and
   item 4's stand-in yt-dlp: 100 pickups timed as item 4, then 300 tasks made
   while the workers are stopped (SIGSTOP) and started at once (SIGCONT),
   timed to the last stand-in start.

{notes}"""
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(doc)
    log(f"wrote {os.path.relpath(a.out, REPO)}")


if __name__ == "__main__":
    main()
