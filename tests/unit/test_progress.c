/* test_progress.c: yt-dlp's progress lines become the row's progress, speed and eta. */
#include <stdint.h>

#include "progress.h"
#include "unit.h"

/* Lines captured from yt-dlp 2023.03.04 with --progress-template 'download:%(progress)j'. */
static const char first[] = "{\"status\": \"downloading\", \"downloaded_bytes\": 1024, \"total_bytes\": 77881, \"tmpfilename\": \"dl/page2-1.mp4.part\", \"filename\": \"dl/page2-1.mp4\", \"eta\": null, \"speed\": null, \"elapsed\": 0.0011188983917236328, \"ctx_id\": null, \"_eta_str\": \"Unknown\", \"_speed_str\": \" Unknown B/s\", \"_percent_str\": \"  1.3%\", \"_total_bytes_str\": \"  76.06KiB\", \"_total_bytes_estimate_str\": \"       N/A\", \"_downloaded_bytes_str\": \"   1.00KiB\", \"_elapsed_str\": \"00:00:00\", \"_default_template\": \"  1.3% of   76.06KiB at  Unknown B/s ETA Unknown\"}\n";
static const char middle[] = "{\"status\": \"downloading\", \"downloaded_bytes\": 64512, \"total_bytes\": 77881, \"tmpfilename\": \"dl/page2-1.mp4.part\", \"filename\": \"dl/page2-1.mp4\", \"eta\": 0, \"speed\": 62074544.5395733, \"elapsed\": 0.0020275115966796875, \"ctx_id\": null, \"_eta_str\": \"00:00\", \"_speed_str\": \"  59.20MiB/s\", \"_percent_str\": \" 82.8%\", \"_total_bytes_str\": \"  76.06KiB\", \"_total_bytes_estimate_str\": \"       N/A\", \"_downloaded_bytes_str\": \"  63.00KiB\", \"_elapsed_str\": \"00:00:00\", \"_default_template\": \" 82.8% of   76.06KiB at   59.20MiB/s ETA 00:00\"}";
static const char finished[] = "{\"downloaded_bytes\": 77881, \"total_bytes\": 77881, \"filename\": \"dl/page2-1.mp4\", \"status\": \"finished\", \"elapsed\": 0.002820253372192383, \"ctx_id\": null, \"speed\": 27614894.735311523, \"_speed_str\": \"26.34MiB/s\", \"_total_bytes_str\": \"  76.06KiB\", \"_elapsed_str\": \"00:00:00\", \"_percent_str\": \"100.0%\", \"_default_template\": \"100% of   76.06KiB in 00:00:00 at 26.34MiB/s\"}";
/* HLS and DASH give only an estimate. */
static const char estimate[] = "{\"status\": \"downloading\", \"downloaded_bytes\": 500, \"total_bytes_estimate\": 2000.5, \"eta\": 185, \"speed\": 5200000}";

static struct progress
parse(const char *s)
{
	struct progress	 p;

	CHECK(progress_parse(s, strlen(s), &p) == 0);
	return p;
}

static void
test_real_lines_parse(void)
{
	struct progress	 p;

	p = parse(first);
	CHECK(p.status == PROGRESS_DOWNLOADING);
	CHECK(p.downloaded == 1024);
	CHECK(p.total == 77881);
	CHECK(p.speed < 0);		/* null: unknown, not zero */
	CHECK(p.eta < 0);
	p = parse(middle);
	CHECK(p.downloaded == 64512);
	CHECK(p.eta == 0);
	CHECK(p.speed > 62074544 && p.speed < 62074545);
	p = parse(finished);
	CHECK(p.status == PROGRESS_FINISHED);
	CHECK(p.downloaded == 77881 && p.total == 77881);
	p = parse(estimate);
	CHECK(p.total == 2000);
	CHECK(p.eta == 185);
}

static void
test_other_lines_are_not_progress(void)
{
	struct progress	 p;
	const char	*bad[] = {
		"[download] Destination: dl/page2-1.mp4",
		"[ot-fmt] {\"height\": 360}",
		"{\"status\": \"started\", \"postprocessor\": \"Merger\"}",
		"{\"downloaded_bytes\": 5}",
		"{\"status\": \"downloading\"",		/* cut */
		"{\"status\": \"downloading\"} trailing",
		"[1, 2]",
		"",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(progress_parse(bad[i], strlen(bad[i]), &p) == -1);
}

static void
test_speed_and_eta_read_like_people_write_them(void)
{
	char	 b[32];

	progress_speed(5200000, b, sizeof(b));
	CHECK_STR(b, "5.2 MB/s");
	progress_speed(850, b, sizeof(b));
	CHECK_STR(b, "850 B/s");
	progress_speed(1500, b, sizeof(b));
	CHECK_STR(b, "1.5 KB/s");
	progress_speed(-1, b, sizeof(b));
	CHECK_STR(b, "");
	progress_eta(45, b, sizeof(b));
	CHECK_STR(b, "45s");
	progress_eta(185, b, sizeof(b));
	CHECK_STR(b, "3m 05s");
	progress_eta(3720, b, sizeof(b));
	CHECK_STR(b, "1h 02m");
	progress_eta(-1, b, sizeof(b));
	CHECK_STR(b, "");
}

static struct progress
prog(enum progress_status st, int64_t done, int64_t total)
{
	struct progress	 p;

	memset(&p, 0, sizeof(p));
	p.status = st;
	p.downloaded = done;
	p.total = total;
	p.speed = -1;
	p.eta = -1;
	return p;
}

/* Video then audio: two files, each from 0 to 100; the bar must only go up. */
static void
test_two_files_never_go_backwards(void)
{
	struct progress_total	 t;
	struct progress		 p;
	double			 last = 0;

	progress_total_init(&t, 2);
	p = prog(PROGRESS_DOWNLOADING, 900, 1000);
	progress_total_add(&t, &p);
	CHECK(t.percent > 44 && t.percent < 46);
	CHECK(t.percent >= last);
	last = t.percent;
	p = prog(PROGRESS_FINISHED, 1000, 1000);
	progress_total_add(&t, &p);
	CHECK(t.percent == 50);
	last = t.percent;
	p = prog(PROGRESS_DOWNLOADING, 10, 100);	/* audio starts */
	progress_total_add(&t, &p);
	CHECK(t.percent >= last);
	CHECK(t.percent > 54 && t.percent < 56);
	CHECK(t.downloaded == 1010);
	CHECK(t.total == 1100);
	p = prog(PROGRESS_FINISHED, 100, 100);
	progress_total_add(&t, &p);
	CHECK(t.percent == 100);
	/* A stray line after the end (yt-dlp re-reports) cannot lower it. */
	p = prog(PROGRESS_DOWNLOADING, 0, 100);
	progress_total_add(&t, &p);
	CHECK(t.percent == 100);
}

int
main(void)
{
	test_real_lines_parse();
	test_other_lines_are_not_progress();
	test_speed_and_eta_read_like_people_write_them();
	test_two_files_never_go_backwards();
	return unit_done("test_progress");
}
