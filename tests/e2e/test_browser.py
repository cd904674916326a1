"""test_browser.py: the web page in a real headless browser, against the real
service and the fixture site.

The browser side is tests/browser/web.test.mjs (Node's test runner driving
Debian's chromium through playwright-core, axe-core for accessibility); this
file gives it a service (and a second one with API keys on, with a key made by
`offlinetube-api key add`) and checks that every one of its tests passed.  Run
it with `make browser` (which installs chromium and the npm packages first);
`make e2e` leaves it out.
"""
import os
import shutil
import subprocess

import pytest

import harness
from harness import BIN, REPO

pytestmark = pytest.mark.skipif(
    harness.PG, reason="the web page, the same on either database: run once, on SQLite")

CHROMIUM = os.environ.get("OFFLINETUBE_CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node") or "/usr/bin/node"
BROWSER_DIR = os.path.join(REPO, "tests", "browser")


@pytest.fixture(scope="module")
def web_service(make_service_module):
    # Trending is a search for the fixture titles, so the page has something to show.
    return make_service_module(OFFLINETUBE_TRENDING_QUERY="Fixture")


@pytest.fixture(scope="module")
def keyed_service(make_service_module):
    """A second service with API keys on, and one key made by the real key command."""
    svc = make_service_module(OFFLINETUBE_AUTH="on")
    p = subprocess.run([os.path.join(BIN, "offlinetube-api"), "key", "add", "browser"],
                       env=svc.env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    svc.key = p.stdout.strip()
    assert svc.key.startswith("otk_"), svc.key
    return svc


def test_the_page_in_chromium(web_service, keyed_service, site):
    for need in (CHROMIUM, NODE, os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        if not os.path.exists(need):
            pytest.fail(f"{need} is missing: run `make deps-browser`")
    shots = os.path.join(REPO, os.environ.get("OFFLINETUBE_SCREENSHOTS", "build/screenshots"))
    os.makedirs(shots, exist_ok=True)
    # A channel for the subscriptions test: two entries, newest last.
    channel = site.channel("web")
    site.add_entry("web", "web-1", "Episode one")
    site.add_entry("web", "web-2", "Episode two")
    env = dict(os.environ, OT_BASE=web_service.base, OT_SITE=site.base, OT_SHOTS=shots,
               OT_CHROMIUM=CHROMIUM, OT_CHANNEL=channel,
               # The keyed service: the page asks for the key, then plays from signed links.
               OT_AUTH_BASE=keyed_service.base, OT_AUTH_KEY=keyed_service.key)
    r = subprocess.run([NODE, "--test", "--test-reporter=spec", "web.test.mjs"],
                       cwd=BROWSER_DIR, env=env, capture_output=True, text=True, timeout=300)
    print(r.stdout[-20000:])
    print(r.stderr[-5000:])
    assert r.returncode == 0, (
        "browser tests failed (output above)\n" + r.stdout[-6000:] + r.stderr[-3000:]
        + "\n" + web_service.logs_tail() + "\n--- keyed service ---\n"
        + keyed_service.logs_tail())
