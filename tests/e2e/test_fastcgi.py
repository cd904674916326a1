"""test_fastcgi.py: kept FastCGI connections, as nginx uses them (fastcgi_keep_conn).

The API is spoken to on its own socket by a small FastCGI client here: two
requests on one kept connection, an idle kept connection given up by the API,
and threads that idle connections cannot all hold."""
import os
import socket
import struct
import threading
import time

import pytest

from harness import wait_until

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
KEEP_CONN = 1


def record(kind, rid, content=b""):
    return struct.pack(">BBHHBB", 1, kind, rid, len(content), 0, 0) + content


def pair(k, v):
    def n(x):
        return bytes([len(x)]) if len(x) < 128 else struct.pack(">I", len(x) | 0x80000000)
    return n(k) + n(v) + k + v


def send_request(sock, rid, path, keep=True, method="GET", body=b"", params=None):
    """One request as nginx sends it: its body in STDIN records of up to 32 KiB,
    then the empty record that ends the stream."""
    p = {"REQUEST_METHOD": method, "DOCUMENT_URI": path, "QUERY_STRING": "",
         "REQUEST_URI": path, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    if body:
        p["CONTENT_LENGTH"] = str(len(body))
    p.update(params or {})
    enc = b"".join(pair(k.encode(), v.encode()) for k, v in p.items())
    stdin = b"".join(record(STDIN, rid, body[i:i + 32768])
                     for i in range(0, len(body), 32768))
    sock.sendall(record(BEGIN, rid, struct.pack(">HB5x", 1, KEEP_CONN if keep else 0))
                 + record(PARAMS, rid, enc) + record(PARAMS, rid)
                 + stdin + record(STDIN, rid))


def read_answer(sock):
    """stdout bytes of one request, up to its END_REQUEST record."""
    out, buf = b"", b""
    while True:
        while len(buf) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed before END_REQUEST")
            buf += chunk
        _, kind, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
        while len(buf) < 8 + clen + plen:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed inside a record")
            buf += chunk
        content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
        if kind == STDOUT:
            out += content
        elif kind == END:
            return out


def connect(svc):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(svc.socket_path)
    return s


@pytest.fixture(scope="module")
def two_threads(make_service_module):
    return make_service_module(OFFLINETUBE_API_THREADS="2")


def test_a_kept_connection_answers_request_after_request(two_threads):
    s = connect(two_threads)
    try:
        for rid in (1, 2, 3):
            send_request(s, rid, "/api/health")
            head, _, body = read_answer(s).partition(b"\r\n\r\n")
            assert b"Status: 200" in head and b'"status"' in body, (head, body)
    finally:
        s.close()


def test_an_idle_kept_connection_is_given_up_by_the_api(two_threads):
    s = connect(two_threads)
    try:
        send_request(s, 1, "/api/health")
        read_answer(s)
        t0 = time.monotonic()
        assert s.recv(1) == b"", "the API sent something on an idle connection"
        waited = time.monotonic() - t0
        assert 4 <= waited <= 10, f"closed after {waited:.1f} s; the API waits 5 s"
    finally:
        s.close()


def test_idle_kept_connections_cannot_hold_every_thread(two_threads):
    """Both threads sit on idle kept connections: nginx's request still gets one
    within the API's idle limit instead of waiting for nginx's 60 s timeout."""
    idle = [connect(two_threads) for _ in range(2)]
    try:
        for s in idle:
            send_request(s, 1, "/api/health")
            read_answer(s)
        t0 = time.monotonic()
        st, _, body = two_threads.get("/api/health")
        assert st == 200, body
        assert time.monotonic() - t0 < 10
    finally:
        for s in idle:
            s.close()


def test_many_requests_at_once_through_kept_connections_all_succeed(two_threads):
    results, lock = [], threading.Lock()

    def client():
        for _ in range(25):
            st, _, _ = two_threads.get("/api/downloads?limit=5")
            with lock:
                results.append(st)
    ts = [threading.Thread(target=client) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert results == [200] * 200, sorted(set(results))
    # The API is still answering promptly afterwards (no thread left stuck).
    wait_until(lambda: two_threads.get("/api/health")[0] == 200, 5, 0.1, "health")


def api_sockets(svc):
    """The API's sockets on its FastCGI address: the listening one and those
    it accepted (each names that path in /proc/net/unix), not its database
    connections (PostgreSQL's, or any other socket)."""
    with open("/proc/net/unix") as f:
        ours = {cols[6] for cols in (line.split() for line in f.readlines()[1:])
                if len(cols) > 7 and cols[7] == svc.socket_path}
    pid = svc.pids()["api"]
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in ours:
            n += 1
    return n


def test_nginx_keeps_its_connection_to_the_api_between_requests(two_threads):
    for _ in range(3):
        assert two_threads.get("/api/health")[0] == 200
    # The listening socket, and the connection nginx keeps for the next request.
    assert api_sockets(two_threads) >= 2
    # nginx drops it after 2 s idle.
    wait_until(lambda: api_sockets(two_threads) == 1, 6, 0.2, "the idle connection closed")


BIG = b"x" * 60000          # a body the API refuses without needing it

# (what, method, path, params, body, status): answers given without the body
REFUSALS = [
    ("404", "POST", "/api/nosuch", {"CONTENT_TYPE": "text/plain"}, BIG, 404),
    ("405", "POST", "/api/downloads", {"CONTENT_TYPE": "text/plain"}, BIG, 405),
    ("415", "POST", "/api/download", {"CONTENT_TYPE": "text/plain"}, BIG, 415),
    ("413", "POST", "/api/download", {"CONTENT_TYPE": "application/json"},
     b" " * 70000, 413),
    # From the network without a key, then with a wrong one.
    ("401", "POST", "/api/download", {"CONTENT_TYPE": "application/json",
                                      "REMOTE_ADDR": "192.0.2.7"}, BIG, 401),
    ("403", "POST", "/api/download", {"CONTENT_TYPE": "application/json",
                                      "REMOTE_ADDR": "192.0.2.7",
                                      "HTTP_X_API_KEY": "otk_00000000_nope"}, BIG, 403),
    ("400", "POST", "/api/download", {"CONTENT_TYPE": "application/json"},
     b'{"url": "ftp://x"}' + b" " * 60000, 400),
    # The cookies route keeps up to 1 MiB: past it the API refuses by itself
    # (nginx would first), and the rest is still read.
    ("cookies-413", "PUT", "/api/cookies", {"CONTENT_TYPE": "text/plain"},
     b"#" * (1024 * 1024 + 1), 413),
    ("cookies-415", "PUT", "/api/cookies", {"CONTENT_TYPE": "application/json"}, BIG, 415),
    ("cookies-400", "PUT", "/api/cookies", {"CONTENT_TYPE": "text/plain"},
     b"#" * 200000 + b"\na.com\tFALSE\t/\n", 400),
]


@pytest.mark.parametrize("what, method, path, params, body, status", REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_a_kept_connection_serves_the_next_request_after_a_refusal(
        two_threads, what, method, path, params, body, status):
    """The refused request's body is read to its end before the answer, so the
    next request on the same kept connection is read as a request."""
    s = connect(two_threads)
    try:
        send_request(s, 1, path, method=method, body=body, params=params)
        head = read_answer(s).partition(b"\r\n\r\n")[0]
        assert f"Status: {status}".encode() in head, head
        send_request(s, 2, "/api/health")
        head, _, answer = read_answer(s).partition(b"\r\n\r\n")
        assert b"Status: 200" in head and b'"status"' in answer, (head, answer)
    finally:
        s.close()


def test_refused_bodies_never_cost_another_client_its_answer(two_threads):
    """Through nginx, with its kept connections: POSTs the API refuses without
    needing their 60 KB bodies, and beside them innocent POSTs, each of which
    must get its own answer (400 for its bad URL), never nginx's 502."""
    got, lock = [], threading.Lock()
    refused = [("/api/download", "text/plain"), ("/api/downloads", "text/plain"),
               ("/api/nosuch", "text/plain")]

    def refuser(k):
        for i in range(60):
            path, ctype = refused[(i + k) % len(refused)]
            two_threads.post(path, BIG, headers={"Content-Type": ctype})

    def innocent():
        for _ in range(60):
            st, _, body = two_threads.post("/api/download", {"url": "ftp://x"})
            with lock:
                got.append((st, body.get("detail") if isinstance(body, dict) else body))
    ts = [threading.Thread(target=refuser, args=(k,)) for k in range(3)] + \
        [threading.Thread(target=innocent) for _ in range(5)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    bad = [g for g in got if g[0] != 400]
    assert len(got) == 300 and not bad, f"{len(bad)} of {len(got)} innocent POSTs: {bad[:5]}"


def test_a_cookies_file_past_64_kib_is_read_whole(two_threads):
    """PUT /api/cookies takes up to 1 MiB (the other routes 64 KiB): a file of
    about 900 KB, straight to the socket, is read to its last line."""
    line = b"a.com\tFALSE\t/\tFALSE\t0\tn\t" + b"v" * 8000 + b"\n"
    body = line * 110 + b"b.org\tFALSE\t/\tFALSE\t0\tlast\tv\n"
    assert 64 * 1024 < len(body) <= 1024 * 1024
    s = connect(two_threads)
    try:
        send_request(s, 1, "/api/cookies", method="PUT", body=body,
                     params={"CONTENT_TYPE": "text/plain; charset=utf-8"})
        head, _, answer = read_answer(s).partition(b"\r\n\r\n")
        assert b"Status: 200" in head, (head, answer)
        assert b'"cookies":111' in answer and b'"domains":["a.com","b.org"]' in answer
    finally:
        s.close()
    assert two_threads.delete("/api/cookies")[0] == 200
