/*
 * fuzz_csr.c - libFuzzer harness for the CSR parser (x509/csr.c: gc_csr_parse), the
 * first code that touches a CSR from the RA (CPS §6.1.2). The first input byte picks
 * the layer: odd - the rest is PEM text as the request carries it; even - the rest is
 * DER, wrapped into PEM here so that mutations reach the DER decoder and the key rules
 * instead of dying in base64.
 *
 * Each input goes through both readers of csr.c: the fast reader of the common request
 * (issue 18) and OpenSSL's full decoder. They must agree: same verdict, same error code,
 * same key. The fast reader may only ever say what the full one says.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "x509/csr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *pem_wrap(const uint8_t *der, size_t n, size_t *len)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	static const char tail[] = "-----END CERTIFICATE REQUEST-----\n";
	size_t b64 = 4 * ((n + 2) / 3), lines = b64 / 64 + 1, i, o;
	char *buf = malloc(sizeof(head) + b64 + lines + sizeof(tail) + 1);
	unsigned char *enc = malloc(b64 + 1);

	if (buf == NULL || enc == NULL) {
		free(buf);
		free(enc);
		return NULL;
	}
	EVP_EncodeBlock(enc, der, (int)n);
	memcpy(buf, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; i < b64; i++) {
		buf[o++] = (char)enc[i];
		if (i % 64 == 63)
			buf[o++] = '\n';
	}
	if (b64 % 64 != 0)
		buf[o++] = '\n';
	memcpy(buf + o, tail, sizeof(tail) - 1);
	o += sizeof(tail) - 1;
	buf[o] = '\0';
	*len = o;
	free(enc);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_csr *csr = NULL, *fast = NULL;
	gc_result rc_fast, rc_full;
	char *pem;
	size_t len;

	if (size < 1 || size > 2 * GC_MAX_CSR_PEM)
		return 0;
	if (data[0] & 1) {
		if ((pem = malloc(size)) == NULL)
			return 0;
		memcpy(pem, data + 1, size - 1);
		pem[size - 1] = '\0';
		len = size - 1;
	} else if ((pem = pem_wrap(data + 1, size - 1, &len)) == NULL) {
		return 0;
	}
	gc_csr_fast_path = true;
	rc_fast = gc_csr_parse("fuzz", pem, len, &fast);
	gc_err_clear();
	gc_csr_fast_path = false;
	rc_full = gc_csr_parse("fuzz", pem, len, &csr);
	gc_err_clear();
	gc_csr_fast_path = true;
	if (rc_fast != rc_full)
		abort();
	if (rc_full == GC_OK) {
		/* a CSR that passes must hold what the CPS demands of it */
		if (EVP_PKEY_get_base_id(csr->pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(csr->pkey) != 2048)
			abort();
		if (fast->spkisz != csr->spkisz || memcmp(fast->spki, csr->spki, csr->spkisz) != 0 ||
		    strcmp(fast->spki_sha256_hex, csr->spki_sha256_hex) != 0 ||
		    memcmp(fast->key_id, csr->key_id, sizeof(csr->key_id)) != 0)
			abort();
		gc_csr_free(csr);
		gc_csr_free(fast);
	}
	free(pem);
	return 0;
}
