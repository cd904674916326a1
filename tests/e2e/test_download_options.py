"""test_download_options.py: embed_metadata and sponsorblock, from the request to the file."""
import filecmp

from harness import ffprobe


def probe(path):
    """The container's tags and its streams (with their dispositions)."""
    return ffprobe(path, "format_tags:stream=codec_type,codec_name:"
                         "stream_disposition=attached_pic")


def tags(path):
    return {k.lower(): v for k, v in (probe(path).get("format", {}).get("tags") or {}).items()}


def test_the_default_download_is_the_sites_file_byte_for_byte(service, site):
    done = service.download(site.page("clip"))
    assert (done["embed_metadata"], done["sponsorblock"]) == (False, "off")
    assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)
    assert "title" not in tags(service.path_of(done))


def test_embed_metadata_writes_the_title_into_the_container(service, site):
    done = service.download(site.page("clip2"), embed_metadata=True)
    assert done["embed_metadata"] is True
    path = service.path_of(done)
    # The title as yt-dlp knows it (its generic extractor adds " (1)").
    assert tags(path).get("title", "").startswith("Fixture clip two"), probe(path)
    assert tags(path)["title"] == done["title"]
    assert not filecmp.cmp(path, site.media_path("v360b.mp4"), shallow=False)
    # Still the same streams: only the metadata changed.
    kinds = sorted(s["codec_type"] for s in probe(path)["streams"])
    assert kinds == ["audio", "video"], probe(path)


def test_embed_metadata_gives_an_audio_file_its_cover(service, site):
    done = service.download(site.page("clip"), download_type="audio", audio_format="m4a",
                            embed_metadata=True)
    p = probe(service.path_of(done))
    assert tags(service.path_of(done)).get("title", "").startswith("Fixture clip"), p
    covers = [s for s in p["streams"] if s.get("disposition", {}).get("attached_pic") == 1]
    assert len(covers) == 1, p
    # The thumbnail is kept for the record too.
    assert done["thumbnail"] == f"/api/thumbnails/{done['id']}"
    plain = service.download(site.page("clip"), download_type="audio", audio_format="m4a")
    assert [s for s in probe(service.path_of(plain))["streams"]
            if s.get("disposition", {}).get("attached_pic") == 1] == []


def test_embed_metadata_on_a_wav_file_completes_without_a_cover(service, site):
    done = service.download(site.page("clip"), download_type="audio", audio_format="wav",
                            embed_metadata=True)
    assert done["filename"].endswith(".wav")


def test_sponsorblock_that_cannot_be_reached_never_fails_a_download(make_service, site):
    """The fixture video says it is YouTube's, so yt-dlp asks the SponsorBlock
    service, here a closed local port (OFFLINETUBE_SPONSORBLOCK_API), so the
    test means the same with or without the internet: yt-dlp fails the run,
    and the worker downloads it again without SponsorBlock."""
    service = make_service(OFFLINETUBE_SPONSORBLOCK_API="http://127.0.0.1:9")
    for mode in ("remove", "mark"):
        log_from = len(service.log("worker"))
        done = service.download(f"{site.base}/watch?v=sBlockTest1", sponsorblock=mode)
        assert done["sponsorblock"] == mode
        assert done["error_message"] == ""
        assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)
        assert f"{done['id']}: SponsorBlock cannot be reached: downloading without it" \
            in service.log("worker")[log_from:], service.logs_tail()


def test_sponsorblock_on_a_site_it_does_not_know_changes_nothing(service, site):
    done = service.download(site.page("clip"), sponsorblock="remove")
    assert done["sponsorblock"] == "remove"
    assert filecmp.cmp(service.path_of(done), site.media_path("v360.mp4"), shallow=False)


def test_a_playlists_entries_take_its_options(service, site):
    first = service.submit(f"{site.base}/playlist/three", embed_metadata=True,
                           sponsorblock="mark")
    service.wait_for_status(first["id"], "completed")
    pid = service.task(first["id"])["playlist_id"]
    entries = [t for t in service.tasks() if t["playlist_id"] == pid]
    assert len(entries) == 3
    for t in entries:
        assert (t["embed_metadata"], t["sponsorblock"]) == (True, "mark"), t
