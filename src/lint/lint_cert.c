/*
 * lint_cert.c - certificates against CPS App. B (g-Certs) and App. G (the CA
 * certificates), with RFC 5280 §4.1 structure: version, serial, algorithm, names,
 * validity, key, no unique IDs, and every extension in App. B order with its
 * criticality and content.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "core/cps.h"
#include "core/timeutil.h"
#include "lint/lint_int.h"

#define MAX_EXTS 16

struct ext {
	struct gc_tlv oid, value;
	bool critical;
};

/* One certificate being linted. */
struct cert {
	struct gc_lint_report *r;
	const struct gc_lint_cert_expect *x;
	const char *const *ca_names;
	const struct gc_lint_issuer *is; /* the issuer for this kind, or NULL */
	enum gc_lint_kind kind;
	const struct gc_profile *p;
	char row[24]; /* "CPS App. B 1)" */
	struct gc_tlv serial, sigalg, issuer, validity, subject, spki;
	struct gc_tlv exts; /* the [3] wrapper */
	struct ext ext[MAX_EXTS];
	size_t n_ext;
	struct gc_tlv spk; /* subjectPublicKey BIT STRING */
	struct gc_tlv email; /* subject emailAddress value, if any */
	bool has_email;
	int64_t nb, na;
};

/* What a field of the App. B subject or subjectAltName rows holds, for messages. */
static const char *field_desc(enum gc_field f)
{
	switch (f) {
	case GC_F_FIXED: return "fixed CPS text";
	case GC_F_SUBSCRIBER_REF: return "subscriber reference number";
	case GC_F_BRANCH_ABBR: return "B/D branch/division abbreviation";
	case GC_F_ORGANISATION: return "B/D name";
	case GC_F_BRANCH: return "B/D branch/division name";
	case GC_F_EMAIL: return "email address";
	case GC_F_NAME: return "user or functional unit name";
	case GC_F_ORGANISATION_ZH: return "B/D name in Chinese";
	case GC_F_BRANCH_ZH: return "branch/division name in Chinese";
	case GC_F_CATEGORY: return "category of user or functional unit";
	case GC_F_COUNT: break;
	}
	return "";
}

/* ---- the TBSCertificate frame ---- */

static bool read_version(struct cert *c, struct gc_cur *t)
{
	struct gc_tlv v, i;
	struct gc_cur in;
	long n;

	if (gc_cur_expect(t, GC_TAG_CTX_CONS(0), &v) != NULL) {
		gc_lint_add(c->r, "version", "CPS App. B: must be v3 (explicit [0] version 2)");
		return true;
	}
	in = gc_cur_in(&v);
	if (gc_cur_expect(&in, GC_TAG_INTEGER, &i) != NULL || !gc_cur_done(&in))
		return lint_der(c->r, "version", "[0] must hold one INTEGER");
	if (!gc_int_value(&i, &n) || n != 2)
		gc_lint_add(c->r, "version", "CPS App. B: must be v3 (INTEGER 2)");
	return true;
}

static bool read_tbs(struct cert *c, const uint8_t *der, size_t len)
{
	struct gc_cur top = gc_cur_of(der, len), t;
	struct gc_tlv tbs, x;
	const char *why;

	if ((why = gc_cur_expect(&top, GC_TAG_SEQUENCE, &tbs)) != NULL)
		return lint_der(c->r, "tbsCertificate", why);
	if (!gc_cur_done(&top))
		return lint_der(c->r, "tbsCertificate", "bytes after the TBSCertificate");
	t = gc_cur_in(&tbs);
	if (!read_version(c, &t))
		return false;
	if ((why = gc_cur_expect(&t, GC_TAG_INTEGER, &c->serial)) != NULL)
		return lint_der(c->r, "serialNumber", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->sigalg)) != NULL)
		return lint_der(c->r, "signature", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->issuer)) != NULL)
		return lint_der(c->r, "issuer", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->validity)) != NULL)
		return lint_der(c->r, "validity", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->subject)) != NULL)
		return lint_der(c->r, "subject", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->spki)) != NULL)
		return lint_der(c->r, "subjectPublicKeyInfo", why);
	if (gc_cur_peek(&t) == GC_TAG_CTX(1) || gc_cur_peek(&t) == GC_TAG_CTX_CONS(1)) {
		gc_lint_add(c->r, "issuerUniqueID", "CPS App. B: issuer unique ID is not used");
		if ((why = gc_cur_next(&t, &x)) != NULL)
			return lint_der(c->r, "issuerUniqueID", why);
	}
	if (gc_cur_peek(&t) == GC_TAG_CTX(2) || gc_cur_peek(&t) == GC_TAG_CTX_CONS(2)) {
		gc_lint_add(c->r, "subjectUniqueID", "CPS App. B: subject unique ID is not used");
		if ((why = gc_cur_next(&t, &x)) != NULL)
			return lint_der(c->r, "subjectUniqueID", why);
	}
	if ((why = gc_cur_expect(&t, GC_TAG_CTX_CONS(3), &c->exts)) != NULL) {
		gc_lint_add(c->r, "extensions", "CPS App. B: v3 extensions missing (%s)", why);
		return false;
	}
	if (!gc_cur_done(&t))
		return lint_der(c->r, "tbsCertificate", "unexpected fields after the extensions");
	return true;
}

static bool read_extensions(struct cert *c)
{
	struct gc_cur e = gc_cur_in(&c->exts);
	struct gc_tlv x;

	if (gc_cur_expect(&e, GC_TAG_SEQUENCE, &x) != NULL || !gc_cur_done(&e))
		return lint_der(c->r, "extensions", "[3] must hold one SEQUENCE of Extension");
	if (x.len == 0)
		gc_lint_add(c->r, "extensions", "empty extension list must be omitted (RFC 5280 §4.1)");
	e = gc_cur_in(&x);
	while (!gc_cur_done(&e)) {
		const char *why = gc_cur_next(&e, &x);
		if (why != NULL)
			return lint_der(c->r, "extensions", why);
		if (c->n_ext == MAX_EXTS) {
			gc_lint_add(c->r, "extensions", "more than %d extensions", MAX_EXTS);
			return false;
		}
		if (!lint_extension(c->r, "extensions", &x, &c->ext[c->n_ext].oid,
		                    &c->ext[c->n_ext].critical, &c->ext[c->n_ext].value))
			return false;
		c->n_ext++;
	}
	return true;
}

/* ---- what kind of certificate ---- */

static const struct ext *find_ext(const struct cert *c, const uint8_t *oid, size_t oidlen)
{
	size_t i;

	for (i = 0; i < c->n_ext; i++)
		if (gc_oid_is(&c->ext[i].oid, oid, oidlen))
			return &c->ext[i];
	return NULL;
}

/* basicConstraints cA: true when the extension says TRUE. */
/* basicConstraints with a pathLenConstraint: an issuing CA; without, between roots a link. */
static bool has_pathlen(const struct cert *c)
{
	const struct ext *bc = find_ext(c, oid_bc, oid_bc_len);
	struct gc_cur v;
	struct gc_tlv seq, b, len;

	if (bc == NULL)
		return false;
	v = gc_cur_in(&bc->value);
	if (gc_cur_expect(&v, GC_TAG_SEQUENCE, &seq) != NULL)
		return false;
	v = gc_cur_in(&seq);
	return gc_cur_expect(&v, GC_TAG_BOOLEAN, &b) == NULL && gc_cur_expect(&v, GC_TAG_INTEGER, &len) == NULL;
}

static bool is_ca(const struct cert *c)
{
	const struct ext *bc = find_ext(c, oid_bc, oid_bc_len);
	struct gc_cur v;
	struct gc_tlv seq, b;

	if (bc == NULL)
		return false;
	v = gc_cur_in(&bc->value);
	if (gc_cur_expect(&v, GC_TAG_SEQUENCE, &seq) != NULL)
		return false;
	v = gc_cur_in(&seq);
	return gc_cur_expect(&v, GC_TAG_BOOLEAN, &b) == NULL && b.len == 1 && b.v[0] == 0xff;
}

static const uint8_t oid_o[] = {0x55, 0x04, 0x0a};
static const uint8_t oid_email_attr[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};

static bool value_is(const struct gc_tlv *v, const char *s)
{
	return v->len == strlen(s) && memcmp(v->v, s, v->len) == 0;
}

/* The App. B profile from subject O, unless the caller named it. */
static bool pick_profile(struct cert *c)
{
	struct gc_tlv o;

	c->p = c->x->profile;
	if (c->p == NULL && lint_find_attr(&c->subject, oid_o, sizeof(oid_o), &o)) {
		if (value_is(&o, CPS_O_INDIVIDUAL))
			c->p = gc_profile_get(GC_CERT_INDIVIDUAL);
		else if (value_is(&o, CPS_O_FUNCTIONAL_UNIT))
			c->p = gc_profile_get(GC_CERT_FUNCTIONAL_UNIT);
	}
	if (c->p == NULL) {
		gc_lint_add(c->r, "subject", "CPS App. B: O must be \"%s\" or \"%s\"", CPS_O_INDIVIDUAL,
		            CPS_O_FUNCTIONAL_UNIT);
		return false;
	}
	snprintf(c->row, sizeof(c->row), "CPS App. B %d)", c->p->type == GC_CERT_INDIVIDUAL ? 1 : 2);
	c->has_email = lint_find_attr(&c->subject, oid_email_attr, sizeof(oid_email_attr), &c->email);
	return true;
}

static bool is_gcert_subject(const struct cert *c)
{
	struct gc_tlv o;

	return lint_find_attr(&c->subject, oid_o, sizeof(oid_o), &o) &&
	       (value_is(&o, CPS_O_INDIVIDUAL) || value_is(&o, CPS_O_FUNCTIONAL_UNIT));
}

/* ---- validity ---- */

static void lint_validity(struct cert *c)
{
	struct gc_cur v = gc_cur_in(&c->validity);
	struct gc_tlv nb, na;
	const struct gc_lint_issuer *is = c->is;

	if (gc_cur_next(&v, &nb) != NULL || gc_cur_next(&v, &na) != NULL || !gc_cur_done(&v)) {
		lint_der(c->r, "validity", "must be a SEQUENCE of two times");
		return;
	}
	bool ok_nb = lint_time(c->r, "validity.notBefore", &nb, &c->nb);
	bool ok_na = lint_time(c->r, "validity.notAfter", &na, &c->na);
	if (!ok_nb || !ok_na)
		return;
	if (c->na <= c->nb)
		gc_lint_add(c->r, "validity", "notAfter must be after notBefore");
	if (c->x->not_before != 0 && (c->nb != c->x->not_before || c->na != c->x->not_after))
		gc_lint_add(c->r, "validity", "differs from the approved period");
	if (c->kind == GC_LINT_EE && !c->x->recertification &&
	    (c->na < gc_time_add_years(c->nb, CPS_MIN_VALIDITY_YEARS) ||
	     c->na > gc_time_add_months(gc_time_add_years(c->nb, CPS_MAX_VALIDITY_YEARS), 1)))
		gc_lint_add(c->r, "validity", "CPS §1.2.5, §3.2.2: must be 1 to 3 years (plus at most "
		            "one month on renewal)");
	if (c->kind == GC_LINT_ROOT && c->na > gc_time_add_years(c->nb, CPS_ROOT_MAX_YEARS))
		gc_lint_add(c->r, "validity", "CPS §4.7: a root certificate is valid at most %d years",
		            CPS_ROOT_MAX_YEARS);
	if (is != NULL && c->kind != GC_LINT_ROOT && (c->nb < is->not_before || c->na > is->not_after))
		gc_lint_add(c->r, "validity", "SPEC §2.1, CPS §4.7: must lie inside the issuing CA "
		            "certificate's validity");
}

/* ---- names ---- */

static void lint_names(struct cert *c)
{
	const char *values[16];
	const struct gc_lint_issuer *is = c->is;
	const char *desc[16];
	size_t i;

	if (c->kind == GC_LINT_ROOT) {
		if (c->issuer.rawlen != c->subject.rawlen ||
		    memcmp(c->issuer.raw, c->subject.raw, c->issuer.rawlen) != 0)
			gc_lint_add(c->r, "issuer", "CPS App. G: the root is self-signed: issuer must equal subject");
	} else if (is != NULL) {
		if (c->issuer.rawlen != is->subjectsz || memcmp(c->issuer.raw, is->subject, is->subjectsz) != 0)
			gc_lint_add(c->r, "issuer", "CPS App. B issuer: must equal the issuing CA "
			            "certificate's subject byte for byte");
	} else {
		lint_ca_name(c->r, "issuer", c->kind == GC_LINT_EE ? "CPS App. B issuer" : "CPS App. G issuer",
		             &c->issuer, c->ca_names,
		             c->kind == GC_LINT_EE ? LINT_CA_CN_ISSUING : LINT_CA_CN_ROOT);
	}
	if (c->kind != GC_LINT_EE) {
		lint_ca_name(c->r, "subject", "CPS App. G subject", &c->subject, c->ca_names,
		             c->kind == GC_LINT_ISSUING ? LINT_CA_CN_ISSUING : LINT_CA_CN_ROOT);
		return;
	}
	for (i = 0; i < c->p->subject_len; i++) {
		values[i] = c->x->fields ? c->x->fields[c->p->subject[i].field] : NULL;
		desc[i] = field_desc(c->p->subject[i].field);
	}
	char row[48];
	snprintf(row, sizeof(row), "%s subject", c->row);
	lint_name(c->r, "subject", row, &c->subject, c->p->subject, c->p->subject_len,
	          c->x->fields ? values : NULL, desc);
}

/* ---- subjectPublicKeyInfo ---- */

static void lint_spki(struct cert *c)
{
	struct gc_cur s = gc_cur_in(&c->spki), k;
	struct gc_tlv alg, key, n, e;
	long ev;
	bool neg;
	static const uint8_t rsa_algid[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
	                                    0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

	if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &alg) != NULL ||
	    gc_cur_expect(&s, GC_TAG_BIT_STRING, &c->spk) != NULL || !gc_cur_done(&s)) {
		lint_der(c->r, "subjectPublicKeyInfo", "must be algorithm and BIT STRING");
		return;
	}
	if (alg.rawlen != sizeof(rsa_algid) || memcmp(alg.raw, rsa_algid, sizeof(rsa_algid)) != 0) {
		gc_lint_add(c->r, "subjectPublicKeyInfo", "CPS §6.1.5, App. B: must be rsaEncryption "
		            "with NULL parameters (RFC 3279 §2.3.1)");
		return;
	}
	if (c->spk.len < 1 || c->spk.v[0] != 0) {
		lint_der(c->r, "subjectPublicKeyInfo", "BIT STRING must have no unused bits");
		return;
	}
	k = gc_cur_of(c->spk.v + 1, c->spk.len - 1);
	if (gc_cur_expect(&k, GC_TAG_SEQUENCE, &key) != NULL || !gc_cur_done(&k) ||
	    (k = gc_cur_in(&key), gc_cur_expect(&k, GC_TAG_INTEGER, &n) != NULL) ||
	    gc_cur_expect(&k, GC_TAG_INTEGER, &e) != NULL || !gc_cur_done(&k) ||
	    !gc_int_minimal(&n, &neg) || neg) {
		lint_der(c->r, "subjectPublicKeyInfo", "RSAPublicKey must be two DER INTEGERs");
		return;
	}
	/* 2048 bits: 0x00 then 256 octets whose first has its top bit set */
	if (n.len != CPS_RSA_BITS / 8 + 1 || !(n.v[1] & 0x80))
		gc_lint_add(c->r, "subjectPublicKeyInfo", "CPS §6.1.5: key must be RSA %d", CPS_RSA_BITS);
	if (!gc_int_value(&e, &ev) || ev != CPS_RSA_EXPONENT)
		gc_lint_add(c->r, "subjectPublicKeyInfo", "public exponent must be 65537");
}

/* ---- extensions of a g-Cert (App. B) ---- */

static void lint_ku(struct cert *c, const struct gc_tlv *v, unsigned mask, const char *row)
{
	uint8_t want[4] = {GC_TAG_BIT_STRING, 0x02, 0, (uint8_t)mask};
	int unused = 0;

	/* X.690 §11.2.2: a named bit list drops trailing zero bits */
	while (unused < 8 && !(mask & (1u << unused)))
		unused++;
	want[2] = (uint8_t)unused;
	if (v->len != 4 || memcmp(v->v, want, 4) != 0)
		gc_lint_add(c->r, "extensions.keyUsage", "%s: bits must be exactly %s (DER named bits)",
		            row, mask == (GC_KU_KEY_CERT_SIGN | GC_KU_CRL_SIGN) ? "keyCertSign, cRLSign"
		            : mask & GC_KU_NON_REPUDIATION ? "digitalSignature, nonRepudiation, keyEncipherment"
		                                           : "digitalSignature, keyEncipherment");
}

static void lint_policies(struct cert *c, const struct gc_tlv *v)
{
	const char *uri = c->x->cps_uri ? c->x->cps_uri : CPS_DEFAULT_CPS_URI;
	struct gc_cur s = gc_cur_in(v), p;
	struct gc_tlv seq, pi, oid, quals, q, qid, cps;
	const char *f = "extensions.certificatePolicies";

	if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &seq) != NULL || !gc_cur_done(&s) ||
	    (s = gc_cur_in(&seq), gc_cur_expect(&s, GC_TAG_SEQUENCE, &pi) != NULL) || !gc_cur_done(&s)) {
		gc_lint_add(c->r, f, "CPS App. B: must hold exactly one policy");
		return;
	}
	p = gc_cur_in(&pi);
	if (gc_cur_expect(&p, GC_TAG_OID, &oid) != NULL || !gc_oid_is(&oid, oid_cps_policy, oid_cps_policy_len)) {
		gc_lint_add(c->r, f, "CPS App. B: policy must be %s", CPS_POLICY_OID);
		return;
	}
	if (gc_cur_expect(&p, GC_TAG_SEQUENCE, &quals) != NULL || !gc_cur_done(&p) ||
	    (p = gc_cur_in(&quals), gc_cur_expect(&p, GC_TAG_SEQUENCE, &q) != NULL) || !gc_cur_done(&p)) {
		gc_lint_add(c->r, f, "CPS App. B: exactly one qualifier, the CPS URI (no user notice)");
		return;
	}
	p = gc_cur_in(&q);
	if (gc_cur_expect(&p, GC_TAG_OID, &qid) != NULL || !gc_oid_is(&qid, oid_qt_cps, oid_qt_cps_len) ||
	    gc_cur_expect(&p, GC_TAG_IA5, &cps) != NULL || !gc_cur_done(&p)) {
		gc_lint_add(c->r, f, "CPS App. B: the qualifier must be id-qt-cps with an IA5String URI");
		return;
	}
	if (!value_is(&cps, uri))
		gc_lint_add(c->r, f, "CPS App. B, §2.5: CPS URI must be \"%s\", got \"%.*s\"", uri,
		            (int)(cps.len > 80 ? 80 : cps.len), (const char *)cps.v);
}

static void lint_san(struct cert *c, const struct gc_tlv *v)
{
	const char *f = "extensions.subjectAltName";
	const char *email = NULL, *values[8], *desc[8];
	struct gc_cur s = gc_cur_in(v), d;
	struct gc_tlv seq, dn, name, rfc;
	char row[48];
	size_t i;

	if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &seq) != NULL || !gc_cur_done(&s)) {
		lint_der(c->r, f, "must be one GeneralNames");
		return;
	}
	s = gc_cur_in(&seq);
	if (gc_cur_expect(&s, GC_TAG_CTX_CONS(4), &dn) != NULL) {
		gc_lint_add(c->r, f, "%s subjectAltName: first name must be the directoryName", c->row);
		return;
	}
	d = gc_cur_in(&dn);
	if (gc_cur_expect(&d, GC_TAG_SEQUENCE, &name) != NULL || !gc_cur_done(&d)) {
		lint_der(c->r, f, "directoryName must hold one Name");
		return;
	}
	for (i = 0; i < c->p->san_dirname_len; i++) {
		values[i] = c->x->fields ? c->x->fields[c->p->san_dirname[i].field] : NULL;
		desc[i] = field_desc(c->p->san_dirname[i].field);
	}
	snprintf(row, sizeof(row), "%s subjectAltName", c->row);
	lint_name(c->r, f, row, &name, c->p->san_dirname, c->p->san_dirname_len,
	          c->x->fields ? values : NULL, desc);
	if (c->x->fields != NULL)
		email = c->x->fields[GC_F_EMAIL];
	if (gc_cur_done(&s)) {
		if ((email != NULL && email[0] != '\0') || (c->x->fields == NULL && c->has_email))
			gc_lint_add(c->r, f, "%s subjectAltName: rfc822Name missing", c->row);
		return;
	}
	if (gc_cur_expect(&s, GC_TAG_CTX(1), &rfc) != NULL || !gc_cur_done(&s)) {
		gc_lint_add(c->r, f, "%s subjectAltName: only a directoryName and one rfc822Name", c->row);
		return;
	}
	if (c->x->fields != NULL ? (email == NULL || !value_is(&rfc, email))
	                         : (!c->has_email || rfc.len != c->email.len ||
	                            memcmp(rfc.v, c->email.v, rfc.len) != 0))
		gc_lint_add(c->r, f, "%s subjectAltName: rfc822Name must equal the subject's email address",
		            c->row);
}

static void lint_bc(struct cert *c, const struct gc_tlv *v, bool ca, int pathlen)
{
	static const uint8_t ee[] = {0x30, 0x00};
	static const uint8_t ca_nolen[] = {0x30, 0x03, 0x01, 0x01, 0xff};
	static const uint8_t ca_len0[] = {0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00};
	const uint8_t *want = !ca ? ee : pathlen < 0 ? ca_nolen : ca_len0;
	size_t n = !ca ? sizeof(ee) : pathlen < 0 ? sizeof(ca_nolen) : sizeof(ca_len0);

	if (v->len != n || memcmp(v->v, want, n) != 0)
		gc_lint_add(c->r, "extensions.basicConstraints", "%s",
		            !ca ? "CPS App. B: end entity: cA FALSE (omitted) and no pathLenConstraint"
		            : pathlen < 0 ? "CPS App. G: root: cA TRUE, no pathLenConstraint"
		                          : "CPS App. G: issuing CA: cA TRUE, pathLenConstraint 0");
}

static void lint_eku(struct cert *c, const struct gc_tlv *v)
{
	struct gc_cur s = gc_cur_in(v);
	struct gc_tlv seq, a, b;

	if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &seq) != NULL || !gc_cur_done(&s) ||
	    (s = gc_cur_in(&seq), gc_cur_expect(&s, GC_TAG_OID, &a) != NULL) ||
	    gc_cur_expect(&s, GC_TAG_OID, &b) != NULL || !gc_cur_done(&s) ||
	    !gc_oid_is(&a, oid_kp_client_auth, oid_kp_client_auth_len) ||
	    !gc_oid_is(&b, oid_kp_email, oid_kp_email_len))
		gc_lint_add(c->r, "extensions.extKeyUsage", "%s extKeyUsage: must be exactly clientAuth, "
		            "emailProtection", c->row);
}

static void lint_crldp(struct cert *c, const struct gc_tlv *v)
{
	const char *url = c->x->crl_dp ? c->x->crl_dp : CPS_DEFAULT_CRL_DP;
	struct gc_cur s = gc_cur_in(v);
	struct gc_tlv seq, dp, dpn, full, uri;
	int ok;

	ok = gc_cur_expect(&s, GC_TAG_SEQUENCE, &seq) == NULL && gc_cur_done(&s) &&
	     (s = gc_cur_in(&seq), gc_cur_expect(&s, GC_TAG_SEQUENCE, &dp) == NULL) && gc_cur_done(&s) &&
	     (s = gc_cur_in(&dp), gc_cur_expect(&s, GC_TAG_CTX_CONS(0), &dpn) == NULL) && gc_cur_done(&s) &&
	     (s = gc_cur_in(&dpn), gc_cur_expect(&s, GC_TAG_CTX_CONS(0), &full) == NULL) && gc_cur_done(&s) &&
	     (s = gc_cur_in(&full), gc_cur_expect(&s, GC_TAG_CTX(6), &uri) == NULL) && gc_cur_done(&s);
	if (!ok)
		gc_lint_add(c->r, "extensions.cRLDistributionPoints", "CPS App. B: must be one "
		            "distribution point with one fullName URI and nothing else");
	else if (!value_is(&uri, url))
		gc_lint_add(c->r, "extensions.cRLDistributionPoints", "CPS App. B, App. C I: URI must be "
		            "\"%s\" (the partitioned CRL), got \"%.*s\"", url,
		            (int)(uri.len > 80 ? 80 : uri.len), (const char *)uri.v);
}

/* RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
static void lint_ski(struct cert *c, const struct gc_tlv *v)
{
	struct gc_cur s = gc_cur_in(v);
	struct gc_tlv id;
	unsigned char md[20];

	if (gc_cur_expect(&s, GC_TAG_OCTET_STRING, &id) != NULL || !gc_cur_done(&s) || id.len != 20) {
		gc_lint_add(c->r, "extensions.subjectKeyIdentifier", "must be a 20-octet OCTET STRING");
		return;
	}
	if (c->spk.len > 1 && EVP_Digest(c->spk.v + 1, c->spk.len - 1, md, NULL, EVP_sha1(), NULL) == 1 &&
	    memcmp(md, id.v, 20) != 0)
		gc_lint_add(c->r, "extensions.subjectKeyIdentifier", "must be the SHA-1 of the "
		            "subjectPublicKey (RFC 5280 §4.2.1.2 method 1)");
}

enum ext_id { E_AKI, E_KU, E_CP, E_SAN, E_BC, E_EKU, E_CRLDP, E_SKI, E_COUNT };

static const struct {
	const uint8_t *oid;
	const size_t *len;
	const char *name;
} ext_names[E_COUNT] = {
	[E_AKI] = {oid_aki, &oid_aki_len, "authorityKeyIdentifier"},
	[E_KU] = {oid_ku, &oid_ku_len, "keyUsage"},
	[E_CP] = {oid_cp, &oid_cp_len, "certificatePolicies"},
	[E_SAN] = {oid_san, &oid_san_len, "subjectAltName"},
	[E_BC] = {oid_bc, &oid_bc_len, "basicConstraints"},
	[E_EKU] = {oid_eku, &oid_eku_len, "extKeyUsage"},
	[E_CRLDP] = {oid_crldp, &oid_crldp_len, "cRLDistributionPoints"},
	[E_SKI] = {oid_ski, &oid_ski_len, "subjectKeyIdentifier"},
};

static int ext_id(const struct gc_tlv *oid)
{
	int i;

	for (i = 0; i < E_COUNT; i++)
		if (gc_oid_is(oid, ext_names[i].oid, *ext_names[i].len))
			return i;
	return -1;
}

static void lint_one_ext(struct cert *c, int id, const struct gc_tlv *v)
{
	bool ee = c->kind == GC_LINT_EE;

	switch (id) {
	case E_AKI: lint_aki(c->r, "extensions.authorityKeyIdentifier", v, c->is, c->ca_names, ee); break;
	case E_KU:
		lint_ku(c, v, ee ? c->p->key_usage : GC_KU_KEY_CERT_SIGN | GC_KU_CRL_SIGN,
		        ee ? c->row : "CPS App. G");
		break;
	case E_CP: lint_policies(c, v); break;
	case E_SAN: lint_san(c, v); break;
	case E_BC: lint_bc(c, v, !ee, c->kind == GC_LINT_ISSUING ? 0 : -1); break;
	case E_EKU: lint_eku(c, v); break;
	case E_CRLDP: lint_crldp(c, v); break;
	case E_SKI: lint_ski(c, v); break;
	}
}

/*
 * The profile's extensions: which must appear, in which order (App. B order for
 * g-Certs, then our SKI), and which are critical (App. B note 4: only keyUsage; App. G:
 * basicConstraints and keyUsage of CA certificates).
 */
static void lint_extensions(struct cert *c)
{
	static const int ee_order[] = {E_AKI, E_KU, E_CP, E_SAN, E_BC, E_EKU, E_CRLDP, E_SKI};
	/* the issuing CA also names the CPS policy: it operates under this CPS only, so
	 * relying parties that require the policy explicitly can validate (RFC 5280 §6.1) */
	static const int ca_order[] = {E_BC, E_KU, E_SKI, E_AKI, E_CP};
	bool ee = c->kind == GC_LINT_EE, seen[E_COUNT] = {false};
	const int *order = ee ? ee_order : ca_order;
	size_t n = ee ? 8 : c->kind == GC_LINT_ROOT ? 3 : 5, i, pos = 0;
	char field[48], oid[64];
	int id;

	for (i = 0; i < c->n_ext; i++) {
		id = ext_id(&c->ext[i].oid);
		bool allowed = false;
		for (size_t k = 0; k < n; k++)
			allowed |= order[k] == id;
		if (!allowed) {
			gc_oid_text(&c->ext[i].oid, oid, sizeof(oid));
			gc_lint_add(c->r, "extensions", "%s: %s is not in the profile",
			            ee ? c->row : "CPS App. G", id >= 0 ? ext_names[id].name : oid);
			continue;
		}
		snprintf(field, sizeof(field), "extensions.%s", ext_names[id].name);
		if (seen[id]) {
			gc_lint_add(c->r, field, "appears twice (RFC 5280 §4.2)");
			continue;
		}
		seen[id] = true;
		size_t k = 0;
		while (order[k] != id)
			k++;
		if (ee && k < pos)
			gc_lint_add(c->r, field, "%s: out of order (App. B order: authorityKeyIdentifier, "
				            "keyUsage, certificatePolicies, subjectAltName, basicConstraints, "
				            "extKeyUsage, cRLDistributionPoints, then subjectKeyIdentifier)", c->row);
		if (k > pos)
			pos = k;
		bool want_crit = id == E_KU || (!ee && id == E_BC);
		if (c->ext[i].critical != want_crit)
			gc_lint_add(c->r, field, "%s: must be %s", ee ? "CPS App. B note 4" : "CPS App. G",
			            want_crit ? "critical" : "non-critical");
		lint_one_ext(c, id, &c->ext[i].value);
	}
	for (i = 0; i < n; i++)
		if (!seen[order[i]])
			gc_lint_add(c->r, "extensions", "%s: %s missing", ee ? c->row : "CPS App. G",
			            ext_names[order[i]].name);
}

/* ---- entry points ---- */

static void lint_tbs_parsed(struct cert *c)
{
	lint_serial(c->r, "serialNumber", &c->serial);
	if (c->x->serial != NULL &&
	    (c->serial.len != CPS_SERIAL_OCTETS || memcmp(c->serial.v, c->x->serial, CPS_SERIAL_OCTETS) != 0))
		gc_lint_add(c->r, "serialNumber", "differs from the serial reserved for it");
	lint_sigalg(c->r, "signature", &c->sigalg);
	lint_validity(c);
	lint_names(c);
	lint_spki(c);
	lint_extensions(c);
}

/* Lints the TBS; returns the issuer the signature must verify with (NULL: unknown). */
static const uint8_t *lint_tbs_run(const uint8_t *tbs, size_t len, const struct gc_lint_cert_expect *x,
                                   struct gc_lint_report *r, size_t *spkisz)
{
	struct cert c;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.x = x;
	c.ca_names = lint_ca_names(x->ca_names);
	if (!read_tbs(&c, tbs, len) || !read_extensions(&c))
		return NULL;
	c.kind = x->kind;
	/* a g-Cert subject makes a g-Cert, whatever its basicConstraints claim */
	if (c.kind == GC_LINT_DETECT)
		c.kind = is_gcert_subject(&c) || !is_ca(&c) ? GC_LINT_EE
		         : c.issuer.rawlen == c.subject.rawlen &&
		                   memcmp(c.issuer.raw, c.subject.raw, c.subject.rawlen) == 0
		             ? GC_LINT_ROOT
		             : has_pathlen(&c) ? GC_LINT_ISSUING : GC_LINT_LINK;
	c.is = c.kind == GC_LINT_EE ? x->issuer : c.kind == GC_LINT_ROOT ? NULL : x->root;
	if (c.kind == GC_LINT_EE && !pick_profile(&c))
		return NULL;
	lint_tbs_parsed(&c);
	if (c.kind == GC_LINT_ROOT) {
		*spkisz = c.spki.rawlen; /* self-signed: its own key */
		return c.spki.raw;
	}
	if (c.is == NULL)
		return NULL;
	*spkisz = c.is->spkisz;
	return c.is->spki;
}

void gc_lint_tbs(const uint8_t *tbs, size_t len, const struct gc_lint_cert_expect *x,
                 struct gc_lint_report *r)
{
	size_t n;

	(void)lint_tbs_run(tbs, len, x, r, &n);
}

void lint_progress(const struct gc_lint_progress *progress, const uint8_t **mark, const uint8_t *upto)
{
	if (progress != NULL && (size_t)(upto - *mark) >= GC_LINT_PROGRESS_STEP) {
		progress->done(upto, progress->arg);
		*mark = upto;
	}
}

/* The digest of tbs, a step at a time (what EVP_DigestVerify does in one call). */
static bool verify_update(EVP_MD_CTX *md, const struct gc_tlv *tbs, const struct gc_lint_progress *progress)
{
	const uint8_t *p = tbs->raw, *end = tbs->raw + tbs->rawlen, *mark = p;
	size_t n;

	while (p < end) {
		n = (size_t)(end - p) < GC_LINT_PROGRESS_STEP ? (size_t)(end - p) : GC_LINT_PROGRESS_STEP;
		if (EVP_DigestVerifyUpdate(md, p, n) != 1)
			return false;
		p += n;
		lint_progress(progress, &mark, p);
	}
	return true;
}

void lint_signature(struct gc_lint_report *r, const struct gc_tlv *tbs, const struct gc_tlv *sig,
                    const uint8_t *spki, size_t spkisz)
{
	lint_signature_progress(r, tbs, sig, spki, spkisz, NULL);
}

void lint_signature_progress(struct gc_lint_report *r, const struct gc_tlv *tbs, const struct gc_tlv *sig,
                             const uint8_t *spki, size_t spkisz, const struct gc_lint_progress *progress)
{
	const unsigned char *p = spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)spkisz);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	/* without progress, one call as before (certificates, small CRLs from the heap) */
	int ok = pub != NULL && md != NULL && sig->len > 1 &&
	         EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	         (progress == NULL
	              ? EVP_DigestVerify(md, sig->v + 1, sig->len - 1, tbs->raw, tbs->rawlen) == 1
	              : verify_update(md, tbs, progress) && EVP_DigestVerifyFinal(md, sig->v + 1, sig->len - 1) == 1);

	if (!ok)
		gc_lint_add(r, "signatureValue", "does not verify with the issuer's public key");
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	ERR_clear_error();
}

bool lint_signed_frame(struct gc_lint_report *r, const uint8_t *der, size_t len,
                       struct gc_tlv *tbs, struct gc_tlv *sig)
{
	struct gc_cur top = gc_cur_of(der, len), c, t;
	struct gc_tlv outer, alg, x;
	const char *why;

	if ((why = gc_cur_expect(&top, GC_TAG_SEQUENCE, &outer)) != NULL)
		return lint_der(r, "signed object", why);
	if (!gc_cur_done(&top))
		return lint_der(r, "signed object", "bytes after the end");
	c = gc_cur_in(&outer);
	if ((why = gc_cur_expect(&c, GC_TAG_SEQUENCE, tbs)) != NULL ||
	    (why = gc_cur_expect(&c, GC_TAG_SEQUENCE, &alg)) != NULL ||
	    (why = gc_cur_expect(&c, GC_TAG_BIT_STRING, sig)) != NULL)
		return lint_der(r, "signed object", why);
	if (!gc_cur_done(&c))
		return lint_der(r, "signed object", "fields after the signature");
	lint_sigalg(r, "signatureAlgorithm", &alg);
	/* RFC 5280 §4.1.1.2, §5.1.1.2: the outer algorithm equals the one inside (the
	 * first SEQUENCE of either TBS) */
	t = gc_cur_in(tbs);
	while (gc_cur_next(&t, &x) == NULL)
		if (x.tag == GC_TAG_SEQUENCE) {
			if (x.rawlen != alg.rawlen || memcmp(x.raw, alg.raw, alg.rawlen) != 0)
				gc_lint_add(r, "signatureAlgorithm", "differs from the signature field inside "
				            "(RFC 5280 §4.1.1.2)");
			break;
		}
	if (sig->len != CPS_RSA_BITS / 8 + 1 || sig->v[0] != 0) {
		gc_lint_add(r, "signatureValue", "must be a %d-octet RSA signature with no unused bits",
		            CPS_RSA_BITS / 8);
		sig->len = 0;
	}
	return true;
}

void gc_lint_cert(const uint8_t *der, size_t len, const struct gc_lint_cert_expect *x,
                  struct gc_lint_report *r)
{
	struct gc_tlv tbs, sig;
	const uint8_t *spki;
	size_t spkisz = 0;

	if (!lint_signed_frame(r, der, len, &tbs, &sig))
		return;
	spki = lint_tbs_run(tbs.raw, tbs.rawlen, x, r, &spkisz);
	if (spki != NULL && sig.len > 0)
		lint_signature(r, &tbs, &sig, spki, spkisz);
}
