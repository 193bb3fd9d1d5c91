/* derbuf.c - a growing DER output (see derbuf.h). */
#include "x509/derbuf.h"

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <string.h>

#include "x509/der.h"

static bool reserve(struct gc_derbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 2048;
	uint8_t *p;

	if (b->failed)
		return false;
	if (b->len + more <= b->cap)
		return true;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = OPENSSL_realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void gc_derbuf_raw(struct gc_derbuf *b, const void *v, size_t n)
{
	if (n > 0 && reserve(b, n)) {
		memcpy(b->p + b->len, v, n);
		b->len += n;
	}
}

void gc_derbuf_tlv(struct gc_derbuf *b, uint8_t tag, const void *v, size_t n)
{
	uint8_t h[16]; /* tag and a length of up to 8 octets */
	size_t hl;

	h[0] = tag;
	hl = 1 + gc_der_put_len(h + 1, n);
	gc_derbuf_raw(b, h, hl);
	gc_derbuf_raw(b, v, n);
}

void gc_derbuf_oid(struct gc_derbuf *b, const ASN1_OBJECT *o)
{
	if (o == NULL || OBJ_length(o) == 0) {
		b->failed = true;
		return;
	}
	gc_derbuf_tlv(b, V_ASN1_OBJECT, OBJ_get0_data(o), OBJ_length(o));
}

size_t gc_derbuf_open(const struct gc_derbuf *b)
{
	return b->len;
}

void gc_derbuf_close(struct gc_derbuf *b, size_t mark, uint8_t tag)
{
	uint8_t h[16]; /* tag and a length of up to 8 octets */
	size_t hl, n;

	if (b->failed || mark > b->len)
		return;
	n = b->len - mark;
	h[0] = tag;
	hl = 1 + gc_der_put_len(h + 1, n);
	if (!reserve(b, hl))
		return;
	memmove(b->p + mark + hl, b->p + mark, n);
	memcpy(b->p + mark, h, hl);
	b->len += hl;
}

void gc_derbuf_free(struct gc_derbuf *b)
{
	OPENSSL_free(b->p);
	memset(b, 0, sizeof(*b));
}
