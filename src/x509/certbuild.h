/*
 * certbuild.h - TBSCertificate construction from a profile (CPS App. B) and for the CA
 * hierarchy (App. G). Produces TBS DER only: signing happens in the token (hsm/), and
 * der.c wraps the result, so the TBS can be recorded before any key touches it.
 */
#ifndef GCERT_X509_CERTBUILD_H
#define GCERT_X509_CERTBUILD_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/profile.h"

/* What a subscriber certificate takes from its issuing CA. */
struct gc_issuer {
	const X509 *cert;          /* issuer name = this certificate's subject, byte for byte */
	unsigned char key_id[20];  /* AKI keyIdentifier = its subjectKeyIdentifier */
	size_t key_id_len;
	/* App. B AKI: authorityCertIssuer = the root's DN, authorityCertSerialNumber = the
	 * issuing CA certificate's serial. Both read from cert. */
};

struct gc_ee_input {
	const struct gc_profile *profile;
	const char *const *fields; /* by gc_field; GC_F_SUBSCRIBER_REF set by the CA */
	const unsigned char *serial; /* CPS_SERIAL_OCTETS, first octet 0x01..0x7f */
	int64_t not_before, not_after;
	/* subjectPublicKey of an rsaEncryption key (RSAPublicKey DER), as the CSR carried it */
	const unsigned char *key_bits;
	size_t key_bits_len;
	const unsigned char *key_id; /* 20 octets, subjectKeyIdentifier */
	const char *cps_uri;
	const char *crl_dp;
};

struct gc_ca_input {
	const X509_NAME *subject;
	const X509_NAME *issuer; /* == subject for the root */
	const unsigned char *serial;
	int64_t not_before, not_after;
	EVP_PKEY *pkey;
	const unsigned char *key_id;        /* SKI */
	const unsigned char *issuer_key_id; /* AKI keyIdentifier; NULL for the root */
	int pathlen;                        /* -1: no pathLenConstraint */
	const char *cps_uri;                /* certificatePolicies of a subordinate CA */
};

/* The subscriber TBS is written as DER directly (true) or through OpenSSL's X509 object;
 * both give the same octets and errors (tests/unit/test_certbuild.c). */
extern bool gc_cert_fast_path;
gc_result gc_cert_build_ee_tbs(const struct gc_issuer *, const struct gc_ee_input *,
                               unsigned char **tbs, size_t *tbssz) GC_MUST_CHECK;
gc_result gc_cert_build_ca_tbs(const struct gc_ca_input *, unsigned char **tbs,
                               size_t *tbssz) GC_MUST_CHECK;
/*
 * CPS §4.8.3: the TBS that certifies old's subject, subjectAltName and public key again
 * under the issuer is (new serial, validity, issuer, AKI and cRLDistributionPoints;
 * every other field and extension as in old, which was composed from approved data).
 */
gc_result gc_cert_build_reissue_tbs(const struct gc_issuer *, const X509 *old,
                                    const unsigned char *serial, int64_t nb, int64_t na,
                                    const char *crl_dp, unsigned char **tbs,
                                    size_t *tbssz) GC_MUST_CHECK;
/* Fills serial with a CSPRNG value: CPS_SERIAL_OCTETS octets, positive, no leading zero. */
gc_result gc_serial_random(unsigned char *serial) GC_MUST_CHECK;

#endif
