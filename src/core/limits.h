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
/* Alerts (CPS §4.5.7): "repeated failed access" is this many failures of one event
 * within this window, unless configured otherwise. */
#define GC_ALERT_DEFAULT_FAILURES 5
#define GC_ALERT_DEFAULT_WINDOW 600
/* Alert mails tried per run, so a dead mail server cannot hold a command for long. */
#define GC_ALERT_MAX_SEND 100
/* Archive bundles (§4.6) and backups (§4.8.1) are read whole into memory to verify. */
#define GC_MAX_ARCHIVE_FILE (1024ul << 20)
#define GC_MAX_ARCHIVE_ITEMS 2000000ul
#define GC_MAX_BACKUP_FILE (1024ul << 20)
/* Files that are small by nature: manifests, share files, passphrase files. */
#define GC_MAX_MANIFEST (512ul << 20)
#define GC_MAX_SHARE_FILE 4096
#define GC_MAX_PASSPHRASE 1024
/* Custodians of a backup key (§6.2.4): libgfshare works in GF(2^8), at most 255 shares. */
#define GC_MAX_CUSTODIANS 32
/* Path lengths we build. */
#define GC_MAX_PATH 4096

/* RFC 5280 Appendix A upper bounds, in characters. */
#define UB_COMMON_NAME 64
#define UB_ORGANIZATION_NAME 64
#define UB_ORGANIZATIONAL_UNIT_NAME 64
#define UB_EMAILADDRESS_LENGTH 255

#endif
