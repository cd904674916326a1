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
    assert st == 415, body
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
