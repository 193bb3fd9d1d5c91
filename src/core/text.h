/*
 * text.h - checks on text from untrusted requests: UTF-8 well-formedness, character
 * counts against RFC 5280 upper bounds, ASN.1 string repertoires, email syntax, hex.
 */
#ifndef GCERT_CORE_TEXT_H
#define GCERT_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Returns the number of code points in s[0..len), or -1 when s is not well-formed
 * UTF-8 (overlong forms, surrogates, values past U+10FFFF, truncated sequences) or
 * contains a control character (C0, DEL, C1), which no certificate name may carry.
 */
long gc_utf8_chars(const char *s, size_t len);
/* True when s[0..len) is well-formed UTF-8 (controls allowed); else *bad is the offset
 * of the first byte that is not. */
bool gc_utf8_valid(const char *s, size_t len, size_t *bad);
/* X.680 PrintableString repertoire: A-Z a-z 0-9 space ' ( ) + , - . / : = ? */
bool gc_is_printable_string(const char *s, size_t len);
/* An RFC 5321 addr-spec in ASCII (local@domain), as rfc822Name and emailAddress need. */
bool gc_is_email(const char *s, size_t len);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void gc_hex_encode(const unsigned char *in, size_t n, char *out);
/* Parses hex (either case) of exactly outsz bytes; false on anything else. */
bool gc_hex_decode(const char *hex, unsigned char *out, size_t outsz);

#endif
