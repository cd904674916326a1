"""openapi_check.py: holds every HTTP exchange the suite makes through the
harness against docs/openapi.json, so that the document stays true.

harness.py records each request and its answer (record()), docexamples.py
each curl of the docs' examples (from curl's own trace); conftest.py checks
what a test made when it ends (pending_problems()) and fails that test with
every disagreement, and the session's summary lists them all again.  What
is checked, for a path under /api/:
- the path matches one of the document's path templates (else the answer must
  be the 404 a path no route has gets);
- the method is one of that path's operations (else 405 with Allow naming the
  path's methods; HEAD is GET without a body);
- the status is one the operation documents;
- the Content-Type is one the answer documents, and an answer documented
  without content has no body;
- a JSON body fits the answer's schema;
- every header the answer marks required is there, and fits its schema;
- a request answered 2xx fits the operation's parameters and body (tests send
  bad requests on purpose: those must get one of the documented 4xx).
"""
import copy
import json
import os
import re
import threading
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCUMENT = os.path.join(REPO, "docs", "openapi.json")
# What a path no route has may answer: 404, or nginx's own refusals, which come
# before any route (a URI or headers too long, an unknown Host, the rate limit).
NOWHERE = (400, 404, 414, 421, 429, 431)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_lock = threading.Lock()
_pending = []       # exchanges not checked yet
_all_problems = []  # every disagreement of the session, in order
_checked = 0
_contract = None


def record(method, target, req_headers, req_body, status, resp_headers, resp_body):
    """Keeps one exchange for the check at the end of the test that made it.
    target is the request line's path and query, as sent."""
    ex = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0],
        "method": method.upper(), "target": target,
        "req_headers": {k.lower(): v for k, v in (req_headers or {}).items()},
        "req_body": req_body, "status": status,
        "resp_headers": [(k.lower(), v) for k, v in resp_headers.items()],
        "resp_body": resp_body,
    }
    with _lock:
        _pending.append(ex)


def _deref(node, root, seen=()):
    """node with every "#/..." $ref replaced by a copy of its target."""
    if isinstance(node, list):
        return [_deref(x, root, seen) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        where = node["$ref"]
        if not where.startswith("#/") or where in seen:
            raise ValueError(f"{DOCUMENT}: cannot follow $ref {where}")
        target = root
        for part in where[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        out = _deref(copy.deepcopy(target), root, seen + (where,))
        out.update({k: _deref(v, root, seen) for k, v in node.items() if k != "$ref"})
        return out
    return {k: _deref(v, root, seen) for k, v in node.items()}


def _norm_path(raw):
    """The path as nginx hands it on: decoded, slashes merged, . and .. resolved."""
    path = urllib.parse.unquote(raw, errors="surrogateescape")
    out = []
    for seg in path.split("/")[1:]:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    tail = "/" if path.endswith("/") and out else ""
    return "/" + "/".join(out) + tail


class Contract:
    """The document, its $refs followed, its path templates ready to match."""

    def __init__(self, path=DOCUMENT):
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        self.doc = _deref(raw, raw)
        self.routes = []
        for template, item in self.doc["paths"].items():
            segs = template.split("/")[1:]
            rx = "^/" + "/".join("([^/]+)" if s.startswith("{") else re.escape(s)
                                 for s in segs) + "$"
            names = [s[1:-1] for s in segs if s.startswith("{")]
            self.routes.append((len(names), template, re.compile(rx), names, item))
        # A literal segment wins over a parameter (/a/b before /a/{id}).
        self.routes.sort(key=lambda r: r[0])
        self._validators = {}

    def _validate(self, schema, value):
        key = id(schema)
        v = self._validators.get(key)
        if v is None:
            import jsonschema   # python3-jsonschema: only the checks need it
            v = self._validators[key] = (schema, jsonschema.Draft202012Validator(schema))
        return sorted(v[1].iter_errors(value), key=lambda e: list(e.absolute_path))

    @staticmethod
    def _where(e):
        return "$" + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}"
                             for p in e.absolute_path)

    def _schema_problems(self, what, schema, value):
        return [f"{what} {self._where(e)}: {e.message}"[:400]
                for e in self._validate(schema, value)[:5]]

    def match(self, path):
        for _, template, rx, names, item in self.routes:
            m = rx.match(path)
            if m:
                return template, dict(zip(names, m.groups())), item
        return None, {}, None

    def check(self, ex):
        """The disagreements of one exchange (empty: it fits the document)."""
        split = urllib.parse.urlsplit(ex["target"])
        path = _norm_path(split.path)
        if not path.startswith("/api/"):
            return []       # the web page and nginx's internal locations
        method = ex["method"]
        status = ex["status"]
        headers = {}
        for k, v in ex["resp_headers"]:
            headers.setdefault(k, v)
        body = ex["resp_body"] or b""
        template, params, item = self.match(path)
        label = f"{method} {template or path[:120]}"
        if item is None:
            if status not in NOWHERE:
                return [f"{label}: {status} from a path the document does not describe "
                        f"(only 404, or nginx's own errors, are expected there)"]
            return self._body_problems(label, status, headers, body, method,
                                       {"content": {"application/json": {
                                           "schema": self.doc["components"]["schemas"]["Error"]}}})
        op_name = "get" if method == "HEAD" else method.lower()
        op = item.get(op_name)
        if op is None:
            return self._undocumented_method(label, item, status, headers, body, method)
        resp = op["responses"].get(str(status)) or op["responses"].get(f"{status // 100}XX") \
            or op["responses"].get("default")
        if resp is None:
            return [f"{label}: status {status} is not documented "
                    f"(documented: {', '.join(op['responses'])}); body {body[:200]!r}"]
        problems = self._body_problems(f"{label} {status}", status, headers, body, method, resp)
        for name, h in (resp.get("headers") or {}).items():
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    problems.append(f"{label} {status}: required header {name} is missing")
            elif "schema" in h:
                problems += self._schema_problems(f"{label} {status}: header {name}",
                                                  h["schema"], value)
        if 200 <= status < 300:
            problems += self._request_problems(label, status, item, op, params, split, ex)
        return problems

    def _undocumented_method(self, label, item, status, headers, body, method):
        documented = [m.upper() for m in METHODS if m in item and m != "options"]
        problems = []
        if status != 405:
            return [f"{label}: {status} to a method the document does not list for this "
                    f"path (it lists {', '.join(documented)}; only 405 is expected)"]
        if not item.get("x-static"):
            allow = [m.strip() for m in headers.get("allow", "").split(",") if m.strip()]
            want = set(documented) | ({"HEAD"} if "GET" in documented else set())
            if set(allow) != want:
                problems.append(f"{label} 405: Allow is {allow}, the document's methods "
                                f"are {sorted(want)}")
        return problems + self._body_problems(
            f"{label} 405", 405, headers, body, method,
            {"content": {"application/json": {
                "schema": self.doc["components"]["schemas"]["Error"]}}})

    def _body_problems(self, label, status, headers, body, method, resp):
        content = resp.get("content")
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if not content:
            if body and method != "HEAD":
                return [f"{label}: the document says no body, the answer has "
                        f"{len(body)} bytes ({ctype or 'no Content-Type'})"]
            return []
        media = None
        for name, m in content.items():
            major, _, minor = name.lower().partition("/")
            if name.lower() == ctype or (minor == "*" and ctype.startswith(major + "/")) \
                    or name == "*/*":
                media = m
                break
        if media is None:
            return [f"{label}: Content-Type {ctype or '(none)'} is not documented "
                    f"(documented: {', '.join(content)})"]
        if method == "HEAD" or not ctype.endswith("json") or "schema" not in media:
            return []
        try:
            value = json.loads(body)
        except ValueError as e:
            return [f"{label}: the body is not JSON ({e}): {body[:200]!r}"]
        return self._schema_problems(f"{label}: body", media["schema"], value)

    def _request_problems(self, label, status, item, op, params, split, ex):
        problems = []
        query = {}
        for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(k, v)      # the first one wins, as the API reads them
        declared = list(item.get("parameters", [])) + list(op.get("parameters", []))
        for p in declared:
            where, name, schema = p["in"], p["name"], p.get("schema", {})
            if where == "path":
                value = params.get(name)
            elif where == "query":
                value = query.get(name)
            elif where == "header":
                value = ex["req_headers"].get(name.lower())
            else:
                continue
            if value is None:
                if p.get("required"):
                    problems.append(f"{label} {status}: the request lacks the required "
                                    f"{where} parameter {name}, yet it was answered {status}")
                continue
            if schema.get("type") in ("integer", "number"):
                try:
                    value = int(value) if schema["type"] == "integer" else float(value)
                except ValueError:
                    problems.append(f"{label} {status}: {where} parameter {name}={value!r} "
                                    f"is not a {schema['type']}, yet it was answered {status}")
                    continue
            problems += [f"{x} (answered {status})" for x in self._schema_problems(
                f"{label}: request {where} parameter {name}", schema, value)]
        rb = op.get("requestBody")
        body = ex["req_body"]
        content = (rb or {}).get("content") or {}
        if rb and body and "application/json" not in content:
            pass    # a text body (a cookies.txt): the API judges it, the 4xx say how
        elif rb and body:
            media = content.get("application/json")
            try:
                value = json.loads(body)
            except ValueError:
                problems.append(f"{label} {status}: the request body is not JSON, yet it "
                                f"was answered {status}")
            else:
                if media and "schema" in media:
                    problems += [f"{x} (answered {status})" for x in self._schema_problems(
                        f"{label}: request body", media["schema"], value)]
        elif rb and rb.get("required") and not body and ex["method"] != "HEAD":
            problems.append(f"{label} {status}: no request body, yet it was answered {status}")
        return problems


def contract():
    global _contract
    if _contract is None:
        _contract = Contract()
    return _contract


def pending_problems():
    """Checks the exchanges recorded since the last call; returns their disagreements."""
    global _checked
    with _lock:
        todo = list(_pending)
        _pending.clear()
    c = contract()
    problems, seen = [], {}
    for ex in todo:
        for p in c.check(ex):
            if p in seen:       # a poll repeats one disagreement: list it once
                seen[p] += 1
                continue
            seen[p] = 1
            problems.append(f"{p}\n    request: {ex['method']} {ex['target'][:200]} "
                            f"(test {ex['test']})")
    with _lock:
        _checked += len(todo)
        _all_problems.extend(problems)
    return problems


def summary():
    """(exchanges checked, every disagreement of the session)."""
    with _lock:
        return _checked, list(_all_problems)
