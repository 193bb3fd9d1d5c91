/*
 * seal.h - signed checkpoints of the audit hash chain (CPS §4.5.4: the audit trail is
 * protected against accidental damage and deliberate change) and the verifier that
 * checks both chain and checkpoints.
 *
 * A checkpoint says "record N exists and has hash H", signed by the audit key in the
 * token (not a CA key: CA keys sign only certificates and CRLs, §6.1.6). Checkpoints are
 * themselves chained (each names the SHA-256 of the previous one's signature), so one
 * cannot be dropped from the middle. The chain alone catches a changed, deleted or
 * reordered record; a checkpoint also catches a rewritten tail (every hash recomputed)
 * and a truncated tail (records up to N were proved to exist).
 *
 * The verifier reads records and checkpoints from a source, so the same code checks the
 * database and the audit trail inside an archive bundle (archive.c).
 */
#ifndef GCERT_AUDIT_SEAL_H
#define GCERT_AUDIT_SEAL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#define GC_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define GC_CHECKPOINT_FORMAT "gcert-audit-checkpoint/1"

struct gc_db;

struct gc_audit_record {
	int64_t id, at;
	const char *actor, *event, *object, *outcome, *detail, *prev_hash, *hash;
};

struct gc_audit_cp {
	int64_t id, last_id, at, key_id;
	const char *last_hash, *prev_sig_hash;
	const unsigned char *sig;
	size_t sigsz;
};

/* Where the verifier reads from. Each next_* sets *have false at the end. The key
 * lookup returns a public key the source owns. */
struct gc_audit_source {
	void *arg;
	gc_result (*next_record)(void *arg, struct gc_audit_record *, bool *have);
	gc_result (*next_checkpoint)(void *arg, struct gc_audit_cp *, bool *have);
	gc_result (*key)(void *arg, int64_t key_id, EVP_PKEY **pub);
};

struct gc_audit_check {
	long records;       /* records whose chain verified */
	long checkpoints;   /* checkpoints whose signature verified */
	int64_t first_id;   /* the first record (> 1 after a purge, CPS §4.5.3) */
	int64_t last_id;    /* the last record */
	int64_t sealed_id;  /* the last record a checkpoint covers (0: none) */
};

/* The exact bytes a checkpoint signs; returns their length (0 if out is too small). */
size_t gc_checkpoint_message(const struct gc_audit_cp *, char *out, size_t outsz);
/* SHA-256 hex of a checkpoint signature: what the next checkpoint names. */
gc_result gc_checkpoint_sig_hash(const unsigned char *sig, size_t sigsz, char out[65]) GC_MUST_CHECK;

/*
 * Checks a whole audit trail. On the first fault fails with GC_E_AUDIT_TAMPERED and a
 * detail naming it: "audit record 17: hash chain broken (record changed)", "audit
 * record 4: deleted or reordered (...)", "checkpoint 3: signature does not verify",
 * "audit records after 9 were truncated (checkpoint 2 proves records up to 12 existed)".
 */
gc_result gc_audit_verify_source(const struct gc_audit_source *, struct gc_audit_check *) GC_MUST_CHECK;
/* The same over the database's audit_log and audit_checkpoints. */
gc_result gc_audit_verify(struct gc_db *, struct gc_audit_check *) GC_MUST_CHECK;

/*
 * What signs a checkpoint: the audit key of the CA's token (ca/auditkey.c) or of the
 * RA's (ra.c, through ra/link.h, which serialises the token). sign gets the SHA-256 of
 * the checkpoint message and returns a PKCS#1 v1.5 RSA signature of it.
 */
struct gc_audit_signer {
	void *arg;
	gc_result (*sign)(void *arg, const unsigned char digest[32], unsigned char *sig, size_t *siglen);
	int64_t key_id; /* the key's id in audit_keys */
};

/*
 * Takes a checkpoint of the chain as it stands, signed by signer. Cheap: it first
 * re-checks only the records since the last checkpoint, and refuses
 * (GC_E_AUDIT_TAMPERED) to sign a chain that does not verify. *made is false when there
 * was nothing new to seal. The same tables (audit_log, audit_checkpoints, audit_keys)
 * in the CA's database and in the RA's.
 */
gc_result gc_audit_checkpoint(struct gc_db *, const struct gc_audit_signer *, bool *made) GC_MUST_CHECK;

#endif
