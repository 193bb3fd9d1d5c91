/* text.c - text checks for certificate names (RFC 5280 §4.1.2.4, App. A bounds). */
#include "core/text.h"

#include <string.h>

/* Decodes one code point at s[i]; returns its length, or 0 when malformed. */
static size_t utf8_next(const unsigned char *s, size_t len, size_t i, unsigned *out)
{
	unsigned char c = s[i];
	unsigned cp, need, k;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		cp = c & 0x1F, need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		cp = c & 0x0F, need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		cp = c & 0x07, need = 3;
	else
		return 0;
	if (len - i - 1 < need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[i + k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i + k] & 0x3F);
	}
	/* overlong 3- and 4-byte forms, surrogates, beyond Unicode */
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	*out = cp;
	return need + 1;
}

bool gc_utf8_valid(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		if ((n = utf8_next(s, len, i, &cp)) == 0) {
			*bad = i;
			return false;
		}
		i += n;
	}
	return true;
}

long gc_utf8_chars(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;
	long count = 0;
	unsigned cp;

	while (i < len) {
		if ((n = utf8_next(s, len, i, &cp)) == 0)
			return -1;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return -1;
		i += n;
		count++;
	}
	return count;
}

bool gc_is_printable_string(const char *s, size_t len)
{
	static const char extra[] = " '()+,-./:=?";
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '\0' || strchr(extra, c) == NULL)
			return false;
	}
	return true;
}

static bool is_atext(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool is_label_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

bool gc_is_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t local, i, labellen = 0, labels = 1;

	if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL)
		return false;
	local = (size_t)(at - s);
	/* RFC 5321 §4.5.3.1: local part at most 64 octets; dot-atom only. */
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]))
			return false;
	}
	/* domain: dot-separated LDH labels of 1..63, at least two labels */
	for (i = local + 1; i < len; i++) {
		if (s[i] == '.') {
			if (labellen == 0 || s[i - 1] == '-')
				return false;
			labellen = 0;
			labels++;
			continue;
		}
		if (!is_label_char(s[i]) || (labellen == 0 && s[i] == '-') || ++labellen > 63)
			return false;
	}
	return labellen > 0 && s[len - 1] != '-' && labels >= 2 && len - local - 1 <= 253;
}

void gc_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xF];
	}
	out[2 * n] = '\0';
}

/* One more than the value of each hex digit, 0 for anything else: one load per
 * character and no branch on the digit (serials are random, so branches on them were
 * mispredicted half the time; the CRL path decodes every revoked serial, issue 18). */
#define HX(c, v) [c] = (v) + 1
static const unsigned char hexval1[256] = {
	HX('0', 0), HX('1', 1), HX('2', 2), HX('3', 3), HX('4', 4), HX('5', 5), HX('6', 6), HX('7', 7),
	HX('8', 8), HX('9', 9), HX('a', 10), HX('b', 11), HX('c', 12), HX('d', 13), HX('e', 14),
	HX('f', 15), HX('A', 10), HX('B', 11), HX('C', 12), HX('D', 13), HX('E', 14), HX('F', 15),
};
#undef HX

bool gc_hex_decode(const char *hex, unsigned char *out, size_t outsz)
{
	const unsigned char *h = (const unsigned char *)hex;
	unsigned char all = 1;
	size_t i;

	if (strlen(hex) != 2 * outsz)
		return false;
	for (i = 0; i < 2 * outsz; i++)
		all &= (unsigned char)(hexval1[h[i]] != 0);
	if (!all)
		return false; /* out unchanged */
	for (i = 0; i < outsz; i++)
		out[i] = (unsigned char)((hexval1[h[2 * i]] - 1) << 4 | (hexval1[h[2 * i + 1]] - 1));
	return true;
}
