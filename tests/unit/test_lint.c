/*
 * test_lint.c - the linter (src/lint) on objects made two ways: by gcert's own builder
 * (x509/certbuild.c, signed here with software keys) and by OpenSSL's X509_CRL API for
 * CRLs. Proves: builder output is clean; every single-bit change anywhere in a TBS is
 * caught when the caller's expectations are complete; CRL rules (cRLNumber order and
 * bound, entry order, staleness, kinds, times); and the cost per certificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/cps.h"
#include "core/timeutil.h"
#include "lint/lint.h"
#include "x509/certbuild.h"
#include "x509/csr.h"
#include "x509/der.h"
#include "x509/name.h"

/* A software CA hierarchy and one g-Cert TBS, made once. */
static struct world {
	EVP_PKEY *root_key, *ica_key, *sub_key;
	unsigned char *root_der, *ica_der, *tbs, *ee_der;
	size_t root_dersz, ica_dersz, tbssz, ee_dersz;
	X509 *ica;
	struct gc_lint_issuer l_root, l_ica;
	unsigned char serial[CPS_SERIAL_OCTETS];
	int64_t nb, na;
	const char *fields[GC_F_COUNT];
	X509_PUBKEY *sub_xpk; /* holds the subscriber key's subjectPublicKey bits */
} w;

static void sign(EVP_PKEY *key, const unsigned char *tbs, size_t n, unsigned char **der, size_t *dersz)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[512];
	size_t siglen = sizeof(sig);

	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, tbs, n), 1);
	EVP_MD_CTX_free(md);
	assert_int_equal(gc_der_wrap_signed(tbs, n, sig, siglen, der, dersz), GC_OK);
}

static X509_NAME *ca_dn(const char *cn)
{
	const char *v[5] = {CPS_CA_COUNTRY, CPS_CA_STATE, CPS_CA_LOCALITY, CPS_CA_ORGANISATION, cn};
	X509_NAME *n = NULL;

	assert_int_equal(gc_name_build(gc_ca_name_rules, 5, v, &n), GC_OK);
	return n;
}

static void make_ca(EVP_PKEY *key, EVP_PKEY *signer, X509_NAME *subj, X509_NAME *iss,
                    const unsigned char *issuer_kid, int pathlen, int years, unsigned char **der,
                    size_t *dersz)
{
	unsigned char serial[20], kid[20], *tbs;
	char sha[65];
	size_t tbssz;
	int64_t now = (int64_t)time(NULL) - 60;
	struct gc_ca_input in;

	assert_int_equal(gc_serial_random(serial), GC_OK);
	assert_int_equal(gc_spki_ids(key, NULL, NULL, sha, kid), GC_OK);
	in = (struct gc_ca_input){.subject = subj, .issuer = iss, .serial = serial, .not_before = now,
	                          .not_after = gc_time_add_years(now, years), .pkey = key,
	                          .key_id = kid, .issuer_key_id = issuer_kid, .pathlen = pathlen,
	                          .cps_uri = CPS_DEFAULT_CPS_URI};
	assert_int_equal(gc_cert_build_ca_tbs(&in, &tbs, &tbssz), GC_OK);
	sign(signer, tbs, tbssz, der, dersz);
	OPENSSL_free(tbs);
}

static int world_setup(void **state)
{
	X509_NAME *rdn = ca_dn(CPS_ROOT_CN), *idn = ca_dn(CPS_ISSUING_CN);
	unsigned char rkid[20], kid[20];
	char sha[65];
	const unsigned char *p;
	struct gc_issuer is;
	struct gc_ee_input in;

	w.root_key = EVP_RSA_gen(2048);
	w.ica_key = EVP_RSA_gen(2048);
	w.sub_key = EVP_RSA_gen(2048);
	assert_int_equal(gc_spki_ids(w.root_key, NULL, NULL, sha, rkid), GC_OK);
	make_ca(w.root_key, w.root_key, rdn, rdn, NULL, -1, 25, &w.root_der, &w.root_dersz);
	make_ca(w.ica_key, w.root_key, idn, rdn, rkid, 0, 6, &w.ica_der, &w.ica_dersz);
	p = w.ica_der;
	w.ica = d2i_X509(NULL, &p, (long)w.ica_dersz);
	assert_non_null(w.ica);
	assert_int_equal(gc_lint_issuer_load(w.root_der, w.root_dersz, &w.l_root), GC_OK);
	assert_int_equal(gc_lint_issuer_load(w.ica_der, w.ica_dersz, &w.l_ica), GC_OK);

	w.fields[GC_F_SUBSCRIBER_REF] = "1234567890";
	w.fields[GC_F_BRANCH_ABBR] = "INFRA";
	w.fields[GC_F_ORGANISATION] = "Office of the Government Chief Information Officer";
	w.fields[GC_F_BRANCH] = "Infrastructure Division";
	w.fields[GC_F_EMAIL] = "tmchan@example.gov.hk";
	w.fields[GC_F_NAME] = "CHAN Tai Man David";
	w.fields[GC_F_ORGANISATION_ZH] = "政府資訊科技總監辦公室";
	w.fields[GC_F_BRANCH_ZH] = "基礎設施科";
	w.fields[GC_F_CATEGORY] = "Civil Servant";
	memset(&is, 0, sizeof(is));
	is.cert = w.ica;
	memcpy(is.key_id, w.l_ica.ski, 20);
	is.key_id_len = 20;
	assert_int_equal(gc_serial_random(w.serial), GC_OK);
	assert_int_equal(gc_spki_ids(w.sub_key, NULL, NULL, sha, kid), GC_OK);
	w.nb = (int64_t)time(NULL);
	w.na = gc_time_add_years(w.nb, 2);
	const unsigned char *bits;
	int bitslen;
	assert_int_equal(X509_PUBKEY_set(&w.sub_xpk, w.sub_key), 1);
	assert_int_equal(X509_PUBKEY_get0_param(NULL, &bits, &bitslen, NULL, w.sub_xpk), 1);
	in = (struct gc_ee_input){.profile = gc_profile_get(GC_CERT_INDIVIDUAL), .fields = w.fields,
	                          .serial = w.serial, .not_before = w.nb, .not_after = w.na,
	                          .key_bits = bits, .key_bits_len = (size_t)bitslen, .key_id = kid, .cps_uri = CPS_DEFAULT_CPS_URI,
	                          .crl_dp = CPS_DEFAULT_CRL_DP};
	assert_int_equal(gc_cert_build_ee_tbs(&is, &in, &w.tbs, &w.tbssz), GC_OK);
	sign(w.ica_key, w.tbs, w.tbssz, &w.ee_der, &w.ee_dersz);
	X509_NAME_free(rdn);
	X509_NAME_free(idn);
	(void)state;
	return 0;
}

static int world_teardown(void **state)
{
	EVP_PKEY_free(w.root_key);
	EVP_PKEY_free(w.ica_key);
	EVP_PKEY_free(w.sub_key);
	X509_PUBKEY_free(w.sub_xpk);
	free(w.root_der);
	free(w.ica_der);
	free(w.ee_der);
	OPENSSL_free(w.tbs);
	X509_free(w.ica);
	gc_lint_issuer_clear(&w.l_root);
	gc_lint_issuer_clear(&w.l_ica);
	(void)state;
	return 0;
}

/* The issuance path's expectation: everything the caller knows. */
static struct gc_lint_cert_expect full_expect(void)
{
	struct gc_lint_cert_expect x = {
		.kind = GC_LINT_EE, .profile = gc_profile_get(GC_CERT_INDIVIDUAL), .issuer = &w.l_ica,
		.root = &w.l_root, .fields = w.fields, .not_before = w.nb, .not_after = w.na,
		.serial = w.serial,
	};
	return x;
}

static void print_report(const struct gc_lint_report *r)
{
	for (unsigned i = 0; i < r->n; i++)
		print_message("  %s: %s\n", r->f[i].field, r->f[i].message);
}

static void test_builder_output_is_clean(void **state)
{
	struct gc_lint_cert_expect x = full_expect();
	struct gc_lint_cert_expect detect = {.kind = GC_LINT_DETECT, .issuer = &w.l_ica, .root = &w.l_root};
	struct gc_lint_report r;

	gc_lint_report_init(&r);
	gc_lint_tbs(w.tbs, w.tbssz, &x, &r);
	print_report(&r);
	assert_int_equal(r.n, 0);
	gc_lint_cert(w.ee_der, w.ee_dersz, &detect, &r);
	assert_int_equal(r.n, 0);
	gc_lint_cert(w.ica_der, w.ica_dersz, &detect, &r);
	assert_int_equal(r.n, 0);
	gc_lint_cert(w.root_der, w.root_dersz, &detect, &r);
	print_report(&r);
	assert_int_equal(r.n, 0);
	(void)state;
}

/* With complete expectations there is no bit of a TBS the linter does not stand behind. */
static void test_every_bit_flip_is_caught(void **state)
{
	struct gc_lint_cert_expect x = full_expect();
	struct gc_lint_report r;
	unsigned char *m = malloc(w.tbssz);
	size_t i, missed = 0, tried = 0;
	int bit;

	assert_non_null(m);
	for (i = 0; i < w.tbssz; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(m, w.tbs, w.tbssz);
			m[i] ^= (unsigned char)(1u << bit);
			gc_lint_report_init(&r);
			gc_lint_tbs(m, w.tbssz, &x, &r);
			tried++;
			if (r.n == 0) {
				missed++;
				print_message("missed: byte %zu bit %d (0x%02x)\n", i, bit, w.tbs[i]);
			}
		}
	}
	print_message("bit flips tried %zu, missed %zu\n", tried, missed);
	assert_int_equal(missed, 0);
	free(m);
	(void)state;
}

/* Truncations and extensions of the TBS never crash and are always findings. */
static void test_truncation_is_caught(void **state)
{
	struct gc_lint_cert_expect x = full_expect();
	struct gc_lint_report r;
	unsigned char *m = malloc(w.tbssz + 1);
	size_t n;

	for (n = 0; n < w.tbssz; n++) {
		gc_lint_report_init(&r);
		gc_lint_tbs(w.tbs, n, &x, &r);
		assert_true(r.n > 0);
	}
	memcpy(m, w.tbs, w.tbssz);
	m[w.tbssz] = 0;
	gc_lint_report_init(&r);
	gc_lint_tbs(m, w.tbssz + 1, &x, &r);
	assert_true(r.n > 0);
	assert_string_equal(r.f[0].field, "tbsCertificate");
	free(m);
	(void)state;
}

static void test_wrong_profile_and_values(void **state)
{
	struct gc_lint_cert_expect x = full_expect();
	const char *fields[GC_F_COUNT];
	struct gc_lint_report r;

	x.profile = gc_profile_get(GC_CERT_FUNCTIONAL_UNIT);
	gc_lint_report_init(&r);
	gc_lint_tbs(w.tbs, w.tbssz, &x, &r);
	assert_true(r.n > 0);
	assert_string_equal(r.f[0].field, "subject");
	assert_non_null(strstr(r.f[0].message, "CPS App. B 2) subject: RDN 2 (O)"));

	memcpy(fields, w.fields, sizeof(fields));
	fields[GC_F_BRANCH_ZH] = "資訊科";
	x = full_expect();
	x.fields = fields;
	gc_lint_report_init(&r);
	gc_lint_tbs(w.tbs, w.tbssz, &x, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].field, "extensions.subjectAltName");

	fields[GC_F_BRANCH_ZH] = w.fields[GC_F_BRANCH_ZH];
	fields[GC_F_EMAIL] = NULL; /* approved without email: both places must lack it */
	gc_lint_report_init(&r);
	gc_lint_tbs(w.tbs, w.tbssz, &x, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.f[0].field, "subject");
	assert_string_equal(r.f[1].field, "extensions.subjectAltName");
	(void)state;
}

static void test_result_and_overflow(void **state)
{
	struct gc_lint_report r;
	int i;

	gc_lint_report_init(&r);
	assert_int_equal(gc_lint_result(&r, "x"), GC_OK);
	for (i = 0; i < GC_LINT_MAX_FINDINGS + 5; i++)
		gc_lint_add(&r, "f", "finding %d", i);
	assert_int_equal(r.n, GC_LINT_MAX_FINDINGS);
	assert_int_equal(r.dropped, 5);
	assert_int_equal(gc_lint_result(&r, "request r1"), GC_E_LINT);
	assert_non_null(strstr(gc_err_detail(), "request r1: lint: f: finding 0; f: finding 1; "));
	assert_non_null(strstr(gc_err_detail(), "f: finding 23 (and more findings)"));
	(void)state;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The lint runs on the hot path: its cost per TBS is measured and bounded. */
static void test_lint_cost(void **state)
{
	struct gc_lint_cert_expect x = full_expect();
	struct gc_lint_report r;
	const int n = 20000;
	double t0, per;
	int i;

	t0 = now_us();
	for (i = 0; i < n; i++) {
		gc_lint_report_init(&r);
		gc_lint_tbs(w.tbs, w.tbssz, &x, &r);
	}
	per = (now_us() - t0) / n;
	print_message("lint of one g-Cert TBS (%zu bytes): %.2f us\n", w.tbssz, per);
	assert_int_equal(r.n, 0);
#if defined(__SANITIZE_ADDRESS__)
	assert_true(per < 500.0);
#else
	assert_true(per < 50.0);
#endif
	(void)state;
}

/* ---- CRLs, made with OpenSSL's own API ---- */

struct crl_opts {
	int version;          /* 1 = v2 */
	const char *number;   /* hex cRLNumber; NULL: none */
	int idp;              /* 0 none, 1 partition URL, 2 onlyContainsCACerts */
	bool idp_critical;
	int aki;              /* 0 none, 1 keyid, 2 keyid + issuer + serial */
	const char *serials[4]; /* hex, NULL-terminated, in this order */
	int reason;           /* -1: no reasonCode */
	bool gentime;         /* thisUpdate as GeneralizedTime */
	long next_in;         /* nextUpdate - thisUpdate, seconds */
	int many;             /* this many more entries after serials, 43000...01 upwards */
	EVP_PKEY *key;        /* signer (default: the issuing CA key) */
};

static void add_ext_der(X509_CRL *crl, int nid, int crit, void *value)
{
	assert_int_equal(X509_CRL_add1_ext_i2d(crl, nid, value, crit, X509V3_ADD_APPEND), 1);
}

static void crl_add_aki(X509_CRL *crl, int mode)
{
	AUTHORITY_KEYID *a = AUTHORITY_KEYID_new();
	GENERAL_NAME *gn;

	a->keyid = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(a->keyid, w.l_ica.ski, 20);
	if (mode == 2) {
		a->issuer = GENERAL_NAMES_new();
		gn = GENERAL_NAME_new();
		gn->type = GEN_DIRNAME;
		gn->d.directoryName = X509_NAME_dup(X509_get_issuer_name(w.ica));
		sk_GENERAL_NAME_push(a->issuer, gn);
		a->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(w.ica));
	}
	add_ext_der(crl, NID_authority_key_identifier, 0, a);
	AUTHORITY_KEYID_free(a);
}

static void crl_add_idp(X509_CRL *crl, int mode, bool crit)
{
	ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
	GENERAL_NAME *gn;

	if (mode == 1) {
		idp->distpoint = DIST_POINT_NAME_new();
		idp->distpoint->type = 0;
		idp->distpoint->name.fullname = GENERAL_NAMES_new();
		gn = GENERAL_NAME_new();
		gn->type = GEN_URI;
		gn->d.uniformResourceIdentifier = ASN1_IA5STRING_new();
		ASN1_STRING_set(gn->d.uniformResourceIdentifier, CPS_DEFAULT_CRL_DP, -1);
		sk_GENERAL_NAME_push(idp->distpoint->name.fullname, gn);
	} else {
		idp->onlyCA = 0xff;
	}
	add_ext_der(crl, NID_issuing_distribution_point, crit, idp);
	ISSUING_DIST_POINT_free(idp);
}

static void crl_add_entry(X509_CRL *crl, const char *hex, int reason, time_t when)
{
	X509_REVOKED *rv = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn;
	ASN1_TIME *t = ASN1_TIME_set(NULL, when);
	ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();

	BN_hex2bn(&bn, hex);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	X509_REVOKED_set_serialNumber(rv, sn);
	X509_REVOKED_set_revocationDate(rv, t);
	if (reason >= 0) {
		ASN1_ENUMERATED_set(e, reason);
		X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, e, 0, 0);
	}
	X509_CRL_add0_revoked(crl, rv);
	ASN1_ENUMERATED_free(e);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
}

static unsigned char *make_crl(const struct crl_opts *o, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	time_t now = time(NULL);
	ASN1_TIME *t;
	unsigned char *der = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *num;
	int i, n;

	X509_CRL_set_version(crl, o->version);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(w.ica));
	t = o->gentime ? (ASN1_TIME *)ASN1_GENERALIZEDTIME_set(NULL, now - 60) : ASN1_TIME_set(NULL, now - 60);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, now - 60 + (o->next_in ? o->next_in : 86400));
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	for (i = 0; o->serials[i] != NULL; i++)
		crl_add_entry(crl, o->serials[i], o->reason, now - 3600);
	for (i = 0; i < o->many; i++) {
		char hex[41];
		snprintf(hex, sizeof(hex), "43%038x", i + 1);
		crl_add_entry(crl, hex, o->reason, now - 3600);
	}
	if (o->aki)
		crl_add_aki(crl, o->aki);
	if (o->number != NULL) {
		BN_hex2bn(&bn, o->number);
		num = BN_to_ASN1_INTEGER(bn, NULL);
		add_ext_der(crl, NID_crl_number, 0, num);
		ASN1_INTEGER_free(num);
		BN_free(bn);
	}
	if (o->idp)
		crl_add_idp(crl, o->idp, o->idp_critical);
	assert_true(X509_CRL_sign(crl, o->key ? o->key : w.ica_key, EVP_sha256()) > 0);
	n = i2d_X509_CRL(crl, &der);
	assert_true(n > 0);
	X509_CRL_free(crl);
	*len = (size_t)n;
	return der;
}

#define S1 "4111111111111111111111111111111111111111"
#define S2 "4222222222222222222222222222222222222222"

static struct crl_opts good_partition(void)
{
	struct crl_opts o = {.version = 1, .number = "10", .idp = 1, .idp_critical = true,
	                     .aki = 2, .serials = {S1, S2, NULL}, .reason = 1};
	return o;
}

/* Lints a CRL; returns the fields found, comma-joined, into out. */
static void crl_fields(const struct crl_opts *o, const struct gc_lint_crl_expect *x, char *out,
                       size_t outsz)
{
	struct gc_lint_report r;
	size_t len, i;
	unsigned char *der = make_crl(o, &len);

	gc_lint_report_init(&r);
	gc_lint_crl(der, len, x, &r);
	out[0] = '\0';
	for (i = 0; i < r.n; i++) {
		if (strstr(out, r.f[i].field) == NULL)
			snprintf(out + strlen(out), outsz - strlen(out), "%s%s", out[0] ? "," : "", r.f[i].field);
	}
	OPENSSL_free(der);
}

static void test_crl_rules(void **state)
{
	struct gc_lint_crl_expect x = {.kind = GC_LINT_CRL_PARTITION, .issuer = &w.l_ica, .root = &w.l_root};
	struct crl_opts o = good_partition();
	static const uint8_t prev_same[] = {0x10}, prev_less[] = {0x0f}, prev_more[] = {0x00, 0x11};
	char f[256];

	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "");
	/* cRLNumber must increase (App. C) */
	x.prev_number = prev_less, x.prev_number_len = 1;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "");
	x.prev_number = prev_same;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.cRLNumber");
	x.prev_number = prev_more, x.prev_number_len = 2;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.cRLNumber");
	x.prev_number = NULL;
	/* below 2^159: 2^159 - 1 passes, 2^159 does not */
	o.number = "7fffffffffffffffffffffffffffffffffffffff";
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "");
	o.number = "8000000000000000000000000000000000000000";
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.cRLNumber");
	o = good_partition();
	o.number = NULL;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.cRLNumber");
	/* entries in increasing serial order, each once */
	o = good_partition();
	o.serials[0] = S2, o.serials[1] = S1;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.revokedCertificates");
	o.serials[0] = S1, o.serials[1] = S1;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.revokedCertificates");
	o = good_partition();
	o.reason = 7; /* unused in X.509; App. C I lists 0..6 */
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.revokedCertificates");
	o.reason = -1;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.revokedCertificates");
	/* v1, the wrong key, a GeneralizedTime before 2050 */
	o = good_partition();
	o.version = 0;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.version");
	o = good_partition();
	o.key = w.root_key;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "signatureValue");
	o = good_partition();
	o.gentime = true;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.thisUpdate");
	(void)state;
}

static void test_crl_kinds_and_schedule(void **state)
{
	struct gc_lint_crl_expect x = {.kind = GC_LINT_CRL_FULL, .issuer = &w.l_ica};
	struct crl_opts o = good_partition();
	char f[256];

	crl_fields(&o, &x, f, sizeof(f)); /* a full CRL carries no IDP */
	assert_string_equal(f, "crl.issuingDistributionPoint");
	o.idp = 0;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "");
	x.kind = GC_LINT_CRL_PARTITION;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.issuingDistributionPoint");
	o = good_partition();
	o.idp_critical = false;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.issuingDistributionPoint");
	o = good_partition();
	o.aki = 1; /* App. C I: AKI as for certificates: issuer and serial too */
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.authorityKeyIdentifier");
	/* staleness and the schedule */
	o = good_partition();
	x.now = (int64_t)time(NULL) + 2 * 86400;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.nextUpdate");
	x.now = (int64_t)time(NULL);
	x.max_period = 12 * 3600;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "crl.nextUpdate");
	x.max_period = 86400;
	crl_fields(&o, &x, f, sizeof(f));
	assert_string_equal(f, "");
	(void)state;
}

struct seen {
	int n;
	int reasons[4];
	unsigned char last[20];
};

static bool count_entry(const struct gc_lint_crl_entry *e, void *arg)
{
	struct seen *s = arg;

	assert_int_equal(e->serialsz, 20);
	assert_true(e->revoked_at > 0);
	memcpy(s->last, e->serial, 20);
	s->reasons[s->n++] = e->reason;
	return true;
}

/* The completeness check's view of a CRL: every entry, its serial, date and reason. */
static void test_crl_foreach(void **state)
{
	struct crl_opts o = good_partition();
	struct seen s = {0};
	size_t len;
	unsigned char *der = make_crl(&o, &len);

	assert_true(gc_lint_crl_foreach(der, len, count_entry, &s));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.reasons[0], 1);
	assert_int_equal(s.last[0], 0x42);
	memset(&s, 0, sizeof(s));
	assert_false(gc_lint_crl_foreach(der, len - 1, count_entry, &s)); /* truncated */
	OPENSSL_free(der);
	o.serials[0] = NULL;
	o.reason = -1;
	der = make_crl(&o, &len);
	memset(&s, 0, sizeof(s));
	assert_true(gc_lint_crl_foreach(der, len, count_entry, &s));
	assert_int_equal(s.n, 0);
	OPENSSL_free(der);
	(void)state;
}

/*
 * issue 18: a CRL of several of the linter's steps, read from a file mapping whose pages
 * are dropped (MADV_DONTNEED) as the linter says it has left them, as gcert crl issue
 * does: the same verdicts and entries as from the heap, and an octet changed in a late
 * window is still found.
 */
struct drops {
	const uint8_t *base;
	size_t dropped, calls, passes;
	const uint8_t *last;
};

static void drop_pages(const uint8_t *upto, void *arg)
{
	struct drops *d = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), end = (size_t)(upto - d->base) / page * page;

	if (d->last == NULL || upto < d->last) /* a new pass from the start */
		d->passes++, d->dropped = 0;
	d->last = upto;
	d->calls++;
	if (end > d->dropped) {
		assert_int_equal(madvise((void *)(d->base + d->dropped), end - d->dropped, MADV_DONTNEED), 0);
		d->dropped = end;
	}
}

/* der in a temporary file, mapped read-only and shared (the file is unlinked at once). */
static const uint8_t *map_copy(const unsigned char *der, size_t len)
{
	char path[] = "/tmp/test_lint_crl.XXXXXX";
	int fd = mkstemp(path);
	void *m;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, der, len), (ssize_t)len);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	close(fd);
	return m;
}

struct digest_seen {
	EVP_MD_CTX *md;
	size_t n;
	int last_reason;
};

static bool digest_entry(const struct gc_lint_crl_entry *e, void *arg)
{
	struct digest_seen *s = arg;

	assert_int_equal(EVP_DigestUpdate(s->md, e->serial, e->serialsz), 1);
	assert_int_equal(EVP_DigestUpdate(s->md, &e->revoked_at, sizeof(e->revoked_at)), 1);
	s->n++;
	s->last_reason = e->reason;
	return true;
}

/* Every entry's serial and date hashed; the count and last reason beside. */
static void entries_of(const uint8_t *der, size_t len, const struct gc_lint_progress *pg, unsigned char out[32],
                       struct digest_seen *s)
{
	s->md = EVP_MD_CTX_new();
	s->n = 0;
	assert_int_equal(EVP_DigestInit_ex(s->md, EVP_sha256(), NULL), 1);
	assert_true(gc_lint_crl_foreach_progress(der, len, pg, digest_entry, s));
	assert_int_equal(EVP_DigestFinal_ex(s->md, out, NULL), 1);
	EVP_MD_CTX_free(s->md);
}

static void fields_of(const uint8_t *der, size_t len, const struct gc_lint_crl_expect *x, char *out, size_t outsz)
{
	struct gc_lint_report r;
	size_t i;

	gc_lint_report_init(&r);
	gc_lint_crl(der, len, x, &r);
	out[0] = '\0';
	for (i = 0; i < r.n; i++)
		if (strstr(out, r.f[i].field) == NULL)
			snprintf(out + strlen(out), outsz - strlen(out), "%s%s", out[0] ? "," : "", r.f[i].field);
}

static void test_crl_windows(void **state)
{
	struct gc_lint_crl_expect x = {.kind = GC_LINT_CRL_PARTITION, .issuer = &w.l_ica, .root = &w.l_root};
	struct crl_opts o = good_partition();
	struct drops d = {0};
	struct gc_lint_progress pg = {drop_pages, &d};
	struct digest_seen hs, ms;
	unsigned char hd[32], md[32], *der, *p;
	const uint8_t *m;
	char heapf[256], mapf[256];
	size_t len;

	o.many = 180000;
	der = make_crl(&o, &len);
	assert_true(len > 2 * GC_LINT_PROGRESS_STEP);
	m = map_copy(der, len);
	d.base = m;
	/* the good CRL: no finding either way, the signature's pass and the entries' both told */
	fields_of(der, len, &x, heapf, sizeof(heapf));
	assert_string_equal(heapf, "");
	x.progress = &pg;
	fields_of(m, len, &x, mapf, sizeof(mapf));
	assert_string_equal(mapf, "");
	assert_int_equal(d.passes, 2);
	assert_true(d.calls >= 4);
	assert_true(d.dropped >= 2 * GC_LINT_PROGRESS_STEP);
	/* the completeness proof's reading: the same entries */
	entries_of(der, len, NULL, hd, &hs);
	d.last = NULL;
	entries_of(m, len, &pg, md, &ms);
	assert_int_equal(ms.n, 180002);
	assert_int_equal(hs.n, ms.n);
	assert_memory_equal(hd, md, 32);
	assert_int_equal(d.passes, 3);
	munmap((void *)m, len);

	/* the last entry's reasonCode (its last octet, before the extensions) made 7: the
	 * lint finds it, and the signature no longer verifies, reading the late window */
	p = der + len - 1;
	while (!(p[0] == 0x0a && p[1] == 0x01 && p[2] == 1 && p[3] == 0xa0)) /* ENUMERATED 1, [0] */
		p--;
	assert_true((size_t)(p - der) > 2 * GC_LINT_PROGRESS_STEP);
	p[2] = 7;
	m = map_copy(der, len);
	memset(&d, 0, sizeof(d));
	d.base = m;
	fields_of(m, len, &x, mapf, sizeof(mapf));
	assert_string_equal(mapf, "signatureValue,crl.revokedCertificates");
	d.last = NULL;
	entries_of(m, len, &pg, md, &ms);
	assert_int_equal(ms.last_reason, 7); /* what the proof compares with the database */
	munmap((void *)m, len);
	/* and a serial octet changed in the last window: another serial, same count */
	p[2] = 1;
	p[-40] ^= 0x01;
	m = map_copy(der, len);
	memset(&d, 0, sizeof(d));
	d.base = m;
	entries_of(m, len, &pg, md, &ms);
	assert_int_equal(ms.n, 180002);
	assert_memory_not_equal(hd, md, 32);
	munmap((void *)m, len);
	OPENSSL_free(der);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_output_is_clean),
		cmocka_unit_test(test_every_bit_flip_is_caught),
		cmocka_unit_test(test_truncation_is_caught),
		cmocka_unit_test(test_wrong_profile_and_values),
		cmocka_unit_test(test_result_and_overflow),
		cmocka_unit_test(test_lint_cost),
		cmocka_unit_test(test_crl_rules),
		cmocka_unit_test(test_crl_kinds_and_schedule),
		cmocka_unit_test(test_crl_foreach),
		cmocka_unit_test(test_crl_windows),
	};
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
