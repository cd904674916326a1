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


def send_request(sock, rid, path, keep=True):
    params = b"".join(pair(k.encode(), v.encode()) for k, v in (
        ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", path), ("QUERY_STRING", ""),
        ("REQUEST_URI", path), ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REMOTE_ADDR", "127.0.0.1")))
    sock.sendall(record(BEGIN, rid, struct.pack(">HB5x", 1, KEEP_CONN if keep else 0))
                 + record(PARAMS, rid, params) + record(PARAMS, rid)
                 + record(STDIN, rid))


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
    pid = svc.pids()["api"]
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def test_nginx_keeps_its_connection_to_the_api_between_requests(two_threads):
    for _ in range(3):
        assert two_threads.get("/api/health")[0] == 200
    # The listening socket, and the connection nginx keeps for the next request.
    assert api_sockets(two_threads) >= 2
    # nginx drops it after 2 s idle.
    wait_until(lambda: api_sockets(two_threads) == 1, 6, 0.2, "the idle connection closed")
