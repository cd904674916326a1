"""test_openapi.py: nginx serves the API's description (docs/openapi.json) at
/api/openapi.json and its reference page at /api/docs: with their types, the
page's CSP, and no key needed while keys are on.  That every answer of the
suite agrees with the document is checked for every test (openapi_check.py,
conftest.py); the document against the code: tests/lint/test_openapi.py."""
import json
import os

import pytest

from harness import REPO

DOCS = os.path.join(REPO, "docs")


def read(name):
    with open(os.path.join(DOCS, name), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def keyed(make_service_module):
    return make_service_module(OFFLINETUBE_AUTH="on")


def test_the_document_is_served_without_a_key(keyed):
    st, _, body = keyed.get("/api/downloads")
    assert st == 401, "keys are not on: this test would prove nothing"
    st, h, body = keyed.get("/api/openapi.json")
    assert st == 200, (st, body)
    assert h["Content-Type"] == "application/json; charset=utf-8"
    assert h["X-Content-Type-Options"] == "nosniff"
    # Tools on other origins read it (a Swagger UI, a client generator).
    assert h["Access-Control-Allow-Origin"] == "*"
    assert body == json.loads(read("openapi.json"))
    assert body["openapi"].startswith("3.1.")


def test_the_page_is_served_without_a_key_with_its_csp(keyed):
    st, h, body = keyed.get("/api/docs")
    assert st == 200, (st, body)
    assert h["Content-Type"] == "text/html; charset=utf-8"
    assert body == read("api-reference.html")
    csp = h["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-"), csp
    assert "script-src" not in csp and "http" not in csp
    assert h["X-Frame-Options"] == "DENY" and h["Referrer-Policy"] == "no-referrer"
    st, h, body = keyed.request("HEAD", "/api/docs")
    assert st == 200 and body == b""


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
def test_only_get_and_head(keyed, path):
    st, h, body = keyed.post(path, {})
    assert st == 405 and body == {"detail": "Method Not Allowed"}, (st, body)
