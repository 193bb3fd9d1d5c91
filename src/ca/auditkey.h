/*
 * auditkey.h - the audit key (CPS §4.5.4, §4.6): an RSA 2048 key of its own in the token
 * that signs audit checkpoints and archive manifests. It is not a CA key: CA keys sign
 * only certificates and CRLs (§6.1.6). Made on first use, like the CA service key.
 */
#ifndef GCERT_CA_AUDITKEY_H
#define GCERT_CA_AUDITKEY_H

#include <openssl/x509.h>
#include <stdint.h>

#include "audit/key.h"
#include "ca/ca.h"

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

/* gc_audit_key_pinned (audit/key.h) checks the keys against an auditor's certificate. */

#endif
