"""test_cookies.py: cookies for sites that need a sign-in: PUT/GET/DELETE /api/cookies,
per key, checked line by line, stored 0600 and never shown; the worker hands yt-dlp a
private copy for that key's downloads, look-ups and subscription checks only.

The fixture site's /members/<name> answers 403 unless the request carries
MEMBER_COOKIE, and so does the media it points at: a download works only when
yt-dlp sends the cookie for both."""
import os
import stat
import time

import pytest

from harness import Service, end_service, files_under, wait_until
from fixture_site import MEMBER_COOKIE
from test_keys import add_key

NAME, VALUE = MEMBER_COOKIE


def jar(value=VALUE, domain="127.0.0.1", extra=""):
    """A browser's export: header, a comment, CRLF ends, an HttpOnly cookie."""
    return ("# Netscape HTTP Cookie File\r\n# exported for the tests\r\n\r\n"
            f"{domain}\tFALSE\t/\tFALSE\t4102444800\t{NAME}\t{value}\r\n"
            f"#HttpOnly_.example.org\tTRUE\t/\tTRUE\t0\tother\tOTHERVALUE\r\n" + extra)


def put(svc, text, key=None, ctype="text/plain"):
    h = {"Content-Type": ctype}
    if key:
        h["X-API-Key"] = key
    return svc.request("PUT", "/api/cookies", body=text, headers=h)


def get(svc, key=None):
    return svc.get("/api/cookies", headers={"X-API-Key": key} if key else {})


def stored_path(svc, owner):
    return os.path.join(svc.data_dir, "cookies", f"{owner}.txt")


def all_logs(svc):
    out = b""
    for f in os.listdir(svc.log_dir):
        with open(os.path.join(svc.log_dir, f), "rb") as fh:
            out += fh.read()
    return out


@pytest.fixture(scope="module")
def keyed(site, xdg):
    # Verbose (-v): the logs hold all they can say, and still no cookie value.
    svc = Service(site, xdg, {"OFFLINETUBE_AUTH": "on"})
    svc.args = {"api": ["-v"], "worker": ["-v"]}
    try:
        svc.start()
    except BaseException:
        svc.finish()
        raise
    svc.keys = {"alice": add_key(svc, "alice"), "bob": add_key(svc, "bob")}
    yield svc
    end_service(svc)


def test_get_before_any_put_says_none(service):
    st, _, body = get(service)
    assert st == 200, body
    assert body == {"present": False, "updated_at": None, "cookies": 0, "domains": []}
    st, _, body = service.delete("/api/cookies")
    assert st == 404 and body == {"detail": "No cookies are stored for this key"}


def test_put_stores_a_clean_0600_copy_and_get_shows_no_value(service):
    before = time.time()
    st, _, body = put(service, jar())
    assert st == 200, body
    assert body["present"] is True and body["cookies"] == 2
    assert body["domains"] == ["127.0.0.1", "example.org"]
    assert abs(time.mktime(time.strptime(body["updated_at"], "%Y-%m-%dT%H:%M:%SZ"))
               - time.mktime(time.gmtime(before))) < 5
    assert VALUE not in str(body) and "OTHERVALUE" not in str(body)
    st, _, again = get(service)
    assert st == 200 and again == body
    p = stored_path(service, 0)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(p)).st_mode) == 0o700
    with open(p, "rb") as f:
        text = f.read()
    # The clean copy: yt-dlp's header, cookies only, LF ends.
    assert text.startswith(b"# Netscape HTTP Cookie File\n")
    assert b"\r" not in text and b"exported for the tests" not in text
    assert text.count(b"\n") == 3
    # Nothing else in the directory: no temporary file left from the replace.
    assert os.listdir(os.path.dirname(p)) == ["0.txt"]
    assert VALUE.encode() not in all_logs(service)


@pytest.mark.parametrize("text, line, why", [
    ("a.com\tFALSE\t/\tFALSE\t0\tname\n", 1, "7 tab-separated fields expected, found fewer"),
    ("# c\n\na.com\tFALSE\t/\tFALSE\t0\tn\tv\nb.com\tmaybe\t/\tFALSE\t0\tn\tv\n", 4,
     "field 2 (include subdomains) must be TRUE or FALSE"),
    ("a.com\tFALSE\t/\tFALSE\tsoon\tn\tv\r\n", 1,
     "the expiry (field 5) must be whole unix seconds or empty"),
    ("a.com\tFALSE\t/\tFALSE\t0\t\tv\n", 1, "the name (field 6) is empty"),
    ("a.com\tFALSE\t/\tFALSE\t0\tn\tv\x00w\n", 1, "it holds a NUL byte"),
    ("a.com\tFALSE\t/\tFALSE\t0\tn\t" + "v" * 9000 + "\n", 1, "it is longer than 8192 bytes"),
])
def test_a_bad_line_is_400_naming_its_number(service, text, line, why):
    put(service, jar())
    st, _, body = put(service, text)
    assert st == 400, body
    assert body == {"detail": f"cookies.txt line {line}: {why}"}
    # What was stored stays as it was.
    assert get(service)[2]["cookies"] == 2


def test_comments_only_is_400_and_keeps_what_was_stored(service):
    put(service, jar())
    st, _, body = put(service, "# Netscape HTTP Cookie File\n\n# nothing\n")
    assert st == 400
    assert body["detail"].startswith("cookies.txt: the file holds no cookies")
    assert get(service)[2]["present"] is True


def test_wrong_content_type_is_415(service):
    st, _, body = put(service, jar(), ctype="application/json")
    assert st == 415 and body == {
        "detail": "Content-Type must be text/plain (a Netscape cookies.txt file)"}
    st, _, body = service.request("PUT", "/api/cookies", body=jar())
    assert st == 415


def test_a_file_over_1_mib_is_413_and_one_just_under_is_taken(service):
    line = f"127.0.0.1\tFALSE\t/\tFALSE\t0\tn\t{'v' * 8000}\n"
    big = jar() + line * (1024 * 1024 // len(line) + 1)
    assert len(big.encode()) > 1024 * 1024
    st, _, body = put(service, big)
    assert st == 413 and body == {"detail": "Cookies file too large (limit 1 MiB)"}
    fits = jar() + line * ((1024 * 1024 - len(jar())) // len(line))
    assert len(fits.encode()) <= 1024 * 1024
    st, _, body = put(service, fits)
    assert st == 200, body
    assert body["cookies"] == 2 + (1024 * 1024 - len(jar())) // len(line)
    # The service goes on answering on the same kept connections.
    assert get(service)[0] == 200


def test_delete_removes_them(service):
    put(service, jar())
    st, _, body = service.delete("/api/cookies")
    assert st == 200 and body == {"message": "Cookies removed"}
    assert not os.path.exists(stored_path(service, 0))
    assert get(service)[2]["present"] is False


def test_each_key_sees_only_its_own(keyed):
    a, b = keyed.keys["alice"], keyed.keys["bob"]
    assert get(keyed)[0] == 401
    assert put(keyed, jar())[0] == 401
    st, _, body = put(keyed, jar(), key=a)
    assert st == 200 and body["present"]
    assert get(keyed, b)[2] == {"present": False, "updated_at": None, "cookies": 0,
                                "domains": []}
    assert keyed.delete("/api/cookies", headers={"X-API-Key": b})[0] == 404
    assert get(keyed, a)[2]["present"] is True
    assert VALUE.encode() not in all_logs(keyed)
