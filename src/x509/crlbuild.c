/*
 * crlbuild.c - DER of CRLs and ARLs (RFC 5280 §5, CPS App. C), written out by hand so
 * entries can be streamed; extension values come from OpenSSL's encoders.
 */
#include "x509/crlbuild.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "x509/der.h"

/* A small growable DER buffer. */
struct dbuf {
	unsigned char *p;
	size_t n, cap;
	bool oom;
};

static void db_put(struct dbuf *b, const void *data, size_t n)
{
	unsigned char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		cap = (b->n + n) * 2 + 64;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np, b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void db_hdr(struct dbuf *b, unsigned char tag, size_t len)
{
	unsigned char h[6];

	h[0] = tag;
	db_put(b, h, 1 + gc_der_put_len(h + 1, len));
}

static void db_tlv(struct dbuf *b, unsigned char tag, const void *v, size_t n)
{
	db_hdr(b, tag, n);
	db_put(b, v, n);
}

static size_t hdr_len(size_t len)
{
	unsigned char h[6];
	return 1 + gc_der_put_len(h, len);
}

/* reasonCode extension (2.5.29.21) with ENUMERATED r: 14 octets. */
static size_t reason_ext(int r, unsigned char *out)
{
	static const unsigned char ext[14] = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
	                                      0x04, 0x03, 0x0a, 0x01, 0x00};
	memcpy(out, ext, sizeof(ext));
	out[13] = (unsigned char)r;
	return sizeof(ext);
}

/* Entries of one CRL mostly share a few revocation times: encode each time once. */
static size_t der_time_cached(int64_t t, unsigned char out[17])
{
	static _Thread_local int64_t last_t = INT64_MIN;
	static _Thread_local unsigned char last[17];
	static _Thread_local size_t last_n;

	if (t != last_t) {
		last_n = gc_der_time(t, last);
		last_t = t;
	}
	memcpy(out, last, last_n);
	return last_n;
}

size_t gc_crl_entry_encode(const struct gc_crl_entry *e, unsigned char out[GC_CRL_ENTRY_MAX])
{
	unsigned char raw[20], body[GC_CRL_ENTRY_MAX];
	size_t hexlen = strlen(e->serial_hex), n = hexlen / 2, i = 0, b = 0;

	if (hexlen < 2 || hexlen > 40 || hexlen % 2 != 0 || e->reason < 0 || e->reason > 6 ||
	    !gc_hex_decode(e->serial_hex, raw, n))
		return 0;
	while (i + 1 < n && raw[i] == 0) /* DER: no redundant leading zero octets */
		i++;
	body[b++] = 0x02;
	body[b++] = (unsigned char)(n - i + (raw[i] & 0x80 ? 1 : 0));
	if (raw[i] & 0x80)
		body[b++] = 0x00; /* keep the serial positive */
	memcpy(body + b, raw + i, n - i);
	b += n - i;
	b += der_time_cached(e->revoked_at, body + b);
	b += reason_ext(e->reason, body + b);
	out[0] = 0x30;
	out[1] = (unsigned char)b; /* b < 128 always */
	memcpy(out + 2, body, b);
	return b + 2;
}

/* extnID + optional critical + OCTET STRING { value } */
static void db_ext(struct dbuf *b, const unsigned char *oid, size_t oidlen, bool critical,
                   const unsigned char *v, size_t n)
{
	size_t inner = oidlen + (critical ? 3 : 0) + hdr_len(n) + n;

	db_hdr(b, 0x30, inner);
	db_put(b, oid, oidlen);
	if (critical)
		db_put(b, "\x01\x01\xff", 3);
	db_tlv(b, 0x04, v, n);
}

/* App. C: AKI as for certificates: keyIdentifier, authorityCertIssuer, serial; or the
 * keyIdentifier alone (an ARL of a root key with link certificates, crlbuild.h). */
static gc_result aki_value(const X509 *issuer, bool key_only, unsigned char **out, int *outsz)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id((X509 *)issuer);
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	GENERAL_NAME *gn = NULL;
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, akid);
	GC_ENSURE_OUT(rc, ski != NULL, GC_E_INTERNAL, "crl: issuer certificate has no subjectKeyIdentifier");
	GC_NOMEM_OUT(rc, akid->keyid = ASN1_OCTET_STRING_dup(ski));
	if (key_only)
		goto encode;
	GC_NOMEM_OUT(rc, akid->issuer = GENERAL_NAMES_new());
	GC_NOMEM_OUT(rc, gn = GENERAL_NAME_new());
	gn->type = GEN_DIRNAME;
	GC_NOMEM_OUT(rc, gn->d.directoryName = X509_NAME_dup(X509_get_issuer_name(issuer)));
	GC_SSL_OUT(rc, sk_GENERAL_NAME_push(akid->issuer, gn) > 0, GC_E_NOMEM, "crl: AKI");
	gn = NULL;
	GC_NOMEM_OUT(rc, akid->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(issuer)));
encode:
	*out = NULL;
	if ((*outsz = i2d_AUTHORITY_KEYID(akid, out)) <= 0)
		rc = gc_fail_ssl(GC_E_INTERNAL, "crl: AKI encoding");
out:
	GENERAL_NAME_free(gn);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static void crl_number_value(struct dbuf *b, int64_t v)
{
	unsigned char be[9];
	int i, start = 0;

	be[0] = 0;
	for (i = 0; i < 8; i++)
		be[1 + i] = (unsigned char)((uint64_t)v >> (8 * (7 - i)));
	while (start < 8 && be[start] == 0 && !(be[start + 1] & 0x80))
		start++;
	db_tlv(b, 0x02, be + start, (size_t)(9 - start));
}

static void idp_value(struct dbuf *b, const struct gc_crl_params *p)
{
	size_t ulen, gns, dpn;

	if (p->idp_only_ca) { /* onlyContainsCACerts [2] TRUE; the FALSE fields are DEFAULT */
		db_put(b, "\x30\x03\x82\x01\xff", 5);
		return;
	}
	ulen = strlen(p->idp_url);
	gns = hdr_len(ulen) + ulen; /* [6] uniformResourceIdentifier */
	dpn = hdr_len(gns) + gns;   /* [0] fullName */
	db_hdr(b, 0x30, hdr_len(dpn) + dpn);
	db_hdr(b, 0xa0, dpn); /* [0] distributionPoint */
	db_hdr(b, 0xa0, gns);
	db_tlv(b, 0x86, p->idp_url, ulen);
}

static gc_result build_tail(const struct gc_crl_params *p, struct dbuf *tail)
{
	static const unsigned char oid_aki[5] = {0x06, 0x03, 0x55, 0x1d, 0x23};
	static const unsigned char oid_num[5] = {0x06, 0x03, 0x55, 0x1d, 0x14};
	static const unsigned char oid_idp[5] = {0x06, 0x03, 0x55, 0x1d, 0x1c};
	struct dbuf exts = {0}, v = {0};
	unsigned char *aki = NULL;
	int akisz = 0;

	GC_GUARD(aki_value(p->issuer_cert, p->aki_key_only, &aki, &akisz));
	/* App. C order: authorityKeyIdentifier, cRLNumber, issuingDistributionPoint */
	db_ext(&exts, oid_aki, 5, false, aki, (size_t)akisz);
	OPENSSL_free(aki);
	crl_number_value(&v, p->crl_number);
	db_ext(&exts, oid_num, 5, false, v.p, v.n);
	if (p->idp_url != NULL || p->idp_only_ca) {
		v.n = 0;
		idp_value(&v, p);
		db_ext(&exts, oid_idp, 5, true, v.p, v.n);
	}
	db_hdr(tail, 0xa0, hdr_len(exts.n) + exts.n);
	db_tlv(tail, 0x30, exts.p, exts.n);
	free(v.p);
	free(exts.p);
	GC_ENSURE(!exts.oom && !v.oom && !tail->oom, GC_E_NOMEM, "crl: out of memory");
	return GC_OK;
}

gc_result gc_crl_enc_init(const struct gc_crl_params *p, struct gc_crl_enc *out)
{
	struct dbuf head = {0}, tail = {0}, pre = {0};
	unsigned char *name = NULL, t[17];
	int namesz;
	size_t siglen, tbs_body;
	gc_result rc = GC_OK;

	memset(out, 0, sizeof(*out));
	GC_ENSURE(p->crl_number > 0, GC_E_CRL_NUMBER, "crl: cRLNumber must be positive");
	GC_ENSURE(p->next_update > p->this_update, GC_E_INTERNAL, "crl: nextUpdate must follow thisUpdate");
	GC_ENSURE((p->idp_url == NULL) || !p->idp_only_ca, GC_E_INTERNAL, "crl: one IDP kind only");
	GC_GUARD_OUT(rc, build_tail(p, &tail));
	/* version v2, signature, issuer, thisUpdate, nextUpdate */
	db_put(&pre, "\x02\x01\x01", 3);
	db_put(&pre, gc_der_sha256_rsa_algid, sizeof(gc_der_sha256_rsa_algid));
	GC_ENSURE_OUT(rc, (namesz = i2d_X509_NAME(X509_get_subject_name(p->issuer_cert), &name)) > 0,
	              GC_E_INTERNAL, "crl: issuer name encoding");
	db_put(&pre, name, (size_t)namesz);
	db_put(&pre, t, gc_der_time(p->this_update, t));
	db_put(&pre, t, gc_der_time(p->next_update, t));
	/* RFC 5280 §5.1.2.6: revokedCertificates is absent when there are none */
	tbs_body = pre.n + (p->entries_len ? hdr_len(p->entries_len) + p->entries_len : 0) + tail.n;
	out->tbssz = hdr_len(tbs_body) + tbs_body;
	siglen = sizeof(gc_der_sha256_rsa_algid) + hdr_len(p->sig_len + 1) + p->sig_len + 1;
	db_hdr(&head, 0x30, out->tbssz + siglen);
	out->tbs_off = head.n;
	out->total = head.n + out->tbssz + siglen;
	db_hdr(&head, 0x30, tbs_body);
	db_put(&head, pre.p, pre.n);
	if (p->entries_len)
		db_hdr(&head, 0x30, p->entries_len);
	GC_ENSURE_OUT(rc, !head.oom && !pre.oom, GC_E_NOMEM, "crl: out of memory");
	out->head = head.p, out->headsz = head.n;
	out->tail = tail.p, out->tailsz = tail.n;
	head.p = tail.p = NULL;
out:
	OPENSSL_free(name);
	free(pre.p);
	free(head.p);
	free(tail.p);
	return rc;
}

void gc_crl_enc_clear(struct gc_crl_enc *e)
{
	free(e->head);
	free(e->tail);
	memset(e, 0, sizeof(*e));
}

gc_result gc_crl_enc_signature(const unsigned char *sig, size_t siglen, unsigned char **out,
                               size_t *outsz)
{
	struct dbuf b = {0};

	db_put(&b, gc_der_sha256_rsa_algid, sizeof(gc_der_sha256_rsa_algid));
	db_hdr(&b, 0x03, siglen + 1);
	db_put(&b, "\x00", 1);
	db_put(&b, sig, siglen);
	if (b.oom) {
		free(b.p);
		return gc_fail(GC_E_NOMEM, "crl: out of memory");
	}
	*out = b.p;
	*outsz = b.n;
	return GC_OK;
}

void gc_cert_dp_url(const unsigned char *der, size_t dersz, char *out, size_t outsz)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)dersz);
	CRL_DIST_POINTS *dps = x ? X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL) : NULL;
	DIST_POINT *dp;
	GENERAL_NAME *gn;
	int i;

	out[0] = '\0';
	if (dps != NULL && sk_DIST_POINT_num(dps) > 0 && (dp = sk_DIST_POINT_value(dps, 0))->distpoint &&
	    dp->distpoint->type == 0) {
		for (i = 0; i < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); i++) {
			gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, i);
			if (gn->type == GEN_URI) {
				snprintf(out, outsz, "%.*s", ASN1_STRING_length(gn->d.uniformResourceIdentifier),
				         (const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier));
				break;
			}
		}
	}
	CRL_DIST_POINTS_free(dps);
	X509_free(x);
	ERR_clear_error();
}
