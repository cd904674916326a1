"""test_web.py: nginx serves the web page at / (web/), with its security headers,
and nothing but the page's own files; `make install-web` installs it where the
installed nginx-conf.sh finds it.  The page itself is tested in a browser by
test_browser.py."""
import os
import re
import subprocess

import pytest

from harness import REPO

WEB = os.path.join(REPO, "web")
PAGE_FILES = sorted(f for f in os.listdir(WEB) if not f.startswith("."))


def test_root_serves_the_page_with_its_headers(service):
    st, h, body = service.get("/")
    assert st == 200
    assert h["Content-Type"] == "text/html; charset=utf-8"
    with open(os.path.join(WEB, "index.html"), "rb") as f:
        assert body == f.read()
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "media-src 'self'" in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("name,ctype", [
    ("index.html", "text/html; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("icon.svg", "image/svg+xml; charset=utf-8"),
    ("manifest.webmanifest", "application/manifest+json; charset=utf-8"),
])
def test_each_file_has_its_type(service, name, ctype):
    # JavaScript modules are refused by browsers under any other type.
    st, h, body = service.get("/" + name)
    assert st == 200, name
    assert h["Content-Type"] == ctype
    assert h["X-Content-Type-Options"] == "nosniff"
    assert int(h["Content-Length"]) == os.path.getsize(os.path.join(WEB, name))


def test_page_files_revalidate(service):
    st, h, _ = service.get("/app.js")
    assert st == 200 and (h.get("ETag") or h.get("Last-Modified"))
    st2, _, _ = service.get("/app.js", headers={"If-None-Match": h["ETag"]})
    assert st2 == 304


@pytest.mark.parametrize("path", ["/missing.js", "/web/index.html", "/../Makefile",
                                  "/%2e%2e/Makefile", "/.gitignore", "/index.html/x"])
def test_nothing_else_is_served(service, path):
    st, h, body = service.get(path)
    assert st in (400, 404), (path, st)
    assert b"OT_CFLAGS" not in (body if isinstance(body, bytes) else b"")
    if st == 404:
        assert "json" in h["Content-Type"] and "detail" in body


def test_the_api_is_still_the_api(service):
    st, h, body = service.get("/api/downloads?limit=1")
    assert st == 200 and isinstance(body, list)
    assert "Content-Security-Policy" not in h


def test_the_page_loads_nothing_from_elsewhere():
    """No CDN, font or script from outside: every URL in the page's files is
    this server's own (the only http(s) text is the URL pattern the code tests)."""
    for name in PAGE_FILES:
        with open(os.path.join(WEB, name), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"""(?:src|href)\s*=\s*["']([^"']+)""", text):
            assert not re.match(r"(?i)([a-z]+:)?//", m.group(1)), (name, m.group(0))
        assert not re.search(r"""@import|url\(\s*["']?(https?:)?//""", text), name
        assert not re.search(r"""from\s+["'](?!\./)""", text), name  # modules: ./ only


def test_install_web_puts_the_page_where_nginx_conf_finds_it(tmp_path):
    dest = tmp_path / "root"
    subprocess.run(["make", "-s", "-C", REPO, "install-web", f"DESTDIR={dest}",
                    "PREFIX=/usr"], check=True, capture_output=True)
    share = dest / "usr" / "share" / "offlinetube"
    assert sorted(os.listdir(share / "web")) == PAGE_FILES
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "OFFLINETUBE_WEB_DIR"}
    conf = subprocess.run(["sh", str(share / "scripts" / "nginx-conf.sh"), str(data),
                           "127.0.0.1:1", str(data / "s.sock")], env=env,
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(conf) as f:
        text = f.read()
    assert f"root {share / 'web'};" in text
    assert not re.search(r"@[A-Z_]+@", re.sub(r"(?m)#.*$", "", text))


def test_nginx_conf_refuses_a_web_folder_without_a_page(tmp_path):
    r = subprocess.run(["sh", os.path.join(REPO, "scripts", "nginx-conf.sh"), str(tmp_path),
                        "127.0.0.1:1", str(tmp_path / "s.sock"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "index.html" in r.stderr
