"""test_playlist_entries.py: a playlist's entries become tasks only when they pass
the rule a submitted URL passes; the others are skipped, and said so in a clean
log line."""
import os

from harness import wait_until


def test_hostile_entry_urls_are_skipped_and_logged_cleanly(service, site):
    """The fixture site lists, between two good entries, URLs no client could
    submit: control characters, a space, options for yt-dlp, an overlong URL,
    other schemes, no host.  Only the two good ones become tasks; the others
    reach no row, no yt-dlp run and no raw log line."""
    pl2_before = sum(r.startswith("/video/pl2") for r in site.requests)
    first = service.submit(f"{site.base}/playlist/hostile")
    done = service.wait_for_status(first["id"], "completed", 90)
    pid = done["playlist_id"]
    assert pid and done["is_playlist"], done
    ms = wait_until(lambda: (lambda xs: xs if len(xs) == 2 and all(
        x["status"] == "completed" for x in xs) else None)(
        [x for x in service.tasks() if x.get("playlist_id") == pid]), 90, 0.3,
        "the two good entries completed")
    ms.sort(key=lambda x: x["playlist_index"])
    assert [x["playlist_index"] for x in ms] == [1, 2]
    assert all(x["playlist_total"] == 2 for x in ms), ms
    assert ms[1]["url"] == f"{site.base}/video/pl3"
    assert ms[0]["title"].startswith("Playlist entry one"), ms
    assert ms[1]["title"].startswith("Playlist entry three"), ms
    # Nothing fetched the hostile entries, nothing ran their options.
    assert sum(r.startswith("/video/pl2") for r in site.requests) == pl2_before
    assert not os.path.exists("/tmp/ot-owned")
    for t in service.tasks():
        assert not any(ord(c) < 0x20 or ord(c) == 0x7f for c in t["url"] + t["title"]), t

    log = service.log("worker")
    skipped = [ln for ln in log.splitlines() if "playlist entry" in ln and "skipped" in ln]
    assert len(skipped) == 11, "\n".join(skipped)
    whys = "\n".join(skipped)
    for n, why in ((2, "must not contain spaces or control characters"),
                   (6, "must not begin with '-'"), (7, "must not begin with '-'"),
                   (8, "must be at most 2048 bytes"), (9, "must be an http or https URL"),
                   (12, "must name a host")):
        assert f"playlist entry {n} skipped: url {why}: " in whys, (n, whys)
    # One event, one line: the entry's newline and escape are not in the log.
    assert "\x1b" not in log and "\r" not in log and "\x7f" not in log
    assert not any(ln.startswith("FAKE") for ln in log.splitlines())
    assert "?FAKE worker[info] line" in whys
