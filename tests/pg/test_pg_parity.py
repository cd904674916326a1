"""test_pg_parity.py: the same writes on SQLite and PostgreSQL leave byte-identical records.

SQLite gets sql/migrations/ (Python's sqlite3, the same library the programs
link), PostgreSQL sql/pg/001_schema.sql and the twins of the later SQLite
migrations (every sql/pg/ file but those marked "PostgreSQL only"), on a server this module starts with
tests/pg/cluster.sh and stops at the end.  The same inserts and updates then
run on both: a task through its statuses, a subscription, webhooks and the
deliveries the triggers make, the metrics counters, owner_queue and
task_changes.  Every record the API would send is compared byte for byte,
every count for equality.
"""
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(REPO, "tests", "pg", "cluster.sh")

# Strings a record must carry through unchanged: quotes, backslashes, the
# control characters JSON escapes short (\b \f \n \r \t) and long (\u00xx),
# DEL (not escaped), and text beyond ASCII.
NASTY = ('Say "hi" it\'s a \\ back\\slash\n'
         'tab\there cr\r bs\b ff\f ctl\x01\x1b\x1f del\x7f '
         'caf\u00e9 \u65e5\u672c \U0001f600 ls\u2028')

# Progress values as the worker makes them (100 * fraction): some print
# short (12.5), some with all 15 digits SQLite keeps (100/3).
PROGRESS = [0.0, 12.5, 100 / 3, 200 / 3, 0.1 + 0.2, 1e-05, 99.99999999999999,
            42.0, 7.25]


@pytest.fixture(scope="module")
def pg():
    """A connection string to a fresh database on a server of this module's own."""
    top = tempfile.mkdtemp(prefix="ot-pg-")
    try:
        out = subprocess.run(["sh", CLUSTER, "start", top], check=True,
                             capture_output=True, text=True, timeout=120)
        yield out.stdout.strip()
    finally:
        subprocess.run(["sh", CLUSTER, "stop", top], timeout=120)
        shutil.rmtree(top, ignore_errors=True)


def psql(uri, sql, rows=False):
    """Runs sql (stops at the first error); with rows, returns the rows as lists
    of strings (NUL-separated on the wire: the data holds newlines)."""
    env = dict(os.environ, PGCLIENTENCODING="UTF8", PGOPTIONS="-c client_min_messages=warning")
    args = ["psql", uri, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    if rows:
        args += ["-A", "-t", "-z", "-0", "-P", "null=<NULL>"]
    out = subprocess.run(args, input=sql.encode(), env=env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    if not rows:
        return None
    # -z -0: fields and rows alike end in NUL, so the values come flat.
    parts = out.stdout.decode().split("\0")
    if parts and parts[-1] in ("", "\n"):
        parts.pop()
    return parts


def pg_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        # repr() is the shortest text that reads back as the same double.
        return "%r::float8" % v
    return "'" + v.replace("'", "''") + "'"


class Both:
    """One SQLite database and one PostgreSQL schema, written alike."""

    def __init__(self, uri):
        self.uri = uri
        self.lite = sqlite3.connect(":memory:", isolation_level=None)
        self.lite.execute("PRAGMA foreign_keys = ON")     # as store_open() sets it
        self.lite.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                          "applied_at TEXT NOT NULL)")
        for path in sorted(glob.glob(os.path.join(REPO, "sql", "migrations", "*.sql"))):
            with open(path, encoding="utf-8") as f:
                self.lite.executescript("BEGIN;" + f.read() + ";COMMIT;")
        # 001_schema.sql and the twins of later SQLite migrations; a file
        # that says "PostgreSQL only" (notifications, owner rows) has none.
        schema = ""
        for path in sorted(glob.glob(os.path.join(REPO, "sql", "pg", "*.sql"))):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if "PostgreSQL only" not in text:
                schema += text + "\n"
        psql(uri, "DROP SCHEMA IF EXISTS parity CASCADE; CREATE SCHEMA parity;")
        self.uri = uri + "&options=-csearch_path%3Dparity"
        psql(self.uri, "BEGIN;\n" + schema + "\nCOMMIT;")
        self.pending = []

    def run(self, sql, *args):
        """sql with ? for each argument: bound in SQLite, literals in PostgreSQL."""
        self.lite.execute(sql, args)
        parts = sql.split("?")
        assert len(parts) == len(args) + 1
        text = parts[0] + "".join(pg_literal(a) + p for a, p in zip(args, parts[1:]))
        self.pending.append(text + ";")

    def flush(self):
        if self.pending:
            psql(self.uri, "\n".join(self.pending))
            self.pending = []

    def rows(self, sql, ncols):
        """The rows of sql from both, as lists of strings."""
        self.flush()
        lite = [["<NULL>" if v is None else str(v) for v in r] for r in self.lite.execute(sql)]
        flat = psql(self.uri, sql + ";", rows=True)
        assert len(flat) % ncols == 0, flat
        pg = [flat[i:i + ncols] for i in range(0, len(flat), ncols)]
        return lite, pg


@pytest.fixture()
def both(pg):
    return Both(pg)


def task(both, tid, url, *, owner=None, status="pending", error="", title=None,
         playlist=None, subscription=None, langs=None, now="2026-12-04T10:00:00Z"):
    both.run("INSERT INTO tasks (id, url, download_type, quality, format_id, "
             "audio_format, title, thumbnail, is_playlist, playlist_id, "
             "playlist_index, playlist_total, created_at, updated_at, owner_key, "
             "status, error_message, embed_metadata, sponsorblock, subscription_id, "
             "subtitle_langs) VALUES (?, ?, 'video', 'best', NULL, 'm4a', ?, "
             "'https://img.example/t.jpg', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'mark', ?, ?)",
             tid, url, title if title is not None else "", 1 if playlist else 0, playlist,
             1 if playlist else 0, 3 if playlist else 1, now, now, owner, status, error,
             subscription, langs or "")


def compare(both, sql, ncols):
    lite, pg = both.rows(sql, ncols)
    assert pg == lite
    return lite


def compare_state(both):
    compare(both, "SELECT seq, record FROM tasks ORDER BY seq", 2)
    compare(both, "SELECT owner, pending, last_claim FROM owner_queue ORDER BY owner", 3)
    compare(both, "SELECT n FROM task_changes", 1)
    compare(both, "SELECT record FROM subscription_records ORDER BY seq", 1)
    compare(both, "SELECT record FROM webhook_records ORDER BY seq", 1)
    compare(both, "SELECT id, data FROM webhook_pings ORDER BY id", 2)
    # metrics.value is a REAL: compared as numbers (the text is each engine's own).
    lite, pg = both.rows("SELECT name, labels, value FROM metrics ORDER BY name, labels", 3)
    assert [(n, l, float(v)) for n, l, v in pg] == [(n, l, float(v)) for n, l, v in lite]
    # A delivery's id and time are each engine's own; the rest, and the body
    # around them, must match.
    sql = ("SELECT webhook_id, event, data, title, message, state, body, id, created_at "
           "FROM deliveries ORDER BY webhook_id, seq")
    lite, pg = both.rows(sql, 9)

    def shape(rows):
        return [r[:6] + [r[6].replace(r[7], "<ID>").replace(r[8], "<TIME>")] for r in rows]
    assert shape(pg) == shape(lite)
    for r in pg:
        assert len(r[7]) == 36 and r[7][14] == "4", r[7]
    return lite


def test_a_task_through_its_statuses(both):
    task(both, "t1", "https://v.example/1", title=NASTY, langs="en,pt-BR")
    compare_state(both)
    both.run("UPDATE tasks SET status = 'downloading', lease_worker = 42, lease_until = 99, "
             "attempts = attempts + 1, updated_at = ? WHERE id = 't1'", "2026-12-04T10:00:01Z")
    for p in PROGRESS:
        both.run("UPDATE tasks SET progress = ?, speed = '5.2 MB/s', eta = '45s', "
                 "filesize = 1000000, downloaded_bytes = ?, updated_at = ? WHERE id = 't1'",
                 p, int(p * 10000), "2026-12-04T10:00:02Z")
        compare(both, "SELECT record FROM tasks WHERE id = 't1'", 1)
    # A write that changes no part of the record is no change of the list.
    both.run("UPDATE tasks SET lease_until = 120 WHERE id = 't1'")
    compare_state(both)
    both.run("UPDATE tasks SET status = 'processing', speed = '', eta = '', "
             "format_note = ? WHERE id = 't1'", "720p \"HD\"")
    both.run("UPDATE tasks SET status = 'completed', progress = 100, filename = ?, "
             "filesize = 123456789, downloaded_bytes = 123456789, completed_at = ?, "
             "updated_at = ?, lease_worker = NULL, lease_until = NULL, local_thumbnail = 1, "
             "subtitle_files = 'en' WHERE id = 't1'",
             "A \\ \"title\"__t1.mp4", "2026-12-04T10:05:00Z", "2026-12-04T10:05:00Z")
    rows = compare_state(both)
    assert rows == []      # no webhook: no delivery
    lite, _ = both.rows("SELECT record FROM tasks WHERE id = 't1'", 1)
    assert '"progress":100.0' in lite[0][0] and '"thumbnail":"/api/thumbnails/t1"' in lite[0][0]


def test_webhooks_and_the_deliveries_task_events_make(both):
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at) VALUES "
             "('alice', 'otk_00000001', 'h1', 0, 'x')")
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at) VALUES "
             "('bob', 'otk_00000002', 'h2', 0, 'x')")
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at, revoked_at) "
             "VALUES ('gone', 'otk_00000003', 'h3', 0, 'x', 'y')")
    for wid, owner, events in (("w-all", None, 15), ("w-alice", 1, 5), ("w-bob", 2, 3),
                               ("w-gone", 3, 15)):
        both.run("INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
                 "VALUES (?, ?, ?, ?, 's', '2026-12-04T09:00:00Z')",
                 wid, owner, "https://hook.example/" + wid + "?q=\"x\"", events)
    both.run("UPDATE webhooks SET last_delivery_at = '2026-12-04T09:30:00Z', "
             "last_status = 'timeout', failures = failures + 1 WHERE id = 'w-bob'")
    task(both, "a1", "https://v.example/a1", owner=1, title=NASTY)
    task(both, "b1", "https://v.example/b1", owner=2, playlist="pl-1")
    task(both, "n1", "https://v.example/n1")
    task(both, "e1", "https://v.example/e1", owner=2, status="error",
         error="Unsupported URL: \"e1\"\n")
    compare_state(both)
    both.run("UPDATE tasks SET status = 'downloading' WHERE id IN ('a1', 'b1')")
    both.run("UPDATE tasks SET status = 'completed', progress = 100, filename = 'a1.mp4', "
             "filesize = 2048, completed_at = 'c' WHERE id = 'a1'")
    both.run("UPDATE tasks SET status = 'error', error_message = ? WHERE id = 'b1'",
             "ERROR: [youtube] b1: Video unavailable\t\\o/")
    both.run("UPDATE tasks SET status = 'cancelled' WHERE id = 'n1'")
    both.run("INSERT INTO deliveries (webhook_id, event, data, title, message) "
             "SELECT id, 'ping', data, title, message FROM webhook_pings WHERE id = 'w-bob'")
    rows = compare_state(both)
    # Who heard what: w-all everything, alice's hook her completion, bob's
    # hook his errors, the revoked key's hook nothing.
    heard = sorted((r[0], r[1]) for r in rows)
    assert heard == [("w-alice", "task.completed"), ("w-all", "task.completed"),
                     ("w-all", "task.error"), ("w-all", "task.error"),
                     ("w-bob", "ping"), ("w-bob", "task.error"), ("w-bob", "task.error")]
    lite, _ = both.rows("SELECT name, labels, value FROM metrics ORDER BY name, labels", 3)
    assert [r[:2] for r in lite] == [["downloaded_bytes_total", ""],
                                     ["downloads_finished_total", 'outcome="cancelled"'],
                                     ["downloads_finished_total", 'outcome="completed"'],
                                     ["downloads_finished_total", 'outcome="error"']]


def test_a_subscription_and_its_events(both):
    both.run("INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
             "VALUES ('w', NULL, 'https://hook.example/', 12, 's', 'x')")
    for sid, enabled, subs, order in (("s1", 1, "en,es", "oldest_first"),
                                      ("s2", 0, "", "newest_first")):
        both.run("INSERT INTO subscriptions (id, owner_key, url, name, download_type, "
                 "quality, format_id, audio_format, check_every, backlog, title_include, "
                 "title_exclude, min_duration, max_duration, skip_live, next_check_at, "
                 "created_at, updated_at, embed_metadata, sponsorblock, subtitles, enabled, "
                 "listing_order) "
                 "VALUES (?, NULL, ?, '', 'audio', 'best', NULL, 'opus', 3600, 5, ?, NULL, "
                 "60, NULL, 1, 1764842400, 'c', 'u', 0, 'off', ?, ?, ?)",
                 sid, "https://list.example/" + sid, "^(a|b)\\d+ \"x\"$", subs, enabled,
                 order)
    compare_state(both)
    for i in range(3):
        task(both, "s1-%d" % i, "https://v.example/s1/%d" % i, subscription="s1",
             title="entry %d \u00e9" % i)
    both.run("UPDATE subscriptions SET state = 'checking', lease_worker = 7 WHERE id = 's1'")
    both.run("UPDATE subscriptions SET state = 'idle', primed = 1, failures = 0, "
             "last_error = '', last_checked_at = 'l', next_check_at = 1764846000, "
             "seen_count = seen_count + 10, downloaded_count = downloaded_count + 2, "
             "name = ?, lease_worker = NULL WHERE id = 's1'", "My \"list\"\n")
    both.run("UPDATE subscriptions SET state = 'checking' WHERE id = 's1'")
    both.run("UPDATE subscriptions SET state = 'error', last_error = ?, "
             "failures = failures + 1 WHERE id = 's1'", "HTTP Error 404: \\Not Found\\")
    rows = compare_state(both)
    assert sorted(r[1] for r in rows) == ["subscription.error", "subscription.new"]
    new = [r for r in rows if r[1] == "subscription.new"][0]
    assert new[3] == 'My "list"\n: 2 new'
    # The two newest tasks, oldest first.
    assert new[2].index('"id":"s1-1"') < new[2].index('"id":"s1-2"') and '"s1-0"' not in new[2]


def test_owner_queue_counts_and_task_changes(both):
    for i in range(4):
        task(both, "q%d" % i, "https://v.example/q%d" % i)
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at) VALUES "
             "('k', 'otk_0000000a', 'h', 1, 'x')")
    task(both, "k0", "https://v.example/k0", owner=1)
    task(both, "k1", "https://v.example/k1", owner=1)
    compare_state(both)
    both.run("UPDATE tasks SET status = 'downloading' WHERE id = 'q0'")
    both.run("UPDATE tasks SET status = 'downloading' WHERE id = 'k0'")
    both.run("DELETE FROM tasks WHERE id = 'q1'")
    both.run("UPDATE tasks SET status = 'error' WHERE id = 'q0'")
    both.run("UPDATE tasks SET status = 'pending' WHERE id = 'q0'")
    rows = compare(both, "SELECT owner, pending, last_claim FROM owner_queue ORDER BY owner", 3)
    assert rows == [["0", "3", "1"], ["1", "1", "2"]]
    # Six inserts, four updates that change a record, one delete.
    assert compare(both, "SELECT n FROM task_changes", 1) == [["11"]]
    compare_state(both)


def test_a_revoked_keys_work_stops(both):
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at) VALUES "
             "('carol', 'otk_0000000c', 'h', 0, 'x')")
    both.run("INSERT INTO api_keys (name, prefix, hash, admin, created_at) VALUES "
             "('dave', 'otk_0000000d', 'h', 0, 'x')")
    both.run("INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
             "VALUES ('wc', 1, 'https://hook.example/c', 15, 's', 'x')")
    both.run("INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
             "VALUES ('wd', 2, 'https://hook.example/d', 15, 's', 'x')")
    both.run("INSERT INTO subscriptions (id, owner_key, url, next_check_at, created_at, "
             "updated_at) VALUES ('sc', 1, 'https://list.example/c', 1764842400, 'c', 'u')")
    for tid, owner, status in (("c-pending", 1, "pending"), ("c-running", 1, "downloading"),
                               ("c-done", 1, "completed"), ("d-pending", 2, "pending")):
        task(both, tid, "https://v.example/" + tid, owner=owner)
        if status != "pending":
            both.run("UPDATE tasks SET status = ? WHERE id = ?", status, tid)
    both.run("INSERT INTO deliveries (webhook_id, event, data, title, message) "
             "SELECT id, 'ping', data, title, message FROM webhook_pings")
    both.run("UPDATE api_keys SET revoked_at = '2026-12-04T11:00:00Z' WHERE name = 'carol'")
    compare_state(both)
    rows = compare(both, "SELECT id, status, updated_at FROM tasks ORDER BY seq", 3)
    assert [r[:2] for r in rows] == [["c-pending", "cancelled"], ["c-running", "cancelled"],
                                     ["c-done", "completed"], ["d-pending", "pending"]]
    assert compare(both, "SELECT id FROM webhooks ORDER BY seq", 1) == [["wd"]]
    assert compare(both, "SELECT webhook_id FROM deliveries ORDER BY seq", 1) == [["wd"]]
    assert compare(both, "SELECT id, enabled FROM subscriptions", 2) == [["sc", "0"]]


def test_the_same_tables_columns_indexes_views_and_triggers(both):
    """A migration added to SQLite's and not to PostgreSQL's fails here first."""
    lite = both.lite

    def lite_names(kind):
        return sorted(r[0] for r in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' "
            "AND sql IS NOT NULL", (kind,)))

    def pg_names(sql):
        return sorted(psql(both.uri, sql + ";", rows=True))

    tables = lite_names("table")
    assert pg_names("SELECT table_name FROM information_schema.tables WHERE "
                    "table_schema = 'parity' AND table_type = 'BASE TABLE'") == tables
    assert pg_names("SELECT table_name FROM information_schema.views WHERE "
                    "table_schema = 'parity'") == lite_names("view")
    assert pg_names("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND "
                    "tgrelid::regclass::text IN (SELECT table_name FROM "
                    "information_schema.tables WHERE table_schema = 'parity')") \
        == lite_names("trigger")
    indexes = pg_names("SELECT indexname FROM pg_indexes WHERE schemaname = 'parity'")
    assert set(lite_names("index")) <= set(indexes)
    for t in tables + lite_names("view"):
        cols = sorted(r[1] for r in lite.execute("SELECT * FROM pragma_table_xinfo(?)", (t,)))
        assert pg_names("SELECT column_name FROM information_schema.columns WHERE "
                        "table_schema = 'parity' AND table_name = '%s'" % t) == cols, t
