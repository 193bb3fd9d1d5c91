/*
 * auditkey.h - the audit key (CPS §4.5.4, §4.6): an RSA 2048 key of its own in the token
 * that signs audit checkpoints and archive manifests. It is not a CA key: CA keys sign
 * only certificates and CRLs (§6.1.6). Made on first use, like the CA service key.
 */
#ifndef GCERT_CA_AUDITKEY_H
#define GCERT_CA_AUDITKEY_H

#include <openssl/x509.h>
#include <stdint.h>

#include "ca/ca.h"

#define GC_AUDIT_KEY_LABEL "audit-key"

/*
 * Finds the audit key and its self-signed certificate (CN=gcert audit key), or makes
 * them the first time: generated in the token, recorded in audit_keys with audit
 * records. Keeps them in ca->audit_key, ca->audit_cert, ca->audit_key_id. Called when
 * the token is opened, before any other key is looked up.
 */
gc_result gc_audit_key_open(struct gc_ca *) GC_MUST_CHECK;

/*
 * Seals the audit trail as it stands with a checkpoint signed by the audit key (nothing
 * when no record is new). Needs the token. Called by `gcert audit checkpoint` and at the
 * end of every command that opened the token.
 */
gc_result gc_ca_checkpoint(struct gc_ca *, bool *made) GC_MUST_CHECK;

/*
 * For an auditor who holds the audit key certificate (e.g. from the key ceremony record
 * or an archive): every audit key in the database must be that one, else someone put in
 * a key of their own to re-sign a rewritten trail (GC_E_AUDIT_TAMPERED).
 */
gc_result gc_audit_key_pinned(struct gc_db *, X509 *pinned) GC_MUST_CHECK;

#endif
