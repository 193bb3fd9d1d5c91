/*
 * listen.h - the HOST:PORT a service listens on (`--listen`, `--interface-listen`), one
 * parser for every HTTP service (repository, interface, RA).
 */
#ifndef GCERT_SYS_LISTEN_H
#define GCERT_SYS_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "core/error.h"

/* s: a numeric IPv4 address or a bracketed IPv6 one, then :PORT (0..65535). opt names
 * the option in the messages. */
gc_result gc_listen_parse(const char *opt, const char *s, struct sockaddr_storage *ss, socklen_t *len)
	GC_MUST_CHECK;
/* True for 127.0.0.0/8 and [::1]: reachable from this machine only. */
bool gc_listen_is_loopback(const struct sockaddr_storage *);

#endif
