"""test_browser.py: the web page in a real headless browser, against the real
service and the fixture site.

The browser side is tests/browser/web.test.mjs (Node's test runner driving
Debian's chromium through playwright-core, axe-core for accessibility); this
file gives it a service and checks that every one of its tests passed.  Run
it with `make browser` (which installs chromium and the npm packages first);
`make e2e` leaves it out.
"""
import os
import shutil
import subprocess

import pytest

from harness import REPO

CHROMIUM = os.environ.get("OFFLINETUBE_CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node") or "/usr/bin/node"
BROWSER_DIR = os.path.join(REPO, "tests", "browser")


@pytest.fixture(scope="module")
def web_service(make_service_module):
    # Trending is a search for the fixture titles, so the page has something to show.
    return make_service_module(OFFLINETUBE_TRENDING_QUERY="Fixture")


def test_the_page_in_chromium(web_service, site):
    for need in (CHROMIUM, NODE, os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        if not os.path.exists(need):
            pytest.fail(f"{need} is missing: run `make deps-browser`")
    shots = os.path.join(REPO, os.environ.get("OFFLINETUBE_SCREENSHOTS", "build/screenshots"))
    os.makedirs(shots, exist_ok=True)
    env = dict(os.environ, OT_BASE=web_service.base, OT_SITE=site.base, OT_SHOTS=shots,
               OT_CHROMIUM=CHROMIUM)
    r = subprocess.run([NODE, "--test", "--test-reporter=spec", "web.test.mjs"],
                       cwd=BROWSER_DIR, env=env, capture_output=True, text=True, timeout=300)
    print(r.stdout[-20000:])
    print(r.stderr[-5000:])
    assert r.returncode == 0, (
        "browser tests failed (output above)\n" + r.stdout[-6000:] + r.stderr[-3000:]
        + "\n" + web_service.logs_tail())
