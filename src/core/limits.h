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
/* Config file. */
#define GC_MAX_CONFIG_FILE 65536
/* A file given to `gcert lint`: a CRL of the full scope with a million entries is about
 * 40 MB of DER (55 MB as PEM); 128 MiB bounds what an auditor can feed it. */
#define GC_MAX_LINT_FILE (128L * 1024 * 1024)
/* Objects (PEM blocks) in one file given to `gcert lint`. */
#define GC_MAX_LINT_OBJECTS 1024
/* Path lengths we build. */
#define GC_MAX_PATH 4096

/* RFC 5280 Appendix A upper bounds, in characters. */
#define UB_COMMON_NAME 64
#define UB_ORGANIZATION_NAME 64
#define UB_ORGANIZATIONAL_UNIT_NAME 64
#define UB_EMAILADDRESS_LENGTH 255

#endif
