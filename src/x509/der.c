/* der.c - assemble a signed X.509 object from the TBS bytes and the token's signature. */
#include "x509/der.h"

#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

const uint8_t gc_der_sha256_rsa_algid[15] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                             0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};

size_t gc_der_put_len(uint8_t *p, size_t len)
{
	size_t n = 0, i;

	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	for (i = len; i > 0; i >>= 8)
		n++;
	p[0] = (uint8_t)(0x80 | n);
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return n + 1;
}

gc_result gc_der_wrap_signed(const uint8_t *tbs, size_t tbssz, const uint8_t *sig, size_t sigsz,
                             uint8_t **out, size_t *outsz)
{
	uint8_t bitlen[6], seqlen[6];
	size_t bl, sl, body, total;
	uint8_t *buf, *p;

	bl = gc_der_put_len(bitlen, sigsz + 1);
	body = tbssz + sizeof(gc_der_sha256_rsa_algid) + 1 + bl + 1 + sigsz;
	sl = gc_der_put_len(seqlen, body);
	total = 1 + sl + body;
	if ((buf = malloc(total)) == NULL)
		return gc_fail(GC_E_NOMEM, "signed object: out of memory");
	p = buf;
	*p++ = 0x30;
	memcpy(p, seqlen, sl), p += sl;
	memcpy(p, tbs, tbssz), p += tbssz;
	memcpy(p, gc_der_sha256_rsa_algid, sizeof(gc_der_sha256_rsa_algid));
	p += sizeof(gc_der_sha256_rsa_algid);
	*p++ = 0x03;
	memcpy(p, bitlen, bl), p += bl;
	*p++ = 0x00; /* no unused bits */
	memcpy(p, sig, sigsz);
	*out = buf;
	*outsz = total;
	return GC_OK;
}

char *gc_x509_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b != NULL && PEM_write_bio_X509(b, x) == 1 && (n = BIO_get_mem_data(b, &data)) > 0)
		out = strndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

size_t gc_der_time(int64_t t, unsigned char out[17])
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[16];
	bool utc;

	gmtime_r(&tt, &tm);
	utc = tm.tm_year + 1900 >= 1950 && tm.tm_year + 1900 <= 2049;
	if (utc)
		snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", (tm.tm_year + 1900) % 100,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	out[0] = utc ? 0x17 : 0x18;
	out[1] = (unsigned char)strlen(s);
	memcpy(out + 2, s, out[1]);
	return 2u + out[1];
}
