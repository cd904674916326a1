"""test_cors.py: browsers on allowed origins may read the API; others may not,
and no cross-site form post can act."""


def test_an_allowed_origin_gets_its_preflight_and_its_answers(service):
    st, h, _ = service.request("OPTIONS", "/api/download", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert st == 204
    assert h["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "POST" in h["Access-Control-Allow-Methods"]
    assert "Content-Type" in h["Access-Control-Allow-Headers"]
    assert "Origin" in h["Vary"]
    assert "Access-Control-Allow-Credentials" not in h
    st, h, _ = service.get("/api/downloads", headers={"Origin": "http://127.0.0.1:3000"})
    assert st == 200
    assert h["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"


def test_a_foreign_origin_is_refused_its_preflight_and_gets_no_cors_headers(service):
    st, h, body = service.request("OPTIONS", "/api/downloads/00000000-0000-4000-8000-000000000000",
                                  headers={"Origin": "https://evil.example",
                                           "Access-Control-Request-Method": "DELETE"})
    assert st == 403, body
    assert "Access-Control-Allow-Origin" not in h
    assert body["detail"]
    st, h, _ = service.get("/api/downloads", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in h


def test_a_cross_site_form_post_cannot_create_a_task(service):
    before = service.tasks()
    st, _, body = service.post("/api/download", '{"url": "http://127.0.0.1/x"}',
                               headers={"Content-Type": "text/plain",
                                        "Origin": "https://evil.example"})
    assert (st, body["detail"]) == (403, ORIGIN_REFUSED), body
    st, _, body = service.post("/api/download", "url=http://127.0.0.1/x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 415, body
    assert service.tasks() == before


def test_configured_origins_replace_the_loopback_default(make_service):
    svc = make_service(OFFLINETUBE_CORS_ORIGINS="https://tube.home.lan")
    st, h, _ = svc.get("/api/health", headers={"Origin": "https://tube.home.lan"})
    assert h["Access-Control-Allow-Origin"] == "https://tube.home.lan"
    st, h, _ = svc.get("/api/health", headers={"Origin": "http://localhost:5173"})
    assert "Access-Control-Allow-Origin" not in h


# What a browser adds to a request that a page on another site makes it send:
# <img src>, a link, a no-cors fetch (no Origin) ...
IMG_FROM_ELSEWHERE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
                      "Sec-Fetch-Dest": "image"}
# ... and a script's fetch(), which carries the page's Origin too.
FETCH_FROM_ELSEWHERE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors",
                        "Origin": "https://evil.example"}
SITE_REFUSED = ("Cross-site request refused: a page on another site may not start or "
                "change anything here (see OFFLINETUBE_CORS_ORIGINS)")
ORIGIN_REFUSED = "Origin not allowed (see OFFLINETUBE_CORS_ORIGINS)"


def test_an_img_on_another_site_cannot_start_a_look_up(service, site):
    """<img src="http://127.0.0.1:8001/api/search?q=http://attacker/r">: the worker
    would fetch the attacker's URL; nginx passes the header, the API refuses."""
    q = site.page("clip")
    for path in (f"/api/search?q={q}", "/api/search?q=anything", "/api/trending"):
        st, h, body = service.get(path, headers=IMG_FROM_ELSEWHERE)
        assert (st, body) == (403, {"detail": SITE_REFUSED}), (path, st, body)
        assert h["Content-Type"].startswith("application/json")
    st, _, body = service.get("/api/search?q=" + q, headers=FETCH_FROM_ELSEWHERE)
    assert (st, body) == (403, {"detail": ORIGIN_REFUSED}), body


def test_another_site_cannot_create_cancel_or_remove(service, site):
    before = service.tasks()
    for h, want in ((IMG_FROM_ELSEWHERE, SITE_REFUSED), (FETCH_FROM_ELSEWHERE, ORIGIN_REFUSED),
                    ({"Origin": "https://evil.example"}, ORIGIN_REFUSED),
                    ({"Origin": "null"}, ORIGIN_REFUSED)):
        st, _, body = service.post("/api/download", {"url": site.page("clip")}, headers=h)
        assert (st, body) == (403, {"detail": want}), (h, st, body)
        st, _, body = service.post("/api/info", {"url": site.page("clip")}, headers=h)
        assert (st, body) == (403, {"detail": want}), (h, st, body)
    assert service.tasks() == before
    service.stop_worker()       # the task stays pending while the refusals are tried
    try:
        t = service.submit(site.page("clip"))
        for path in (f"/api/downloads/{t['id']}", f"/api/downloads/{t['id']}/remove"):
            for h, want in ((IMG_FROM_ELSEWHERE, SITE_REFUSED),
                            (FETCH_FROM_ELSEWHERE, ORIGIN_REFUSED)):
                st, _, body = service.delete(path, headers=h)
                assert (st, body) == (403, {"detail": want}), (path, h, st, body)
        assert service.task(t["id"])["status"] == "pending"
        assert service.delete(f"/api/downloads/{t['id']}/remove")[0] == 200
    finally:
        service.start_worker()
        service.wait_healthy()


def test_the_own_page_other_listed_origins_and_scripts_still_act(make_service, site):
    """The page nginx serves beside the API (its Origin is the Host), a front end
    listed in OFFLINETUBE_CORS_ORIGINS even on another site, a page on the same
    site, the address bar, and curl without any of these headers."""
    svc = make_service(OFFLINETUBE_CORS_ORIGINS="https://tube.home.lan")
    svc.stop_worker()
    own = f"http://127.0.0.1:{svc.port}"
    for h in ({"Origin": own, "Sec-Fetch-Site": "same-origin"},
              {"Origin": "https://tube.home.lan", "Sec-Fetch-Site": "cross-site"},
              {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "none"}, {}):
        st, _, t = svc.post("/api/download", {"url": site.page("clip")}, headers=h)
        assert st == 200, (h, t)
        st, _, body = svc.delete(f"/api/downloads/{t['id']}/remove", headers=h)
        assert st == 200, (h, body)
    # The default list (loopback origins) does not reach past it.
    st, _, body = svc.post("/api/download", {"url": site.page("clip")},
                           headers={"Origin": "http://localhost:5173"})
    assert (st, body) == (403, {"detail": ORIGIN_REFUSED})


def test_pages_elsewhere_may_still_embed_media_and_read_nothing_new(service, site):
    """Media GETs are what <video> and <img> exist for; lists and health start
    nothing (CORS keeps their answers from a foreign page's script)."""
    t = service.download(site.page("clip"))
    for path in (t["stream_url"], t["file_url"], f"/api/thumbnails/{t['id']}"):
        st, _, _ = service.get(path, headers=IMG_FROM_ELSEWHERE)
        assert st == 200, path
    for path in ("/api/downloads", f"/api/downloads/{t['id']}", "/api/health"):
        st, h, _ = service.get(path, headers=FETCH_FROM_ELSEWHERE)
        assert st == 200, path
        assert "Access-Control-Allow-Origin" not in h
