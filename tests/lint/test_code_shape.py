"""test_code_shape.py: the shape the code promises a reader, checked on its sources.

- a function that the API, the store or common/ exports is used by another
  file (a test counts): one used only where it is defined is `static`;
- whether a string is an http(s) URL is asked of one helper, urlform_is_http();
- task statuses, look-up kinds and look-up states are compared as enums;
- the store hands back facts, never a json-c object;
- the worker never spells a route of the API.
"""
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A definition in the house style: the type on one line, the name at the
# start of the next, followed by its parameters.
DEFINITION = re.compile(r"^(?P<type>[^\s#/*{}][^\n;]*)\n(?P<name>[a-z_][a-z0-9_]*)\(",
                        re.MULTILINE)


def sources(*dirs, ext=(".c",)):
    for d in dirs:
        top = os.path.join(REPO, d)
        for name in sorted(os.listdir(top)):
            if name.endswith(ext):
                yield os.path.join(d, name)


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def lines_matching(pattern, skip):
    """Each line of the C sources that matches, but in the file skip."""
    found = []
    for rel in sources("fcgi-app", "worker", "common", "sql"):
        if rel == skip:
            continue
        for n, line in enumerate(read(rel).splitlines(), 1):
            if pattern.search(line):
                found.append("%s:%d: %s" % (rel, n, line.strip()))
    return found


def test_every_exported_function_is_used_in_another_file():
    users = {rel: read(rel) for rel in sources(
        "fcgi-app", "worker", "common", "sql", "tests/unit", "tests/fuzz", "bench")}
    lonely = []
    for rel in sources("fcgi-app", "sql", "common"):
        for m in DEFINITION.finditer(users[rel]):
            if m.group("type").startswith("static") or m.group("name") == "main":
                continue
            word = re.compile(r"\b%s\b" % re.escape(m.group("name")))
            if not any(word.search(text) for other, text in users.items() if other != rel):
                lonely.append("%s: %s" % (rel, m.group("name")))
    assert not lonely, "exported but used in one file only (make them static): %s" % lonely


def test_one_helper_says_whether_a_string_is_an_http_url():
    pattern = re.compile(r"strn?casecmp\([^;]*\"https?://\"", re.IGNORECASE)
    found = lines_matching(pattern, "common/urlform.c")
    assert not found, "ask urlform_is_http() instead: %s" % found


def test_closed_sets_are_compared_as_enums_not_strings():
    """Task statuses, look-up kinds and states are read once into their enums
    (sql/store.h); yt-dlp's own progress statuses (worker/progress.c) are its
    words, parsed there."""
    names = "pending|downloading|processing|completed|cancelled|done|running|search|trending|info"
    pattern = re.compile(r"str(?:n|case)?cmp\([^;]*\"(?:%s)\"" % names)
    found = lines_matching(pattern, "worker/progress.c")
    assert not found, "compare the enum instead: %s" % found


def test_the_store_hands_back_facts_not_json():
    """store.c fills structs, arrays and counts (store.h's convention); JSON
    is built by the API, or by SQLite itself in the record column."""
    for rel in ("sql/store.c", "sql/store.h"):
        text = read(rel)
        assert "json-c" not in text and "json_object" not in text, rel


def test_no_api_route_is_spelled_by_the_worker():
    """The worker stores facts (a local thumbnail exists); the API, or the
    record SQLite builds, makes the links."""
    found = []
    for rel in sources("worker"):
        for n, line in enumerate(read(rel).splitlines(), 1):
            if "\"/api/" in line:
                found.append("%s:%d: %s" % (rel, n, line.strip()))
    assert not found, found
