"""PostgreSQL only (OFFLINETUBE_TEST_DATABASE=postgresql): the programs outlive
their database connections, as after a server restart or a network cut."""
import os
import shutil
import tempfile
import time

import pytest

import harness
from harness import wait_until

pytestmark = pytest.mark.skipif(not harness.PG, reason="PostgreSQL only")

if harness.PG:
    import psycopg2


def test_connections_the_server_drops_are_made_again(service, site):
    """Every connection of the API and the worker is ended by the server: the
    next requests are answered (at worst errors for a second, never a crash),
    the worker claims and finishes a new download, and says once that it
    lost its database rather than at every turn of its loop."""
    service.download(site.page("clip"))
    rows, _ = service.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert rows[0][0] >= 2
    time.sleep(0.5)
    answered = []

    def created():
        st, _, body = service.post("/api/download", {"url": site.page("clip")})
        answered.append((st, body))
        return st in (200, 201, 202)
    wait_until(created, 20, 0.1, what="a create answered")
    # Never 401: a thread whose look for keys failed says so (500), and
    # asks again at the next request.
    assert all(st in (200, 201, 202, 500, 503) for st, _ in answered), answered
    service.wait_for_status(answered[-1][1]["id"], "completed")
    assert service.log("worker").count("changes: ") <= 1
    assert service.get("/api/health")[0] == 200


def test_a_server_away_for_seconds_is_said_once_and_the_work_goes_on(site, xdg):
    """The server goes away for a few seconds (its socket gone: a restart,
    a network cut) after it ended every connection.  The worker's loop turns
    every 50 ms meanwhile: it says once that it lost its database, not at
    every turn; and once the server is back both programs use it again, and
    a new download is claimed and finished."""
    svc = harness.Service(site, xdg)
    real = harness.pg_socket_dir()
    # The programs reach the server through a link to its socket, which the test takes away.
    relay = tempfile.mkdtemp(prefix="ot-relay-", dir="/tmp")
    os.chmod(relay, 0o755)
    link = os.path.join(relay, ".s.PGSQL.5432")
    os.symlink(os.path.join(real, ".s.PGSQL.5432"), link)
    uri = svc.env["OFFLINETUBE_DATABASE"]
    svc.env["OFFLINETUBE_DATABASE"] = uri.replace(f"host={real}&", f"host={relay}&", 1)
    assert svc.env["OFFLINETUBE_DATABASE"] != uri
    try:
        svc.start()
        svc.download(site.page("clip"))
        os.unlink(link)
        con = psycopg2.connect(uri)
        try:
            with con, con.cursor() as cur:
                cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                assert cur.fetchone()[0] >= 2
        finally:
            con.close()
        time.sleep(3)
        assert svc.get("/api/downloads")[0] in (500, 503)
        assert svc.procs["worker"].poll() is None
        lost = svc.log("worker").count("changes: ")
        os.symlink(os.path.join(real, ".s.PGSQL.5432"), link)
        answered = []

        def created():
            st, _, body = svc.post("/api/download", {"url": site.page("clip2")})
            answered.append((st, body))
            return st == 200
        wait_until(created, 20, 0.2, what="a create answered once the server is back")
        svc.wait_for_status(answered[-1][1]["id"], "completed")
        assert lost == 1, svc.log("worker")[-3000:]
        assert svc.log("worker").count("changes: ") == 1
    finally:
        harness.end_service(svc)
        shutil.rmtree(relay, ignore_errors=True)
