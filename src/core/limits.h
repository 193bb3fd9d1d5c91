/*
 * limits.h - every limit on untrusted input, in one place.
 */
#ifndef GCERT_CORE_LIMITS_H
#define GCERT_CORE_LIMITS_H

/* A request file for `gcert issue`: one request object with a CSR; 64 KiB is ample. */
#define GC_MAX_REQUEST_FILE 65536
/* A CSR for RSA 2048 is ~1 KiB DER; 16 KiB leaves room for attributes, not for abuse. */
#define GC_MAX_CSR_DER 16384
#define GC_MAX_CSR_PEM 24576
/* jansson nesting depth for request JSON (a request is two levels deep). */
#define GC_MAX_JSON_DEPTH 8
/* Request id: printable ASCII, bounded so it fits in logs and result files. */
#define GC_MAX_REQUEST_ID 64
/* RA names under which certificates are pinned (interface). */
#define GC_MAX_PEER_ID 32
/* Interface files (configurable below these ceilings; defaults in config). A request with
 * its CSR is ~2.5 KiB of JSON; 10,000 of them fit in 32 MiB. */
#define GC_IFACE_DEFAULT_MAX_FILE (48u << 20)
#define GC_IFACE_DEFAULT_MAX_REQUESTS 10000u
/* Config file. */
#define GC_MAX_CONFIG_FILE 65536
/* Path lengths we build. */
#define GC_MAX_PATH 4096

/* Working-day calendar files (holidays, warning days): a line per day; decades fit. */
#define GC_MAX_CALENDAR_FILE 262144
#define GC_MAX_CALENDAR_DAYS 4096
/* CRL schedule: at most this many publication times a day ("HH:MM,HH:MM,..."). */
#define GC_MAX_CRL_SLOTS 24
/* verify: a certificate file to check, and a CRL it loads (1M entries is ~53 MiB). */
#define GC_MAX_CERT_FILE 65536
#define GC_MAX_CRL_FILE (512L * 1024 * 1024)
/* verify: at most this many CRL files from a --crl-dir. */
#define GC_MAX_CRL_FILES 64

/* RFC 5280 Appendix A upper bounds, in characters. */
#define UB_COMMON_NAME 64
#define UB_ORGANIZATION_NAME 64
#define UB_ORGANIZATIONAL_UNIT_NAME 64
#define UB_EMAILADDRESS_LENGTH 255

#endif
