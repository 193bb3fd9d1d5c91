/*
 * smtp.h - sending one mail through an SMTP server with libcurl (docs/design.md: clients use
 * libcurl, SMTP to the mail server). Used for the significant-event alerts (CPS §4.5.7).
 */
#ifndef GCERT_SYS_SMTP_H
#define GCERT_SYS_SMTP_H

#include <stddef.h>

#include "core/error.h"

/*
 * Sends message (RFC 5322 text with CRLF line ends, headers included) from `from` to
 * every address of the comma-separated list `to`. Fails with GC_E_SMTP naming the
 * server's answer or the connection error.
 */
gc_result gc_smtp_send(const char *url, const char *from, const char *to, const char *message,
                       size_t len) GC_MUST_CHECK;

#endif
