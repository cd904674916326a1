"""test_host_names.py: nginx serves only its own host names, so a web page whose
domain is made to resolve to this address (DNS rebinding) cannot reach the API."""
import http.client

import openapi_check


def with_host(svc, host, path="/api/downloads"):
    c = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=10)
    try:
        c.putrequest("GET", path, skip_host=True)
        c.putheader("Host", host)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        openapi_check.record("GET", path, {"Host": host}, None, r.status, r.headers, body)
        return r.status, body, r.headers
    finally:
        c.close()


def test_a_foreign_host_name_is_refused(service):
    for path in ("/api/downloads", "/", "/index.html"):
        st, body, h = with_host(service, f"evil.example:{service.port}", path)
        assert st == 421, (path, body)
        assert b"OFFLINETUBE_SERVER_NAMES" in body
        assert h["Content-Type"].startswith("application/json"), (path, h["Content-Type"])


def test_loopback_names_are_served(service):
    for host in (f"127.0.0.1:{service.port}", f"localhost:{service.port}", "localhost"):
        assert with_host(service, host)[0] == 200, host


def test_configured_names_are_served(make_service):
    svc = make_service(OFFLINETUBE_SERVER_NAMES="tube.home.lan,nas")
    assert with_host(svc, "tube.home.lan")[0] == 200
    assert with_host(svc, "nas:8001")[0] == 200
    assert with_host(svc, "other.home.lan")[0] == 421
