/*
 * key.h - the audit key's side that is the same for the CA and the RA (CPS §4.5.4,
 * §4.6): an RSA 2048 key of its own in the service's token, labelled "audit-key", whose
 * self-signed certificate (CN=gcert audit key) is registered in the database's
 * audit_keys with audit records, and which signs the chained checkpoints of seal.h.
 * The CA (ca/auditkey.c) and the RA (ra.c through ra/link.h) each hold their token;
 * the code here touches only the database and the key handle it is given.
 */
#ifndef GCERT_AUDIT_KEY_H
#define GCERT_AUDIT_KEY_H

#include <openssl/x509.h>
#include <stdint.h>

#include "core/error.h"

#define GC_AUDIT_KEY_LABEL "audit-key"

struct gc_db;
struct gc_audit;
struct gc_hsm_key;

struct gc_hsm;

/*
 * The audit key in an open, logged-in token: found, or generated the first time (RSA
 * 2048, sensitive, not extractable). registered is the certificate in the database
 * (gc_audit_key_load) or NULL; the key must match it (GC_E_HSM otherwise). With none,
 * *made is a new self-signed certificate of the key (caller registers and frees it),
 * else NULL. The caller serialises its token.
 */
gc_result gc_audit_key_in_token(struct gc_hsm *, X509 *registered, struct gc_hsm_key **key,
                                X509 **made) GC_MUST_CHECK;
/* The newest audit key certificate registered in the database (*cert NULL: none yet). */
gc_result gc_audit_key_load(struct gc_db *, X509 **cert, int64_t *id) GC_MUST_CHECK;
/* Registers a new audit key certificate, with its audit records (keygen: the event of the
 * key's generation, the CA's or the RA's), in one transaction. */
gc_result gc_audit_key_register(struct gc_db *, struct gc_audit *, const char *actor, int keygen, X509 *cert,
                                int64_t *id) GC_MUST_CHECK;
/*
 * For an auditor who holds the audit key certificate (e.g. from the key ceremony record
 * or an archive): every audit key in the database must be that one, else someone put in
 * a key of their own to re-sign a rewritten trail (GC_E_AUDIT_TAMPERED).
 */
gc_result gc_audit_key_pinned(struct gc_db *, X509 *pinned) GC_MUST_CHECK;

#endif
