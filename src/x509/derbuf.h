/*
 * derbuf.h - a growing DER output for objects whose parts are all known DER (issue 18:
 * the subscriber TBSCertificate without OpenSSL's X509 object, whose name copies cost
 * more than the rest of the certificate). Nested values are written content first; closing
 * one puts its tag and length in front. A failed allocation is remembered: the caller
 * checks once, at the end.
 */
#ifndef GCERT_X509_DERBUF_H
#define GCERT_X509_DERBUF_H

#include <openssl/asn1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gc_derbuf {
	uint8_t *p; /* OPENSSL_malloc'ed: the caller OPENSSL_free()s it */
	size_t len, cap;
	bool failed; /* out of memory: p holds nothing usable */
};

/* Appends n octets as they are. */
void gc_derbuf_raw(struct gc_derbuf *, const void *v, size_t n);
/* Appends one TLV with a single-octet tag. */
void gc_derbuf_tlv(struct gc_derbuf *, uint8_t tag, const void *v, size_t n);
/* Appends an OBJECT IDENTIFIER. */
void gc_derbuf_oid(struct gc_derbuf *, const ASN1_OBJECT *);
/* Where a constructed value starts; gc_derbuf_close(b, mark, tag) wraps what follows. */
size_t gc_derbuf_open(const struct gc_derbuf *);
void gc_derbuf_close(struct gc_derbuf *, size_t mark, uint8_t tag);
void gc_derbuf_free(struct gc_derbuf *);

#endif
