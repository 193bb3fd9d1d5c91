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
	size_t crls; /* the first CRLs and ARLs published (gc_crl_publish_all) */
};

/*
 * Makes the new issuing CA (key generated in the token, certificate signed by the root
 * and linted first), records it as current, keeps the old CA's CRL scopes, rewrites
 * gcert.json with the new name, key label and CRL URLs, and records ca.changeover. Needs
 * the token. Refused, changing nothing, when the name, label or a URL is already used.
 */
gc_result gc_ca_changeover(struct gc_ca *, const struct gc_changeover *, int64_t now,
                           struct gc_changeover_result *) GC_MUST_CHECK;

/*
 * Root changeover (CPS §4.7: a root key and certificate last at most 25 years): a new
 * root key and self-signed certificate; two link certificates, the old root certifying
 * the new root's key and the new root the old one's (table ca_links), so that relying
 * parties holding either root can validate under the other; then a new issuing CA under
 * the new root (as gc_ca_changeover). The old root keeps publishing its ARL and the old
 * issuing CA its CRLs with their old keys.
 */
struct gc_new_root {
	const char *root_cn;        /* "Hongkong Post Root CA 3" */
	const char *root_key_label; /* NULL: "root-ca-3", from the name */
	const char *arl_url;        /* NULL: ".../RootCA3ARL.crl" beside the current ARL */
	int root_years;             /* 0: root.validity_years of gcert.json */
	struct gc_changeover issuing;
};

struct gc_new_root_result {
	char root_cn[260], root_serial[41], root_key_label[65], arl_url[256];
	char link_serials[2][41]; /* old signs new, new signs old */
	int64_t root_not_after;
	struct gc_changeover_result issuing;
};

gc_result gc_ca_new_root(struct gc_ca *, const struct gc_new_root *, int64_t now,
                         struct gc_new_root_result *) GC_MUST_CHECK;

#endif
