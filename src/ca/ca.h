/*
 * ca.h - the CA: a directory holding its configuration, token and database (CPS §6.2),
 * the key ceremony that creates the hierarchy (App. G), and access for the commands.
 */
#ifndef GCERT_CA_CA_H
#define GCERT_CA_CA_H

#include <openssl/x509.h>
#include <stdint.h>

#include "audit/audit.h"
#include "ca/activation.h"
#include "core/config.h"
#include "core/error.h"
#include "hsm/hsm.h"
#include "lint/lint.h"
#include "store/db.h"
#include "x509/certbuild.h"

/* What a command needs opened (the CLI dispatch table declares it). */
#define GC_NEED_DB 0x1u
#define GC_NEED_TOKEN 0x2u
/* Only the root key: for making a new issuing CA after a compromise (§4.8.3). */
#define GC_NEED_ROOT_KEY 0x4u

struct gc_ca {
	char dir[GC_MAX_PATH];
	struct gc_config cfg;
	char actor[96]; /* who acts, for the audit trail */
	struct gc_db *db;
	struct gc_audit *audit;
	struct gc_hsm *hsm; /* NULL unless GC_NEED_TOKEN */
	struct gc_hsm_key *root_key, *issuing_key;
	X509 *root_cert, *issuing_cert;
	int64_t root_id, issuing_id; /* ca_certs ids of the current certificates */
	struct gc_issuer issuer;     /* what subscriber certificates take from the issuing CA */
	bool shares_token;           /* a worker: the token belongs to the CA it came from */
	X509 *service_cert;          /* the CA service certificate, once loaded (peer.c) */
	/* the audit key (auditkey.c), made or found when the token is opened */
	struct gc_hsm_key *audit_key;
	X509 *audit_cert;
	int64_t audit_key_id;
	/* The issuing CA and the root as the linter reads them for itself (never from the
	 * builder's structs). */
	struct gc_lint_issuer lint_issuing, lint_root;
	const char *ca_names[6]; /* C, ST, L, O, root CN, issuing CN (point into cfg) */
	int lock_fd;             /* issuance.lock, held shared while the token is open */
	/* This issuing process as a node (nodes.id, 0 until it issues; docs/issuance-safety.md
	 * "Several nodes"): the CA and all its workers share one id through node. */
	int64_t node_self, *node;
	bool node_locked; /* this connection holds GC_LOCK_NODE and GC_LOCK_ISSUANCE shared */
};

/* A node whose lock a survivor can take is dead; a PostgreSQL server up for less than
 * this has not yet seen every live node reconnect (each does within GC_NODE_WATCH_MS). */
#define GC_NODE_GRACE_SECONDS 15
#define GC_NODE_WATCH_MS 2000

/* What gc_ca_recover resolved (CPS §4.5.1: each is also an audit record). */
struct gc_recovery {
	unsigned completed; /* kept signatures verified: now issued */
	unsigned abandoned; /* no signature kept: serial retired, revocable */
};

/* How `gcert ca init` gets its token. */
struct gc_init_options {
	struct gc_config cfg;
	/* An existing token (any PKCS#11 module): its user PIN is copied from this file
	 * into the CA directory. Empty: a new SoftHSM2 token is made inside the directory. */
	char existing_pin_file[GC_MAX_PATH];
	/* M-of-N activation (CPS §6.4): the PIN is split among custodians and not stored.
	 * NULL: the PIN is kept in the pin file (single-person). */
	const struct gc_activation_setup *activation;
};

/*
 * The key ceremony: creates dir (which must not exist), its token and keys, the root
 * and issuing CA certificates, the database and the audit records. On any failure the
 * directory is removed again: nothing half done.
 */
gc_result gc_ca_init(const char *dir, const struct gc_init_options *, const char *actor) GC_MUST_CHECK;
/* Writes the SoftHSM2 configuration of the token inside absdir (ca init, restore). */
gc_result gc_ca_write_softhsm_conf(const char *absdir, const struct gc_config *) GC_MUST_CHECK;
gc_result gc_ca_open(const char *dir, unsigned needs, const char *actor, struct gc_ca **out) GC_MUST_CHECK;
void gc_ca_close(struct gc_ca *);
/* Opens the token of a CA opened without it (a service that signs only when asked to). */
gc_result gc_ca_open_token(struct gc_ca *) GC_MUST_CHECK;
/*
 * Custodian mode (CPS §6.4): the shares a standalone command was given to log the token
 * in (the CLI sets them before gc_ca_open; NULL: none). Without them gc_ca_open refuses
 * a command that needs the token with GC_E_NOT_ACTIVATED, naming the ways to sign.
 */
void gc_ca_use_shares(const struct gc_activation_input *);
/* Logs the token in with pin (rebuilt by custodians who); audited as ca.activated or
 * ca.activation_failed, what saying for what. Refused when already open. */
gc_result gc_ca_activate(struct gc_ca *, const char *pin, const char *who, const char *what) GC_MUST_CHECK;
/* gc_ca_activate for a running service, which then takes the issuance lock. */
gc_result gc_ca_activate_service(struct gc_ca *, const char *pin, const char *who) GC_MUST_CHECK;
/* Logs the token out and forgets its keys (workers made from ca must be closed first). */
void gc_ca_deactivate(struct gc_ca *);
/*
 * A worker for another thread: its own database connection (SQLite transactions belong
 * to a connection), the same token and keys (libp11 gives each concurrent signature its
 * own session). Close the worker before the CA it came from.
 */
gc_result gc_ca_worker(const struct gc_ca *, struct gc_ca **out) GC_MUST_CHECK;
/* What gc_db_open takes for this CA: its PostgreSQL connection string, or the path of
 * its SQLite file. */
gc_result gc_ca_db_target(const struct gc_ca *, char *out, size_t outsz) GC_MUST_CHECK;

/*
 * CPS §4.8.3: a new issuing CA named by the configuration (issuing.cn, key_label,
 * validity_years), its key generated in the token and its certificate signed by the
 * root; it becomes the current issuing CA (the old one stays in the database). Needs
 * the root key. Refused when the name or key label is already in use.
 */
gc_result gc_ca_new_issuing(struct gc_ca *, int64_t now) GC_MUST_CHECK;
/* Whether issuing.cn and issuing.key_label of the configuration are still free. */
gc_result gc_ca_check_new_name(struct gc_ca *) GC_MUST_CHECK;
/* The refusals of gc_ca_new_issuing, checked without making anything. */
gc_result gc_ca_check_new_issuing(struct gc_ca *, int64_t now) GC_MUST_CHECK;

/* ---- the pieces of the key ceremony, for changeover.c (CPS §4.7) ---- */

/* One CA certificate made in the token. */
struct gc_made_cert {
	unsigned char serial[20];
	int64_t not_before, not_after;
	unsigned char *der;
	size_t dersz;
	X509 *x;
};
void gc_made_cert_clear(struct gc_made_cert *);
/* A CA name: C, ST, L, O of the configuration and cn (App. G). */
gc_result gc_ca_name(const struct gc_config *, const char *cn, X509_NAME **out) GC_MUST_CHECK;
/* Certifies subj's key by signer (issuer_key_id NULL: self-signed root; pathlen -1: none)
 * for nb..na; the TBS is linted as lx expects before the token signs, and the result
 * verified with the signer's key. */
gc_result gc_ca_make_cert(const X509_NAME *subject, const X509_NAME *issuer, struct gc_hsm_key *subj,
                          struct gc_hsm_key *signer, const unsigned char *issuer_key_id, int pathlen,
                          int64_t nb, int64_t na, const char *cps_uri, const struct gc_lint_cert_expect *lx,
                          struct gc_made_cert *m) GC_MUST_CHECK;
/* Inserts a CA certificate row (role "root" or "issuing", current) inside the caller's
 * transaction; issuer_id 0 for a root. */
gc_result gc_ca_insert_cert(struct gc_db *, const char *role, const char *cn, const char *label,
                            const struct gc_made_cert *, int64_t issuer_id, int64_t *id) GC_MUST_CHECK;

/* Writes cfg as DIR/gcert.json (atomically) and records the change (config.changed). */
gc_result gc_ca_save_config(struct gc_ca *, const struct gc_config *) GC_MUST_CHECK;

/* Every root (trust anchors) and issuing CA certificate of the CA, current or not,
 * appended to roots and issuing (for relying-party verification). */
gc_result gc_ca_trust(struct gc_ca *, STACK_OF(X509) *roots, STACK_OF(X509) *issuing) GC_MUST_CHECK;

/*
 * Resolves issuance interrupted by a crash (docs/design.md "The issuance path"): a row
 * 'signed' (its certificate was verified and kept before the crash) is verified again
 * and completed as issued; a row still 'reserved' is marked 'abandoned': nothing was
 * handed out, the serial is never reused, and the row can be revoked like any other.
 * Runs only when no other process holds the issuance lock (none is mid-issuance);
 * gc_ca_open calls it for commands that need the token. Each resolution is audited.
 */
gc_result gc_ca_recover(struct gc_ca *, struct gc_recovery *) GC_MUST_CHECK;
/*
 * Several nodes on PostgreSQL: resolves, as gc_ca_recover does, the reservations of
 * every other node whose lock (GC_LOCK_NODE) this connection can take, i.e. whose
 * process is gone; that lock is then kept for the session, so the node can never come
 * back under its id. Nothing while the server has been up less than
 * GC_NODE_GRACE_SECONDS. On SQLite nothing (one machine: issuance.lock orders it).
 */
gc_result gc_ca_recover_dead(struct gc_ca *, struct gc_recovery *) GC_MUST_CHECK;
/*
 * As gc_ca_recover_dead, and this node's own open rows that no batch of this process
 * holds (a batch that failed, e.g. across a PostgreSQL restart, left them): once no
 * batch is in flight (wait: after those in flight end, new ones waiting meanwhile; not
 * wait: nothing of its own when one is in flight). The caller is in no batch. On
 * SQLite, or before this process issues, nothing.
 */
gc_result gc_ca_recover_orphans(struct gc_ca *, bool wait, struct gc_recovery *) GC_MUST_CHECK;
/* Every issuing batch of the process runs between these (issue.c; recover.c counts). */
void gc_ca_batch_enter(void);
void gc_ca_batch_leave(void);
/* This process's node id (0: not issuing). */
int64_t gc_ca_node_id(const struct gc_ca *);
/* Takes this connection's share of the node's locks, once (a worker of an issuing CA,
 * or one made before the CA began issuing). */
gc_result gc_ca_node_hold(struct gc_ca *) GC_MUST_CHECK;

/* The linter's expectation for a g-Cert TBS of this CA (issue.c and recover.c). */
void gc_ca_lint_expect(const struct gc_ca *, struct gc_lint_cert_expect *);

/* SHA-256 over tbs, signed in the token, wrapped into the signed DER object. */
gc_result gc_ca_sign_tbs(struct gc_hsm_key *, const unsigned char *tbs, size_t tbssz,
                         unsigned char **der, size_t *dersz) GC_MUST_CHECK;
/*
 * The hot-path check of a signed certificate: der must be exactly
 * SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING }, with the recorded tbs byte for
 * byte, and its signature must verify with issuer_pub. (d2i_X509 would also decode the
 * subject key through OpenSSL 3's decoders, at several times the cost.)
 */
gc_result gc_ca_check_signed(const unsigned char *der, size_t dersz, const unsigned char *tbs,
                             size_t tbssz, EVP_PKEY *issuer_pub) GC_MUST_CHECK;
/* Parses der back and checks its signature with issuer_pub (never trust what we signed). */
gc_result gc_ca_verify_cert(const unsigned char *der, size_t dersz, EVP_PKEY *issuer_pub,
                            X509 **out) GC_MUST_CHECK;

#endif
