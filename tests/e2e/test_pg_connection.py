"""PostgreSQL only (OFFLINETUBE_TEST_DATABASE=postgresql): the programs outlive
their database connections, as after a server restart or a network cut."""
import time

import pytest

import harness
from harness import wait_until

pytestmark = pytest.mark.skipif(not harness.PG, reason="PostgreSQL only")


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
