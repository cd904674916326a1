"""test_rate_limits.py: nginx turns a burst from one client into 429s with a JSON
detail, and the routes that run yt-dlp have a tighter limit of their own."""
import http.client
import threading

import openapi_check


def burst(svc, path, n):
    codes, bodies = [], []
    lock = threading.Lock()

    def one():
        c = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            openapi_check.record("GET", path, {}, None, r.status, r.headers, body)
            with lock:
                codes.append(r.status)
                bodies.append((r.status, r.headers.get("Content-Type"), body))
        finally:
            c.close()
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes, bodies


def test_a_burst_gets_429_with_a_json_detail(make_service):
    svc = make_service(OFFLINETUBE_RATE_LIMIT=2, OFFLINETUBE_LOOKUP_RATE_LIMIT=3)
    codes, bodies = burst(svc, "/api/downloads", 40)
    # rate 2/s with a burst of 10: most of 40 at once are refused, some pass.
    assert codes.count(200) >= 1 and codes.count(429) >= 20, codes
    for st, ctype, body in bodies:
        if st == 429:
            assert ctype.startswith("application/json")
            assert b'"detail"' in body
            break


def test_lookups_have_a_tighter_limit_than_the_rest(make_service):
    svc = make_service(OFFLINETUBE_RATE_LIMIT=1000, OFFLINETUBE_LOOKUP_RATE_LIMIT=3)
    # 3 a minute with a burst of 2: a handful of searches at once, mostly refused,
    # while the same number of list requests all pass.
    codes, _ = burst(svc, "/api/trending?max_results=1", 8)
    assert codes.count(429) >= 4, codes
    codes, _ = burst(svc, "/api/downloads", 8)
    assert codes == [200] * 8, codes
