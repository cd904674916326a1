"""test_metrics.py: GET /api/metrics: Prometheus text that promtool accepts, every family
of the contract, counts that move by the right amounts after a completed download, a failed
one, a cancelled one and look-ups, and an admin key needed while keys are on."""
import re
import shutil
import subprocess
import uuid

import pytest

from harness import wait_until
from test_keys import add_key

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
FAMILIES = {
    "offlinetube_tasks": "gauge",
    "offlinetube_downloads_finished_total": "counter",
    "offlinetube_downloaded_bytes_total": "counter",
    "offlinetube_ytdlp_runs_total": "counter",
    "offlinetube_lookup_cache_total": "counter",
    "offlinetube_queue_wait_seconds": "histogram",
    "offlinetube_worker_heartbeat_age_seconds": "gauge",
    "offlinetube_subscription_checks_total": "counter",
    "offlinetube_webhook_deliveries_total": "counter",
    "offlinetube_ytdlp_info": "gauge",
}
SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def scrape(svc, headers=None):
    st, h, body = svc.request("GET", "/api/metrics", headers=headers)
    assert st == 200, body
    assert h["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return body.decode()


def parse(text):
    """{(name, labels text): value} and {family: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, line
            samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return samples, types


def promtool(text):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


@pytest.fixture(scope="module")
def svc(make_service_module):
    return make_service_module()


def value(svc, name, labels=""):
    return parse(scrape(svc))[0].get((name, labels))


def settled_value(svc, name, labels, want, timeout=20):
    """The worker adds its counts at each heartbeat: wait for one."""
    return wait_until(lambda: value(svc, name, labels) == want or None, timeout, 0.3,
                      f"{name}{{{labels}}} to be {want} (is {value(svc, name, labels)})")


def test_promtool_accepts_it_and_every_family_is_there(svc):
    text = scrape(svc)
    rc, out = promtool(text)
    assert rc == 0, out
    assert out.strip() == "", out      # no lint warning either
    samples, types = parse(text)
    assert types == FAMILIES
    for st in ("pending", "downloading", "processing", "completed", "error", "cancelled"):
        assert ("offlinetube_tasks", f'status="{st}"') in samples
    for kind in ("download", "listing", "lookup", "check"):
        for out_ in ("ok", "failed", "stopped"):
            assert ("offlinetube_ytdlp_runs_total",
                    f'kind="{kind}",outcome="{out_}"') in samples
    assert samples[("offlinetube_queue_wait_seconds_bucket", 'le="+Inf"')] == \
        samples[("offlinetube_queue_wait_seconds_count", "")]
    version = [k for k in samples if k[0] == "offlinetube_ytdlp_info"]
    assert version == [("offlinetube_ytdlp_info", 'version="2023.03.04"')], version
    age = samples[("offlinetube_worker_heartbeat_age_seconds", "")]
    assert 0 <= age < 30, age


def test_counts_move_by_what_happened(svc, site):
    before, _ = parse(scrape(svc))

    def grew(name, labels=""):
        return value(svc, name, labels) - before.get((name, labels), 0)

    done = svc.download(site.page("clip"))
    failed = svc.submit(f"{site.base}/missing-metrics")
    svc.wait_for_status(failed["id"], "error")
    slow = svc.submit(f"{site.base}/video/slow-metrics")
    svc.wait_for_status(slow["id"], "downloading", timeout=30)
    assert svc.delete(f"/api/downloads/{slow['id']}")[0] == 200
    svc.wait_for_status(slow["id"], "cancelled")
    # The database's own counts are there at once (triggers).
    assert grew("offlinetube_downloads_finished_total", 'outcome="completed"') == 1
    assert grew("offlinetube_downloads_finished_total", 'outcome="error"') == 1
    assert grew("offlinetube_downloads_finished_total", 'outcome="cancelled"') == 1
    assert grew("offlinetube_downloaded_bytes_total") == done["filesize"] > 0
    # The worker's at its next heartbeat: three claims waited, three yt-dlp runs.
    settled_value(svc, "offlinetube_queue_wait_seconds_count", "",
                  before.get(("offlinetube_queue_wait_seconds_count", ""), 0) + 3)
    runs = 'kind="download",outcome="%s"'
    settled_value(svc, "offlinetube_ytdlp_runs_total", runs % "ok",
                  before.get(("offlinetube_ytdlp_runs_total", runs % "ok"), 0) + 1)
    assert grew("offlinetube_ytdlp_runs_total", runs % "failed") == 1
    assert grew("offlinetube_ytdlp_runs_total", runs % "stopped") == 1
    now, _ = parse(scrape(svc))
    assert now[("offlinetube_tasks", 'status="cancelled"')] >= 1
    # A cumulative histogram: each bucket holds at least the one below it.
    buckets = [v for (n, lb), v in sorted(
        ((k, v) for k, v in now.items() if k[0] == "offlinetube_queue_wait_seconds_bucket"
         and k[1] != 'le="+Inf"'), key=lambda kv: float(kv[0][1][4:-1]))]
    assert buckets == sorted(buckets)


def test_subscription_checks_are_counted_by_outcome(svc, site):
    before, _ = parse(scrape(svc))
    name = "m" + uuid.uuid4().hex[:8]
    url = site.channel(name)
    site.add_entry(name, f"{name}-1")
    subs = [svc.post("/api/subscriptions", {"url": u})[2]
            for u in (url, f"{site.base}/missing-metrics-channel")]
    for sub, state in zip(subs, ("idle", "error")):
        wait_until(lambda: svc.get(f"/api/subscriptions/{sub['id']}")[2]["state"] == state,
                   60, 0.3, f"the check of {sub['url']}")
    key = 'outcome="%s"'
    for outcome in ("ok", "failed"):
        settled_value(svc, "offlinetube_subscription_checks_total", key % outcome,
                      before.get(("offlinetube_subscription_checks_total", key % outcome), 0)
                      + 1)
    settled_value(svc, "offlinetube_ytdlp_runs_total", 'kind="check",outcome="ok"',
                  before.get(("offlinetube_ytdlp_runs_total", 'kind="check",outcome="ok"'), 0)
                  + 1)
    for sub in subs:
        svc.delete(f"/api/subscriptions/{sub['id']}")


def test_a_cached_look_up_is_a_hit_and_a_new_one_a_miss(svc):
    before, _ = parse(scrape(svc))
    st, _, _ = svc.get("/api/search?q=Fixture+metrics&max_results=2")
    assert st == 200
    st, _, _ = svc.get("/api/search?q=Fixture+metrics&max_results=2")
    assert st == 200
    after, _ = parse(scrape(svc))
    for res, n in (("miss", 1), ("hit", 1), ("joined", 0)):
        k = ("offlinetube_lookup_cache_total", f'result="{res}"')
        assert after[k] - before.get(k, 0) == n, (res, before.get(k), after[k])
    settled_value(svc, "offlinetube_ytdlp_runs_total", 'kind="lookup",outcome="ok"',
                  before.get(("offlinetube_ytdlp_runs_total",
                              'kind="lookup",outcome="ok"'), 0) + 1)


def test_counters_survive_a_restart_of_both_programs(make_service, site):
    svc = make_service()
    svc.download(site.page("clip"))
    settled_value(svc, "offlinetube_ytdlp_runs_total", 'kind="download",outcome="ok"', 1)
    svc.restart()
    svc.wait_healthy()
    s, _ = parse(scrape(svc))
    assert s[("offlinetube_downloads_finished_total", 'outcome="completed"')] == 1
    assert s[("offlinetube_ytdlp_runs_total", 'kind="download",outcome="ok"')] == 1


def test_a_stopped_worker_has_an_infinite_heartbeat_age(make_service):
    svc = make_service()
    svc.stop_worker()
    assert "offlinetube_worker_heartbeat_age_seconds +Inf\n" in scrape(svc)


def test_an_admin_key_is_needed_while_keys_are_on(make_service):
    svc = make_service(OFFLINETUBE_AUTH="on")
    user, admin = add_key(svc, "user"), add_key(svc, "root", admin=True)
    st, _, body = svc.request("GET", "/api/metrics")
    assert st == 401, body
    st, _, body = svc.request("GET", "/api/metrics", headers={"X-API-Key": user})
    assert (st, body) == (403, {"detail": "An admin key is needed for this route"})
    text = scrape(svc, headers={"X-API-Key": admin})
    assert promtool(text)[0] == 0


def test_the_shipped_scrape_job_and_dashboard_name_what_is_exposed(svc):
    import json
    import os
    from harness import REPO
    mon = os.path.join(REPO, "dist", "monitoring")
    p = subprocess.run([PROMTOOL, "check", "config", os.path.join(mon, "prometheus.yml")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    samples, _ = parse(scrape(svc))
    exposed = {name for name, _ in samples}
    with open(os.path.join(mon, "grafana-dashboard.json")) as f:
        dash = json.load(f)
    exprs = [t["expr"] for panel in dash["panels"] for t in panel["targets"]]
    named = set(re.findall(r"offlinetube_[a-z_]+", " ".join(exprs)))
    assert named and named <= exposed, named - exposed
    # Every family of the contract has a panel.
    for fam in FAMILIES:
        if fam != "offlinetube_ytdlp_info":
            assert any(fam in e for e in exprs), fam


def test_notification_attempts_are_counted_by_outcome(make_service):
    from test_webhooks import FAST, Receiver
    svc = make_service(**FAST)
    rx = Receiver().start()
    try:
        rx.fail["/m"] = 2
        st, _, rec = svc.post("/api/webhooks", {"url": rx.base + "/m"})
        assert st == 200, rec
        assert svc.post(f"/api/webhooks/{rec['id']}/test")[0] == 202
        wait_until(lambda: len(rx.at("/m")) >= 3, 30, what="three attempts")
        d = "offlinetube_webhook_deliveries_total"
        settled_value(svc, d, 'outcome="delivered"', 1)
        assert value(svc, d, 'outcome="failed"') == 2
        assert value(svc, d, 'outcome="given_up"') == 0
    finally:
        rx.stop()
