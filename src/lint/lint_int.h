/*
 * lint_int.h - what the linter's modules share (lint.c, lint_cert.c, lint_crl.c):
 * the OIDs they check, and the checks of names, times, algorithms and the AKI that
 * certificates and CRLs have in common. Not part of the module's contract.
 */
#ifndef GCERT_LINT_LINT_INT_H
#define GCERT_LINT_LINT_INT_H

#include "lint/cursor.h"
#include "lint/lint.h"

/* OID content octets (X.690 §8.19). */
#define GC_OID(name) extern const uint8_t name[]; extern const size_t name##_len
GC_OID(oid_sha256_rsa);      /* 1.2.840.113549.1.1.11 */
GC_OID(oid_rsa);             /* 1.2.840.113549.1.1.1 */
GC_OID(oid_aki);             /* 2.5.29.35 */
GC_OID(oid_ski);             /* 2.5.29.14 */
GC_OID(oid_ku);              /* 2.5.29.15 */
GC_OID(oid_cp);              /* 2.5.29.32 */
GC_OID(oid_san);             /* 2.5.29.17 */
GC_OID(oid_bc);              /* 2.5.29.19 */
GC_OID(oid_eku);             /* 2.5.29.37 */
GC_OID(oid_crldp);           /* 2.5.29.31 */
GC_OID(oid_crl_number);      /* 2.5.29.20 */
GC_OID(oid_idp);             /* 2.5.29.28 */
GC_OID(oid_reason);          /* 2.5.29.21 */
GC_OID(oid_cps_policy);      /* CPS §1.1: 1.3.6.1.4.1.16030.1.8.2 */
GC_OID(oid_qt_cps);          /* 1.3.6.1.5.5.7.2.1 */
GC_OID(oid_kp_client_auth);  /* 1.3.6.1.5.5.7.3.2 */
GC_OID(oid_kp_email);        /* 1.3.6.1.5.5.7.3.4 */
#undef GC_OID

/* The AlgorithmIdentifier every signature of this CA uses (RFC 4055 §5: NULL params). */
extern const uint8_t lint_sha256_rsa_algid[15];

/* The CPS default CA names, in the order of gc_lint_cert_expect.ca_names. */
extern const char *const lint_default_ca_names[6];
#define LINT_CA_CN_ROOT 4
#define LINT_CA_CN_ISSUING 5

/* Checks a Name against profile rules (DER order); values[i] NULL = form only. */
void lint_name(struct gc_lint_report *, const char *field, const char *row,
               const struct gc_tlv *name, const struct gc_rdn_rule *rules, size_t nrules,
               const char *const *values, const char *const *desc);
/* The value of the first attribute with this OID in a Name, when there is one. */
bool lint_find_attr(const struct gc_tlv *name, const uint8_t *oid, size_t oidlen,
                    struct gc_tlv *value);
/* A CA name (App. B issuer, App. G): C, ST, L, O, CN PrintableString with the values. */
void lint_ca_name(struct gc_lint_report *, const char *field, const char *row,
                  const struct gc_tlv *name, const char *const *ca_names, int cn_index);
/* A Time of a validity or CRL: well formed, and UTCTime exactly for years before 2050
 * (RFC 5280 §4.1.2.5, §5.1.2.4). False when it could not be read. */
bool lint_time(struct gc_lint_report *, const char *field, const struct gc_tlv *, int64_t *t);
/* The AlgorithmIdentifier must be sha256WithRSAEncryption with NULL parameters. */
void lint_sigalg(struct gc_lint_report *, const char *field, const struct gc_tlv *);
/* A serial number: positive, DER-minimal, exactly 20 content octets (CPS App. B). */
void lint_serial(struct gc_lint_report *, const char *field, const struct gc_tlv *);
/* The App. B authorityKeyIdentifier: keyIdentifier [+ authorityCertIssuer = the
 * issuer's issuer + authorityCertSerialNumber = the issuer's serial when full]. */
void lint_aki(struct gc_lint_report *, const char *field, const struct gc_tlv *value,
              const struct gc_lint_issuer *, const char *const *ca_names, bool full);
/* One Extension: OID, critical (DER: present only when TRUE), OCTET STRING value.
 * False when it is malformed (already reported). */
bool lint_extension(struct gc_lint_report *, const char *field, const struct gc_tlv *ext,
                    struct gc_tlv *oid, bool *critical, struct gc_tlv *value);
/* Certificate and CertificateList share their frame: SEQUENCE { tbs, algorithm, BIT
 * STRING }; checks it and returns the tbs and the signature BIT STRING. */
bool lint_signed_frame(struct gc_lint_report *, const uint8_t *der, size_t len,
                       struct gc_tlv *tbs, struct gc_tlv *sig);
/* The signature over tbs verifies with the issuer's public key. */
void lint_signature(struct gc_lint_report *, const struct gc_tlv *tbs, const struct gc_tlv *sig,
                    const uint8_t *spki, size_t spkisz);
/* The same, hashing tbs in steps and telling progress (NULL: nobody) after each. */
void lint_signature_progress(struct gc_lint_report *, const struct gc_tlv *tbs, const struct gc_tlv *sig,
                             const uint8_t *spki, size_t spkisz, const struct gc_lint_progress *progress);
/* Tells progress, when there is one, that nothing before upto is read again, once at
 * least GC_LINT_PROGRESS_STEP octets have passed since *mark (the last upto told). */
void lint_progress(const struct gc_lint_progress *progress, const uint8_t **mark, const uint8_t *upto);
/* Reports a DER failure of a named element; returns false so callers can stop. */
bool lint_der(struct gc_lint_report *, const char *field, const char *why);
/* The CA names of an expectation, defaults filled in. */
const char *const *lint_ca_names(const char *const *given);

#endif
