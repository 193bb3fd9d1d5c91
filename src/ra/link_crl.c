/*
 * link_crl.c - the revocation part of the RA's use-time check (CPS §2.1.3 n, §2.1.6,
 * App. C): the latest CRL from the CA repository over HTTP (`gcert ca serve`,
 * docs/repository.md), accepted only when signed by one of the configured CA
 * certificates and current, and kept until its nextUpdate. A CRL older than the one
 * already held (a smaller cRLNumber) is refused, so a stale copy cannot be replayed.
 */
#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ra/link_int.h"

struct body {
	unsigned char *buf;
	size_t len;
	bool too_large;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	unsigned char *grown;

	if (b->len + add > (size_t)GC_MAX_CRL_FILE) {
		b->too_large = true;
		return 0;
	}
	if ((grown = realloc(b->buf, b->len + add)) == NULL)
		return 0;
	b->buf = grown;
	memcpy(b->buf + b->len, p, add);
	b->len += add;
	return add;
}

static gc_result fetch(const struct gc_ra_link *l, const char *url, struct body *b)
{
	char err[CURL_ERROR_SIZE] = "";
	CURL *c = curl_easy_init();
	CURLcode cc;
	long status = 0;

	GC_ENSURE(c != NULL, GC_E_NOMEM, "curl: out of memory");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, l->cfg.connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, l->cfg.crl_timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	GC_ENSURE(cc != CURLE_WRITE_ERROR || !b->too_large, GC_E_RA_CRL, "CRL %s: over %ld bytes", url,
	          (long)GC_MAX_CRL_FILE);
	GC_ENSURE(cc == CURLE_OK, GC_E_RA_CRL, "CRL %s: cannot fetch: %s", url, err[0] ? err : curl_easy_strerror(cc));
	GC_ENSURE(status == 200, GC_E_RA_CRL, "CRL %s: HTTP %ld", url, status);
	return GC_OK;
}

/* The configured CA certificate whose key signed crl. */
static gc_result check_signature(const struct gc_ra_link *l, const char *url, X509_CRL *crl)
{
	X509 *ca;
	int i;

	for (i = 0; i < sk_X509_num(l->crl_cas); i++) {
		ca = sk_X509_value(l->crl_cas, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0)
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
			return GC_OK;
	}
	ERR_clear_error();
	return gc_fail(GC_E_RA_CRL, "CRL %s: signature does not verify with any of crl.ca_certs (altered, or not "
	               "this CA's)", url);
}

static gc_result check_times(const char *url, X509_CRL *crl, int64_t now, int64_t *next_update)
{
	const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
	time_t t = (time_t)now;
	struct tm tm;

	GC_ENSURE(X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &t) <= 0, GC_E_RA_CRL,
	          "CRL %s: thisUpdate lies in the future", url);
	GC_ENSURE(nu != NULL, GC_E_RA_CRL, "CRL %s: no nextUpdate (App. C: CRLs are updated daily)", url);
	GC_ENSURE(X509_cmp_time(nu, &t) > 0, GC_E_RA_CRL,
	          "CRL %s: stale: its nextUpdate has passed and the repository has no newer one", url);
	GC_ENSURE(ASN1_TIME_to_tm(nu, &tm) == 1, GC_E_RA_CRL, "CRL %s: nextUpdate unreadable", url);
	*next_update = (int64_t)timegm(&tm);
	return GC_OK;
}

static gc_result crl_number(const char *url, X509_CRL *crl, int64_t *out)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	int ok = n != NULL && ASN1_INTEGER_get_int64(out, n) == 1 && *out >= 0;

	ASN1_INTEGER_free(n);
	ERR_clear_error();
	GC_ENSURE(ok, GC_E_RA_CRL, "CRL %s: no cRLNumber, or one gcert cannot hold (RFC 5280 §5.2.3)", url);
	return GC_OK;
}

/* Fetches, checks and caches the CRL of url i. */
static gc_result refresh(struct gc_ra_link *l, size_t i, int64_t now)
{
	const char *url = l->cfg.crl_urls[i];
	struct gc_ra_crl_cache *c = &l->crls[i];
	struct body b = {0};
	const unsigned char *p;
	X509_CRL *crl = NULL;
	int64_t next = 0, number = 0;
	gc_result rc;

	GC_GUARD_OUT(rc, fetch(l, url, &b));
	p = b.buf;
	crl = d2i_X509_CRL(NULL, &p, (long)b.len);
	GC_ENSURE_OUT(rc, crl != NULL && p == b.buf + b.len, GC_E_RA_CRL, "CRL %s: not one DER CRL", url);
	GC_GUARD_OUT(rc, check_signature(l, url, crl));
	GC_GUARD_OUT(rc, check_times(url, crl, now, &next));
	GC_GUARD_OUT(rc, crl_number(url, crl, &number));
	GC_ENSURE_OUT(rc, c->crl == NULL || number >= c->number, GC_E_RA_CRL,
	              "CRL %s: cRLNumber %lld is older than the %lld already held", url, (long long)number,
	              (long long)c->number);
	X509_CRL_free(c->crl);
	c->crl = crl;
	c->next_update = next;
	c->number = number;
	crl = NULL;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	free(b.buf);
	return rc;
}

void gc_ra_link_crl_clear(struct gc_ra_link *l)
{
	size_t i;

	for (i = 0; i < GC_RA_MAX_CRL_URLS; i++) {
		X509_CRL_free(l->crls[i].crl);
		memset(&l->crls[i], 0, sizeof(l->crls[i]));
	}
}

static gc_result serial_of(const char *hex, ASN1_INTEGER **out)
{
	BIGNUM *bn = NULL;
	size_t i, n = hex != NULL ? strlen(hex) : 0;

	GC_ENSURE(n == 40, GC_E_REQUEST_FIELD, "serial: 40 hex digits (CPS App. B: 20 octets)");
	for (i = 0; i < n; i++)
		GC_ENSURE((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f') ||
		              (hex[i] >= 'A' && hex[i] <= 'F'),
		          GC_E_REQUEST_FIELD, "serial: 40 hex digits (CPS App. B: 20 octets)");
	GC_ENSURE(BN_hex2bn(&bn, hex) == 40, GC_E_NOMEM, "serial: out of memory");
	*out = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	GC_ENSURE(*out != NULL, GC_E_NOMEM, "serial: out of memory");
	return GC_OK;
}

static gc_result crl_check(struct gc_ra_link *l, const char *serial, bool *revoked, int64_t *number)
{
	ASN1_INTEGER *sn;
	X509_REVOKED *entry;
	int64_t now = (int64_t)time(NULL), found_in = -1;
	size_t i;
	gc_result rc = GC_OK;

	GC_ENSURE(revoked != NULL && number != NULL, GC_E_USAGE, "CRL check: no place for the answer");
	GC_GUARD(serial_of(serial, &sn));
	for (i = 0; i < l->cfg.n_crl_urls; i++) {
		if (l->crls[i].crl == NULL || now >= l->crls[i].next_update)
			GC_GUARD_OUT(rc, refresh(l, i, now));
		/* 1: listed; 2 would be removeFromCRL, a delta-CRL thing gcert never issues */
		if (found_in < 0 && X509_CRL_get0_by_serial(l->crls[i].crl, &entry, sn) == 1)
			found_in = (int64_t)i;
	}
	*revoked = found_in >= 0;
	*number = l->crls[found_in >= 0 ? (size_t)found_in : 0].number;
out:
	ASN1_INTEGER_free(sn);
	return rc;
}

gc_result gc_ra_link_crl_check(struct gc_ra_link *l, const char *serial, bool *revoked, int64_t *crl_number)
{
	gc_result rc;

	GC_ENSURE(l != NULL, GC_E_USAGE, "RA link: not open");
	/* the CRL cache has a lock of its own: a fetch never waits for, nor holds, the token */
	pthread_mutex_lock(&l->crl_mu);
	rc = crl_check(l, serial, revoked, crl_number);
	pthread_mutex_unlock(&l->crl_mu);
	return rc;
}
