/* test_config.c: the config file: values apply, the environment wins, unknown keys refuse. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char	 dir[] = "/tmp/ot-unit-config-XXXXXX";
static char	 file[sizeof(dir) + 16];

static int
load(const char *text, struct config *c, char *err, size_t errlen)
{
	FILE	*f;

	if ((f = fopen(file, "w")) == NULL)
		return -2;
	fputs(text, f);
	fclose(f);
	return config_load(c, file, err, errlen);
}

static void
test_values_apply_and_the_environment_wins(void)
{
	struct config	 c;
	char		 err[512] = "";

	CHECK(load("# a comment\nOFFLINETUBE_MAX_PENDING = 7\n"
	    "OFFLINETUBE_LINK_TTL=300\n", &c, err, sizeof(err)) == 0);
	CHECK(c.max_pending == 7);
	setenv("OFFLINETUBE_LINK_TTL", "600", 1);
	CHECK(load("OFFLINETUBE_LINK_TTL=300\n", &c, err, sizeof(err)) == 0);
	CHECK(c.link_ttl == 600);
	unsetenv("OFFLINETUBE_LINK_TTL");
}

/* make run's nginx settings: accepted in the file, and nothing of ours changes. */
static void
test_make_runs_nginx_settings_are_accepted_without_effect(void)
{
	struct config	 c, plain;
	char		 err[512] = "";

	CHECK(load("", &plain, err, sizeof(err)) == 0);
	CHECK(load("OFFLINETUBE_SERVER_NAMES=tube.home.lan nas\n"
	    "OFFLINETUBE_RATE_LIMIT=5\nOFFLINETUBE_LOOKUP_RATE_LIMIT=10\n"
	    "OFFLINETUBE_WEB_DIR=/srv/www\n", &c, err, sizeof(err)) == 0);
	if (err[0] != '\0')
		fprintf(stderr, "config: %s\n", err);
	CHECK(memcmp(&c, &plain, sizeof(c)) == 0);
}

static void
test_an_unknown_setting_is_refused_with_its_line(void)
{
	struct config	 c;
	char		 err[512] = "";

	CHECK(load("OFFLINETUBE_MAX_PENDING=7\nOFFLINETUBE_NO_SUCH=1\n", &c, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, ":2: unknown setting OFFLINETUBE_NO_SUCH") != NULL);
	/* A near miss of a known name is no alias. */
	CHECK(load("OFFLINETUBE_RATE_LIMITS=5\n", &c, err, sizeof(err)) == -1);
}

/* OFFLINETUBE_DOWNLOAD_RATE takes what yt-dlp's -r takes, and nothing else. */
static void
test_the_download_rate_is_yt_dlps_syntax(void)
{
	static const char *const good[] = { "2M", "500K", "1.5m", "100", "1",
	    "0.5K", "3g", "10T", "1Y" };
	static const char *const bad[] = { "fast", "2MB", "2 M", "-1M", "1.M",
	    ".5M", "1,5M", "0", "0.4", "0K", "M", "2X", "2M ", "1e3" };
	struct config	 c;
	char		 err[512] = "", text[128];
	size_t		 i;

	CHECK(load("", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.download_rate, "");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "OFFLINETUBE_DOWNLOAD_RATE=%s\n", good[i]);
		err[0] = '\0';
		CHECK(load(text, &c, err, sizeof(err)) == 0);
		CHECK_STR(c.download_rate, good[i]);
		if (err[0] != '\0')
			fprintf(stderr, "%s: %s\n", good[i], err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "OFFLINETUBE_DOWNLOAD_RATE=%s\n", bad[i]);
		/* The file's values are taken literally: a trailing space stays. */
		CHECK(load(text, &c, err, sizeof(err)) == -1);
		CHECK(strstr(err, "OFFLINETUBE_DOWNLOAD_RATE: bytes per second") != NULL);
	}
	setenv("OFFLINETUBE_DOWNLOAD_RATE", "64k", 1);
	CHECK(load("", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.download_rate, "64k");
	unsetenv("OFFLINETUBE_DOWNLOAD_RATE");
}

/* OFFLINETUBE_SPONSORBLOCK_API: an http(s) URL or nothing. */
static void
test_the_sponsorblock_api_is_a_url(void)
{
	struct config	 c;
	char		 err[512] = "";

	CHECK(load("", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.sponsorblock_api, "");
	CHECK(load("OFFLINETUBE_SPONSORBLOCK_API=https://sb.example\n", &c, err,
	    sizeof(err)) == 0);
	CHECK_STR(c.sponsorblock_api, "https://sb.example");
	CHECK(load("OFFLINETUBE_SPONSORBLOCK_API=--exec=x\n", &c, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "OFFLINETUBE_SPONSORBLOCK_API: an http or https URL")
	    != NULL);
}

/* OFFLINETUBE_DATABASE: SQLite's file by default or by path, PostgreSQL by URI, else refused. */
static void
test_the_database_setting_chooses_the_backend(void)
{
	struct config	 c;
	char		 err[512] = "", want[PATH_MAX], shown[PATH_MAX];

	snprintf(want, sizeof(want), "%s/offlinetube.db", dir);
	CHECK(load("\n", &c, err, sizeof(err)) == 0);
	CHECK_STR(c.db_path, want);
	CHECK(load("OFFLINETUBE_DATABASE=sqlite:/srv/ot.db\n", &c, err,
	    sizeof(err)) == 0);
	CHECK_STR(c.db_path, "/srv/ot.db");
	/* Relative: in the data directory, whatever the working directory. */
	snprintf(want, sizeof(want), "%s/sub/ot.db", dir);
	CHECK(load("OFFLINETUBE_DATABASE=sqlite:sub/ot.db\n", &c, err,
	    sizeof(err)) == 0);
	CHECK_STR(c.db_path, want);
	CHECK(load("OFFLINETUBE_DATABASE=postgresql://ot:pw%40x@db/ot?sslmode=require\n",
	    &c, err, sizeof(err)) == 0);
	CHECK_STR(c.db_path, "postgresql://ot:pw%40x@db/ot?sslmode=require");
	CHECK_STR(config_database_shown(&c, shown, sizeof(shown)),
	    "postgresql://ot:xxxxx@db/ot?sslmode=require");
	CHECK(load("OFFLINETUBE_DATABASE=postgres:///ot?host=/run/pg&password=pw\n",
	    &c, err, sizeof(err)) == 0);
	CHECK_STR(config_database_shown(&c, shown, sizeof(shown)),
	    "postgres:///ot?host=/run/pg&password=xxxxx");
	CHECK(load("OFFLINETUBE_DATABASE=mysql://ot@db/ot\n", &c, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "OFFLINETUBE_DATABASE") != NULL);
	CHECK(load("OFFLINETUBE_DATABASE=sqlite:\n", &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "OFFLINETUBE_DATABASE") != NULL);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof(file), "%s/ot.conf", dir);
	setenv("OFFLINETUBE_DATA_DIR", dir, 1);
	unsetenv("OFFLINETUBE_LINK_TTL");
	unsetenv("OFFLINETUBE_MAX_PENDING");
	unsetenv("OFFLINETUBE_DOWNLOAD_RATE");
	test_values_apply_and_the_environment_wins();
	test_make_runs_nginx_settings_are_accepted_without_effect();
	test_an_unknown_setting_is_refused_with_its_line();
	test_the_sponsorblock_api_is_a_url();
	test_the_download_rate_is_yt_dlps_syntax();
	test_the_database_setting_chooses_the_backend();
	unlink(file);
	rmdir(dir);
	return unit_done("test_config");
}
