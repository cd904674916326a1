/* urlguard.c: keeps downloads off loopback, private, link-local and multicast addresses. */
/*
 * Unless OFFLINETUBE_ALLOW_PRIVATE_URLS=1, a URL is refused when its host is,
 * or resolves to, an address a home server should never fetch for a client:
 * its own loopback, the LAN (a router's admin page), link-local (cloud
 * metadata at 169.254.169.254), multicast, unspecified or reserved ranges.
 * The host goes through getaddrinfo(), which reads every numeric spelling
 * inet_aton() knows (2130706433, 0177.0.0.1, 127.1): none slips past as a
 * "name".  A redirect to such an address, made by the site later, is not seen
 * here; the systemd unit's IPAddressDeny= covers that for a deployment.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "urlguard.h"

/* The host part of an http(s) URL, without brackets, userinfo or port. */
int
urlguard_host(const char *url, char *host, size_t len)
{
	const char	*p, *end, *at;
	size_t		 n;

	if ((p = strstr(url, "://")) == NULL)
		return -1;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* user:pass@host: the host is after the last '@' of the authority. */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		p++;
		if ((at = memchr(p, ']', (size_t)(end - p))) == NULL)
			return -1;
		n = (size_t)(at - p);
	} else {
		at = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((at != NULL ? at : end) - p);
	}
	if (n == 0 || n >= len)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	/* A trailing dot names the same host ("localhost."). */
	if (n > 1 && host[n - 1] == '.')
		host[n - 1] = '\0';
	return 0;
}

static int
v4_is_public(const unsigned char a[4])
{
	if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224)
		return 0;	/* this network, private, loopback, multicast, reserved */
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		return 0;	/* 100.64/10, carrier-grade NAT */
	if (a[0] == 169 && a[1] == 254)
		return 0;	/* link-local, cloud metadata */
	if (a[0] == 172 && (a[1] & 0xf0) == 16)
		return 0;
	if (a[0] == 192 && a[1] == 168)
		return 0;
	if (a[0] == 192 && a[1] == 0 && a[2] == 0)
		return 0;	/* IETF protocol assignments */
	if (a[0] == 198 && (a[1] & 0xfe) == 18)
		return 0;	/* benchmarking */
	return 1;
}

/*
 * IPv6 ranges that carry an IPv4 address, and where it sits: the IPv4 is
 * what the packet reaches in the end (through the host's own stack, a NAT64
 * gateway or a 6to4 relay), so it is judged instead.  Each prefix is one
 * line of the worker unit's IPAddressDeny= too (private IPv4 inside it).
 */
static const struct {
	unsigned char	 prefix[12];
	size_t		 len;		/* bytes of prefix that must match */
	size_t		 v4;		/* where the IPv4 address starts */
} v4_inside[] = {
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 12, 12 },	/* ::ffff:0:0/96 mapped */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 }, 12, 12 },	/* ::ffff:0:0:0/96 SIIT */
	{ { 0 }, 12, 12 },						/* ::/96 compatible */
	{ { 0, 0x64, 0xff, 0x9b }, 12, 12 },				/* 64:ff9b::/96 NAT64 */
	{ { 0x20, 0x02 }, 2, 2 },					/* 2002::/16 6to4 */
};

/* 1: an address a home server may reach for a client; 0: loopback, private... */
int
urlguard_addr_is_public(const struct sockaddr *sa)
{
	const unsigned char	*a;
	size_t			 i;

	if (sa->sa_family == AF_INET)
		return v4_is_public((const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return 0;
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	for (i = 0; i < sizeof(v4_inside) / sizeof(v4_inside[0]); i++)
		if (memcmp(a, v4_inside[i].prefix, v4_inside[i].len) == 0)
			return v4_is_public(a + v4_inside[i].v4);
	if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b &&
	    a[4] == 0 && a[5] == 1)
		return 0;	/* 64:ff9b:1::/48, local-use NAT64: the LAN's own */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
		return 0;	/* 2001::/32, Teredo: its IPv4 is hidden */
	if (a[0] == 0x01 && a[1] == 0 && memcmp(a + 2, "\0\0\0\0\0\0", 6) == 0)
		return 0;	/* 100::/64, discard-only */
	if ((a[0] & 0xfe) == 0xfc)
		return 0;	/* fc00::/7, unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 0;	/* fe80::/10, link-local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return 0;	/* fec0::/10, old site-local */
	if (a[0] == 0xff)
		return 0;	/* multicast */
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return 0;	/* documentation */
	return 1;
}

/* 0: every address of the host is public; -1: refused, why says so. */
int
urlguard_check(const char *url, const char **why)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 host[256];
	int			 rc = -1;

	*why = "must name a valid host";
	if (urlguard_host(url, host, sizeof(host)) == -1 ||
	    strchr(host, '%') != NULL)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
		*why = "host does not resolve";
		return -1;
	}
	*why = "points to a loopback, private, link-local or multicast address "
	    "(set OFFLINETUBE_ALLOW_PRIVATE_URLS=1 to allow)";
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!urlguard_addr_is_public(ai->ai_addr))
			goto done;
	rc = 0;
done:
	freeaddrinfo(res);
	return rc;
}

/*
 * An Apprise URL's host, when it has one that resolves: many schemes put a
 * token there instead (tgram://bottoken/chat), which is no address.  1: it
 * resolves to a loopback, private or link-local address.  Asked when the
 * webhook is made and again before each delivery (a name may point
 * elsewhere by then).
 */
int
urlguard_host_is_private(const char *url)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 host[256];
	int			 private = 0;

	if (urlguard_host(url, host, sizeof(host)) == -1)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!urlguard_addr_is_public(ai->ai_addr))
			private = 1;
	freeaddrinfo(res);
	return private;
}
