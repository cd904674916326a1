"""test_docs_examples.py: every shell example of README.md and docs/api.md runs
against the service and the fixture site, and answers what the docs show
(docexamples.py says how they are read and compared)."""
import json
import os
import subprocess
import tempfile

import pytest

import docexamples
from harness import BIN, REPO, RUN_AS

DOCS = ("README.md", "docs/api.md")


def fresh_data_dir():
    d = tempfile.mkdtemp(prefix="ot-docdata-", dir="/tmp")
    os.chmod(d, 0o777)
    return d


@pytest.mark.parametrize("doc", DOCS)
def test_the_examples_answer_what_the_docs_show(make_service, site, doc):
    svc = make_service()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "HOME": os.environ.get("HOME", "/root"), "QUOTING_STYLE": "shell-escape",
           **({"OFFLINETUBE_USER": RUN_AS} if os.geteuid() == 0 else {})}
    runner = docexamples.Runner(svc.base, site.base, BIN, env, fresh_data_dir)
    try:
        found = runner.run_document(os.path.join(REPO, doc))
    finally:
        runner.close()
    assert runner.ran, f"{doc}: no example ran"
    if runner.skipped:
        print(f"{doc}: not run (need the internet): {', '.join(runner.skipped)}")
    assert len(runner.ran) + len(runner.skipped) == len(found)


def test_blocks_are_read_as_the_docs_write_them(tmp_path):
    md = tmp_path / "x.md"
    md.write_text("text\n\n<!-- example: keys; own data directory -->\n```\n"
                  "$ curl -s -X POST http://127.0.0.1:8001/api/x \\\n    -d '{}'\n"
                  "{\"a\":1}\n$ ID=1\n```\n\n```\nno command here\n```\n")
    (b,) = docexamples.blocks(str(md))
    assert b.name == "keys" and b.options == {"own data directory"}
    assert [s.command for s in b.steps] == [
        "curl -s -X POST http://127.0.0.1:8001/api/x \\\n    -d '{}'", "ID=1"]
    assert [s.expected for s in b.steps] == ['{"a":1}', ""]


def test_the_curls_of_the_examples_are_read_back_from_their_traces(make_service, tmp_path):
    """What openapi_check sees of the examples: each curl's exchange, read back
    from its trace whole (a chunked list, an answer past 64 KiB, a request body)."""
    svc = make_service()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    runner = docexamples.Runner(svc.base, svc.base, BIN, env)
    try:
        for args in (f"-s {svc.base}/api/downloads",
                     f"-s {svc.base}/api/openapi.json",
                     f"-s -X POST {svc.base}/api/download -H 'Content-Type: application/json' "
                     "-d '{\"url\": \"https://example.com/v\"}'"):
            r = subprocess.run(["bash", "-c", f"curl {args}"], env=runner.env,
                               capture_output=True, timeout=30)
            assert r.returncode == 0, r.stderr
            (name,) = os.listdir(runner.traces)
            with open(os.path.join(runner.traces, name), encoding="latin-1") as f:
                (ex,) = docexamples.trace_exchanges(f.read())
            os.unlink(os.path.join(runner.traces, name))
            assert ex["status"] == 200 and ex["resp_body"] == r.stdout, args
            assert ex["req_headers"]["host"] == svc.base.split("//")[1]
        assert (ex["method"], ex["target"]) == ("POST", "/api/download")
        assert json.loads(ex["req_body"]) == {"url": "https://example.com/v"}
        # A reader that stops early (| head, grep -m1) leaves part of a body:
        # nothing to judge, so no exchange.
        r = subprocess.run(["bash", "-c", f"curl -s {svc.base}/api/openapi.json | head -c 10"],
                           env=runner.env, capture_output=True, timeout=30)
        (name,) = os.listdir(runner.traces)
        with open(os.path.join(runner.traces, name), encoding="latin-1") as f:
            assert docexamples.trace_exchanges(f.read()) == []
    finally:
        runner.close()
