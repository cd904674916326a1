"""docexamples.py: the shell examples of the docs, run as written, against a
running service; an answer that no longer matches what the docs show fails.

An example is a fenced block of lines "$ command" (with "\\" continuations),
each followed by what it prints.  The commands run in order, in one shell
environment per document ("$ ID=…" sets a variable for the commands after
it), with these substitutions: the service's address for
http://127.0.0.1:8001, the fixture site for https://www.youtube.com and
https://i.ytimg.com (tests/fixtures serves the docs' videos there), the
programs' directory for build/, and every id the docs show for the id the
service gave (an id is bound to the real one the first time an answer shows
it).

What is compared:
- JSON: the keys the docs show, in their order, with their values; "…" as a
  member allows more keys, as the last element more elements, at the end of
  a string any rest of it.  Times, speeds, sizes and counts that change from
  run to run are compared by their form, not their value.
- HTTP headers (curl -D - / -I): the status line, and each header shown, in
  its order, with its value (dates, ETags and a whole file's size by form);
  the answer may add only Server, Date and Connection.
- Anything else, line for line.

Every curl the examples run leaves a trace (a wrapper on PATH adds --trace),
and each exchange with the service goes to openapi_check like the harness's
own, so the docs' requests and answers are held against docs/openapi.json.

A command that only reads (curl without -X or a body) is a poll: it is
asked again until its answer matches, for a while, as a person polling a
download does.  A block marked with an HTML comment on the line before it,

    <!-- example: NAME; needs the internet -->

is not run (the test names it as skipped); "own data directory" runs it on a
data directory of its own (the key commands, which would turn keys on for
every example after them).
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.parse

import openapi_check

PLACEHOLDER_BASE = "http://127.0.0.1:8001"
SITE_HOSTS = ("https://www.youtube.com", "https://i.ytimg.com")
POLL_SECONDS = 90

ELLIPSIS = "\u2026"
MORE = "\u0000more"     # a "…" member or element, once parsed

# Tokens whose value changes from run to run.  Ids and key prefixes are bound
# (the same doc value must always stand for the same real one); the others
# are compared by form.
TOKENS = re.compile(
    r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"|(?P<key>otk_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"
    r"|(?P<prefix>otk_[0-9a-f]{8})"
    r"|(?P<short>[0-9a-f]{8}-(?=" + ELLIPSIS + r"))"
    r"|(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"
    r"|(?P<date>[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)"
    r"|(?P<etag>\"[0-9a-f]+-[0-9a-f]+\")")
FORMS = {
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    "key": r"otk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}",
    "prefix": r"otk_[0-9a-f]{8}",
    "short": r"[0-9a-f]{8}-",
    "time": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "date": r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
    "etag": r"\"[0-9a-f]+-[0-9a-f]+\"",
}
# JSON keys whose values change with the run, the machine and the moment.
ANY_NUMBER = {"progress", "filesize", "downloaded_bytes", "free_mb", "pid"}
ANY_NUMBER_UNDER = {"tasks"}            # counts of tasks by status
ANY_STRING = {"speed", "eta", "host"}
# Headers an answer may carry beyond those shown.
EXTRA_HEADERS = {"server", "date", "connection", "keep-alive"}


class Mismatch(Exception):
    pass


# -- the markdown ----------------------------------------------------------------

class Step:
    def __init__(self, line, command, expected):
        self.line, self.command, self.expected = line, command, expected


class Block:
    def __init__(self, doc, line, name, options, steps):
        self.doc, self.line, self.name, self.options, self.steps = \
            doc, line, name, options, steps

    @property
    def label(self):
        return f"{os.path.basename(self.doc)}:{self.line}" + (
            f" ({self.name})" if self.name else "")


def blocks(path):
    """The example blocks of a markdown file, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start, body, i = i, [], i + 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if not any(l.startswith("$ ") for l in body):
            continue
        name, options = "", set()
        m = re.fullmatch(r"<!-- example: ([^;]*?)\s*(?:;\s*(.*?))?\s*-->",
                         lines[start - 1].strip()) if start > 0 else None
        if m:
            name = m.group(1)
            options = {o.strip() for o in (m.group(2) or "").split(";") if o.strip()}
        steps, j = [], 0
        while j < len(body):
            if not body[j].startswith("$ "):
                raise AssertionError(f"{path}:{start + 2 + j}: an example block "
                                     "must start with a command ($ …)")
            line, cmd = start + 2 + j, body[j][2:]
            while cmd.endswith("\\"):
                j += 1
                cmd = cmd + "\n" + body[j]
            j += 1
            expected = []
            while j < len(body) and not body[j].startswith("$ "):
                # A line of its own "…" is time passing (more polls), not output.
                if body[j].strip() != ELLIPSIS:
                    expected.append(body[j])
                j += 1
            steps.append(Step(line, cmd, "\n".join(expected)))
        out.append(Block(path, start + 1, name, options, steps))
    return out


# -- comparing -----------------------------------------------------------------------

class Binds:
    """Doc value -> real value, for ids and key prefixes."""

    def __init__(self):
        self.map = {}

    def copy(self):
        b = Binds()
        b.map = dict(self.map)
        return b

    def bind(self, kind, doc, real):
        if kind == "short":
            # "3f2b9c1e-…" is the id bound to a doc id that starts so.
            full = [v for k, v in self.map.items() if k.startswith(doc)]
            if not any(v.startswith(real) for v in full):
                raise Mismatch(f"{doc}… stands for no id the answers gave ({real}…)")
            return
        if kind == "key":
            doc, real = doc[:12], real[:12]     # the key's prefix is its name
        if doc in self.map:
            if self.map[doc] != real:
                raise Mismatch(f"{doc} stood for {self.map[doc]}, here {real}")
        elif real in self.map.values():
            raise Mismatch(f"{real} already stands for another value than {doc}")
        else:
            self.map[doc] = real

    def apply(self, text):
        for doc, real in self.map.items():
            text = text.replace(doc, real)
        return text


def match_text(doc, real, binds, what):
    """One string: literal, but for the tokens above; a doc string ending in
    "…" matches any rest."""
    prefix = doc.endswith(ELLIPSIS)
    pattern, kinds, pos = "", [], 0
    for m in TOKENS.finditer(doc):
        pattern += re.escape(doc[pos:m.start()])
        pattern += "(" + FORMS[m.lastgroup] + ")"
        kinds.append((m.lastgroup, m.group()))
        pos = m.end()
    tail = doc[pos:-1] if prefix else doc[pos:]
    pattern += re.escape(tail) + ("" if prefix else r"\Z")
    m = re.match(pattern, real, re.S)
    if not m:
        raise Mismatch(f"{what}: the docs show {doc!r}, the answer has {real!r}")
    for (kind, value), got in zip(kinds, m.groups()):
        if kind in ("uuid", "prefix", "key", "short"):
            binds.bind(kind, value[:8] if kind == "short" else value, got[:8]
                       if kind == "short" else got)


def parse_doc_json(text):
    """The docs' JSON, where "…" may stand for more members or elements."""
    out, in_str, esc, stack = [], False, False, []
    for ch in text:
        if in_str:
            out.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]":
            stack.pop()
        elif ch == ELLIPSIS:
            out.append(json.dumps(MORE) + (":null" if stack and stack[-1] == "{" else ""))
            continue
        out.append(ch)
    # Several members "…" in one object: the last wins, and that is enough.
    return json.loads("".join(out))


def match_json(doc, real, binds, path="$"):
    if isinstance(doc, dict):
        if not isinstance(real, dict):
            raise Mismatch(f"{path}: the docs show an object, the answer {real!r}")
        more = MORE in doc
        keys = [k for k in doc if k != MORE]
        missing = [k for k in keys if k not in real]
        if missing:
            raise Mismatch(f"{path}: the answer lacks {missing}")
        if not more and set(real) - set(keys):
            raise Mismatch(f"{path}: the answer has keys the docs do not show: "
                           f"{sorted(set(real) - set(keys))}")
        order = [k for k in real if k in doc]
        if order != keys:
            raise Mismatch(f"{path}: the docs show the keys in the order {keys}, "
                           f"the answer {order}")
        for k in keys:
            match_value(k, doc[k], real[k], binds, f"{path}.{k}",
                        path.rsplit(".", 1)[-1])
        return
    if isinstance(doc, list):
        if not isinstance(real, list):
            raise Mismatch(f"{path}: the docs show an array, the answer {real!r}")
        more = bool(doc) and doc[-1] == MORE
        items = doc[:-1] if more else doc
        if MORE in items:
            raise Mismatch(f"{path}: a \"…\" element stands only at the end")
        if len(real) < len(items) or (not more and len(real) != len(items)):
            raise Mismatch(f"{path}: the docs show {len(items)} element(s)"
                           f"{' or more' if more else ''}, the answer has {len(real)}")
        for i, d in enumerate(items):
            match_json(d, real[i], binds, f"{path}[{i}]")
        return
    match_value(None, doc, real, binds, path, "")


def match_value(key, doc, real, binds, path, parent):
    if isinstance(doc, (dict, list)):
        return match_json(doc, real, binds, path)
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if key in ANY_NUMBER or parent in ANY_NUMBER_UNDER:
        if number(doc) and number(real):
            return
    elif key in ANY_STRING:
        if isinstance(doc, str) and isinstance(real, str):
            return
    elif isinstance(doc, str) and isinstance(real, str):
        return match_text(doc, real, binds, path)
    elif number(doc) and number(real) and doc == real:
        return
    elif doc is real or (type(doc) is type(real) and doc == real):
        return
    raise Mismatch(f"{path}: the docs show {json.dumps(doc)}, the answer "
                   f"{json.dumps(real)}")


def parse_headers(text, who):
    lines = [l.rstrip("\r") for l in text.strip("\r\n").split("\n")]
    lines = [l for l in lines if l]
    if not lines or not lines[0].startswith("HTTP/"):
        raise Mismatch(f"{who}: no status line in {text!r}")
    headers = []
    for l in lines[1:]:
        name, sep, value = l.partition(":")
        if not sep:
            raise Mismatch(f"{who}: not a header line: {l!r}")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def match_headers(doc, real, binds):
    dstatus, dh = parse_headers(doc, "the docs")
    rstatus, rh = parse_headers(real, "the answer")
    if dstatus != rstatus:
        raise Mismatch(f"the docs show {dstatus!r}, the answer {rstatus!r}")
    shown = {n.lower() for n, _ in dh}
    extra = [n for n, _ in rh if n.lower() not in shown | EXTRA_HEADERS]
    if extra:
        raise Mismatch(f"the answer has headers the docs do not show: {extra}")
    got = [(n, v) for n, v in rh if n.lower() in shown]
    if [n.lower() for n, _ in got] != [n.lower() for n, _ in dh]:
        raise Mismatch(f"the docs show the headers {[n for n, _ in dh]}, "
                       f"the answer {[n for n, _ in got]}")
    whole = " 200 " in dstatus + " "
    for (name, dv), (_, rv) in zip(dh, got):
        if name.lower() == "content-length" and whole:
            dv = re.sub(r"^\d+$", "", dv)
            rv = re.sub(r"^\d+$", "", rv)
        elif name.lower() == "content-range":
            dv = re.sub(r"/\d+$", "/", dv)
            rv = re.sub(r"/\d+$", "/", rv)
        match_text(dv, rv, binds, name)


def match_output(expected, real, binds):
    if not expected.strip():
        if real.strip():
            raise Mismatch(f"the docs show no output, the command printed {real!r}")
        return
    head = expected.lstrip()[:1]
    if head in "{[":
        docs = [l for l in expected.split("\n") if l.strip()]
        reals = [l for l in real.split("\n") if l.strip()]
        if len(docs) != len(reals):
            raise Mismatch(f"the docs show {len(docs)} line(s) of JSON, the answer "
                           f"{len(reals)}: {real[:500]!r}")
        for d, r in zip(docs, reals):
            try:
                rj = json.loads(r)
            except ValueError:
                raise Mismatch(f"the answer is not JSON: {r[:500]!r}") from None
            match_json(parse_doc_json(d), rj, binds)
    elif expected.startswith("HTTP/"):
        match_headers(expected, real, binds)
    else:
        dl, rl = expected.rstrip("\n").split("\n"), real.rstrip("\n").split("\n")
        if len(dl) != len(rl):
            raise Mismatch(f"the docs show {len(dl)} line(s), the command printed "
                           f"{len(rl)}: {real!r}")
        for i, (d, r) in enumerate(zip(dl, rl)):
            match_text(d, r, binds, f"line {i + 1}")


# -- running ------------------------------------------------------------------------

def reads_only(command):
    """A curl that neither sends a body nor names a method: asking again is harmless."""
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        return False
    if not words or words[0] != "curl":
        return False
    return not any(w in ("-X", "--request", "-d", "--data", "--data-binary", "-F",
                         "-T", "--json") or w.startswith(("-X", "-d", "--data="))
                   for w in words[1:])


class Runner:
    """Runs the blocks of one document, in order, against one service.

    base: the service's address; site: the fixture site's; bin_dir: what
    "build/" means; env: the environment of every command (PATH and the
    like); data_dir_for: makes a fresh data directory (own data directory)."""

    def __init__(self, base, site, bin_dir, env, data_dir_for=None, user=None):
        self.base, self.site, self.bin_dir = base, site, bin_dir
        self.env = dict(env)
        self.data_dir_for = data_dir_for
        self.user = user        # run the commands as this account (a name)
        self.binds = Binds()
        self.vars = {}
        self.cwd = tempfile.mkdtemp(prefix="ot-doc-", dir="/tmp")
        os.chmod(self.cwd, 0o755)
        if user is not None:
            shutil.chown(self.cwd, user, user)
        self.ran, self.skipped = [], []
        # curl as the examples call it, tracing each run into traces/.
        self.wrap = tempfile.mkdtemp(prefix="ot-doc-curl-", dir="/tmp")
        self.traces = os.path.join(self.wrap, "traces")
        os.mkdir(self.traces)
        os.chmod(self.wrap, 0o755)
        os.chmod(self.traces, 0o777)
        curl = shutil.which("curl", path=self.env.get("PATH")) or "/usr/bin/curl"
        with open(os.path.join(self.wrap, "curl"), "w") as f:
            f.write(f'#!/bin/sh\nexec {shlex.quote(curl)} --trace '
                    f'"{self.traces}/$$.$(date +%s%N)" "$@"\n')
        os.chmod(os.path.join(self.wrap, "curl"), 0o755)
        self.env["PATH"] = self.wrap + ":" + self.env.get("PATH", "/usr/bin:/bin")

    def substitute(self, text, ids=True):
        """The docs' addresses for the real ones; with ids, the docs' ids
        too (commands; the answers bind them while they are compared)."""
        if ids:
            text = self.binds.apply(text)
        text = text.replace(PLACEHOLDER_BASE, self.base)
        for h in SITE_HOSTS:
            text = text.replace(h, self.site)
        return text

    def command_line(self, command):
        c = self.substitute(command)
        if c.startswith("build/"):
            c = os.path.join(self.bin_dir, c[len("build/"):])
        return c

    def run_block(self, block):
        if "needs the internet" in block.options:
            self.skipped.append(block.label)
            return
        env = dict(self.env)
        if "own data directory" in block.options:
            env["OFFLINETUBE_DATA_DIR"] = self.data_dir_for()
        for step in block.steps:
            self.run_step(block, step, env)
        self.ran.append(block.label)

    def run_step(self, block, step, env):
        where = f"{os.path.basename(block.doc)}:{step.line}: $ {step.command}"
        m = re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(\S+)", step.command)
        if m:
            self.vars[m.group(1)] = self.substitute(m.group(2))
            if step.expected.strip():
                raise AssertionError(f"{where}: an assignment prints nothing")
            return
        command = self.command_line(step.command)
        deadline = time.monotonic() + (POLL_SECONDS if reads_only(step.command) else 0)
        while True:
            r = subprocess.run(["bash", "-c", command], cwd=self.cwd, capture_output=True,
                               text=True, env={**env, **self.vars}, timeout=120,
                               **({"user": self.user, "group": self.user}
                                  if self.user is not None else {}))
            self.record_traces()
            expected = self.substitute(step.expected, ids=False)
            binds = self.binds.copy()
            try:
                if r.returncode != 0:
                    raise Mismatch(f"exit status {r.returncode}: {r.stderr.strip()}")
                match_output(expected, r.stdout, binds)
                self.binds = binds
                return
            except Mismatch as e:
                if time.monotonic() >= deadline:
                    raise AssertionError(
                        f"{where}\n  ran: {command}\n  {e}\n  the docs show:\n"
                        f"{indent(expected)}\n  the command printed:\n{indent(r.stdout)}"
                        + (f"\n  stderr:\n{indent(r.stderr)}" if r.stderr else "")) from None
            time.sleep(0.1)

    def run_document(self, path):
        found = blocks(path)
        assert found, f"{path}: no examples"
        for b in found:
            self.run_block(b)
        return found

    def record_traces(self):
        """The exchanges with the service in the curl traces left since the
        last call, to openapi_check; the traces are removed."""
        host = urllib.parse.urlsplit(self.base).netloc
        for name in sorted(os.listdir(self.traces)):
            path = os.path.join(self.traces, name)
            with open(path, encoding="latin-1") as f:
                text = f.read()
            os.unlink(path)
            for ex in trace_exchanges(text):
                if ex["req_headers"].get("host") == host:
                    openapi_check.record(ex["method"], ex["target"], ex["req_headers"],
                                         ex["req_body"], ex["status"], ex["resp_headers"],
                                         ex["resp_body"])

    def close(self):
        shutil.rmtree(self.cwd, ignore_errors=True)
        shutil.rmtree(self.wrap, ignore_errors=True)


def trace_sections(text):
    """curl --trace's output as (kind, bytes): "=> Send header", "<= Recv data"..."""
    kind, data, out = None, bytearray(), []
    for line in text.split("\n"):
        m = re.match(r"(=> Send|<= Recv) (header|data|SSL data), \d+ bytes", line)
        if m or line.startswith("== Info:"):
            if kind is not None:
                out.append((kind, bytes(data)))
            kind, data = (f"{m.group(1)} {m.group(2)}" if m else None), bytearray()
        elif kind is not None and (m := re.match(r"[0-9a-f]{4,}: ", line)):
            # 16 bytes a line, each "hh ", then the same as text.
            data += bytes.fromhex(line[m.end():m.end() + 48].replace(" ", ""))
    if kind is not None:
        out.append((kind, bytes(data)))
    return out


def trace_exchanges(text):
    """Each request and its final answer in a curl trace (a 1xx is skipped)."""
    exchanges, ex = [], None
    for kind, data in trace_sections(text):
        if kind == "=> Send header":
            head = data.decode("latin-1").split("\r\n")
            method, target = head[0].split(" ")[:2]
            ex = {"method": method, "target": target, "req_body": None, "status": None,
                  "req_headers": {k.strip().lower(): v.strip() for k, _, v in
                                  (h.partition(":") for h in head[1:] if h)},
                  "resp_headers": {}, "resp_body": b"", "raw": b""}
            exchanges.append(ex)
        elif ex is None:
            continue
        elif kind == "=> Send data":
            ex["req_body"] = (ex["req_body"] or b"") + data
        elif kind == "<= Recv header":
            line = data.decode("latin-1").rstrip("\r\n")
            if line.startswith("HTTP/"):
                ex["status"], ex["resp_headers"], ex["resp_body"] = \
                    int(line.split(" ")[1]), {}, b""
            elif ":" in line:
                k, _, v = line.partition(":")
                ex["resp_headers"][k.strip()] = v.strip()
        elif kind == "<= Recv data":
            ex["resp_body"] += data
    done = []
    for e in exchanges:
        if e["status"] is None or e["status"] < 200:
            continue
        head = {k.lower(): v for k, v in e["resp_headers"].items()}
        bodiless = e["method"] == "HEAD" or e["status"] in (204, 304)
        # A curl whose reader stopped early (| head) leaves part of a body:
        # not an answer to judge.
        if "chunked" in head.get("transfer-encoding", "").lower():
            try:
                e["resp_body"] = dechunk(e["resp_body"])
            except ValueError:
                continue
        elif not bodiless and "content-length" in head and \
                len(e["resp_body"]) != int(head["content-length"]):
            continue
        done.append(e)
    return done


def dechunk(raw):
    """A chunked body as the bytes it carries (the trace shows it as received)."""
    out, i = bytearray(), 0
    while True:
        eol = raw.index(b"\r\n", i)       # ValueError: cut short
        size = int(raw[i:eol].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        if eol + 2 + size > len(raw):
            raise ValueError("a chunk cut short")
        out += raw[eol + 2:eol + 2 + size]
        i = eol + 2 + size + 2


def indent(text):
    return "\n".join("    " + l for l in (text or "").rstrip("\n").split("\n"))
