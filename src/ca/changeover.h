/*
 * changeover.h - CA key changeover (CPS §4.7): CA keys and certificates are renewed at
 * least three months before they expire; the old keys are kept (at least seven years) to
 * verify old signatures and to go on signing CRLs for what they certified.
 *
 * Issuing CA changeover: a new key and certificate under the current root become the
 * current issuing CA (new certificates are issued by it, with its own CRL distribution
 * points); the old issuing CA keeps publishing its full and partitioned CRLs, signed by
 * its old key, for as long as its certificate is valid (crl.c publishing_cas).
 */
#ifndef GCERT_CA_CHANGEOVER_H
#define GCERT_CA_CHANGEOVER_H

#include "ca/ca.h"

struct gc_changeover {
	const char *issuing_cn; /* "Hongkong Post e-Cert CA 2 - 23" */
	const char *key_label;  /* NULL: "ecert-ca-2-23", from the name */
	const char *crl_dp;     /* NULL: ".../eCertCA2-23CRL2.crl" beside the current one */
	const char *full_crl;   /* NULL: ".../eCertCA2-23CRL1.crl" */
	int years;              /* 0: issuing.validity_years of gcert.json */
};

struct gc_changeover_result {
	char old_cn[260], new_cn[260], serial[41], key_label[65], crl_dp[256], full_crl[256];
	int64_t not_after;
};

/*
 * Makes the new issuing CA (key generated in the token, certificate signed by the root
 * and linted first), records it as current, keeps the old CA's CRL scopes, rewrites
 * gcert.json with the new name, key label and CRL URLs, and records ca.changeover. Needs
 * the token. Refused, changing nothing, when the name, label or a URL is already used.
 */
gc_result gc_ca_changeover(struct gc_ca *, const struct gc_changeover *, int64_t now,
                           struct gc_changeover_result *) GC_MUST_CHECK;

#endif
