/*
 * lint.c - the linter's report, the issuer it checks against, and the checks that
 * certificates (lint_cert.c) and CRLs (lint_crl.c) share: names (CPS App. B issuer and
 * subject rows, RFC 5280 §4.1.2.4 and App. A bounds), times (RFC 5280 §4.1.2.5),
 * the signature algorithm (RFC 4055 §5), serials (App. B) and the App. B AKI.
 */
#include "lint/lint_int.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/text.h"

#define OID(name, ...)                                                                   \
	const uint8_t name[] = {__VA_ARGS__};                                            \
	const size_t name##_len = sizeof(name)
OID(oid_sha256_rsa, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b);
OID(oid_rsa, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
OID(oid_aki, 0x55, 0x1d, 0x23);
OID(oid_ski, 0x55, 0x1d, 0x0e);
OID(oid_ku, 0x55, 0x1d, 0x0f);
OID(oid_cp, 0x55, 0x1d, 0x20);
OID(oid_san, 0x55, 0x1d, 0x11);
OID(oid_bc, 0x55, 0x1d, 0x13);
OID(oid_eku, 0x55, 0x1d, 0x25);
OID(oid_crldp, 0x55, 0x1d, 0x1f);
OID(oid_crl_number, 0x55, 0x1d, 0x14);
OID(oid_idp, 0x55, 0x1d, 0x1c);
OID(oid_reason, 0x55, 0x1d, 0x15);
OID(oid_cps_policy, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xfd, 0x1e, 0x01, 0x08, 0x02);
OID(oid_qt_cps, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01);
OID(oid_kp_client_auth, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02);
OID(oid_kp_email, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04);
#undef OID

const uint8_t lint_sha256_rsa_algid[15] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                           0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};

const char *const lint_default_ca_names[6] = {CPS_CA_COUNTRY, CPS_CA_STATE, CPS_CA_LOCALITY,
                                              CPS_CA_ORGANISATION, CPS_ROOT_CN, CPS_ISSUING_CN};

/* ---- the report ---- */

void gc_lint_report_init(struct gc_lint_report *r)
{
	r->n = 0;
	r->dropped = 0;
}

void gc_lint_add(struct gc_lint_report *r, const char *field, const char *fmt, ...)
{
	struct gc_lint_finding *f;
	va_list ap;

	if (r->n >= GC_LINT_MAX_FINDINGS) {
		r->dropped++;
		return;
	}
	f = &r->f[r->n++];
	snprintf(f->field, sizeof(f->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

gc_result gc_lint_result(const struct gc_lint_report *r, const char *obj)
{
	char all[900];
	size_t used = 0;
	unsigned i, shown = 0;
	int n;

	if (r->n == 0)
		return GC_OK;
	all[0] = '\0';
	/* as many whole findings as fit: the audit record and the result carry them */
	for (i = 0; i < r->n; i++) {
		n = snprintf(all + used, sizeof(all) - used, "%s%s: %s", i ? "; " : "", r->f[i].field,
		             r->f[i].message);
		if (n < 0 || (size_t)n >= sizeof(all) - used) {
			all[used] = '\0';
			break;
		}
		used += (size_t)n;
		shown++;
	}
	return gc_fail(GC_E_LINT, "%s: lint: %s%s", obj, all,
	               r->n + r->dropped > shown ? " (and more findings)" : "");
}

bool lint_der(struct gc_lint_report *r, const char *field, const char *why)
{
	gc_lint_add(r, field, "not DER: %s (RFC 5280 §4.1: X.690 DER)", why);
	return false;
}

const char *const *lint_ca_names(const char *const *given)
{
	return given != NULL ? given : lint_default_ca_names;
}

bool gc_lint_is_crl(const uint8_t *der, size_t len)
{
	struct gc_cur c = gc_cur_of(der, len);
	struct gc_tlv x;
	int i;

	if (gc_cur_expect(&c, GC_TAG_SEQUENCE, &x) != NULL)
		return false;
	c = gc_cur_in(&x);
	if (gc_cur_expect(&c, GC_TAG_SEQUENCE, &x) != NULL)
		return false;
	c = gc_cur_in(&x);
	/* Certificate: [0] version, serial, signature, issuer, validity (a SEQUENCE).
	 * CertificateList: version, signature, issuer, thisUpdate (a time). */
	if (gc_cur_peek(&c) == GC_TAG_CTX_CONS(0))
		return false;
	for (i = 0; i < 3; i++)
		if (gc_cur_next(&c, &x) != NULL)
			return false;
	return gc_cur_peek(&c) == GC_TAG_UTCTIME || gc_cur_peek(&c) == GC_TAG_GENTIME;
}

bool gc_lint_signed_tbs(const uint8_t *der, size_t len, const uint8_t **tbs, size_t *tbssz)
{
	struct gc_cur c = gc_cur_of(der, len);
	struct gc_tlv x;

	if (gc_cur_expect(&c, GC_TAG_SEQUENCE, &x) != NULL || !gc_cur_done(&c))
		return false;
	c = gc_cur_in(&x);
	if (gc_cur_expect(&c, GC_TAG_SEQUENCE, &x) != NULL)
		return false;
	*tbs = x.raw;
	*tbssz = x.rawlen;
	return true;
}

/* ---- names ---- */

bool lint_find_attr(const struct gc_tlv *name, const uint8_t *oid, size_t oidlen,
                    struct gc_tlv *value)
{
	struct gc_cur c = gc_cur_in(name), s, a;
	struct gc_tlv set, atv, o;

	while (!gc_cur_done(&c)) {
		if (gc_cur_expect(&c, GC_TAG_SET, &set) != NULL)
			return false;
		s = gc_cur_in(&set);
		if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &atv) != NULL)
			return false;
		a = gc_cur_in(&atv);
		if (gc_cur_expect(&a, GC_TAG_OID, &o) == NULL && gc_oid_is(&o, oid, oidlen))
			return gc_cur_next(&a, value) == NULL;
	}
	return false;
}

static const struct {
	enum gc_attr attr;
	uint8_t oid[9];
	size_t len;
} attr_oids[] = {
	{GC_ATTR_C, {0x55, 0x04, 0x06}, 3},  {GC_ATTR_ST, {0x55, 0x04, 0x08}, 3},
	{GC_ATTR_L, {0x55, 0x04, 0x07}, 3},  {GC_ATTR_O, {0x55, 0x04, 0x0a}, 3},
	{GC_ATTR_OU, {0x55, 0x04, 0x0b}, 3}, {GC_ATTR_CN, {0x55, 0x04, 0x03}, 3},
	{GC_ATTR_EMAIL, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9},
};
#define N_ATTRS (sizeof(attr_oids) / sizeof(attr_oids[0]))

static bool attr_is(const struct gc_tlv *oid, enum gc_attr a)
{
	size_t i;

	for (i = 0; i < N_ATTRS; i++)
		if (attr_oids[i].attr == a)
			return gc_oid_is(oid, attr_oids[i].oid, attr_oids[i].len);
	return false;
}

/* "OU", or the dotted OID of an attribute the profiles do not know. */
static void attr_text(const struct gc_tlv *oid, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; i < N_ATTRS; i++)
		if (gc_oid_is(oid, attr_oids[i].oid, attr_oids[i].len)) {
			snprintf(out, outsz, "%s", gc_attr_short(attr_oids[i].attr));
			return;
		}
	gc_oid_text(oid, out, outsz);
}

static uint8_t strtype_tag(enum gc_strtype t)
{
	switch (t) {
	case GC_STR_PRINTABLE: return GC_TAG_PRINTABLE;
	case GC_STR_UTF8: return GC_TAG_UTF8;
	case GC_STR_IA5: return GC_TAG_IA5;
	}
	return 0;
}

static const char *tag_text(uint8_t tag)
{
	switch (tag) {
	case GC_TAG_PRINTABLE: return "PrintableString";
	case GC_TAG_UTF8: return "UTF8String";
	case GC_TAG_IA5: return "IA5String";
	case 0x14: return "TeletexString";
	case 0x1e: return "BMPString";
	case 0x1c: return "UniversalString";
	}
	return "another type";
}

static bool is_ascii_text(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* The repertoire, bound and content rules of one attribute value. */
static void lint_value(struct gc_lint_report *r, const char *field, const char *where,
                       const struct gc_rdn_rule *rule, const struct gc_tlv *v, const char *want)
{
	const char *s = (const char *)v->v;
	long chars;

	if (v->tag != strtype_tag(rule->type)) {
		gc_lint_add(r, field, "%s must be %s, got %s", where, tag_text(strtype_tag(rule->type)),
		            tag_text(v->tag));
		return;
	}
	if (rule->type == GC_STR_PRINTABLE && !gc_is_printable_string(s, v->len))
		gc_lint_add(r, field, "%s has characters outside PrintableString (X.680 §41.4)", where);
	chars = rule->type == GC_STR_UTF8 ? gc_utf8_chars(s, v->len) : (long)v->len;
	if (rule->type == GC_STR_UTF8 && chars < 0)
		gc_lint_add(r, field, "%s is not well-formed UTF-8 or has control characters", where);
	if (rule->type == GC_STR_IA5 && !is_ascii_text(v->v, v->len))
		gc_lint_add(r, field, "%s has characters outside printable IA5String", where);
	if (v->len == 0)
		gc_lint_add(r, field, "%s is empty", where);
	if (chars > (long)rule->ub)
		gc_lint_add(r, field, "%s has %ld characters, above the RFC 5280 App. A bound of %u", where,
		            chars, rule->ub);
	if (rule->field == GC_F_SUBSCRIBER_REF &&
	    (v->len != CPS_SUBSCRIBER_REF_DIGITS || strspn(s, "0123456789") < v->len))
		gc_lint_add(r, field, "%s must be the %d-digit subscriber reference number (App. D)",
		            where, CPS_SUBSCRIBER_REF_DIGITS);
	if (rule->field == GC_F_EMAIL && !gc_is_email(s, v->len))
		gc_lint_add(r, field, "%s is not an RFC 5321 address", where);
	if (want != NULL && (strlen(want) != v->len || memcmp(want, s, v->len) != 0))
		gc_lint_add(r, field, "%s must be \"%.64s\", got \"%.*s\"", where, want,
		            (int)(v->len > 64 ? 64 : v->len), s);
}

/* One RDN: a SET of exactly one AttributeTypeAndValue (the profiles use no multi-valued RDN). */
static bool read_rdn(struct gc_lint_report *r, const char *field, struct gc_cur *names, int k,
                     struct gc_tlv *oid, struct gc_tlv *value)
{
	struct gc_tlv set, atv;
	struct gc_cur c;
	const char *why;

	if ((why = gc_cur_expect(names, GC_TAG_SET, &set)) != NULL)
		return lint_der(r, field, why);
	c = gc_cur_in(&set);
	if ((why = gc_cur_expect(&c, GC_TAG_SEQUENCE, &atv)) != NULL)
		return lint_der(r, field, why);
	if (!gc_cur_done(&c)) {
		gc_lint_add(r, field, "RDN %d has more than one attribute (multi-valued RDN)", k);
		return false;
	}
	c = gc_cur_in(&atv);
	if ((why = gc_cur_expect(&c, GC_TAG_OID, oid)) != NULL || (why = gc_cur_next(&c, value)) != NULL)
		return lint_der(r, field, why);
	if (!gc_cur_done(&c))
		return lint_der(r, field, "data after an attribute value");
	return true;
}

void lint_name(struct gc_lint_report *r, const char *field, const char *row,
               const struct gc_tlv *name, const struct gc_rdn_rule *rules, size_t nrules,
               const char *const *values, const char *const *desc)
{
	struct gc_cur c = gc_cur_in(name), save;
	struct gc_tlv oid, value;
	char where[96], got[32];
	const char *want;
	size_t i;
	int k = 0;

	if (name->tag != GC_TAG_SEQUENCE) {
		gc_lint_add(r, field, "%s: not a Name (SEQUENCE of RDNs)", row);
		return;
	}
	for (i = 0; i < nrules; i++) {
		const struct gc_rdn_rule *rule = &rules[i];
		/* a fixed rule without text (the CA names) takes its value from values[] */
		want = rule->field == GC_F_FIXED && rule->fixed ? rule->fixed : values ? values[i] : NULL;
		bool absent_wanted = rule->optional && values != NULL && rule->field != GC_F_FIXED &&
		                     (want == NULL || want[0] == '\0');
		if (gc_cur_done(&c)) {
			if (!rule->optional)
				gc_lint_add(r, field, "%s: RDN %d missing: must be %s%s%s%s", row, k + 1,
				            gc_attr_short(rule->attr), desc ? " (" : "", desc ? desc[i] : "",
				            desc ? ")" : "");
			continue;
		}
		save = c;
		if (!read_rdn(r, field, &c, k + 1, &oid, &value))
			return;
		if (!attr_is(&oid, rule->attr)) {
			if (rule->optional) {
				c = save; /* this optional attribute is absent */
				continue;
			}
			attr_text(&oid, got, sizeof(got));
			gc_lint_add(r, field, "%s: RDN %d must be %s%s%s%s, got %s", row, k + 1,
			            gc_attr_short(rule->attr), desc ? " (" : "", desc ? desc[i] : "",
			            desc ? ")" : "", got);
			return; /* positions no longer line up: one finding says it */
		}
		k++;
		snprintf(where, sizeof(where), "%s: RDN %d (%s)", row, k, gc_attr_short(rule->attr));
		if (absent_wanted) {
			gc_lint_add(r, field, "%s must be absent: no value was approved", where);
			continue;
		}
		lint_value(r, field, where, rule, &value, want == NULL || want[0] == '\0' ? NULL : want);
	}
	if (!gc_cur_done(&c)) {
		if (read_rdn(r, field, &c, k + 1, &oid, &value)) {
			attr_text(&oid, got, sizeof(got));
			gc_lint_add(r, field, "%s: RDN %d (%s) is not in the profile (%zu attributes at most)",
			            row, k + 1, got, nrules);
		}
	}
}

void lint_ca_name(struct gc_lint_report *r, const char *field, const char *row,
                  const struct gc_tlv *name, const char *const *ca_names, int cn_index)
{
	const char *values[5] = {ca_names[0], ca_names[1], ca_names[2], ca_names[3], ca_names[cn_index]};

	lint_name(r, field, row, name, gc_ca_name_rules, 5, values, NULL);
}

/* ---- times, algorithms, serials ---- */

bool lint_time(struct gc_lint_report *r, const char *field, const struct gc_tlv *t, int64_t *out)
{
	const char *why = gc_time_decode(t, out);
	/* 2050-01-01T00:00:00Z */
	const int64_t y2050 = 2524608000;

	if (why != NULL) {
		gc_lint_add(r, field, "%s", why);
		return false;
	}
	if (t->tag == GC_TAG_UTCTIME && *out >= y2050)
		gc_lint_add(r, field, "UTCTime cannot express 2050 or later (RFC 5280 §4.1.2.5)");
	if (t->tag == GC_TAG_GENTIME && *out < y2050)
		gc_lint_add(r, field, "must be UTCTime for dates before 2050, got GeneralizedTime "
		            "(RFC 5280 §4.1.2.5)");
	return true;
}

void lint_sigalg(struct gc_lint_report *r, const char *field, const struct gc_tlv *alg)
{
	if (alg->rawlen != sizeof(lint_sha256_rsa_algid) ||
	    memcmp(alg->raw, lint_sha256_rsa_algid, sizeof(lint_sha256_rsa_algid)) != 0)
		gc_lint_add(r, field, "CPS App. B: must be sha256WithRSAEncryption with NULL "
		            "parameters (RFC 4055 §5)");
}

void lint_serial(struct gc_lint_report *r, const char *field, const struct gc_tlv *t)
{
	bool neg;

	if (t->tag != GC_TAG_INTEGER || !gc_int_minimal(t, &neg)) {
		gc_lint_add(r, field, "not a DER INTEGER (X.690 §8.3.2)");
		return;
	}
	if (neg || (t->len == 1 && t->v[0] == 0))
		gc_lint_add(r, field, "must be positive (RFC 5280 §4.1.2.2)");
	else if (t->len != CPS_SERIAL_OCTETS)
		gc_lint_add(r, field, "CPS App. B: must be exactly %d octets, got %zu", CPS_SERIAL_OCTETS,
		            t->len);
}

/* ---- extensions ---- */

bool lint_extension(struct gc_lint_report *r, const char *field, const struct gc_tlv *ext,
                    struct gc_tlv *oid, bool *critical, struct gc_tlv *value)
{
	struct gc_cur c = gc_cur_in(ext);
	struct gc_tlv b;
	const char *why;

	if (ext->tag != GC_TAG_SEQUENCE)
		return lint_der(r, field, "an extension is not a SEQUENCE");
	if ((why = gc_cur_expect(&c, GC_TAG_OID, oid)) != NULL)
		return lint_der(r, field, why);
	*critical = false;
	if (gc_cur_peek(&c) == GC_TAG_BOOLEAN) {
		if ((why = gc_cur_next(&c, &b)) != NULL)
			return lint_der(r, field, why);
		if (b.len != 1 || (b.v[0] != 0xff && b.v[0] != 0x00))
			return lint_der(r, field, "BOOLEAN must be one octet 0x00 or 0xFF (X.690 §11.1)");
		if (b.v[0] == 0x00)
			return lint_der(r, field, "critical FALSE is the DEFAULT and must be omitted (X.690 §11.5)");
		*critical = true;
	}
	if ((why = gc_cur_expect(&c, GC_TAG_OCTET_STRING, value)) != NULL)
		return lint_der(r, field, why);
	if (!gc_cur_done(&c))
		return lint_der(r, field, "data after extnValue");
	return true;
}

/* AKI [1] authorityCertIssuer: exactly one directoryName, the issuer's issuer. */
static void lint_aki_dirname(struct gc_lint_report *r, const char *field, const struct gc_tlv *gns,
                             const struct gc_lint_issuer *is, const char *const *ca_names)
{
	struct gc_cur c = gc_cur_in(gns);
	struct gc_tlv dn, name;
	struct gc_cur d;

	if (gc_cur_expect(&c, GC_TAG_CTX_CONS(4), &dn) != NULL || !gc_cur_done(&c)) {
		gc_lint_add(r, field, "CPS App. B: authorityCertIssuer must be one directoryName");
		return;
	}
	d = gc_cur_in(&dn);
	if (gc_cur_expect(&d, GC_TAG_SEQUENCE, &name) != NULL || !gc_cur_done(&d)) {
		lint_der(r, field, "authorityCertIssuer directoryName is not one Name");
		return;
	}
	if (is != NULL) {
		if (name.rawlen != is->issuersz || memcmp(name.raw, is->issuer, name.rawlen) != 0)
			gc_lint_add(r, field, "CPS App. B: authorityCertIssuer must equal the issuing CA "
			            "certificate's issuer (the root's name) byte for byte");
	} else {
		lint_ca_name(r, field, "CPS App. B authorityCertIssuer", &name, ca_names, LINT_CA_CN_ROOT);
	}
}

void lint_aki(struct gc_lint_report *r, const char *field, const struct gc_tlv *value,
              const struct gc_lint_issuer *is, const char *const *ca_names, bool full)
{
	struct gc_cur c = gc_cur_in(value), in;
	struct gc_tlv seq, kid, gns, sn;
	const char *why;

	if ((why = gc_cur_expect(&c, GC_TAG_SEQUENCE, &seq)) != NULL || !gc_cur_done(&c)) {
		lint_der(r, field, why ? why : "data after AuthorityKeyIdentifier");
		return;
	}
	in = gc_cur_in(&seq);
	if (gc_cur_expect(&in, GC_TAG_CTX(0), &kid) != NULL) {
		gc_lint_add(r, field, "keyIdentifier missing (RFC 5280 §4.2.1.1)");
		return;
	}
	if (kid.len != 20)
		gc_lint_add(r, field, "keyIdentifier must be 20 octets (SHA-1, RFC 5280 §4.2.1.2), got %zu",
		            kid.len);
	else if (is != NULL && is->has_ski && memcmp(kid.v, is->ski, 20) != 0)
		gc_lint_add(r, field, "keyIdentifier must equal the issuer's subjectKeyIdentifier");
	if (!full) {
		if (!gc_cur_done(&in))
			gc_lint_add(r, field, "must carry only keyIdentifier");
		return;
	}
	if (gc_cur_expect(&in, GC_TAG_CTX_CONS(1), &gns) != NULL ||
	    gc_cur_expect(&in, GC_TAG_CTX(2), &sn) != NULL || !gc_cur_done(&in)) {
		gc_lint_add(r, field, "CPS App. B: must carry keyIdentifier, authorityCertIssuer and "
		            "authorityCertSerialNumber, nothing else");
		return;
	}
	lint_aki_dirname(r, field, &gns, is, ca_names);
	sn.tag = GC_TAG_INTEGER;
	lint_serial(r, field, &sn);
	if (is != NULL && (sn.len != is->serialsz || memcmp(sn.v, is->serial, sn.len) != 0))
		gc_lint_add(r, field, "CPS App. B: authorityCertSerialNumber must be the issuing CA "
		            "certificate's serial");
}

/* ---- the issuer ---- */

/* Reads what a certificate's issued objects must match, from its DER (RFC 5280 §4.1). */
static const char *issuer_parse(struct gc_lint_issuer *is)
{
	struct gc_cur c = gc_cur_of(is->der, is->dersz), t, v;
	struct gc_tlv cert, tbs, x, oid, val, nb, na, seq;
	bool crit;
	const char *why;
	struct gc_lint_report dummy;

	if ((why = gc_cur_expect(&c, GC_TAG_SEQUENCE, &cert)) != NULL)
		return why;
	if (!gc_cur_done(&c))
		return "data after the certificate";
	c = gc_cur_in(&cert);
	if ((why = gc_cur_expect(&c, GC_TAG_SEQUENCE, &tbs)) != NULL)
		return why;
	t = gc_cur_in(&tbs);
	if (gc_cur_peek(&t) == GC_TAG_CTX_CONS(0) && (why = gc_cur_next(&t, &x)) != NULL)
		return why;
	if ((why = gc_cur_expect(&t, GC_TAG_INTEGER, &x)) != NULL)
		return why;
	is->serial = x.v, is->serialsz = x.len;
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &x)) != NULL ||
	    (why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &x)) != NULL)
		return why;
	is->issuer = x.raw, is->issuersz = x.rawlen;
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &x)) != NULL)
		return why;
	v = gc_cur_in(&x);
	if ((why = gc_cur_next(&v, &nb)) != NULL || (why = gc_cur_next(&v, &na)) != NULL ||
	    (why = gc_time_decode(&nb, &is->not_before)) != NULL ||
	    (why = gc_time_decode(&na, &is->not_after)) != NULL)
		return why;
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &x)) != NULL)
		return why;
	is->subject = x.raw, is->subjectsz = x.rawlen;
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &x)) != NULL)
		return why;
	is->spki = x.raw, is->spkisz = x.rawlen;
	if (gc_cur_expect(&t, GC_TAG_CTX_CONS(3), &x) != NULL)
		return NULL; /* no extensions: no SKI */
	v = gc_cur_in(&x);
	if ((why = gc_cur_expect(&v, GC_TAG_SEQUENCE, &seq)) != NULL)
		return why;
	v = gc_cur_in(&seq);
	gc_lint_report_init(&dummy);
	while (!gc_cur_done(&v)) {
		if ((why = gc_cur_next(&v, &x)) != NULL)
			return why;
		if (!lint_extension(&dummy, "", &x, &oid, &crit, &val))
			return "malformed extension";
		if (gc_oid_is(&oid, oid_ski, oid_ski_len)) {
			struct gc_cur s = gc_cur_in(&val);
			if ((why = gc_cur_expect(&s, GC_TAG_OCTET_STRING, &x)) != NULL)
				return why;
			if (x.len == 20) {
				memcpy(is->ski, x.v, 20);
				is->has_ski = true;
			}
		}
	}
	return NULL;
}

gc_result gc_lint_issuer_load(const uint8_t *der, size_t dersz, struct gc_lint_issuer *out)
{
	struct gc_lint_issuer is;
	const char *why;

	memset(&is, 0, sizeof(is));
	if ((is.der = malloc(dersz ? dersz : 1)) == NULL)
		return gc_fail(GC_E_NOMEM, "lint: out of memory");
	memcpy(is.der, der, dersz);
	is.dersz = dersz;
	if ((why = issuer_parse(&is)) != NULL) {
		free(is.der);
		return gc_fail(GC_E_BAD_ENCODING, "issuer certificate: %s", why);
	}
	*out = is;
	return GC_OK;
}

void gc_lint_issuer_clear(struct gc_lint_issuer *is)
{
	if (is == NULL)
		return;
	free(is->der);
	memset(is, 0, sizeof(*is));
}
