"""conftest.py: the fixture site and the services the end-to-end tests run against.

A module shares one service (`service`); tests that stop, kill or reconfigure
programs make their own (`make_service`).  See harness.py.
"""
import os
import shutil
import tempfile

import pytest

import harness
import openapi_check
from harness import end_service, fixture_site, run_service


# -- which database (OFFLINETUBE_TEST_DATABASE): said in the header and by every failure --

BACKEND = "postgresql" if harness.PG else "sqlite"


def pytest_report_header(config):
    return f"database: {BACKEND} (OFFLINETUBE_TEST_DATABASE)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failure's line in the summary names the database it ran on."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        rep.nodeid = f"{rep.nodeid} [{BACKEND}]"


# -- docs/openapi.json holds for every answer -------------------------------------

@pytest.fixture(autouse=True)
def openapi_holds():
    """Fails a test whose requests got an answer docs/openapi.json does not describe
    (openapi_check.py); the exchanges of a module's service start count for its first test."""
    yield
    problems = openapi_check.pending_problems()
    if problems:
        pytest.fail(f"{len(problems)} answer(s) disagree with docs/openapi.json:\n"
                    + "\n".join(problems), pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    problems = openapi_check.pending_problems()
    if problems and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    checked, problems = openapi_check.summary()
    if not checked:
        return
    terminalreporter.write_line(
        f"docs/openapi.json: {checked} answers checked, {len(problems)} disagreement(s)")
    for p in problems:
        terminalreporter.write_line("  " + p.replace("\n", "\n  "))


# -- pytest fixtures -------------------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory):
    media = str(tmp_path_factory.mktemp("media"))
    fixture_site.make_media(media)
    s = fixture_site.FixtureSite(media).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def xdg(site):
    d = tempfile.mkdtemp(prefix="ot-xdg-", dir="/tmp")
    fixture_site.write_ytdlp_config(d, site.base)
    # yt-dlp runs as the programs' user (not root when the suite is root): it must read the plugin.
    for root, dirs, files in os.walk(d):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    # Where tests/fixtures/ytdlp-counting records its runs (and ytdlp-gate its
    # gates), writable by that user; the scripts themselves are copied here too,
    # out of a checkout that user may not reach.
    os.mkdir(os.path.join(d, "runs"))
    os.chmod(os.path.join(d, "runs"), 0o1777)
    for script in ("ytdlp-counting", "ytdlp-gate"):
        shutil.copy(os.path.join(fixture_site.HERE, script), d)
        os.chmod(os.path.join(d, script), 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def service(site, xdg):
    """One service shared by the tests of a module."""
    svc = run_service(site, xdg)
    yield svc
    end_service(svc)


def _service_maker(site, xdg):
    """A function that starts services with extra environment, and their list."""
    made = []

    def make(**env):
        svc = run_service(site, xdg, {k: str(v) for k, v in env.items()})
        made.append(svc)
        return svc
    return make, made


@pytest.fixture
def make_service(site, xdg):
    """Starts fresh services (with extra environment) for destructive tests."""
    make, made = _service_maker(site, xdg)
    yield make
    for svc in made:
        end_service(svc)


@pytest.fixture(scope="module")
def make_service_module(site, xdg):
    """Like make_service, for a service the tests of one module share."""
    make, made = _service_maker(site, xdg)
    yield make
    for svc in made:
        end_service(svc)
