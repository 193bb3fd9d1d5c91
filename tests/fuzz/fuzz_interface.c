/*
 * fuzz_interface.c - libFuzzer harness for the interface file decoder: the CMS envelope
 * (x509/cms.c: gc_cms_verify against a pinned certificate), then the document and every
 * request in it (core/interface.c: gc_iface_parse, which runs the request validator).
 *
 * The first byte chooses the layer: even, the input is a whole file (CMS, then, should it
 * ever verify, the JSON); odd, the rest is the JSON document directly, so the document
 * parser is reached without a valid signature. An accepted document must hold what
 * interface.h promises.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/interface.h"
#include "x509/cms.h"

#define MAX_REQUESTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static STACK_OF(X509) *pins;

/* A pinned certificate for the CMS layer: made once, never matching fuzz input. */
static void make_pin(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"fuzz RA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	pins = sk_X509_new_null();
	sk_X509_push(pins, x);
}

static void check_document(const char *json, size_t len)
{
	struct gc_iface_batch *b = NULL;
	size_t i;

	if (gc_iface_parse(json, len, MAX_REQUESTS, &b) != GC_OK)
		return;
	if (b->n < 1 || b->n > MAX_REQUESTS || b->batch_id[0] == '\0')
		abort();
	for (i = 0; i < b->n; i++) {
		const struct gc_iface_item *it = &b->items[i];
		if (it->id[0] == '\0' || strlen(it->sha256) != 64)
			abort();
		if (it->code == GC_OK && it->type != GC_IFACE_REVOKE && it->issue == NULL)
			abort();
		if (it->code == GC_OK && it->type == GC_IFACE_REVOKE &&
		    (strlen(it->revoke.serial) != 40 || it->revoke.reason < 0 || it->revoke.reason > 6))
			abort();
	}
	gc_iface_batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *content = NULL;
	size_t len = 0;

	if (pins == NULL)
		make_pin();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		check_document((const char *)data + 1, size - 1);
		return 0;
	}
	if (gc_cms_verify(data + 1, size - 1, 1u << 20, pins, 1764000000, &content, &len, NULL) == GC_OK) {
		check_document((const char *)content, len);
		free(content);
	}
	return 0;
}
