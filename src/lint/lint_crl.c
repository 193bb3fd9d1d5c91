/*
 * lint_crl.c - CRLs and the ARL against CPS App. C (SPEC §4.1, §4.2) and RFC 5280 §5:
 * v2, sha256WithRSAEncryption, the CA's name, thisUpdate/nextUpdate, entries with a
 * reasonCode, authorityKeyIdentifier, cRLNumber (increasing, below 2^159) and the
 * issuingDistributionPoint of the partitioned CRL and the ARL.
 */
#include <stdio.h>
#include <string.h>

#include "core/cps.h"
#include "lint/lint_int.h"

/* RFC 5280 §5.2.3: cRLNumber is at most 20 octets; CPS App. C: it only increases. */
#define CRL_NUMBER_MAX_OCTETS 20
/* App. C I: reason codes 0..6 (certificateHold is 6; 7 is unused in X.509). */
#define CRL_REASON_MAX 6

struct crl {
	struct gc_lint_report *r;
	const struct gc_lint_crl_expect *x;
	const char *const *ca_names;
	const struct gc_lint_issuer *is;
	enum gc_lint_crl_kind kind;
	struct gc_tlv sigalg, issuer, this_update, next_update, revoked, exts;
	bool has_next, has_revoked, has_exts;
	int64_t this_t, next_t;
};

static bool read_tbs(struct crl *c, const struct gc_tlv *tbs)
{
	struct gc_cur t = gc_cur_in(tbs);
	struct gc_tlv v = {0};
	const char *why;
	long n;

	if (gc_cur_expect(&t, GC_TAG_INTEGER, &v) != NULL || !gc_int_value(&v, &n) || n != 1) {
		gc_lint_add(c->r, "crl.version", "CPS App. C: must be v2 (INTEGER 1)");
		if (v.tag != GC_TAG_INTEGER)
			return false;
	}
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->sigalg)) != NULL)
		return lint_der(c->r, "crl.signature", why);
	if ((why = gc_cur_expect(&t, GC_TAG_SEQUENCE, &c->issuer)) != NULL)
		return lint_der(c->r, "crl.issuer", why);
	if ((why = gc_cur_next(&t, &c->this_update)) != NULL)
		return lint_der(c->r, "crl.thisUpdate", why);
	if (gc_cur_peek(&t) == GC_TAG_UTCTIME || gc_cur_peek(&t) == GC_TAG_GENTIME) {
		if ((why = gc_cur_next(&t, &c->next_update)) != NULL)
			return lint_der(c->r, "crl.nextUpdate", why);
		c->has_next = true;
	}
	if (gc_cur_peek(&t) == GC_TAG_SEQUENCE) {
		if ((why = gc_cur_next(&t, &c->revoked)) != NULL)
			return lint_der(c->r, "crl.revokedCertificates", why);
		c->has_revoked = true;
	}
	if (gc_cur_peek(&t) == GC_TAG_CTX_CONS(0)) {
		struct gc_tlv wrap;
		struct gc_cur w;
		if ((why = gc_cur_next(&t, &wrap)) != NULL)
			return lint_der(c->r, "crl.extensions", why);
		w = gc_cur_in(&wrap);
		if ((why = gc_cur_expect(&w, GC_TAG_SEQUENCE, &c->exts)) != NULL || !gc_cur_done(&w))
			return lint_der(c->r, "crl.extensions", why ? why : "data after the extensions");
		c->has_exts = true;
	}
	if (!gc_cur_done(&t))
		return lint_der(c->r, "tbsCertList", "unexpected fields");
	return true;
}

static void lint_times(struct crl *c)
{
	if (!lint_time(c->r, "crl.thisUpdate", &c->this_update, &c->this_t))
		return;
	if (!c->has_next) {
		gc_lint_add(c->r, "crl.nextUpdate", "CPS App. C: nextUpdate is required (RFC 5280 §5.1.2.5)");
		return;
	}
	if (!lint_time(c->r, "crl.nextUpdate", &c->next_update, &c->next_t))
		return;
	if (c->next_t <= c->this_t)
		gc_lint_add(c->r, "crl.nextUpdate", "must be after thisUpdate");
	if (c->x->now != 0 && c->this_t > c->x->now)
		gc_lint_add(c->r, "crl.thisUpdate", "is in the future");
	if (c->x->now != 0 && c->next_t <= c->x->now)
		gc_lint_add(c->r, "crl.nextUpdate", "has passed: the CRL is stale");
	if (c->x->max_period != 0 && c->next_t - c->this_t > c->x->max_period)
		gc_lint_add(c->r, "crl.nextUpdate", "CPS App. C: more than %lld s after thisUpdate",
		            (long long)c->x->max_period);
}

/* App. C I: every entry has a reasonCode entry extension, 0..6, non-critical. */
static void lint_entry_exts(struct crl *c, const struct gc_tlv *exts, size_t k)
{
	struct gc_cur e = gc_cur_in(exts), v;
	struct gc_tlv x, oid, val, en;
	bool crit, reason = false;
	long code;

	while (!gc_cur_done(&e)) {
		if (gc_cur_next(&e, &x) != NULL ||
		    !lint_extension(c->r, "crl.revokedCertificates", &x, &oid, &crit, &val))
			return;
		if (!gc_oid_is(&oid, oid_reason, oid_reason_len)) {
			gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: only reasonCode is used "
			            "(CPS App. C I)", k);
			continue;
		}
		v = gc_cur_in(&val);
		if (reason || crit || gc_cur_expect(&v, GC_TAG_ENUMERATED, &en) != NULL || !gc_cur_done(&v) ||
		    !gc_int_value(&en, &code) || code > CRL_REASON_MAX)
			gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: reasonCode must be one "
			            "non-critical ENUMERATED 0..%d (CPS App. C I)", k, CRL_REASON_MAX);
		reason = true;
	}
	if (!reason)
		gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: reasonCode missing (CPS App. C I)", k);
}

/* The serials must strictly increase: no entry twice, and the order gcert streams. */
static int serial_cmp(const struct gc_tlv *a, const struct gc_tlv *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->v, b->v, a->len);
}

static void lint_entries(struct crl *c)
{
	struct gc_cur list, e;
	struct gc_tlv ent, sn, when, exts, prev = {0};
	const uint8_t *mark = c->revoked.v;
	size_t k = 0;
	int64_t t;

	if (!c->has_revoked)
		return;
	if (c->revoked.len == 0)
		gc_lint_add(c->r, "crl.revokedCertificates", "an empty list must be absent (RFC 5280 §5.1.2.6)");
	list = gc_cur_in(&c->revoked);
	while (!gc_cur_done(&list)) {
		k++;
		/* the entries before this one are behind (prev points into the last of them) */
		if (prev.v != NULL)
			lint_progress(c->x->progress, &mark, prev.raw);
		if (gc_cur_expect(&list, GC_TAG_SEQUENCE, &ent) != NULL) {
			lint_der(c->r, "crl.revokedCertificates", "an entry is not a SEQUENCE");
			return;
		}
		e = gc_cur_in(&ent);
		if (gc_cur_expect(&e, GC_TAG_INTEGER, &sn) != NULL || gc_cur_next(&e, &when) != NULL) {
			lint_der(c->r, "crl.revokedCertificates", "entry must be serial and revocationDate");
			return;
		}
		lint_serial(c->r, "crl.revokedCertificates", &sn);
		if (prev.v != NULL && serial_cmp(&prev, &sn) >= 0)
			gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: serials must strictly "
			            "increase (duplicate or out of order)", k);
		prev = sn;
		if (lint_time(c->r, "crl.revokedCertificates", &when, &t) && t > c->this_t)
			gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: revocationDate after thisUpdate", k);
		if (gc_cur_expect(&e, GC_TAG_SEQUENCE, &exts) != NULL || !gc_cur_done(&e)) {
			gc_lint_add(c->r, "crl.revokedCertificates", "entry %zu: reasonCode missing (CPS App. C I)", k);
			continue;
		}
		lint_entry_exts(c, &exts, k);
	}
}

/* cRLNumber: INTEGER 0 .. 2^159-1 (RFC 5280 §5.2.3), greater than the previous one. */
static void lint_crl_number(struct crl *c, const struct gc_tlv *v)
{
	struct gc_cur s = gc_cur_in(v);
	struct gc_tlv n;
	const uint8_t *p, *q;
	size_t plen, qlen;
	bool neg;
	int cmp;

	if (gc_cur_expect(&s, GC_TAG_INTEGER, &n) != NULL || !gc_cur_done(&s) || !gc_int_minimal(&n, &neg)) {
		lint_der(c->r, "crl.cRLNumber", "must be one DER INTEGER");
		return;
	}
	if (neg || n.len > CRL_NUMBER_MAX_OCTETS)
		gc_lint_add(c->r, "crl.cRLNumber", "must be non-negative and below 2^159 (RFC 5280 §5.2.3)");
	if (c->x->prev_number == NULL)
		return;
	/* unsigned big-endian comparison, leading zeros ignored */
	for (p = n.v, plen = n.len; plen > 0 && *p == 0; p++, plen--)
		;
	for (q = c->x->prev_number, qlen = c->x->prev_number_len; qlen > 0 && *q == 0; q++, qlen--)
		;
	cmp = plen != qlen ? (plen < qlen ? -1 : 1) : memcmp(p, q, plen);
	if (cmp <= 0)
		gc_lint_add(c->r, "crl.cRLNumber", "CPS App. C: must increase: not greater than the "
		            "previous CRL's number");
}

/* The DistributionPoint [0] fullName [6] URI of an IDP; false when there is none. */
static bool idp_uri(const struct gc_tlv *dpn, struct gc_tlv *uri)
{
	struct gc_cur s = gc_cur_in(dpn);
	struct gc_tlv full;

	return gc_cur_expect(&s, GC_TAG_CTX_CONS(0), &full) == NULL && gc_cur_done(&s) &&
	       (s = gc_cur_in(&full), gc_cur_expect(&s, GC_TAG_CTX(6), uri) == NULL) && gc_cur_done(&s);
}

/*
 * App. C I partitioned CRL: IDP naming its distribution point and nothing else.
 * App. C II ARL: onlyContainsCACerts TRUE; onlyContainsUserCerts and indirectCRL FALSE
 * (DEFAULT, so absent in DER); a distribution point name is allowed.
 */
static void lint_idp(struct crl *c, const struct gc_tlv *v)
{
	const char *url = c->x->partition_url ? c->x->partition_url : CPS_DEFAULT_CRL_DP;
	const char *f = "crl.issuingDistributionPoint";
	struct gc_cur s = gc_cur_in(v);
	struct gc_tlv seq, dpn, uri, b;
	bool has_dp = false, ca_only = false, other = false;

	if (gc_cur_expect(&s, GC_TAG_SEQUENCE, &seq) != NULL || !gc_cur_done(&s)) {
		lint_der(c->r, f, "must be one SEQUENCE");
		return;
	}
	s = gc_cur_in(&seq);
	if (gc_cur_peek(&s) == GC_TAG_CTX_CONS(0)) {
		if (gc_cur_next(&s, &dpn) != NULL) {
			lint_der(c->r, f, "malformed distributionPoint");
			return;
		}
		has_dp = true;
		if (!idp_uri(&dpn, &uri)) {
			gc_lint_add(c->r, f, "distributionPoint must be one fullName URI");
			return;
		}
	}
	while (!gc_cur_done(&s)) {
		if (gc_cur_next(&s, &b) != NULL) {
			lint_der(c->r, f, "malformed field");
			return;
		}
		if (b.tag == GC_TAG_CTX(2) && b.len == 1 && b.v[0] == 0xff)
			ca_only = true;
		else
			other = true; /* onlyContainsUserCerts, reasons, indirectCRL, attribute certs */
	}
	if (c->kind == GC_LINT_CRL_PARTITION) {
		if (!has_dp || ca_only || other)
			gc_lint_add(c->r, f, "CPS App. C I: must name the partition's distribution point "
			            "and nothing else");
		else if (uri.len != strlen(url) || memcmp(uri.v, url, uri.len) != 0)
			gc_lint_add(c->r, f, "CPS App. C I: distribution point must be \"%s\"", url);
	} else if (!ca_only || other) {
		gc_lint_add(c->r, f, "CPS App. C II: onlyContainsCACerts TRUE, onlyContainsUserCerts "
		            "and indirectCRL FALSE, nothing else");
	}
}

/* Whether the AKI must carry issuer and serial (App. C I always; App. C II see lint.h). */
static bool aki_full(const struct crl *c, const struct gc_tlv *val)
{
	struct gc_cur v = gc_cur_in(val), in;
	struct gc_tlv seq, kid;

	if (c->kind != GC_LINT_ARL || c->x->aki == GC_LINT_AKI_FULL)
		return true;
	if (c->x->aki == GC_LINT_AKI_KEY_ONLY)
		return false;
	/* ANY: the form it has (a malformed one gets its finding from lint_aki) */
	if (gc_cur_expect(&v, GC_TAG_SEQUENCE, &seq) != NULL)
		return true;
	in = gc_cur_in(&seq);
	return !(gc_cur_expect(&in, GC_TAG_CTX(0), &kid) == NULL && gc_cur_done(&in));
}

static void lint_crl_exts(struct crl *c)
{
	struct gc_cur e;
	struct gc_tlv x, oid, val;
	bool crit, aki = false, num = false, idp = false;
	char text[64];

	if (!c->has_exts) {
		gc_lint_add(c->r, "crl.extensions", "CPS App. C: authorityKeyIdentifier and cRLNumber missing");
		return;
	}
	e = gc_cur_in(&c->exts);
	while (!gc_cur_done(&e)) {
		if (gc_cur_next(&e, &x) != NULL || !lint_extension(c->r, "crl.extensions", &x, &oid, &crit, &val))
			return;
		if (gc_oid_is(&oid, oid_aki, oid_aki_len)) {
			if (aki || crit)
				gc_lint_add(c->r, "crl.authorityKeyIdentifier", "must appear once, non-critical");
			aki = true;
			/* App. C I: as for certificates; App. C II: the ARL's names the root too,
			 * with the root certificate's issuer (itself) and serial, or only the key
			 * when link certificates certify it (lint.h gc_lint_aki_form) */
			lint_aki(c->r, "crl.authorityKeyIdentifier", &val, c->is, c->ca_names, aki_full(c, &val));
		} else if (gc_oid_is(&oid, oid_crl_number, oid_crl_number_len)) {
			if (num || crit)
				gc_lint_add(c->r, "crl.cRLNumber", "must appear once, non-critical (RFC 5280 §5.2.3)");
			num = true;
			lint_crl_number(c, &val);
		} else if (gc_oid_is(&oid, oid_idp, oid_idp_len)) {
			if (idp || !crit)
				gc_lint_add(c->r, "crl.issuingDistributionPoint", "must appear once and be "
				            "critical (RFC 5280 §5.2.5)");
			idp = true;
			if (c->kind == GC_LINT_CRL_FULL)
				gc_lint_add(c->r, "crl.issuingDistributionPoint", "CPS App. C I: the full CRL has none");
			else
				lint_idp(c, &val);
		} else {
			gc_oid_text(&oid, text, sizeof(text));
			gc_lint_add(c->r, "crl.extensions", "CPS App. C: extension %s is not in the profile", text);
		}
	}
	if (!aki)
		gc_lint_add(c->r, "crl.authorityKeyIdentifier", "CPS App. C: missing");
	if (!num)
		gc_lint_add(c->r, "crl.cRLNumber", "CPS App. C: missing");
	if (!idp && c->kind != GC_LINT_CRL_FULL)
		gc_lint_add(c->r, "crl.issuingDistributionPoint", "%s: missing",
		            c->kind == GC_LINT_ARL ? "CPS App. C II" : "CPS App. C I partitioned CRL");
}

/* gcert lint: which CRL is this? The root signs only the ARL (App. C II); of the
 * issuing CA's, the partitioned one has an issuingDistributionPoint (App. C I). */
static enum gc_lint_crl_kind detect(const struct crl *c)
{
	struct gc_cur e;
	struct gc_tlv x, oid, val, cn;
	bool crit;
	struct gc_lint_report scratch;
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
	const char *root_cn = c->ca_names[LINT_CA_CN_ROOT];

	if (c->x->root != NULL ? c->issuer.rawlen == c->x->root->subjectsz &&
	                             memcmp(c->issuer.raw, c->x->root->subject, c->issuer.rawlen) == 0
	                       : lint_find_attr(&c->issuer, oid_cn, sizeof(oid_cn), &cn) &&
	                             cn.len == strlen(root_cn) && memcmp(cn.v, root_cn, cn.len) == 0)
		return GC_LINT_ARL;
	if (!c->has_exts)
		return GC_LINT_CRL_FULL;
	gc_lint_report_init(&scratch);
	e = gc_cur_in(&c->exts);
	while (gc_cur_next(&e, &x) == NULL)
		if (lint_extension(&scratch, "", &x, &oid, &crit, &val) && gc_oid_is(&oid, oid_idp, oid_idp_len))
			return GC_LINT_CRL_PARTITION;
	return GC_LINT_CRL_FULL;
}

void gc_lint_crl(const uint8_t *der, size_t len, const struct gc_lint_crl_expect *x,
                 struct gc_lint_report *r)
{
	struct crl c;
	struct gc_tlv tbs, sig;
	const struct gc_lint_issuer *is;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.x = x;
	c.ca_names = lint_ca_names(x->ca_names);
	if (!lint_signed_frame(r, der, len, &tbs, &sig) || !read_tbs(&c, &tbs))
		return;
	c.kind = x->kind == GC_LINT_CRL_DETECT ? detect(&c) : x->kind;
	is = c.kind == GC_LINT_ARL && x->root != NULL ? x->root : x->issuer;
	c.is = is;
	if (is != NULL && sig.len > 0)
		lint_signature_progress(r, &tbs, &sig, is->spki, is->spkisz, x->progress);
	lint_sigalg(r, "crl.signature", &c.sigalg);
	if (is != NULL) {
		if (c.issuer.rawlen != is->subjectsz || memcmp(c.issuer.raw, is->subject, is->subjectsz) != 0)
			gc_lint_add(r, "crl.issuer", "CPS App. C: must equal the signing CA certificate's "
			            "subject byte for byte");
	} else {
		lint_ca_name(r, "crl.issuer", c.kind == GC_LINT_ARL ? "CPS App. C II issuer" : "CPS App. C I issuer",
		             &c.issuer, c.ca_names, c.kind == GC_LINT_ARL ? LINT_CA_CN_ROOT : LINT_CA_CN_ISSUING);
	}
	lint_times(&c);
	lint_entries(&c);
	lint_crl_exts(&c);
}

/* The reasonCode of an entry's extensions, or -1. */
static int entry_reason(const struct gc_tlv *exts)
{
	struct gc_cur e = gc_cur_in(exts), v;
	struct gc_tlv x, oid, val, en;
	struct gc_lint_report scratch;
	bool crit;
	long code;

	gc_lint_report_init(&scratch);
	while (!gc_cur_done(&e)) {
		if (gc_cur_next(&e, &x) != NULL || !lint_extension(&scratch, "", &x, &oid, &crit, &val))
			return -1;
		v = gc_cur_in(&val);
		if (gc_oid_is(&oid, oid_reason, oid_reason_len) &&
		    gc_cur_expect(&v, GC_TAG_ENUMERATED, &en) == NULL && gc_int_value(&en, &code))
			return (int)code;
	}
	return -1;
}

bool gc_lint_crl_foreach(const uint8_t *der, size_t len,
                         bool (*fn)(const struct gc_lint_crl_entry *, void *), void *arg)
{
	return gc_lint_crl_foreach_progress(der, len, NULL, fn, arg);
}

bool gc_lint_crl_foreach_progress(const uint8_t *der, size_t len, const struct gc_lint_progress *progress,
                                  bool (*fn)(const struct gc_lint_crl_entry *, void *), void *arg)
{
	const uint8_t *mark;
	struct gc_lint_report scratch;
	struct gc_lint_crl_expect x = {.kind = GC_LINT_CRL_FULL};
	struct gc_tlv tbs, sig, ent, sn, when, exts;
	struct gc_cur list, e;
	struct gc_lint_crl_entry out;
	struct crl c;

	memset(&c, 0, sizeof(c));
	gc_lint_report_init(&scratch);
	c.r = &scratch;
	c.x = &x;
	if (!lint_signed_frame(&scratch, der, len, &tbs, &sig) || !read_tbs(&c, &tbs))
		return false;
	if (!c.has_revoked)
		return true;
	list = gc_cur_in(&c.revoked);
	mark = c.revoked.v;
	while (!gc_cur_done(&list)) {
		/* fn has had every entry before this one, and out points into none of them */
		lint_progress(progress, &mark, list.p);
		if (gc_cur_expect(&list, GC_TAG_SEQUENCE, &ent) != NULL)
			return false;
		e = gc_cur_in(&ent);
		if (gc_cur_expect(&e, GC_TAG_INTEGER, &sn) != NULL || gc_cur_next(&e, &when) != NULL ||
		    gc_time_decode(&when, &out.revoked_at) != NULL)
			return false;
		out.serial = sn.v;
		out.serialsz = sn.len;
		out.reason = -1;
		if (!gc_cur_done(&e)) {
			if (gc_cur_expect(&e, GC_TAG_SEQUENCE, &exts) != NULL || !gc_cur_done(&e))
				return false;
			out.reason = entry_reason(&exts);
		}
		if (!fn(&out, arg))
			return true;
	}
	return true;
}
