/* test_cors.c: which origins the CORS setting lets read the API. */
#include "cors.h"
#include "unit.h"

static void
test_loopback_origins_by_default(void)
{
	CHECK(cors_origin_allowed("", "http://localhost:5173"));
	CHECK(cors_origin_allowed("", "http://localhost"));
	CHECK(cors_origin_allowed("", "http://127.0.0.1:8080"));
	CHECK(cors_origin_allowed("", "http://[::1]:3000"));
	CHECK(!cors_origin_allowed("", "http://localhost.evil.com"));
	CHECK(!cors_origin_allowed("", "http://localhost:80x"));
	CHECK(!cors_origin_allowed("", "http://localhost:"));
	CHECK(!cors_origin_allowed("", "https://evil.example"));
	CHECK(!cors_origin_allowed("", "null"));
	CHECK(!cors_origin_allowed("", ""));
	CHECK(!cors_origin_allowed("", NULL));
}

static void
test_configured_list(void)
{
	const char	*list = "https://tube.home.lan, http://nas:*";

	CHECK(cors_origin_allowed(list, "https://tube.home.lan"));
	CHECK(cors_origin_allowed(list, "HTTPS://TUBE.HOME.LAN"));
	CHECK(!cors_origin_allowed(list, "https://tube.home.lan:8443"));
	CHECK(!cors_origin_allowed(list, "https://tube.home.lan.evil"));
	CHECK(cors_origin_allowed(list, "http://nas:8001"));
	CHECK(!cors_origin_allowed(list, "http://localhost:8001"));
	CHECK(cors_origin_allowed("*", "https://anything.example"));
}

int
main(void)
{
	test_loopback_origins_by_default();
	test_configured_list();
	return unit_done("test_cors");
}
