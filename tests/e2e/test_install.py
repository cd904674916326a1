"""test_install.py: `make install` as a deployment uses it.

One `make install DESTDIR=… PREFIX=/usr SYSCONFDIR=/etc` per module; then:
the tree is the one docs/deploy.md documents; the units pass
`systemd-analyze verify`; `nginx -t` passes on the snippet and on the site;
real nginx (unprivileged, loopback) with the installed zones file in http{}
and the installed snippet inside a server{} serves the API end to end, with
the installed binaries, reading the installed config file (with the test's
paths), the API taking its socket as fd 0 as systemd's socket unit hands it
over; only the host names listed in the installed zones file reach the API
through the snippet, or anything through the site; config-file values apply
and the environment wins; SIGHUP reloads the worker without dropping a running
download.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import urllib.parse

import pytest

import openapi_check
import harness
from harness import (NGINX, REPO, Service, can_fake_hosts, end_service, free_port,
                     hosts_prefix, raw_request, wait_until, write_hosts, ytdlp_procs)

pytestmark = pytest.mark.skipif(
    harness.PG, reason="make install and the package as installed, on their default "
    "SQLite file: SQLite only")

DOCUMENTED = [
    "usr/bin/offlinetube-api", "usr/bin/offlinetube-worker",
    "usr/share/man/man8/offlinetube-api.8", "usr/share/man/man8/offlinetube-worker.8",
    "usr/share/offlinetube/sql/schema.sql", "usr/share/offlinetube/sql/migrations/001_init.sql",
    "usr/share/offlinetube/web/index.html",
    "usr/share/offlinetube/docs/openapi.json", "usr/share/offlinetube/docs/api-reference.html",
    "usr/share/offlinetube/scripts/offlinetube-dns-allow",
    "etc/offlinetube/offlinetube.conf",
    "etc/nginx/snippets/offlinetube.conf", "etc/nginx/conf.d/offlinetube-zones.conf",
    "etc/nginx/conf.d/offlinetube-upstream.conf",
    "etc/nginx/sites-available/offlinetube",
    "usr/lib/systemd/system/offlinetube-api.socket",
    "usr/lib/systemd/system/offlinetube-api.service",
    "usr/lib/systemd/system/offlinetube-worker.service",
    "usr/lib/sysusers.d/offlinetube.conf", "usr/lib/tmpfiles.d/offlinetube.conf",
]


@pytest.fixture(scope="module")
def root():
    d = tempfile.mkdtemp(prefix="ot-root-", dir="/tmp")
    r = subprocess.run(["make", "-s", "-C", REPO, "install", f"DESTDIR={d}",
                        "PREFIX=/usr", "SYSCONFDIR=/etc"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    yield d
    shutil.rmtree(d, ignore_errors=True)


def config_keys():
    """Every OFFLINETUBE_* key the programs know, from the table in common/config.c,
    and make run's nginx settings, which they accept in the file and ignore."""
    with open(os.path.join(REPO, "common", "config.c")) as f:
        src = f.read()
    nginx_only = re.search(r"nginx_only\[\] = \{(.*?)\};", src, re.S).group(1)
    return ({"OFFLINETUBE_" + m.upper() for m in re.findall(r"^\s*[SI]\((\w+),", src, re.M)}
            | set(re.findall(r'"(OFFLINETUBE_\w+)"', nginx_only)))


def test_install_tree_is_the_documented_one(root):
    for p in DOCUMENTED:
        assert os.path.isfile(os.path.join(root, p)), p
    for exe in ("offlinetube-api", "offlinetube-worker"):
        assert os.access(os.path.join(root, "usr/bin", exe), os.X_OK)
    with open(os.path.join(REPO, "docs", "deploy.md")) as f:
        doc = f.read()
    for p in ("offlinetube.conf", "snippets/offlinetube.conf", "offlinetube-zones.conf",
              "offlinetube-upstream.conf",
              "sites-available/offlinetube", "offlinetube-api.socket", "sysusers.d"):
        assert p in doc, p
    # Installed templates have no @NAME@ left, and name the installed paths.
    for p in DOCUMENTED:
        if p.startswith(("etc/", "usr/lib/")):
            with open(os.path.join(root, p)) as f:
                text = f.read()
            left = re.findall(r"@[A-Za-z_]+@", text.replace("@ot_", ""))
            assert not left, (p, left)
    with open(os.path.join(root, "usr/lib/systemd/system/offlinetube-worker.service")) as f:
        unit = f.read()
    assert "ExecStart=/usr/bin/offlinetube-worker -c /etc/offlinetube/offlinetube.conf" in unit
    assert "ReadWritePaths=/var/lib/offlinetube" in unit


def test_config_file_lists_every_key(root):
    with open(os.path.join(root, "etc/offlinetube/offlinetube.conf")) as f:
        text = f.read()
    listed = {ln.lstrip("#").split("=", 1)[0] for ln in text.splitlines()
              if ln.lstrip("#").startswith("OFFLINETUBE_") and "=" in ln}
    assert listed == config_keys()


def test_units_pass_systemd_analyze_verify(root):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    r = subprocess.run(["sh", os.path.join(REPO, "tests/deploy/verify-units.sh"), root],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def unit_settings(text):
    out = {}
    for ln in text.splitlines():
        if "=" in ln and not ln.startswith("#"):
            k, v = ln.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def test_the_api_unit_lets_the_guard_resolve_names(root):
    """The guard resolves every submitted host: AF_UNIX alone (or no resolver
    address) would make every POST with a host name 400 "host does not resolve"."""
    api = unit_settings(read(root, "usr/lib/systemd/system/offlinetube-api.service"))
    families = " ".join(api["RestrictAddressFamilies"]).split()
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} <= set(families), families
    assert api["IPAddressDeny"] == ["any"]
    assert "127.0.0.53/32" in " ".join(api["IPAddressAllow"]).split()


def dns_allow(root, tmp_path, resolv_text, **env):
    """Runs the installed offlinetube-dns-allow on a resolv.conf of resolv_text."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(resolv_text)
    env = dict(os.environ, OFFLINETUBE_SYSTEMD_DIR=str(tmp_path / "systemd"),
               OFFLINETUBE_SERVICE_USER="nobody", **env)
    script = os.path.join(root, "usr/share/offlinetube/scripts/offlinetube-dns-allow")
    r = subprocess.run([script, str(resolv)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def dropin(tmp_path, unit):
    p = tmp_path / "systemd" / f"{unit}.service.d" / "50-dns.conf"
    return unit_settings(p.read_text()) if p.exists() else None


HOME_RESOLVERS = ("# a home router, a public resolver and resolved's stub\n"
                  "nameserver 192.168.1.1\nnameserver 9.9.9.9\n"
                  "nameserver fe80::1%eth0\nnameserver 127.0.0.53\n")


def test_dns_allow_opens_each_unit_to_the_resolvers_it_would_block(root, tmp_path):
    """Without nftables: IPAddressAllow= alone, and the warning that it opens
    every port."""
    r = dns_allow(root, tmp_path, HOME_RESOLVERS, OFFLINETUBE_NFT="/nonexistent")
    assert "every port" in r.stdout and "install nftables" in r.stdout, r.stdout
    # The API denies every address: it needs each resolver.  The worker denies
    # only loopback and the LAN: a public resolver needs nothing.
    assert dropin(tmp_path, "offlinetube-api")["IPAddressAllow"][0].split() == \
        ["192.168.1.1", "9.9.9.9", "fe80::1"]
    assert dropin(tmp_path, "offlinetube-worker")["IPAddressAllow"][0].split() == \
        ["192.168.1.1", "fe80::1"]
    assert "ExecStartPre" not in dropin(tmp_path, "offlinetube-worker")
    dns_allow(root, tmp_path, "nameserver 127.0.0.53\n", OFFLINETUBE_NFT="/nonexistent")
    assert not (tmp_path / "systemd" / "offlinetube-api.service.d").exists()
    assert not (tmp_path / "systemd" / "offlinetube-worker.service.d").exists()


NFT = shutil.which("nft") or "/usr/sbin/nft"


def can_unshare_net():
    return (os.geteuid() == 0 and os.access(NFT, os.X_OK) and shutil.which("unshare")
            and subprocess.run(["unshare", "--net", NFT, "list", "tables"],
                               capture_output=True).returncode == 0)


# Run in a network namespace of its own (unshare --net): loads the fence, listens
# where a resolver and nginx would, and connects as the account the fence names.
FENCE_PROBE = r"""
import encodings.idna, os, socket, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run([sys.argv[1], "-f", sys.argv[2]], check=True)
listening = []
for addr, port in (("127.0.0.1", 53), ("127.0.0.1", 8001), ("0.0.0.0", 8002)):
    s = socket.socket()
    s.bind((addr, port))
    s.listen()
    listening.append(s)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 53))


def reach(addr, port, udp=False, uid=65534):
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            if udp:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"q", (addr, port))
            else:
                socket.create_connection((addr, port), timeout=3).close()
            os._exit(0)
        except OSError:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


print({"tcp 53": reach("127.0.0.1", 53), "udp 53": reach("127.0.0.1", 53, udp=True),
       "nginx": reach("127.0.0.1", 8001), "udp 5353": reach("127.0.0.1", 5353, udp=True),
       "wildcard via the stub": reach("127.0.0.53", 8002),
       "root to nginx": reach("127.0.0.1", 8001, uid=0)})
"""


@pytest.mark.skipif(not can_unshare_net(), reason="needs root, nft and unshare --net")
def test_dns_allow_opens_port_53_only(root, tmp_path):
    """A resolver on 127.0.0.1 (dnsmasq, unbound) shares its address with nginx
    and the API: the fence lets the services' account reach loopback, and the
    LAN resolvers, on port 53 alone; everyone else is left alone."""
    dns_allow(root, tmp_path, "nameserver 127.0.0.1\nnameserver 192.168.1.1\n")
    for unit in ("offlinetube-api", "offlinetube-worker"):
        d = tmp_path / "systemd" / f"{unit}.service.d"
        conf = dropin(tmp_path, unit)
        assert conf["ExecStartPre"] == [f"+{NFT} -f {d}/50-dns.nft"], conf
        assert conf["IPAddressAllow"][0].split() == ["127.0.0.1", "192.168.1.1"]
        nft = (d / "50-dns.nft").read_text()
        assert 'meta skuid "nobody" ip daddr { 127.0.0.0/8, 192.168.1.1 }' in nft, nft
    nft = str(tmp_path / "systemd" / "offlinetube-worker.service.d" / "50-dns.nft")
    os.chmod(tmp_path, 0o755)
    r = subprocess.run(["unshare", "--net", "/usr/bin/python3", "-c", FENCE_PROBE, NFT, nft],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str({"tcp 53": True, "udp 53": True, "nginx": False,
                                    "udp 5353": False, "wildcard via the stub": False,
                                    "root to nginx": True}), r.stdout
    # systemd-resolved alone: nothing to allow, and loopback is still fenced
    # (its stub's address reaches whatever listens on 0.0.0.0).
    dns_allow(root, tmp_path, "nameserver 127.0.0.53\n")
    for unit in ("offlinetube-api", "offlinetube-worker"):
        conf = dropin(tmp_path, unit)
        assert "IPAddressAllow" not in conf and "ExecStartPre" in conf, conf


# (address, whether the guard and the worker's fence refuse it)
FENCE_SAMPLES = [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.1.1", True), ("169.254.169.254", True),
    ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.251", True), ("239.255.255.250", True),
    ("240.0.0.1", True), ("255.255.255.255", True), ("192.0.0.8", True), ("198.18.0.1", True),
    ("::1", True), ("::", True), ("fd00::1", True), ("fe80::1", True), ("fec0::1", True),
    ("ff02::fb", True), ("100::1", True), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),
    ("64:ff9b:1::1", True), ("64:ff9b::7f00:1", True), ("64:ff9b::a00:1", True),
    ("64:ff9b::c0a8:101", True), ("64:ff9b::a9fe:a9fe", True), ("64:ff9b::6440:1", True),
    ("64:ff9b::e000:fb", True), ("64:ff9b::f000:1", True), ("2002:7f00:1::", True),
    ("2002:c0a8:101::1", True), ("2002:a9fe:a9fe::", True), ("2002:e000:fb::", True),
    ("8.8.8.8", False), ("93.184.216.34", False), ("2606:4700::1111", False),
    ("64:ff9b::808:808", False), ("2002:5db8:d822::1", False), ("64:ff9b:2::1", False),
]


def test_the_worker_unit_denies_what_the_guard_refuses(root):
    """IPAddressDeny= covers, for yt-dlp's own connections, the ranges the guard
    refuses: multicast and reserved, and private IPv4 inside NAT64 and 6to4."""
    import ipaddress
    unit = unit_settings(read(root, "usr/lib/systemd/system/offlinetube-worker.service"))
    deny = [ipaddress.ip_network(n) for v in unit["IPAddressDeny"] for n in v.split()]
    allow = [ipaddress.ip_network(n) for v in unit["IPAddressAllow"] for n in v.split()]
    assert [str(n) for n in allow] == ["127.0.0.53/32"]
    for addr, refused in FENCE_SAMPLES:
        a = ipaddress.ip_address(addr)
        assert any(a in n for n in deny if n.version == a.version) == refused, addr
def test_uninstall_removes_what_install_put(root):
    d = tempfile.mkdtemp(prefix="ot-un-", dir="/tmp")
    try:
        shutil.copytree(root, d, dirs_exist_ok=True, symlinks=True)
        r = subprocess.run(["make", "-s", "-C", REPO, "uninstall", f"DESTDIR={d}",
                            "PREFIX=/usr", "SYSCONFDIR=/etc"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        left = [os.path.join(p, f) for p, _, fs in os.walk(d) for f in fs]
        assert left == [], left
    finally:
        shutil.rmtree(d, ignore_errors=True)


LISTED_NAME = "tube.home.lan"


def read(root, p):
    with open(os.path.join(root, p)) as f:
        return f.read()


def list_host_name(zones, name):
    """What docs/deploy.md tells the administrator to do: one more line in the map."""
    out, n = re.subn(r"(map \$host \$ot_known_host \{.*?)\n\}", rf"\1\n\t{name} 1;\n}}",
                     zones, count=1, flags=re.S)
    assert n == 1, "the zones file has no host-name map"
    return out


def with_host(port, host, path, method="GET"):
    """A request with the Host header as given (a DNS-rebinding page sends its own name)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", host)
        if method == "POST":
            c.putheader("Content-Type", "application/json")
            c.putheader("Content-Length", "2")
        c.endheaders(b"{}" if method == "POST" else None)
        r = c.getresponse()
        body = r.read()
        openapi_check.record(method, path, {"Host": host}, b"{}" if method == "POST" else None,
                             r.status, r.headers, body)
        return r.status, r.headers, body
    finally:
        c.close()


def localise(text, data_dir, socket_path, root):
    return (text.replace("/var/lib/offlinetube", data_dir)
            .replace("/run/offlinetube/api.sock", socket_path)
            .replace("/etc/nginx/", os.path.join(root, "etc/nginx/"))
            .replace("/usr/share/offlinetube/", os.path.join(root, "usr/share/offlinetube/")))


def upstream_include(root, nd, socket_path):
    """The installed upstream file, pointed at the test's socket: an include line."""
    path = os.path.join(nd, "upstream.conf")
    with open(path, "w") as f:
        f.write(localise(read(root, "etc/nginx/conf.d/offlinetube-upstream.conf"),
                         nd + "/data", socket_path, root))
    return f"include {path};"


class InstalledService(Service):
    """The installed binaries and nginx files, with the test's paths in a copy
    of the installed config file; the API gets its socket as fd 0."""

    def __init__(self, site, xdg, root, conf_extra="", env=None):
        super().__init__(site, xdg, env)
        self.root = root
        # The config file, not the environment, says where the data is.
        # (and MAX_DOWNLOADS, which the reload test changes there).
        for k in ("OFFLINETUBE_DATA_DIR", "OFFLINETUBE_SOCKET", "OFFLINETUBE_MAX_DOWNLOADS"):
            self.env.pop(k)
        with open(os.path.join(root, "etc/offlinetube/offlinetube.conf")) as f:
            conf = localise(f.read(), self.data_dir, self.socket_path, root)
        self.conf = os.path.join(self.data_dir, "offlinetube.conf")
        self.write_conf(conf + conf_extra)
        self.listener = None

    def write_conf(self, text):
        with open(self.conf + ".tmp", "w") as f:
            f.write(text)
        os.replace(self.conf + ".tmp", self.conf)

    def bin(self, name):
        return os.path.join(self.root, "usr/bin", name)

    def start_api(self):
        # As offlinetube-api.socket does: a listening unix socket, mode 0660, fd 0.
        os.makedirs(os.path.dirname(self.socket_path), exist_ok=True)
        if self.listener is None:
            self.listener = socket.socket(socket.AF_UNIX)
            self.listener.bind(self.socket_path)
            os.chmod(self.socket_path, 0o660)
            self.listener.listen(128)
            st = os.stat(self.socket_path)
            self.listener_id = (st.st_ino, st.st_dev)
        log = open(os.path.join(self.log_dir, "api.log"), "ab")
        p = subprocess.Popen(self.wrap.get("api", []) + [self.bin("offlinetube-api"), "-c", self.conf],
                             env=self.env,
                             cwd=self.data_dir, stdin=self.listener.fileno(),
                             stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs["api"] = p
        wait_until(lambda: "listening on" in self.log("api") or p.poll() is not None,
                   20, what="the API")
        self._need_alive("api")

    def start_worker(self):
        self._spawn("worker", [self.bin("offlinetube-worker"), "-c", self.conf])

    def nginx_conf(self):
        nd = os.path.join(self.data_dir, "nginx")
        for t in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
            os.makedirs(os.path.join(nd, t), exist_ok=True)
        with open(os.path.join(self.root, "etc/nginx/snippets/offlinetube.conf")) as f:
            snippet = localise(f.read(), self.data_dir, self.socket_path, self.root)
        with open(os.path.join(nd, "snippet.conf"), "w") as f:
            f.write(snippet)
        # The zones file as an administrator edits it: one host name of theirs listed.
        with open(os.path.join(nd, "zones.conf"), "w") as f:
            f.write(list_host_name(read(self.root, "etc/nginx/conf.d/offlinetube-zones.conf"),
                                   LISTED_NAME))
        # As root, nginx's workers would become nobody: keep them as root (like make run).
        user = "user root root;" if os.getuid() == 0 else ""
        temps = "".join(f"{t}_temp_path {nd}/{t.split('_')[0]};\n"
                        for t in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"))
        temps = temps.replace("/client;", "/body;")
        mime_types = "include /etc/nginx/mime.types;" \
            if os.path.exists("/etc/nginx/mime.types") else ""
        conf = f"""{user}
worker_processes 1;
daemon off;
pid {nd}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    # As Debian's nginx.conf does: types by extension, for every location.
    {mime_types}
    {temps}
    include {nd}/zones.conf;
    {upstream_include(self.root, nd, self.socket_path)}
    server {{
        listen 127.0.0.1:{self.port};
        # The server someone already had: a page of its own.
        location = /hello {{ return 200 "hello\\n"; }}
        include {nd}/snippet.conf;
    }}
}}
"""
        path = os.path.join(nd, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        return path

    def start_nginx(self):
        conf = self.nginx_conf()
        self._spawn("nginx", [NGINX, "-p", os.path.dirname(conf), "-e", "stderr", "-c", conf])

    def finish(self):
        problems = super().finish()
        if self.listener is not None:
            self.listener.close()
        return problems


def nginx_t(conf, prefix):
    return subprocess.run([NGINX, "-t", "-q", "-p", prefix, "-e", "stderr", "-c", conf],
                          capture_output=True, text=True)


def test_nginx_t_passes_on_the_snippet_and_the_site(root, tmp_path):
    nd = str(tmp_path)
    with open(os.path.join(root, "etc/nginx/sites-available/offlinetube")) as f:
        site = localise(f.read(), nd + "/data", nd + "/api.sock", root)
    with open(os.path.join(root, "etc/nginx/snippets/offlinetube.conf")) as f:
        snippet = localise(f.read(), nd + "/data", nd + "/api.sock", root)
    # The site includes the snippet by its installed path: point it at the copy.
    with open(os.path.join(nd, "snippet.conf"), "w") as f:
        f.write(snippet)
    site = site.replace(os.path.join(root, "etc/nginx/snippets/offlinetube.conf"),
                        os.path.join(nd, "snippet.conf"))
    with open(os.path.join(nd, "site.conf"), "w") as f:
        f.write(site)
    for name, body in (("snippet", f"server {{ listen 127.0.0.1:1; include {nd}/snippet.conf; }}"),
                       ("site", f"include {nd}/site.conf;")):
        conf = os.path.join(nd, f"{name}-nginx.conf")
        with open(conf, "w") as f:
            f.write(f"pid {nd}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
                    f"client_body_temp_path {nd}/b; fastcgi_temp_path {nd}/f;\n"
                    f"proxy_temp_path {nd}/p; uwsgi_temp_path {nd}/u; scgi_temp_path {nd}/s;\n"
                    f"include {root}/etc/nginx/conf.d/offlinetube-zones.conf;\n"
                    f"{upstream_include(root, nd, nd + '/api.sock')}\n{body}\n}}\n")
        r = nginx_t(conf, nd)
        assert r.returncode == 0, f"{name}: {r.stderr}"


@pytest.fixture(scope="module")
def installed(site, xdg, root):
    # From the file: LINK_TTL 300, MAX_PENDING 7; the environment wins for LINK_TTL.
    # make run's nginx settings in the file must not stop either program.
    svc = InstalledService(site, xdg, root,
                           conf_extra="OFFLINETUBE_ALLOW_PRIVATE_URLS=1\n"
                                      "OFFLINETUBE_MAX_PENDING=7\n"
                                      "OFFLINETUBE_LINK_TTL=300\n"
                                      "OFFLINETUBE_SERVER_NAMES=tube.home.lan\n"
                                      "OFFLINETUBE_RATE_LIMIT=5\n"
                                      "OFFLINETUBE_LOOKUP_RATE_LIMIT=10\n"
                                      "OFFLINETUBE_WEB_DIR=/srv/www\n",
                           env={"OFFLINETUBE_LINK_TTL": "600"})
    try:
        svc.start()
    except BaseException:
        svc.finish()
        raise
    yield svc
    end_service(svc)


PUBLIC_NAME = "videos.example.com"      # resolves to a public address (TEST-NET-3)
LAN_NAME = "router.example.com"         # resolves into the LAN


@pytest.mark.skipif(not can_fake_hosts(), reason="needs root and unshare to give the API "
                    "an /etc/hosts of its own (no DNS here)")
def test_the_installed_api_with_the_guard_on_resolves_names(site, xdg, root, tmp_path):
    """As deployed: the guard on, host names resolved by the API itself.  The
    names come from an /etc/hosts of the API's own; the unit's sandbox itself
    needs systemd as PID 1, which a test run does not have (the unit's
    settings are checked above)."""
    hosts = write_hosts(str(tmp_path / "hosts"), {PUBLIC_NAME: "203.0.113.7",
                                                  LAN_NAME: "192.168.1.1"})
    svc = InstalledService(site, xdg, root, env={"OFFLINETUBE_ALLOW_PRIVATE_URLS": "0"})
    svc.wrap["api"] = hosts_prefix(hosts)
    try:
        svc.start()
        svc.stop_worker()       # nothing is fetched: the question is the API's answer
        assert "OFFLINETUBE_ALLOW_PRIVATE_URLS=0\n" in svc.log("api")
        st, _, body = svc.post("/api/download", {"url": f"https://{PUBLIC_NAME}/watch?v=1"})
        assert st == 200 and body["status"] == "pending", body
        for url in (f"http://{LAN_NAME}/admin", "http://127.0.0.1/x", site.page("clip")):
            st, _, body = svc.post("/api/download", {"url": url})
            assert st == 400, (url, body)
            assert "loopback, private" in body["detail"], body
        st, _, body = svc.post("/api/info", {"url": f"http://{LAN_NAME}/"})
        assert st == 400 and body["detail"].startswith("url: "), body
    finally:
        end_service(svc)


def test_config_file_applies_and_environment_wins(installed):
    for name in ("api", "worker"):
        log = installed.log(name)
        assert f"OFFLINETUBE_DATA_DIR={os.path.realpath(installed.data_dir)}\n" in log, name
        assert "OFFLINETUBE_MAX_PENDING=7\n" in log, name
        assert "OFFLINETUBE_LINK_TTL=600\n" in log, name
    assert os.path.exists(os.path.join(installed.data_dir, "offlinetube.db"))


def test_snippet_serves_the_api_end_to_end(installed, site):
    st, _, body = installed.get("/api/health")
    assert st == 200 and body["worker"]["alive"] is True
    assert body.get("yt_dlp") not in (None, "", "unknown")
    # The API took the socket it was given (the one the test made, as the
    # socket unit does) and made no socket of its own in its place.  The mode
    # the API gives a socket it makes itself: test_privileges.py.
    st = os.stat(installed.socket_path)
    assert (st.st_ino, st.st_dev) == installed.listener_id
    assert "listening on " + installed.socket_path in installed.log("api")
    # The existing server's own locations are untouched.
    st, _, body = installed.get("/hello")
    assert st == 200 and body == b"hello\n"
    done = installed.download(site.page("clip"))
    st, hdrs, data = installed.fetch_file(done["id"])
    assert st == 200, (st, hdrs)
    assert len(data) == done["filesize"] > 0
    with open(installed.path_of(done), "rb") as f:
        assert f.read() == data
    # nginx's JSON error pages from the snippet: an oversized body.
    st, _, body = installed.post("/api/download", "x" * (70 * 1024),
                                 headers={"Content-Type": "application/json"})
    assert st == 413 and "detail" in body
    # The cookies route takes up to 1 MiB through the snippet, and no more.
    line = "127.0.0.1\tFALSE\t/\tFALSE\t0\tn\t" + "v" * 8000 + "\n"
    st, _, body = installed.request("PUT", "/api/cookies", body=line * 100,
                                    headers={"Content-Type": "text/plain"})
    assert st == 200 and body["cookies"] == 100, body
    st, _, body = installed.request("PUT", "/api/cookies", body=line * 140,
                                    headers={"Content-Type": "text/plain"})
    assert st == 413 and body == {"detail": "Cookies file too large (limit 1 MiB)"}
    assert installed.delete("/api/cookies")[0] == 200
    # Internal media locations are not reachable from outside.
    st, _, _ = installed.get("/_media/downloads/" + urllib.parse.quote(done["filename"]))
    assert st == 404


def test_snippet_serves_the_description_and_its_page(installed):
    """Static files from the installed share/offlinetube/docs/, never the API
    (so no key: test_openapi.py shows it with keys on)."""
    for path, name, ctype in (("/api/openapi.json", "openapi.json", "application/json"),
                              ("/api/docs", "api-reference.html", "text/html")):
        st, h, body = raw_request(installed, path)
        assert st == 200, (path, st, body)
        assert h["Content-Type"] == ctype + "; charset=utf-8"
        with open(os.path.join(REPO, "docs", name), "rb") as f:
            assert body == f.read(), path
        if name == "openapi.json":
            assert h["Access-Control-Allow-Origin"] == "*"
    assert h["Content-Security-Policy"].startswith("default-src 'none'; style-src 'sha256-")
    st, h, body = installed.post("/api/docs", {})
    assert st == 405 and body == {"detail": "Method Not Allowed"}, (st, body)
    st, _, _ = with_host(installed.port, "evil.example", "/api/docs")
    assert st == 421


def test_snippet_carries_cors_headers_over_the_redirect_to_media(installed, site):
    """As make run's configuration does: what the API decided for CORS survives
    nginx's X-Accel-Redirect into the internal media locations."""
    t = installed.download(site.page("clip2"))
    origin = "http://localhost:5173"
    for path in ("/api/stream/" + urllib.parse.quote(t["filename"]),
                 f"/api/thumbnails/{t['id']}", f"/api/download/{t['id']}/file"):
        st, h, _ = raw_request(installed, path, {"Origin": origin})
        assert st == 200, path
        assert h["Access-Control-Allow-Origin"] == origin, (path, dict(h))
        assert "Origin" in h["Vary"], (path, dict(h))
        st, h, _ = raw_request(installed, path, {"Origin": "https://evil.example"})
        assert st == 200 and "Access-Control-Allow-Origin" not in h, path


def test_snippet_errors_are_json_whatever_the_uri_ends_with(installed):
    """nginx's own answers under /api/ keep their JSON type even for a URI whose
    extension mime.types knows (a stream name ending in .mp4)."""
    if not os.path.exists("/etc/nginx/mime.types"):
        pytest.skip("no /etc/nginx/mime.types to include")
    c = http.client.HTTPConnection("127.0.0.1", installed.port, timeout=30)
    try:
        c.request("POST", "/api/stream/x.mp4", body=b"x" * (70 * 1024),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
    finally:
        c.close()
    assert r.status == 413, (r.status, body)
    assert r.getheader("Content-Type").startswith("application/json"), r.getheader("Content-Type")
    assert b"64 KiB" in body


def test_snippet_lets_only_listed_host_names_reach_the_api(installed):
    port = installed.port
    before = installed.tasks()
    for method, path in (("GET", "/api/health"), ("GET", "/api/search?q=x"),
                         ("POST", "/api/download")):
        st, h, body = with_host(port, f"evil.example:{port}", path, method)
        assert st == 421, (path, st, body)
        assert h["Content-Type"].startswith("application/json"), path
        assert b"offlinetube-zones.conf" in body, body
    assert installed.tasks() == before
    # The name the administrator listed, and the loopback names shipped listed.
    for host in (LISTED_NAME, f"{LISTED_NAME.upper()}:{port}", f"127.0.0.1:{port}",
                 f"[::1]:{port}", "localhost"):
        st, _, body = with_host(port, host, "/api/health")
        assert st == 200, (host, st, body)
    # The snippet judges only its own locations: the server's others are untouched.
    st, _, body = with_host(port, "evil.example", "/hello")
    assert (st, body) == (200, b"hello\n")


def test_site_listens_where_the_config_file_says_nginx_listens(root):
    """The API turns keys off only while OFFLINETUBE_LISTEN is loopback: the
    shipped site must listen exactly there, or keys would be silently off on the LAN."""
    site = read(root, "etc/nginx/sites-available/offlinetube")
    listens = re.findall(r"^\s*listen\s+([^;\s]+)[^;]*;", site, re.M)
    conf = read(root, "etc/offlinetube/offlinetube.conf")
    default = re.search(r"^#?OFFLINETUBE_LISTEN=(\S+)$", conf, re.M).group(1)
    assert listens == [default] == ["127.0.0.1:8001"], (listens, default)


@pytest.fixture
def site_nginx(root, tmp_path):
    """The installed site (and the snippet it includes) in a test nginx, with
    the installed zones file; no API behind it."""
    nd = str(tmp_path)
    for t in ("b", "f", "p", "u", "s"):
        os.makedirs(os.path.join(nd, t))
    port = free_port()
    snippet = localise(read(root, "etc/nginx/snippets/offlinetube.conf"),
                       nd + "/data", nd + "/api.sock", root)
    with open(os.path.join(nd, "snippet.conf"), "w") as f:
        f.write(snippet)
    site = localise(read(root, "etc/nginx/sites-available/offlinetube"),
                    nd + "/data", nd + "/api.sock", root)
    site = site.replace(os.path.join(root, "etc/nginx/snippets/offlinetube.conf"),
                        os.path.join(nd, "snippet.conf"))
    assert "listen 127.0.0.1:8001;" in site
    site = site.replace("listen 127.0.0.1:8001;", f"listen 127.0.0.1:{port};")
    with open(os.path.join(nd, "site.conf"), "w") as f:
        f.write(site)
    user = "user root root;" if os.getuid() == 0 else ""
    conf = os.path.join(nd, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"{user}\ndaemon off;\npid {nd}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                f"http {{\naccess_log off;\n"
                f"client_body_temp_path {nd}/b; fastcgi_temp_path {nd}/f;\n"
                f"proxy_temp_path {nd}/p; uwsgi_temp_path {nd}/u; scgi_temp_path {nd}/s;\n"
                f"include {root}/etc/nginx/conf.d/offlinetube-zones.conf;\n"
                f"{upstream_include(root, nd, nd + '/api.sock')}\n"
                f"include {nd}/site.conf;\n}}\n")
    p = subprocess.Popen([NGINX, "-p", nd, "-e", "stderr", "-c", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def up():
        assert p.poll() is None, p.stderr.read().decode()
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return True
        except OSError:
            return False
    try:
        wait_until(up, 10, what="nginx with the site")
        yield port
    finally:
        p.terminate()
        p.wait(10)


def test_site_answers_only_listed_host_names_on_every_path(site_nginx):
    port = site_nginx
    for path in ("/", "/index.html", "/api/health"):
        st, h, body = with_host(port, f"rebound.example:{port}", path)
        assert st == 421, (path, st, body)
        assert h["Content-Type"].startswith("application/json"), path
        assert b"offlinetube-zones.conf" in body
    st, h, body = with_host(port, f"localhost:{port}", "/")
    assert st == 200 and b"<html" in body.lower(), (st, body[:200])
    # No API behind this nginx: a listed name reaches the API's location.
    st, _, body = with_host(port, "127.0.0.1", "/api/health")
    assert st == 502 and b"not answering" in body, (st, body)


def test_sighup_reloads_without_dropping_a_running_download(installed, site):
    t = installed.submit(site.page("slow-reload"))
    wait_until(lambda: installed.task(t["id"])["status"] == "downloading"
               and installed.task(t["id"])["downloaded_bytes"] > 0
               and ytdlp_procs(installed.data_dir), 30, 0.1, "a running download")
    before = {p for p, _ in ytdlp_procs(installed.data_dir)}
    worker = installed.procs["worker"]
    with open(installed.conf) as f:
        conf = f.read()
    installed.write_conf(conf + "OFFLINETUBE_MAX_DOWNLOADS=1\nOFFLINETUBE_LOOKUP_TTL=42\n")
    worker.send_signal(signal.SIGHUP)
    wait_until(lambda: "reloaded:" in installed.log("worker"), 20, what="the reload")
    log = installed.log("worker")
    assert "reload: OFFLINETUBE_MAX_DOWNLOADS=1" in log
    assert "reload: OFFLINETUBE_LOOKUP_TTL=42" in log
    assert "reload: OFFLINETUBE_LINK_TTL" not in log      # unchanged: not named
    assert worker.poll() is None
    # The same yt-dlp goes on and finishes the file.
    assert before & {p for p, _ in ytdlp_procs(installed.data_dir)}
    assert installed.task(t["id"])["status"] == "downloading"
    done = installed.wait_for_status(t["id"], "completed", timeout=120)
    assert done["filesize"] > 0
    # A broken file is refused and the worker keeps running on the old settings.
    installed.write_conf(conf + "OFFLINETUBE_NO_SUCH_KEY=1\n")
    worker.send_signal(signal.SIGHUP)
    wait_until(lambda: "keeping the running configuration" in installed.log("worker"),
               20, what="the refused reload")
    assert worker.poll() is None
    installed.write_conf(conf)
