/*
 * cursor.h - a bounded, strict DER reader for the linter (X.690 §10 DER rules).
 *
 * The linter parses every object itself instead of trusting a library's lenient
 * decoder: each read checks the tag form, a definite and minimal length, and that the
 * element fits its parent. Whatever this reader accepts re-encodes to the same bytes,
 * so "canonical DER" is proved by parsing, not by re-encoding.
 */
#ifndef GCERT_LINT_CURSOR_H
#define GCERT_LINT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Universal and context tags the profiles use (X.680 §8.4, RFC 5280 App. A). */
#define GC_TAG_BOOLEAN 0x01
#define GC_TAG_INTEGER 0x02
#define GC_TAG_BIT_STRING 0x03
#define GC_TAG_OCTET_STRING 0x04
#define GC_TAG_NULL 0x05
#define GC_TAG_OID 0x06
#define GC_TAG_ENUMERATED 0x0a
#define GC_TAG_UTF8 0x0c
#define GC_TAG_PRINTABLE 0x13
#define GC_TAG_IA5 0x16
#define GC_TAG_UTCTIME 0x17
#define GC_TAG_GENTIME 0x18
#define GC_TAG_SEQUENCE 0x30
#define GC_TAG_SET 0x31
#define GC_TAG_CTX(n) (0x80 | (n))      /* [n] IMPLICIT, primitive */
#define GC_TAG_CTX_CONS(n) (0xa0 | (n)) /* [n], constructed */

/* The bytes not yet read. */
struct gc_cur {
	const uint8_t *p;
	size_t n;
};

/* One element: its tag, its content, and the whole encoding (for byte comparisons). */
struct gc_tlv {
	uint8_t tag;
	const uint8_t *v;
	size_t len;
	const uint8_t *raw;
	size_t rawlen;
};

static inline struct gc_cur gc_cur_of(const uint8_t *p, size_t n)
{
	struct gc_cur c = {p, n};
	return c;
}

/* The content of an element as a cursor over its children. */
static inline struct gc_cur gc_cur_in(const struct gc_tlv *t)
{
	return gc_cur_of(t->v, t->len);
}

static inline bool gc_cur_done(const struct gc_cur *c)
{
	return c->n == 0;
}

/* The tag of the next element, or -1 at the end. */
static inline int gc_cur_peek(const struct gc_cur *c)
{
	return c->n > 0 ? c->p[0] : -1;
}

/*
 * Reads the next element. Returns NULL on success, else why it is not DER (a short
 * static text). On failure the cursor is unchanged.
 */
const char *gc_cur_next(struct gc_cur *, struct gc_tlv *) __attribute__((warn_unused_result));
/* Reads the next element and requires its tag; on a tag mismatch says so. On failure
 * the element is not set: every caller must look at the result (the fuzzer found
 * one that did not). */
const char *gc_cur_expect(struct gc_cur *, uint8_t tag, struct gc_tlv *)
	__attribute__((warn_unused_result));

/* True when an OID's content bytes equal the dotted text (both forms compared). */
bool gc_oid_is(const struct gc_tlv *, const uint8_t *der_oid, size_t len);
/* Dotted text of an OID's content, for messages; "?" when malformed. */
void gc_oid_text(const struct gc_tlv *, char *out, size_t outsz);
/* DER INTEGER rules (X.690 §8.3.2): non-empty, minimal; *negative is set. */
bool gc_int_minimal(const struct gc_tlv *, bool *negative);
/* A small non-negative INTEGER or ENUMERATED, when it fits in a long. */
bool gc_int_value(const struct gc_tlv *, long *v);
/*
 * UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280 §4.1.2.5.1,
 * §4.1.2.5.2) into seconds since 1970; NULL or why it is malformed.
 */
const char *gc_time_decode(const struct gc_tlv *, int64_t *t);

#endif
