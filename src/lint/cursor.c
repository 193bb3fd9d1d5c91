/* cursor.c - strict DER reading for the linter (X.690 §8, §10). */
#include "lint/cursor.h"

#include <stdio.h>
#include <string.h>

/* Primitive universal types must not arrive in constructed form (X.690 §10.2). */
static bool universal_form_ok(uint8_t tag)
{
	uint8_t num = tag & 0x1f;

	if ((tag & 0xc0) != 0)
		return true; /* context or application: the schema decides */
	if (num == 0x10 || num == 0x11)
		return (tag & 0x20) != 0; /* SEQUENCE, SET are constructed */
	return (tag & 0x20) == 0;
}

const char *gc_cur_next(struct gc_cur *c, struct gc_tlv *t)
{
	const uint8_t *p = c->p;
	size_t n = c->n, len, hdr, i, k;

	if (n < 2)
		return "truncated element";
	if ((p[0] & 0x1f) == 0x1f)
		return "high tag number form is not used by any profile";
	if (!universal_form_ok(p[0]))
		return "primitive type in constructed form (X.690 §10.2)";
	if (p[1] < 0x80) {
		len = p[1];
		hdr = 2;
	} else if (p[1] == 0x80) {
		return "indefinite length (X.690 §10.1)";
	} else {
		k = p[1] & 0x7f;
		if (k > 4 || n < 2 + k)
			return "length field too long or truncated";
		if (p[2] == 0)
			return "length not in minimal form (X.690 §10.1)";
		for (len = 0, i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		if (len < 0x80)
			return "long length form for a short length (X.690 §10.1)";
		hdr = 2 + k;
	}
	if (len > n - hdr)
		return "length runs past the enclosing element";
	t->tag = p[0];
	t->v = p + hdr;
	t->len = len;
	t->raw = p;
	t->rawlen = hdr + len;
	c->p += t->rawlen;
	c->n -= t->rawlen;
	return NULL;
}

const char *gc_cur_expect(struct gc_cur *c, uint8_t tag, struct gc_tlv *t)
{
	struct gc_cur save = *c;
	const char *why;

	if (c->n == 0)
		return "missing";
	if ((why = gc_cur_next(c, t)) != NULL)
		return why;
	if (t->tag != tag) {
		*c = save;
		return "unexpected tag";
	}
	return NULL;
}

bool gc_oid_is(const struct gc_tlv *t, const uint8_t *der_oid, size_t len)
{
	return t->tag == GC_TAG_OID && t->len == len && memcmp(t->v, der_oid, len) == 0;
}

void gc_oid_text(const struct gc_tlv *t, char *out, size_t outsz)
{
	size_t i, w;
	unsigned long v = 0;
	int first = 1;

	snprintf(out, outsz, "?");
	if (t->len == 0 || (t->v[t->len - 1] & 0x80))
		return;
	out[0] = '\0';
	for (i = 0; i < t->len; i++) {
		if (v == 0 && t->v[i] == 0x80)
			return; /* non-minimal sub-identifier */
		if (v > (~0ul >> 8))
			return;
		v = v << 7 | (t->v[i] & 0x7f);
		if (t->v[i] & 0x80)
			continue;
		w = strlen(out);
		if (first)
			snprintf(out + w, outsz - w, "%lu.%lu", v < 80 ? v / 40 : 2, v < 80 ? v % 40 : v - 80);
		else
			snprintf(out + w, outsz - w, ".%lu", v);
		first = 0;
		v = 0;
	}
}

bool gc_int_minimal(const struct gc_tlv *t, bool *negative)
{
	if (t->len == 0)
		return false;
	*negative = (t->v[0] & 0x80) != 0;
	if (t->len > 1 && ((t->v[0] == 0x00 && !(t->v[1] & 0x80)) ||
	                   (t->v[0] == 0xff && (t->v[1] & 0x80))))
		return false;
	return true;
}

bool gc_int_value(const struct gc_tlv *t, long *v)
{
	bool neg;
	size_t i;

	if (!gc_int_minimal(t, &neg) || neg || t->len > sizeof(long) - 1 + (t->v[0] == 0))
		return false;
	for (*v = 0, i = 0; i < t->len; i++)
		*v = *v << 8 | t->v[i];
	return true;
}

static bool digits(const uint8_t *s, int n, int *v)
{
	int i;

	for (*v = 0, i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

const char *gc_time_decode(const struct gc_tlv *t, int64_t *out)
{
	const uint8_t *s = t->v;
	int y, mo, d, h, mi, sec, yy;

	if (t->tag == GC_TAG_UTCTIME) {
		if (t->len != 13 || s[12] != 'Z' || !digits(s, 2, &yy))
			return "UTCTime must be YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1)";
		y = yy < 50 ? 2000 + yy : 1900 + yy;
		s += 2;
	} else if (t->tag == GC_TAG_GENTIME) {
		if (t->len != 15 || s[14] != 'Z' || !digits(s, 4, &y))
			return "GeneralizedTime must be YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.2)";
		s += 4;
	} else {
		return "not a UTCTime or GeneralizedTime";
	}
	if (!digits(s, 2, &mo) || !digits(s + 2, 2, &d) || !digits(s + 4, 2, &h) ||
	    !digits(s + 6, 2, &mi) || !digits(s + 8, 2, &sec))
		return "time has non-digits";
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return "time is not a valid date and time";
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return NULL;
}
