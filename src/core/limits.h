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
/* The RA's link to the CA (src/ra/link*.c). */
#define GC_RA_MAX_LINK_FILE 65536      /* DIR/link.json */
#define GC_RA_MAX_URL 512              /* interface and CRL URLs */
#define GC_RA_MAX_CRL_URLS 8           /* CRLs the use-time check reads */
#define GC_RA_MAX_CRL_CAS 8            /* CA certificates that may sign them */
#define GC_RA_MAX_CERT_FILE 65536      /* a pinned certificate file */
#define GC_RA_MAX_LABEL 60             /* subscriber key label; "sub:" + label is a CKA_LABEL */
/* A result file answers at most max_requests requests with a certificate each (~2.5 KiB):
 * twice the request file ceiling bounds it. */
#define GC_RA_MAX_RESULT (2 * GC_IFACE_DEFAULT_MAX_FILE)
#define GC_RA_MAX_HTTP_ERROR 4096      /* text of an HTTP error answer kept for the message */
#define GC_RA_MAX_PASSPHRASE 1024      /* PKCS#12 export passphrase */
#define GC_RA_MIN_PASSPHRASE 8
/* Config file. */
#define GC_MAX_CONFIG_FILE 65536
/* Alerts (CPS §4.5.7): "repeated failed access" is this many failures of one event
 * within this window, unless configured otherwise. */
#define GC_ALERT_DEFAULT_FAILURES 5
#define GC_ALERT_DEFAULT_WINDOW 600
/* A running service seals its audit trail this often (seconds) unless configured. */
#define GC_SEAL_DEFAULT_INTERVAL 60
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
/* A file given to `gcert lint`: a CRL of the full scope with a million entries is about
 * 40 MB of DER (55 MB as PEM); 128 MiB bounds what an auditor can feed it. */
#define GC_MAX_LINT_FILE (128L * 1024 * 1024)
/* Objects (PEM blocks) in one file given to `gcert lint`. */
#define GC_MAX_LINT_OBJECTS 1024
/* Path lengths we build. */
#define GC_MAX_PATH 4096

/* Working-day calendar files (holidays, warning days): a line per day; decades fit. */
#define GC_MAX_CALENDAR_FILE 262144
#define GC_MAX_CALENDAR_DAYS 4096
/* CRL schedule: at most this many publication times a day ("HH:MM,HH:MM,..."). */
#define GC_MAX_CRL_SLOTS 24
/* verify: a certificate file to check (GC_MAX_CRL_FILE bounds each CRL it loads), and
 * at most this many CRL files from a --crl-dir. */
#define GC_MAX_CERT_FILE 65536
#define GC_MAX_CRL_FILES 64

/* ---- the public repository (CPS §2.5), src/ca/repo_*.c ---- */
/* Request line URL, decoded path plus query; longer is 414. A lookup URL is < 400 bytes. */
#define GC_HTTP_MAX_URL 2048
/* The repository answers only GET and HEAD: no request body is ever accepted. */
#define GC_HTTP_MAX_BODY 0
/* libmicrohttpd per-connection memory for headers: bounds header size and count. */
#define GC_HTTP_CONNECTION_MEMORY 32768
/* Open connections in all, and from one client address. */
#define GC_HTTP_MAX_CONNECTIONS 1024
#define GC_HTTP_MAX_CONNECTIONS_PER_IP 256
/* An idle connection is closed after this many seconds. */
#define GC_HTTP_IDLE_TIMEOUT_S 30
/* At stop, requests in flight get this long to finish (idle keep-alive ones count). */
#define GC_HTTP_DRAIN_MS 1000
/* Worker threads of the HTTP server (and database readers, one each). */
#define GC_HTTP_THREADS 4
/* A CRL or ARL file served or published; a full CRL of 1M entries is ~40 MiB. */
#define GC_MAX_CRL_FILE (256L * 1024 * 1024)
/*
 * Certificate lookups (by serial, by email) are rate limited per client address
 * (CPS §2.7: no enumeration of subscribers by brute force): a token bucket of
 * GC_LOOKUP_BURST lookups refilled at GC_LOOKUP_PER_MINUTE. Past it: 429 with
 * Retry-After. The CA config may set other values (repository.lookup_*).
 */
#define GC_LOOKUP_BURST 20
#define GC_LOOKUP_PER_MINUTE 120
/* Client addresses tracked at once; beyond this, lookups from new clients are refused
 * (fail closed) until idle buckets age out. */
#define GC_RATE_TABLE_SLOTS 4096
#define GC_RATE_PROBE 16
/* Clients refused in one second that get an audit record each; beyond, one summary. */
#define GC_RATE_ALERTS 64
/* LDAP publisher: operations applied per transaction, and retry backoff bounds. */
#define GC_LDAP_BATCH 32
#define GC_LDAP_BACKOFF_MIN_MS 200
#define GC_LDAP_BACKOFF_MAX_MS 5000
/* Network and operation timeout of one LDAP call, seconds. */
#define GC_LDAP_TIMEOUT_S 10
/* How often the publisher looks for new outbox rows, and the poller at CRL files. */
#define GC_LDAP_POLL_MS 250
#define GC_REPO_FILE_POLL_MS 500
/* The publisher's password file. */
#define GC_MAX_PASSWORD 256

/* RFC 5280 Appendix A upper bounds, in characters. */
#define UB_COMMON_NAME 64
#define UB_ORGANIZATION_NAME 64
#define UB_ORGANIZATIONAL_UNIT_NAME 64
#define UB_EMAILADDRESS_LENGTH 255

#endif
