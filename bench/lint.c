/*
 * bench/lint.c - what the linter costs (issue 10: it runs on the hot path before every
 * signature, and on every CRL before publication). Builds a software CA hierarchy, a
 * g-Cert TBS with gcert's own builder and CRLs with OpenSSL, then times:
 *   lint of a TBS with the issuance path's full expectations (gc_lint_tbs)
 *   lint of a signed certificate with its signature check (gc_lint_cert)
 *   the TBS byte comparison after signing (gc_lint_signed_tbs + memcmp)
 *   lint of a partitioned CRL of N entries (gc_lint_crl)
 * Usage: bench_lint [TBS_ITERATIONS] [CRL_ENTRIES]   (defaults 100000, 100000)
 */
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "core/timeutil.h"
#include "lint/lint.h"
#include "x509/certbuild.h"
#include "x509/csr.h"
#include "x509/der.h"
#include "x509/name.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench_lint: %s: %s\n", what, gc_err_detail());
	exit(1);
}

static void sign(EVP_PKEY *key, const unsigned char *tbs, size_t n, unsigned char **der, size_t *dersz)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[512];
	size_t siglen = sizeof(sig);

	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, tbs, n) != 1 ||
	    gc_der_wrap_signed(tbs, n, sig, siglen, der, dersz) != GC_OK)
		die("sign");
	EVP_MD_CTX_free(md);
}

static void make_ca(EVP_PKEY *key, EVP_PKEY *signer, const char *cn, const char *issuer_cn,
                    const unsigned char *ikid, int pathlen, int years, unsigned char **der, size_t *dersz)
{
	const char *sv[5] = {CPS_CA_COUNTRY, CPS_CA_STATE, CPS_CA_LOCALITY, CPS_CA_ORGANISATION, cn};
	const char *iv[5] = {CPS_CA_COUNTRY, CPS_CA_STATE, CPS_CA_LOCALITY, CPS_CA_ORGANISATION, issuer_cn};
	X509_NAME *s = NULL, *i = NULL;
	unsigned char serial[20], kid[20], *tbs;
	char sha[65];
	size_t tbssz;
	int64_t now = (int64_t)time(NULL) - 60;
	struct gc_ca_input in;

	if (gc_name_build(gc_ca_name_rules, 5, sv, &s) != GC_OK ||
	    gc_name_build(gc_ca_name_rules, 5, iv, &i) != GC_OK || gc_serial_random(serial) != GC_OK ||
	    gc_spki_ids(key, NULL, NULL, sha, kid) != GC_OK)
		die("CA");
	in = (struct gc_ca_input){.subject = s, .issuer = i, .serial = serial, .not_before = now,
	                          .not_after = gc_time_add_years(now, years), .pkey = key, .key_id = kid,
	                          .issuer_key_id = ikid, .pathlen = pathlen,
	                          .cps_uri = CPS_DEFAULT_CPS_URI};
	if (gc_cert_build_ca_tbs(&in, &tbs, &tbssz) != GC_OK)
		die("CA TBS");
	sign(signer, tbs, tbssz, der, dersz);
	OPENSSL_free(tbs);
	X509_NAME_free(s);
	X509_NAME_free(i);
}

/* A partitioned CRL of n entries, signed by the issuing CA key, in serial order. */
static unsigned char *make_crl(X509 *ica, EVP_PKEY *key, const unsigned char *ski, long n, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
	GENERAL_NAME *gn;
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	ASN1_ENUMERATED *reason = ASN1_ENUMERATED_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, time(NULL) - 60);
	unsigned char sn[20], *der = NULL;
	long i;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ica));
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, time(NULL) + 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_set(t, time(NULL) - 3600);
	ASN1_ENUMERATED_set(reason, 1);
	for (i = 0; i < n; i++) {
		X509_REVOKED *rv = X509_REVOKED_new();
		BIGNUM *bn;
		ASN1_INTEGER *ai;
		memset(sn, 0x11, sizeof(sn));
		sn[0] = 0x40;
		sn[16] = (unsigned char)(i >> 24), sn[17] = (unsigned char)(i >> 16);
		sn[18] = (unsigned char)(i >> 8), sn[19] = (unsigned char)i;
		bn = BN_bin2bn(sn, 20, NULL);
		ai = BN_to_ASN1_INTEGER(bn, NULL);
		X509_REVOKED_set_serialNumber(rv, ai);
		X509_REVOKED_set_revocationDate(rv, t);
		X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, reason, 0, 0);
		X509_CRL_add0_revoked(crl, rv);
		ASN1_INTEGER_free(ai);
		BN_free(bn);
	}
	aki->keyid = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(aki->keyid, ski, 20);
	aki->issuer = GENERAL_NAMES_new();
	gn = GENERAL_NAME_new();
	gn->type = GEN_DIRNAME;
	gn->d.directoryName = X509_NAME_dup(X509_get_issuer_name(ica));
	sk_GENERAL_NAME_push(aki->issuer, gn);
	aki->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(ica));
	X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0, X509V3_ADD_APPEND);
	ASN1_INTEGER_set(num, 42);
	X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_APPEND);
	idp->distpoint = DIST_POINT_NAME_new();
	idp->distpoint->type = 0;
	idp->distpoint->name.fullname = GENERAL_NAMES_new();
	gn = GENERAL_NAME_new();
	gn->type = GEN_URI;
	gn->d.uniformResourceIdentifier = ASN1_IA5STRING_new();
	ASN1_STRING_set(gn->d.uniformResourceIdentifier, CPS_DEFAULT_CRL_DP, -1);
	sk_GENERAL_NAME_push(idp->distpoint->name.fullname, gn);
	X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp, 1, X509V3_ADD_APPEND);
	if (X509_CRL_sign(crl, key, EVP_sha256()) <= 0 || (i = i2d_X509_CRL(crl, &der)) <= 0)
		die("CRL");
	*len = (size_t)i;
	X509_CRL_free(crl);
	AUTHORITY_KEYID_free(aki);
	ISSUING_DIST_POINT_free(idp);
	ASN1_INTEGER_free(num);
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(t);
	return der;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 100000, entries = argc > 2 ? atol(argv[2]) : 100000;
	EVP_PKEY *rk = EVP_RSA_gen(2048), *ik = EVP_RSA_gen(2048), *sk = EVP_RSA_gen(2048);
	unsigned char *root, *ica, *tbs, *ee, *crl, rkid[20], kid[20], serial[20];
	size_t rootsz, icasz, tbssz, eesz, crlsz, n;
	const uint8_t *p, *inner;
	struct gc_lint_issuer lroot, lica;
	struct gc_lint_report r;
	struct gc_issuer is = {0};
	const char *fields[GC_F_COUNT] = {0};
	char sha[65];
	int64_t nb = (int64_t)time(NULL), na = gc_time_add_years(nb, 2);
	double t0, t;
	unsigned bad = 0;
	X509 *icax;
	long i;

	if (gc_spki_ids(rk, NULL, NULL, sha, rkid) != GC_OK)
		die("keys");
	make_ca(rk, rk, CPS_ROOT_CN, CPS_ROOT_CN, NULL, -1, 25, &root, &rootsz);
	make_ca(ik, rk, CPS_ISSUING_CN, CPS_ROOT_CN, rkid, 0, 6, &ica, &icasz);
	if (gc_lint_issuer_load(root, rootsz, &lroot) != GC_OK || gc_lint_issuer_load(ica, icasz, &lica) != GC_OK)
		die("issuer");
	p = ica;
	icax = d2i_X509(NULL, &p, (long)icasz);
	is.cert = icax;
	memcpy(is.key_id, lica.ski, 20);
	is.key_id_len = 20;
	fields[GC_F_SUBSCRIBER_REF] = "1234567890";
	fields[GC_F_BRANCH_ABBR] = "INFRA";
	fields[GC_F_ORGANISATION] = "Office of the Government Chief Information Officer";
	fields[GC_F_BRANCH] = "Infrastructure Division";
	fields[GC_F_EMAIL] = "tmchan@example.gov.hk";
	fields[GC_F_NAME] = "CHAN Tai Man David";
	fields[GC_F_ORGANISATION_ZH] = "政府資訊科技總監辦公室";
	fields[GC_F_BRANCH_ZH] = "基礎設施科";
	fields[GC_F_CATEGORY] = "Civil Servant";
	if (gc_serial_random(serial) != GC_OK || gc_spki_ids(sk, NULL, NULL, sha, kid) != GC_OK)
		die("serial");
	X509_PUBKEY *xpk = NULL;
	const unsigned char *bits;
	int bitslen;
	if (X509_PUBKEY_set(&xpk, sk) != 1 || X509_PUBKEY_get0_param(NULL, &bits, &bitslen, NULL, xpk) != 1)
		die("key bits");
	struct gc_ee_input in = {.profile = gc_profile_get(GC_CERT_INDIVIDUAL), .fields = fields,
	                         .serial = serial, .not_before = nb, .not_after = na,
	                         .key_bits = bits, .key_bits_len = (size_t)bitslen,
	                         .key_id = kid, .cps_uri = CPS_DEFAULT_CPS_URI, .crl_dp = CPS_DEFAULT_CRL_DP};
	if (gc_cert_build_ee_tbs(&is, &in, &tbs, &tbssz) != GC_OK)
		die("TBS");
	sign(ik, tbs, tbssz, &ee, &eesz);
	struct gc_lint_cert_expect x = {.kind = GC_LINT_EE, .profile = in.profile, .issuer = &lica,
	                                .root = &lroot, .fields = fields, .not_before = nb,
	                                .not_after = na, .serial = serial};

	t0 = now_s();
	for (i = 0; i < iters; i++) {
		gc_lint_report_init(&r);
		gc_lint_tbs(tbs, tbssz, &x, &r);
		bad += r.n;
	}
	t = now_s() - t0;
	printf("lint TBS (%zu bytes, full expectations): %8.2f us  (%ld runs)\n", tbssz, t / iters * 1e6, iters);

	t0 = now_s();
	for (i = 0; i < iters; i++) {
		if (!gc_lint_signed_tbs(ee, eesz, &inner, &n) || n != tbssz || memcmp(inner, tbs, n) != 0)
			bad++;
	}
	t = now_s() - t0;
	printf("TBS byte comparison after signing:        %8.3f us\n", t / iters * 1e6);

	x.kind = GC_LINT_DETECT;
	t0 = now_s();
	for (i = 0; i < iters / 10; i++) {
		gc_lint_report_init(&r);
		gc_lint_cert(ee, eesz, &x, &r);
		bad += r.n;
	}
	t = now_s() - t0;
	printf("lint signed certificate + signature check: %7.2f us\n", t / (iters / 10) * 1e6);

	crl = make_crl(icax, ik, lica.ski, entries, &crlsz);
	struct gc_lint_crl_expect cx = {.kind = GC_LINT_CRL_PARTITION, .issuer = &lica, .root = &lroot,
	                                .now = (int64_t)time(NULL)};
	t0 = now_s();
	gc_lint_report_init(&r);
	gc_lint_crl(crl, crlsz, &cx, &r);
	t = now_s() - t0;
	bad += r.n;
	printf("lint CRL of %ld entries (%zu bytes):  %8.1f ms  (%.3f us per entry)\n", entries, crlsz,
	       t * 1e3, entries ? t / entries * 1e6 : 0.0);
	if (bad != 0) {
		for (unsigned k = 0; k < r.n; k++)
			fprintf(stderr, "%s: %s\n", r.f[k].field, r.f[k].message);
		fprintf(stderr, "bench_lint: %u unexpected findings\n", bad);
		return 1;
	}
	OPENSSL_free(crl);
	OPENSSL_free(tbs);
	free(ee);
	free(root);
	free(ica);
	X509_free(icax);
	gc_lint_issuer_clear(&lroot);
	gc_lint_issuer_clear(&lica);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(sk);
	X509_PUBKEY_free(xpk);
	return 0;
}
