/*
 * repo/repo.h - the public repository service (CPS §2.5, §2.7, §4.3, §8): the HTTP
 * server and the pages it shows people, the CRL file poller, the LDAP publisher and the
 * audit of refused lookups. These are workers of `gcert ca serve` (sys/worker.h);
 * none of them holds a key or a token session: they read what the CA engine (src/ca/)
 * committed to the database and wrote to DIR/repo/.
 */
#ifndef GCERT_REPO_REPO_H
#define GCERT_REPO_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"
#include "store/repostore.h"

/*
 * http.c - the public repository over HTTP (CPS §2.5, §4.3; SPEC §5), a
 * libmicrohttpd server inside `gcert ca serve`. What it serves, and at which paths,
 * is in docs/repository.md. It holds no key and writes nothing: it reads the
 * database (one connection per worker thread) and DIR/repo/crl/ on every request,
 * so a certificate or CRL is visible the moment it is committed or renamed into place.
 */

struct gc_repo_http_options {
	const char *listen;  /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks a free port */
	const char *dbpath;  /* the CA database */
	const char *crl_dir; /* DIR/repo/crl */
	const struct gc_config *cfg;
	struct gc_repo_alerts *alerts; /* refused lookups are noted here; may be NULL */
};

struct gc_repo_alerts;
struct gc_repo_http;
gc_result gc_repo_http_new(const struct gc_repo_http_options *, struct gc_repo_http **out) GC_MUST_CHECK;
void gc_repo_http_free(struct gc_repo_http *);
/* The service worker (sys/worker.h): start binds and serves; stop closes and joins. */
gc_result gc_repo_http_start(void *http) GC_MUST_CHECK;
void gc_repo_http_stop(void *http);
/* After start: the port bound (useful with port 0). */
int gc_repo_http_port(const struct gc_repo_http *);

/*
 * pages.c - what the public repository shows people (CPS §2.5, §2.5.1): HTML pages
 * and PEM text. Each function returns malloc'ed text (the caller frees) and its length,
 * or NULL when memory ran out (gc_page_cert also when the DER does not parse). Pages
 * are in English or Traditional Chinese (http.c picks: ?lang=en|zh-Hant, else
 * Accept-Language), styled by gc_page_css alone (inline, admitted by the CSP's hash).
 */

enum gc_lang { GC_LANG_EN, GC_LANG_ZH };
extern const char gc_page_css[];

struct gc_cps_doc;
struct gc_page_index_in {
	const struct gc_config *cfg;
	const char *crl_dir;
	const struct gc_repo_ca *cas; /* every CA certificate (store/repostore.h) */
	size_t ncas;
	const struct gc_repo_crl *crls; /* every CRL series */
	size_t ncrls;
	enum gc_lang lang;
	int64_t now; /* 0: the clock */
};

/* The index: every CRL series with thisUpdate/nextUpdate, cRLNumber and size; every CA
 * certificate with validity, status and SHA-256 fingerprint; CPS; lookup forms. */
char *gc_page_index(const struct gc_page_index_in *, size_t *n);
/* Every CPS version with its effective date, the current one marked (CPS §8). */
char *gc_page_cps(enum gc_lang, size_t *n);
/* One CPS version to read: paragraphs and section headings of its text. */
char *gc_page_cps_doc(const struct gc_cps_doc *, enum gc_lang, size_t *n);
/* One issued certificate: its status at now (good, revoked with date and reason,
 * expired, not yet valid), serial, subject, type, email, validity, fingerprint, links. */
char *gc_page_cert(const struct gc_repo_cert *, enum gc_lang, int64_t now, size_t *n);
/* RFC 7468 text of DER bytes under label ("CERTIFICATE"). */
char *gc_pem_encode(const unsigned char *der, size_t dersz, const char *label, size_t *n);

/*
 * files.c - the CRL file poller, a worker of `gcert ca serve`. The CRL writer
 * renames new CRLs and the ARL into DIR/repo/crl/ (App. C); this worker notices a new
 * version (stat every GC_REPO_FILE_POLL_MS, then SHA-256 of the bytes) and queues it,
 * bytes and all, for the LDAP publisher, with an audit record, in one transaction
 * (CPS §2.5.3: the repository is updated as soon as a CRL is made; §4.5.1).
 */

struct gc_repo_files_options {
	const char *crl_dir;
	const char *dbpath;
	const char *actor;
};

struct gc_repo_poller;
gc_result gc_repo_poller_new(const struct gc_repo_files_options *, struct gc_repo_poller **out) GC_MUST_CHECK;
void gc_repo_poller_free(struct gc_repo_poller *);
gc_result gc_repo_poller_start(void *poller) GC_MUST_CHECK;
void gc_repo_poller_stop(void *poller);
/* One pass over the files (the thread calls this; tests may too). */
gc_result gc_repo_poller_scan(struct gc_repo_poller *) GC_MUST_CHECK;

/*
 * Queues the whole repository again for LDAP (a directory rebuilt from nothing): every
 * CA and issued certificate, then the current CRL files, with an audit record. The
 * running publisher applies them in order. *rows: certificates queued.
 */
gc_result gc_repo_republish(const struct gc_repo_files_options *, int64_t *rows) GC_MUST_CHECK;

/*
 * ldap.c - publication of the repository to an LDAP directory (CPS §2.5:
 * ldap://ldap1.eCert.gov.hk; App. C I: the full CRL's entry), a worker of
 * `gcert ca serve`. It applies the ldap_outbox rows (store/repostore.h) in order, one
 * directory update each, and deletes each row together with its audit record. When
 * the directory is down it keeps the rows and retries with backoff: nothing is lost,
 * nothing overtakes. Updates are idempotent (add, or replace when present), so a row
 * applied twice after a crash does no harm. The entry scheme is in docs/repository.md.
 */

struct gc_repo_ldap_options {
	const char *uri;           /* ldap://127.0.0.1:3389 */
	const char *password_file; /* mode 0600; never logged */
	const char *dbpath;
	const char *actor;         /* for the audit trail */
	const struct gc_config *cfg; /* names: base, bind DN, CA names */
};

struct gc_repo_ldap;
gc_result gc_repo_ldap_new(const struct gc_repo_ldap_options *, struct gc_repo_ldap **out) GC_MUST_CHECK;
void gc_repo_ldap_free(struct gc_repo_ldap *);
gc_result gc_repo_ldap_start(void *ldap) GC_MUST_CHECK;
void gc_repo_ldap_stop(void *ldap);

/* The DN of a subscriber certificate's entry: uid=<serial>,ou=g-Cert,<base>. */
gc_result gc_repo_ldap_cert_dn(const char *base, const char *serial, char *out, size_t outsz) GC_MUST_CHECK;

/*
 * alerts.c - audit records of refused lookups (CPS §4.5.1: suspicious network
 * activity and repeated failed access are recorded automatically). HTTP threads note a
 * refused client without waiting for the database; this worker writes, once a second,
 * one audit record per client refused in that second, in one transaction.
 */

struct gc_repo_alerts;
gc_result gc_repo_alerts_new(const char *dbpath, const char *actor, struct gc_repo_alerts **out) GC_MUST_CHECK;
void gc_repo_alerts_free(struct gc_repo_alerts *);
gc_result gc_repo_alerts_start(void *alerts) GC_MUST_CHECK;
/* Writes what is pending, then stops. */
void gc_repo_alerts_stop(void *alerts);
/* Thread-safe and never blocks on I/O: counts one refusal of client addr (text). */
void gc_repo_alerts_note(struct gc_repo_alerts *, const char *addr);

#endif
