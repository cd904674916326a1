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

/* The routes that act: who may make a browser send them. */
static void
test_other_sites_may_not_act(void)
{
	const char	*list = "https://tube.home.lan";

	/* curl, scripts: neither header. */
	CHECK(cors_site_refusal("", NULL, NULL, "127.0.0.1:8001") == NULL);
	/* <img src> on a foreign page: no Origin, marked cross-site. */
	CHECK_STR(cors_site_refusal("", NULL, "cross-site", "127.0.0.1:8001"),
	    CORS_REFUSED_SITE);
	CHECK_STR(cors_site_refusal("", "", "Cross-Site", "127.0.0.1:8001"),
	    CORS_REFUSED_SITE);
	CHECK(cors_site_refusal("", NULL, "same-origin", "127.0.0.1:8001") == NULL);
	CHECK(cors_site_refusal("", NULL, "same-site", "127.0.0.1:8001") == NULL);
	CHECK(cors_site_refusal("", NULL, "none", "127.0.0.1:8001") == NULL);
	/* A foreign Origin, whatever Sec-Fetch-Site claims (older browsers send none). */
	CHECK_STR(cors_site_refusal("", "https://evil.example", NULL,
	    "127.0.0.1:8001"), CORS_REFUSED_ORIGIN);
	CHECK_STR(cors_site_refusal("", "https://evil.example", "same-origin",
	    "127.0.0.1:8001"), CORS_REFUSED_ORIGIN);
	CHECK_STR(cors_site_refusal("", "null", NULL, "127.0.0.1:8001"),
	    CORS_REFUSED_ORIGIN);
	/* The page served beside the API, on a name the list does not hold. */
	CHECK(cors_site_refusal(list, "http://nas.lan:8001", "same-origin",
	    "nas.lan:8001") == NULL);
	CHECK(cors_site_refusal(list, "http://NAS.lan:8001", NULL,
	    "nas.lan:8001") == NULL);
	CHECK_STR(cors_site_refusal(list, "http://nas.lan:8002", NULL,
	    "nas.lan:8001"), CORS_REFUSED_ORIGIN);
	CHECK_STR(cors_site_refusal(list, "http://nas.lan.evil:8001", NULL,
	    "nas.lan"), CORS_REFUSED_ORIGIN);
	CHECK_STR(cors_site_refusal(list, "http://nas.lan:8001", NULL, NULL),
	    CORS_REFUSED_ORIGIN);
	/* A front end the administrator listed, on a site of its own. */
	CHECK(cors_site_refusal(list, "https://tube.home.lan", "cross-site",
	    "nas.lan:8001") == NULL);
	CHECK(cors_site_refusal("", "http://localhost:5173", "cross-site",
	    "127.0.0.1:8001") == NULL);
}

int
main(void)
{
	test_loopback_origins_by_default();
	test_configured_list();
	test_other_sites_may_not_act();
	return unit_done("test_cors");
}
