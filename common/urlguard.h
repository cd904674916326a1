/* urlguard.h: keeps downloads off loopback, private, link-local and multicast addresses. */
#ifndef OT_URLGUARD_H
#define OT_URLGUARD_H

#include <stddef.h>

int	 urlguard_host(const char *url, char *host, size_t len);
int	 urlguard_check(const char *url, const char **why);
int	 urlguard_host_is_private(const char *url);
struct sockaddr;
int	 urlguard_addr_is_public(const struct sockaddr *);

#endif
