/* test_urlguard.c: the SSRF guard: host extraction and the address ranges it refuses. */
#include <string.h>

#include "urlguard.h"
#include "unit.h"

static void
test_host_extraction(void)
{
	char	 h[64];

	CHECK(urlguard_host("http://example.com/x", h, sizeof(h)) == 0);
	CHECK_STR(h, "example.com");
	CHECK(urlguard_host("https://user:pw@EXAMPLE.com:8080/x?y#z", h, sizeof(h)) == 0);
	CHECK_STR(h, "EXAMPLE.com");
	CHECK(urlguard_host("http://evil.com@127.0.0.1/x", h, sizeof(h)) == 0);
	CHECK_STR(h, "127.0.0.1");
	CHECK(urlguard_host("http://[::ffff:127.0.0.1]:80/", h, sizeof(h)) == 0);
	CHECK_STR(h, "::ffff:127.0.0.1");
	CHECK(urlguard_host("http://localhost./", h, sizeof(h)) == 0);
	CHECK_STR(h, "localhost");
	CHECK(urlguard_host("http://[::1/", h, sizeof(h)) == -1);
	CHECK(urlguard_host("http:///x", h, sizeof(h)) == -1);
	CHECK(urlguard_host("nothing", h, sizeof(h)) == -1);
}

/* Every spelling below is numeric: getaddrinfo() answers without any network. */
static void
test_private_addresses_are_refused_in_every_spelling(void)
{
	static const char *const refused[] = {
		"http://127.0.0.1/", "http://127.1/", "http://2130706433/",
		"http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://0/",
		"http://0.0.0.0/", "http://10.1.2.3/", "http://172.16.0.1/",
		"http://172.31.255.255/", "http://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
		"http://224.0.0.1/", "http://255.255.255.255/", "http://[::1]/",
		"http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/",
		"http://[::ffff:169.254.169.254]/", "http://[64:ff9b::a00:1]/",
		"http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/",
		"http://[ff02::1]/", "http://[fe80::1%25eth0]/", "http://user@10.0.0.1:80/",
		/* IPv4 inside IPv6, by every way there is to put it there. */
		"http://[64:ff9b::127.0.0.1]/", "http://[64:ff9b::192.168.1.1]/",
		"http://[64:ff9b::169.254.169.254]/", "http://[64:ff9b::7f00:1]/",
		"http://[64:ff9b:1::1]/", "http://[64:ff9b:1::8.8.8.8]/",
		"http://[64:ff9b:1:ffff::1]/", "http://[2002:7f00:1::]/",
		"http://[2002:c0a8:101::1]/", "http://[2002:a9fe:a9fe::]/",
		"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://[::ffff:0:7f00:1]/",
		"http://[::127.0.0.1]/", "http://[100::1]/",
		/* Multicast and reserved, both families. */
		"http://239.255.255.250/", "http://240.0.0.1/", "http://192.0.0.8/",
		"http://198.18.0.1/", "http://[ff05::2]/", "http://[fec0::1]/",
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		why = NULL;
		if (urlguard_check(refused[i], &why) != -1)
			fprintf(stderr, "not refused: %s\n", refused[i]);
		CHECK(urlguard_check(refused[i], &why) == -1);
		CHECK(why != NULL && why[0] != '\0');
	}
}

static void
test_public_addresses_pass(void)
{
	static const char *const allowed[] = {
		"http://93.184.216.34/", "https://8.8.8.8:443/x", "http://172.32.0.1/",
		"http://192.169.0.1/", "http://100.128.0.1/", "http://[2606:4700::1111]/",
		/* A public IPv4 through NAT64 or 6to4 is as public as it is. */
		"http://[64:ff9b::8.8.8.8]/", "http://[64:ff9b::5db8:d822]/",
		"http://[2002:5db8:d822::1]/", "http://[64:ff9b:2::1]/",
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (urlguard_check(allowed[i], &why) != 0)
			fprintf(stderr, "refused: %s (%s)\n", allowed[i], why);
		CHECK(urlguard_check(allowed[i], &why) == 0);
	}
}

int
main(void)
{
	test_host_extraction();
	test_private_addresses_are_refused_in_every_spelling();
	test_public_addresses_pass();
	return unit_done("test_urlguard");
}
