"""test_openapi.py: docs/openapi.json against the code and the docs it describes.

Every route of the API's route table is in the document and nothing else is;
every message of msg.c and of docs/api.md's message tables can be found in it;
the committed reference page is the one scripts/openapi-page.py makes from it,
and nginx's CSP for that page allows its style; and the e2e suite's checker
(tests/e2e/openapi_check.py) does catch answers that disagree with it.
Redocly's lint of the document is `make openapi-lint`.
"""
import copy
import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(REPO, "docs", "openapi.json")
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import openapi_check  # noqa: E402

METHODS = ("get", "put", "post", "patch", "delete")


def load(path):
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def doc():
    with open(DOC, encoding="utf-8") as f:
        return json.load(f)


def page_module():
    spec = importlib.util.spec_from_file_location(
        "openapi_page", os.path.join(REPO, "scripts", "openapi-page.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def route_table():
    """(METHOD, pattern) of every route in fcgi-app/route.c."""
    src = load("fcgi-app/route.c")
    macros = dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', load("fcgi-app/route.h")))
    table = src[src.index("routes[] = {"):src.index("};", src.index("routes[] = {"))]
    out = set()
    for method, pat in re.findall(r'\{\s*"([A-Z]+)",\s*((?:\w+\s*)?"[^"]*")', table):
        m = re.match(r'(?:(\w+)\s*)?"([^"]*)"', pat)
        out.add((method, macros.get(m.group(1), "") + m.group(2)))
    assert len(out) > 10, "the route table was not found in fcgi-app/route.c"
    return out


def test_the_document_is_openapi_3_1_and_its_refs_resolve(doc):
    assert doc["openapi"].startswith("3.1.")
    c = openapi_check.Contract(DOC)       # follows every $ref, or raises
    assert c.routes


def test_the_document_has_the_package_version(doc):
    version = re.match(r"\S+ \(([^)]+)\)", load("debian/changelog")).group(1)
    assert doc["info"]["version"] == version, "docs/openapi.json's info.version"


def test_every_route_of_the_api_is_in_the_document_and_no_other(doc):
    documented = {(m.upper(), p) for p, item in doc["paths"].items()
                  for m in METHODS if m in item and not item.get("x-static")}
    routes = route_table()
    assert routes - documented == set(), "routes docs/openapi.json does not describe"
    assert documented - routes == set(), "operations in docs/openapi.json no route has"


def test_every_api_route_has_its_cors_preflight(doc):
    for p, item in doc["paths"].items():
        if not item.get("x-static"):
            assert "options" in item, f"{p}: OPTIONS (the CORS preflight) is not described"


def test_every_operation_id_is_unique(doc):
    """Client generators name a function after each; Redocly refuses a repeat too."""
    seen = {}
    for p, item in doc["paths"].items():
        for m in METHODS + ("options",):
            if m in item:
                seen.setdefault(item[m]["operationId"], []).append(f"{m.upper()} {p}")
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_every_message_can_be_found_in_the_document():
    text = load("docs/openapi.json")
    msgs = set(re.findall(r'^\s*\[MSG_\w+\]\s*=\s*((?:"[^"]*"\s*)+),', load("fcgi-app/msg.c"),
                          re.M))
    missing = []
    for m in msgs:
        s = "".join(re.findall(r'"([^"]*)"', m)).replace('\\"', '"')
        if json.dumps(s, ensure_ascii=False)[1:-1] not in text:
            missing.append(s)
    api = load("docs/api.md")
    section = api[api.index("## Every message"):api.index("#### Messages in a subscription")]
    for cell in re.findall(r"^\|([^|]*)\|", section, re.M):
        for m in re.findall(r"`([^`]+)`", cell):
            if json.dumps(m, ensure_ascii=False)[1:-1] not in text:
                missing.append(m)
    assert not missing, "messages docs/openapi.json does not name:\n" + "\n".join(missing)


def test_the_reference_page_is_made_from_the_document():
    made = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "openapi-page.py"),
                           DOC], check=True, capture_output=True, text=True).stdout
    assert made == load("docs/api-reference.html"), \
        "docs/api-reference.html is stale: run `make api-reference`"


def test_the_page_loads_nothing_and_its_csp_allows_its_style():
    page = load("docs/api-reference.html")
    assert "<script" not in page
    for m in re.finditer(r"""(?:src|href)\s*=\s*["']([^"']+)""", page):
        assert m.group(1).startswith(("#", "/api/")), m.group(0)
    assert not re.search(r"@import|url\(", page)
    source = page_module().style_hash()
    for conf in ("nginx/offlinetube.conf.in", "nginx/offlinetube-snippet.conf.in"):
        text = load(conf)
        block = text[text.index("location = /api/docs"):]
        csp = re.search(r'Content-Security-Policy "([^"]*)"', block).group(1)
        assert csp == (f"default-src 'none'; style-src {source}; base-uri 'none'; "
                       "form-action 'none'; frame-ancestors 'none'"), conf


# -- the e2e suite's checker ------------------------------------------------------

TASK_ID = "0b5e6a52-31c4-4c1e-9d2f-6a7e8f1c2d3b"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def task_record():
    return {"id": TASK_ID, "url": "https://e.example/v", "title": "", "status": "pending",
            "progress": 0.0, "speed": "", "eta": "", "filesize": 0, "downloaded_bytes": 0,
            "format_note": "", "is_playlist": False, "playlist_index": 0,
            "playlist_total": 1, "filename": "", "quality": "best", "download_type": "video",
            "error_message": "", "created_at": "2026-11-23T09:36:17Z", "completed_at": None,
            "playlist_id": None, "updated_at": "2026-11-23T09:36:17Z", "format_id": None,
            "audio_format": "m4a", "embed_metadata": False, "sponsorblock": "off",
            "subscription_id": None, "subtitle_langs": [], "thumbnail": "", "stream_url": "",
            "file_url": "", "subtitles": []}


def check(method, target, status, body, headers=None, req_body=None, doc_path=DOC):
    ex = {"test": "t", "method": method, "target": target, "req_headers": {},
          "req_body": req_body, "status": status,
          "resp_headers": [(k.lower(), v) for k, v in (headers or JSON).items()],
          "resp_body": json.dumps(body).encode() if not isinstance(body, bytes) else body}
    return openapi_check.Contract(doc_path).check(ex)


def test_the_checker_passes_answers_that_fit():
    etag = {**JSON, "ETag": '"t1a2b"'}
    assert check("GET", f"/api/downloads/{TASK_ID}", 200, task_record(), etag) == []
    assert check("GET", "/api/downloads?status=completed&limit=5", 200, [task_record()],
                 {**JSON, "ETag": '"l9"'}) == []
    assert check("POST", "/api/download", 400, {"detail": "url: field required"},
                 req_body=b'{"nope": 1}') == []
    assert check("PUT", f"/api/downloads/{TASK_ID}", 405, {"detail": "Method Not Allowed"},
                 {**JSON, "Allow": "GET, HEAD, DELETE"}) == []
    assert check("GET", "/api/nothing", 404, {"detail": "Not Found"}) == []
    assert check("GET", "/index.html", 200, b"<html>", {"Content-Type": "text/html"}) == []
    cookies = {"present": True, "updated_at": "2026-11-23T10:20:00Z", "cookies": 1,
               "domains": ["example.com"]}
    assert check("PUT", "/api/cookies", 200, cookies,
                 req_body=b".example.com\tTRUE\t/\tTRUE\t0\tSID\tv\n") == []
    assert check("GET", "/api/metrics", 200, b"offlinetube_tasks{status=\"error\"} 0\n",
                 {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}) == []


@pytest.mark.parametrize("what,args,needle", [
    ("a field of the wrong type",
     ("GET", f"/api/downloads/{TASK_ID}", 200, {**task_record(), "progress": "1"},
      {**JSON, "ETag": '"t1"'}), "GET /api/downloads/{id} 200: body $.progress"),
    ("a field the document does not have",
     ("GET", f"/api/downloads/{TASK_ID}", 200, {**task_record(), "chapters": []},
      {**JSON, "ETag": '"t1"'}), "'chapters' was unexpected"),
    ("a required header missing",
     ("GET", f"/api/downloads/{TASK_ID}", 200, task_record()), "required header ETag"),
    ("a status not documented",
     ("GET", f"/api/downloads/{TASK_ID}", 418, {"detail": "x"}), "status 418 is not documented"),
    ("a route the document does not have",
     ("GET", "/api/bookmarks", 200, {"bookmarks": []}),
     "GET /api/bookmarks: 200 from a path the document does not describe"),
    ("a method the document does not have",
     ("PUT", "/api/bookmarks", 200, {}), "PUT /api/bookmarks: 200 from a path"),
    ("a method a documented path does not list",
     ("PUT", "/api/downloads", 200, []), "PUT /api/downloads: 200 to a method"),
    ("a 405 whose Allow differs from the document",
     ("PUT", "/api/downloads", 405, {"detail": "Method Not Allowed"},
      {**JSON, "Allow": "GET, HEAD, POST"}), "Allow is"),
    ("a field a webhook does not have",
     ("GET", "/api/webhooks", 200, [{"id": TASK_ID, "url": "https://h.example/", "events":
      ["task.error"], "created_at": "2026-11-23T09:36:17Z", "last_delivery_at": None,
      "last_status": None, "failures": 0, "secret": "s3cretvalue"}]),
     "'secret' was unexpected"),
    ("an undocumented Content-Type",
     ("GET", "/api/health", 200, b"ok", {"Content-Type": "text/plain"}),
     "Content-Type text/plain is not documented"),
    ("a 2xx for a request the document calls invalid",
     ("GET", "/api/downloads?limit=0", 200, [], {**JSON, "ETag": '"l1"'}),
     "request query parameter limit"),
    ("a 2xx for a body the document calls invalid",
     ("POST", "/api/download", 200, task_record(), JSON, b'{"url": "https://e.example/v", '
      b'"quality": "999p"}'), "request body $.quality"),
])
def test_the_checker_catches(what, args, needle):
    problems = check(*args)
    assert any(needle in p for p in problems), (what, problems)


def test_the_checker_catches_a_document_that_is_wrong(tmp_path, doc):
    """A planted mistake in the document (progress a string) fails a true answer."""
    wrong = copy.deepcopy(doc)
    wrong["components"]["schemas"]["Task"]["properties"]["progress"] = {"type": "string"}
    p = tmp_path / "openapi.json"
    p.write_text(json.dumps(wrong))
    problems = check("GET", f"/api/downloads/{TASK_ID}", 200, task_record(),
                     {**JSON, "ETag": '"t1"'}, doc_path=str(p))
    assert problems and "$.progress: 0.0 is not of type 'string'" in problems[0], problems
