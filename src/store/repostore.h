/*
 * repostore.h - the repository's reads of the database (CPS §2.5) and its LDAP
 * outbox. Lookups answer one issued certificate by exact serial or exact email and
 * nothing else: no query here can list subscribers (CPS §2.7).
 */
#ifndef GCERT_STORE_REPOSTORE_H
#define GCERT_STORE_REPOSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct gc_db;

struct gc_repo_cert {
	char serial[41];
	char role[24];     /* cert_type of a g-Cert, or "root"/"issuing" of a CA certificate */
	char subject_cn[260];
	char email[260];
	char organisation[260];
	int64_t not_before, not_after, issued_at;
	unsigned char *der; /* caller frees */
	size_t dersz;
	/* lookups only: its revocation (0 when none), and when a CRL first published it */
	int64_t revoked_at, published_at;
	int reason;
};
void gc_repo_cert_clear(struct gc_repo_cert *);

/* One reader per thread: its own connection and prepared statements. */
struct gc_repo_reader;
gc_result gc_repo_reader_open(const char *dbpath, struct gc_repo_reader **out) GC_MUST_CHECK;
void gc_repo_reader_free(struct gc_repo_reader *);
/* serial: 40 hex digits, lower case. GC_E_NOT_FOUND unless issued. */
gc_result gc_repo_cert_by_serial(struct gc_repo_reader *, const char *serial,
                                 struct gc_repo_cert *out) GC_MUST_CHECK;
/* The newest issued certificate for exactly this address. GC_E_NOT_FOUND if none. */
gc_result gc_repo_cert_by_email(struct gc_repo_reader *, const char *email,
                                struct gc_repo_cert *out) GC_MUST_CHECK;
/* The current CA certificate of role "root" or "issuing". */
gc_result gc_repo_ca_cert(struct gc_repo_reader *, const char *role,
                          struct gc_repo_cert *out) GC_MUST_CHECK;

/* The reader's connection (for the lists below). */
struct gc_db *gc_repo_reader_db(struct gc_repo_reader *);

/*
 * Every CA certificate there has been (CPS §2.5: the repository holds the CA public
 * keys; §4.7: replaced CA certificates stay verifiable): the roots, then the issuing
 * CAs, then the link certificates of root changeovers, each in the order made. Names
 * are stable: a CA certificate's is its key label ("root-ca-2", "ecert-ca-2-17"), a
 * link's "link-<issuer's label>-signs-<subject's label>" (as `gcert ca certs` writes
 * them); a label outside [A-Za-z0-9._-] gives "ca-<serial>".
 */
struct gc_repo_ca {
	char name[160];
	char kind[8]; /* "root", "issuing", "link" */
	char subject_cn[260], issuer_cn[260];
	char serial[41];
	bool current;        /* the root or issuing CA in use now (never a link) */
	int64_t revoked_at;  /* on an ARL (ca compromise); 0 when not revoked */
	int64_t not_before, not_after;
	unsigned char *der;  /* caller frees (gc_repo_cas_clear) */
	size_t dersz;
};
gc_result gc_repo_ca_list(struct gc_db *, struct gc_repo_ca *out, size_t max, size_t *n) GC_MUST_CHECK;
void gc_repo_cas_clear(struct gc_repo_ca *, size_t n);

/*
 * Every CRL and ARL series a CA publishes or published (crl_scopes: full and
 * partitioned CRLs of each issuing CA, each root's ARL), roots first, with the times of
 * its latest archived CRL (0 when none yet). file is the last segment of its URL, the
 * name under DIR/repo/crl/ and /crl/.
 */
struct gc_repo_crl {
	char file[128];
	char kind[12];        /* "full", "partition", "arl" */
	char url[256];
	char ca_cn[260];
	char ca_name[160];    /* the CA certificate's name, as gc_repo_ca */
	bool current;         /* of a CA in use now */
	int64_t this_update, next_update, crl_number;
};
gc_result gc_repo_crl_list(struct gc_db *, struct gc_repo_crl *out, size_t max, size_t *n) GC_MUST_CHECK;

/* ---- the LDAP outbox (schema migration 4) ---- */

enum gc_outbox_kind { GC_OUTBOX_CA_CERT, GC_OUTBOX_CERT, GC_OUTBOX_FILE };
struct gc_outbox_op {
	int64_t id;
	enum gc_outbox_kind kind;
	char object[128];      /* serial, or file name */
	struct gc_repo_cert c; /* der: the certificate or the file's bytes */
	int attempts;
};
void gc_outbox_ops_clear(struct gc_outbox_op *, size_t n);
/* The oldest n pending operations, in order (ids ascending). */
gc_result gc_outbox_pending(struct gc_db *, struct gc_outbox_op *ops, size_t max,
                            size_t *n) GC_MUST_CHECK;
gc_result gc_outbox_count(struct gc_db *, int64_t *n) GC_MUST_CHECK;
/* Inside the caller's transaction: the operation is applied, forget it. */
gc_result gc_outbox_delete(struct gc_db *, int64_t id) GC_MUST_CHECK;
/* Outside a transaction: note a failed attempt (the row stays, first in line). */
gc_result gc_outbox_note_failure(struct gc_db *, int64_t id, const char *error) GC_MUST_CHECK;
/* Outside a transaction: note a failure (directory unreachable) on the first row, if any. */
gc_result gc_outbox_note_head_failure(struct gc_db *, const char *error) GC_MUST_CHECK;
/* Inside the caller's transaction: queue a repository file's bytes, remember its hash. */
gc_result gc_outbox_queue_file(struct gc_db *, const char *name, const unsigned char *data,
                               size_t n, const char *sha256_hex) GC_MUST_CHECK;
/*
 * Inside the caller's transaction: queue every CA certificate and issued certificate
 * again, in order, and forget which file versions were queued (so the poller queues the
 * current ones). For a directory rebuilt from nothing. *rows: certificates queued.
 */
gc_result gc_outbox_queue_all(struct gc_db *, int64_t *rows) GC_MUST_CHECK;
/* The hash of the version of name last queued; *found false when none. */
gc_result gc_repo_file_last(struct gc_db *, const char *name, char sha256_hex[65],
                            bool *found) GC_MUST_CHECK;

#endif
