/* verify.c - path validation with CRL checking for relying parties (CPS §2.1.6). */
#include "x509/verify.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "core/timeutil.h"

bool gc_purpose_parse(const char *s, enum gc_purpose *out)
{
	static const struct { const char *name; enum gc_purpose p; } t[] = {
		{"any", GC_PURPOSE_ANY}, {"sign", GC_PURPOSE_SIGN},
		{"encrypt", GC_PURPOSE_ENCRYPT}, {"clientauth", GC_PURPOSE_CLIENT_AUTH},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].p;
			return true;
		}
	return false;
}

const char *gc_purpose_name(enum gc_purpose p)
{
	switch (p) {
	case GC_PURPOSE_SIGN: return "signing";
	case GC_PURPOSE_ENCRYPT: return "encryption";
	case GC_PURPOSE_CLIENT_AUTH: return "client authentication";
	case GC_PURPOSE_ANY: break;
	}
	return "any purpose";
}

static void day_of(const ASN1_TIME *t, char out[21])
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(out, 21, "(unknown)");
		return;
	}
	gc_time_format((int64_t)timegm(&tm), out);
	out[10] = '\0'; /* the date is what a person needs */
}

static void cn_of(const X509_NAME *n, char *out, size_t outsz)
{
	if (n == NULL || X509_NAME_get_text_by_NID((X509_NAME *)n, NID_commonName, out, (int)outsz) < 0)
		snprintf(out, outsz, "(no common name)");
}

static const char *reason_text(int r)
{
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "(7)", "removeFromCRL",
		"privilegeWithdrawn", "aACompromise",
	};
	return r >= 0 && r <= 10 ? names[r] : "unspecified";
}

/* The revocation entry for x in any CRL of its issuer: date and reason. */
static void revoked_detail(STACK_OF(X509_CRL) *crls, X509 *x, char *out, size_t outsz)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *reason;
	char when[21];
	int i, code = 0;

	for (i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(crls, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_issuer_name(x)) == 0 &&
		    X509_CRL_get0_by_cert(c, &rev, x) == 1)
			break;
		rev = NULL;
	}
	if (rev == NULL) {
		snprintf(out, outsz, "revoked");
		return;
	}
	day_of(X509_REVOKED_get0_revocationDate(rev), when);
	if ((reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL)) != NULL) {
		code = (int)ASN1_ENUMERATED_get(reason);
		ASN1_ENUMERATED_free(reason);
	}
	snprintf(out, outsz, "revoked on %s (%s)", when, reason_text(code));
}

/*
 * A certificate outside its validity is told as such, whatever OpenSSL found first (a
 * CRL that is stale at the same instant is the lesser news for a person).
 */
static gc_result explain_time(X509_STORE_CTX *ctx, const struct gc_verify_input *in, bool *told)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	time_t at = in->at ? (time_t)in->at : time(NULL);
	char cn[256], who[300], when[21];
	int i, n = chain ? sk_X509_num(chain) : 0;
	X509 *x;

	*told = true;
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		x = n > 0 ? sk_X509_value(chain, i) : in->leaf;
		cn_of(X509_get_subject_name(x), cn, sizeof(cn));
		if (i > 0)
			snprintf(who, sizeof(who), "its CA certificate CN=%s is ", cn);
		else
			who[0] = '\0';
		if (X509_cmp_time(X509_get0_notAfter(x), &at) < 0) {
			day_of(X509_get0_notAfter(x), when);
			return gc_fail(GC_E_CERT_EXPIRED, "%sexpired on %s", who, when);
		}
		if (X509_cmp_time(X509_get0_notBefore(x), &at) > 0) {
			day_of(X509_get0_notBefore(x), when);
			return gc_fail(GC_E_CERT_EXPIRED, "%snot valid before %s", who, when);
		}
	}
	*told = false;
	return GC_OK;
}

/* Turns OpenSSL's verdict into a code and a sentence. */
static gc_result explain(X509_STORE_CTX *ctx, const struct gc_verify_input *in)
{
	int err = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char who[320], cn[256], icn[256], what[200], when[21];

	bool told;
	gc_result rc = explain_time(ctx, in, &told);

	if (told)
		return rc;
	if (x == NULL)
		x = in->leaf;
	cn_of(X509_get_subject_name(x), cn, sizeof(cn));
	cn_of(X509_get_issuer_name(x), icn, sizeof(icn));
	if (depth > 0)
		snprintf(who, sizeof(who), "its CA certificate CN=%s is ", cn);
	else
		who[0] = '\0';
	switch (err) {
	case X509_V_ERR_CERT_REVOKED:
		revoked_detail(in->crls, x, what, sizeof(what));
		return gc_fail(GC_E_CERT_REVOKED, "%s%s", who, what);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		day_of(X509_get0_notAfter(x), when);
		return gc_fail(GC_E_CERT_EXPIRED, "%sexpired on %s", who, when);
	case X509_V_ERR_CERT_NOT_YET_VALID:
		day_of(X509_get0_notBefore(x), when);
		return gc_fail(GC_E_CERT_EXPIRED, "%snot valid before %s", who, when);
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return gc_fail(GC_E_CRL_UNAVAILABLE, "revocation status unknown: no CRL from CN=%s for "
		               "CN=%s (CPS §2.1.6: a relying party must check the CRL)", icn, cn);
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return gc_fail(GC_E_CRL_UNAVAILABLE, "revocation status unknown: the CRL of CN=%s is "
		               "past its nextUpdate; fetch the current one", icn);
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
		return gc_fail(GC_E_CRL_UNAVAILABLE, "revocation status unknown: the CRL for CN=%s cannot "
		               "be used (%s)", cn, X509_verify_cert_error_string(err));
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return gc_fail(GC_E_CERT_UNTRUSTED, "not issued by a trusted CA: %sCN=%s names issuer CN=%s, "
		               "which does not chain to the trusted root", who, cn, icn);
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return gc_fail(GC_E_CERT_UNTRUSTED, "not issued by CN=%s: %sits signature does not verify",
		               icn, who);
	default:
		return gc_fail(GC_E_CERT_UNTRUSTED, "%sCN=%s: %s", who, cn, X509_verify_cert_error_string(err));
	}
}

/* CPS §1.1, App. B: a g-Cert carries the CPS policy OID. */
static gc_result check_policy(X509 *leaf)
{
	CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(leaf, NID_certificate_policies, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(CPS_POLICY_OID, 1);
	bool found = false;
	int i;

	for (i = 0; pols != NULL && want != NULL && i < sk_POLICYINFO_num(pols); i++)
		if (OBJ_cmp(sk_POLICYINFO_value(pols, i)->policyid, want) == 0)
			found = true;
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	GC_ENSURE(found, GC_E_CERT_POLICY, "not a g-Cert: certificatePolicies lacks %s (CPS §1.1)",
	          CPS_POLICY_OID);
	return GC_OK;
}

static gc_result check_purpose(X509 *leaf, enum gc_purpose p)
{
	uint32_t ku = X509_get_key_usage(leaf), eku = X509_get_extended_key_usage(leaf);
	uint32_t need_ku = 0, need_eku = 0;
	const char *ku_name = "", *eku_name = "";

	switch (p) {
	case GC_PURPOSE_ANY: return GC_OK;
	case GC_PURPOSE_SIGN:
		need_ku = KU_DIGITAL_SIGNATURE, ku_name = "digitalSignature";
		need_eku = XKU_SMIME, eku_name = "emailProtection";
		break;
	case GC_PURPOSE_ENCRYPT:
		need_ku = KU_KEY_ENCIPHERMENT, ku_name = "keyEncipherment";
		need_eku = XKU_SMIME, eku_name = "emailProtection";
		break;
	case GC_PURPOSE_CLIENT_AUTH:
		need_ku = KU_DIGITAL_SIGNATURE, ku_name = "digitalSignature";
		need_eku = XKU_SSL_CLIENT, eku_name = "clientAuth";
		break;
	}
	GC_ENSURE((ku & need_ku) == need_ku, GC_E_CERT_PURPOSE, "not valid for %s: keyUsage lacks %s",
	          gc_purpose_name(p), ku_name);
	GC_ENSURE((eku & need_eku) == need_eku, GC_E_CERT_PURPOSE,
	          "not valid for %s: extKeyUsage lacks %s", gc_purpose_name(p), eku_name);
	return GC_OK;
}

gc_result gc_verify_cert(const struct gc_verify_input *in)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	gc_result rc = GC_OK;
	int i;

	GC_NOMEM_OUT(rc, store);
	GC_NOMEM_OUT(rc, ctx);
	for (i = 0; i < sk_X509_num(in->roots); i++)
		GC_SSL_OUT(rc, X509_STORE_add_cert(store, sk_X509_value(in->roots, i)), GC_E_INTERNAL,
		           "verify: trust anchor");
	/* App. C: every certificate of the path is checked, the issuing CA against the ARL */
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	GC_SSL_OUT(rc, X509_STORE_CTX_init(ctx, store, in->leaf, in->untrusted), GC_E_INTERNAL,
	           "verify: context");
	X509_STORE_CTX_set0_crls(ctx, in->crls);
	if (in->at != 0)
		X509_STORE_CTX_set_time(ctx, 0, (time_t)in->at);
	if (X509_verify_cert(ctx) != 1) {
		rc = explain(ctx, in);
		goto out;
	}
	GC_ENSURE_OUT(rc, X509_check_ca(in->leaf) == 0, GC_E_CERT_PURPOSE,
	              "a CA certificate, not a g-Cert (App. B: basicConstraints cA FALSE)");
	GC_GUARD_OUT(rc, check_policy(in->leaf));
	rc = check_purpose(in->leaf, in->purpose);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}
