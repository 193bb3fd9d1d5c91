/*
 * repo.h - pure logic of the public repository (CPS §2.5, §2.7): which files it
 * publishes and where, LDAP distinguished names (RFC 4514), HTTP validators
 * (RFC 9110 ETag, Last-Modified, conditional GET) and the per-client token bucket
 * that rate-limits certificate lookups. No I/O here; src/ca/repo_*.c does that.
 */
#ifndef GCERT_CORE_REPO_H
#define GCERT_CORE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A file of DIR/repo/crl/ and where it goes in LDAP. */
enum gc_repo_entry { GC_REPO_ENTRY_CRL1, GC_REPO_ENTRY_CRL2, GC_REPO_ENTRY_ROOT };
struct gc_repo_file {
	const char *name;        /* file name under repo/crl/ and URL /crl/<name> */
	const char *title;       /* for people (the HTML index) */
	enum gc_repo_entry entry; /* LDAP entry that carries it */
	const char *ldap_attr;   /* attribute type, with ;binary (RFC 4523) */
};
extern const struct gc_repo_file gc_repo_files[];
extern const size_t gc_repo_file_count;
/* The entry of a file name, or NULL (never a path: names are compared whole). */
const struct gc_repo_file *gc_repo_file_find(const char *name);

/* RFC 4514 §2.4: escapes an attribute value for use in a DN. */
gc_result gc_ldap_dn_escape(const char *value, char *out, size_t outsz) GC_MUST_CHECK;
/* "<attr>=<escaped value>,<base>" */
gc_result gc_ldap_dn(const char *attr, const char *value, const char *base, char *out,
                     size_t outsz) GC_MUST_CHECK;

/* ETag of content with this SHA-256: a strong validator, "\"<32 hex>\"" (35 bytes). */
void gc_http_etag(const unsigned char sha256[32], char out[36]);
/* RFC 9110 §5.6.7 IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" (30 bytes). */
void gc_http_date(int64_t t, char out[30]);
bool gc_http_date_parse(const char *s, int64_t *t);
/*
 * RFC 9110 §13.1.2, §13.1.3: true when a GET with these request headers (NULL when
 * absent) may be answered 304 for a representation with this etag and mtime.
 * If-None-Match, when present, decides alone (weak comparison).
 */
bool gc_http_not_modified(const char *if_none_match, const char *if_modified_since,
                          const char *etag, int64_t mtime);

/* A token bucket per client address; the caller serialises calls. */
struct gc_rate;
gc_result gc_rate_new(int burst, int per_minute, struct gc_rate **out) GC_MUST_CHECK;
void gc_rate_free(struct gc_rate *);
/*
 * Takes one token for the client addr[0..len) (len <= 16) at now_ms. Returns true
 * when allowed; otherwise *retry_after_s says when the next token comes.
 */
bool gc_rate_take(struct gc_rate *, const unsigned char *addr, size_t len, int64_t now_ms,
                  int *retry_after_s);

#endif
