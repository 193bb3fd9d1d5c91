/* listen.c - see listen.h. */
#include "sys/listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

gc_result gc_listen_parse(const char *opt, const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
	unsigned long port = 0;
	size_t hl, i;
	bool bracketed;

	GC_ENSURE(colon != NULL && colon != s && colon[1] != '\0' && strlen(colon + 1) <= 5, GC_E_USAGE,
	          "%s %.64s: expected HOST:PORT, e.g. 127.0.0.1:8080", opt, s);
	for (i = 1; colon[i]; i++) {
		GC_ENSURE(isdigit((unsigned char)colon[i]), GC_E_USAGE, "%s %.64s: bad port", opt, s);
		port = port * 10 + (unsigned long)(colon[i] - '0');
	}
	GC_ENSURE(port <= 65535, GC_E_USAGE, "%s %.64s: port past 65535", opt, s);
	hl = (size_t)(colon - s);
	/* an IPv6 address only in brackets: "::1:80" would be ambiguous */
	if ((bracketed = s[0] == '[' && hl > 2 && s[hl - 1] == ']'))
		s++, hl -= 2;
	GC_ENSURE(hl < sizeof(host), GC_E_USAGE, "%s: host too long", opt);
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (!bracketed && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET, v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
	} else if (bracketed && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6, v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
	} else {
		return gc_fail(GC_E_USAGE, "%s %.64s: host must be a numeric IPv4 or [IPv6] address", opt, s);
	}
	return GC_OK;
}

bool gc_listen_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(v4->sin_addr.s_addr) >> 24) == 127; /* 127.0.0.0/8 */
	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
}
