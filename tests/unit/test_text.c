/* test_text.c - UTF-8, string repertoires, email syntax, hex (core/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/text.h"

#define CHARS(s) gc_utf8_chars((s), sizeof(s) - 1)

static void utf8_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(CHARS(""), 0);
	assert_int_equal(CHARS("CHAN Tai Man"), 12);
	assert_int_equal(CHARS("基礎設施科"), 5);
	assert_int_equal(CHARS("\xF0\x9F\x98\x80"), 1); /* U+1F600 */
}

static void utf8_rejects_malformed(void **state)
{
	(void)state;
	assert_int_equal(CHARS("\xC0\xAF"), -1);         /* overlong '/' */
	assert_int_equal(CHARS("\xE0\x80\xAF"), -1);     /* overlong 3-byte */
	assert_int_equal(CHARS("\xED\xA0\x80"), -1);     /* surrogate U+D800 */
	assert_int_equal(CHARS("\xF4\x90\x80\x80"), -1); /* beyond U+10FFFF */
	assert_int_equal(CHARS("\xE5\x9F"), -1);         /* truncated */
	assert_int_equal(CHARS("\x80"), -1);             /* lone continuation */
	assert_int_equal(CHARS("\xFF"), -1);
}

static void utf8_rejects_controls(void **state)
{
	(void)state;
	assert_int_equal(CHARS("a\nb"), -1);
	assert_int_equal(CHARS("a\x7f"), -1);
	assert_int_equal(CHARS("\xC2\x85"), -1); /* C1 NEL */
	assert_int_equal(gc_utf8_chars("a\0b", 3), -1);
}

static void printable_string_repertoire(void **state)
{
	(void)state;
	assert_true(gc_is_printable_string("Hongkong Post g-Cert (Individual)", 33));
	assert_true(gc_is_printable_string("e-Cert CA 2 - 17", 16));
	assert_false(gc_is_printable_string("a@b", 3));
	assert_false(gc_is_printable_string("a&b", 3));
	assert_false(gc_is_printable_string("a_b", 3));
	assert_false(gc_is_printable_string("\xE5\x9F\xBA", 3));
}

static void email_syntax(void **state)
{
	static const char *good[] = {"tmchan@example.gov.hk", "a.b+c@x-y.hk", "x@a.b"};
	static const char *bad[] = {"", "@example.gov.hk", "tmchan@", "tmchan", "a@@b.hk",
	                            "a..b@x.hk", ".a@x.hk", "a.@x.hk", "a@x", "a@-x.hk", "a@x-.hk",
	                            "a@x..hk", "a b@x.hk", "\xE9@x.hk", "a@x.hk."};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(gc_is_email(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gc_is_email(bad[i], strlen(bad[i])))
			fail_msg("accepted bad address \"%s\"", bad[i]);
	}
}

static void hex_round_trip(void **state)
{
	unsigned char in[3] = {0x00, 0xAB, 0xFF}, out[3];
	char hex[7];

	(void)state;
	gc_hex_encode(in, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_true(gc_hex_decode("00ABff", out, 3));
	assert_memory_equal(in, out, 3);
	assert_false(gc_hex_decode("00ab", out, 3));
	assert_false(gc_hex_decode("00abfg", out, 3));
	/* every digit of both cases; a bad character anywhere refuses and writes nothing */
	unsigned char all[11], want[11] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xAB, 0xCD, 0xEF};
	assert_true(gc_hex_decode("0123456789abcdefABCDEF", all, 11));
	assert_memory_equal(all, want, 11);
	static const char *const bad[] = {"g0abff", "0:abff", "00ab/f", "00abf ", "00\303\251ff" /* é: octal, so "ff" stays text */, "00ab-1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		memcpy(out, in, 3);
		assert_false(gc_hex_decode(bad[i], out, 3));
		assert_memory_equal(out, in, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_counts_code_points), cmocka_unit_test(utf8_rejects_malformed),
		cmocka_unit_test(utf8_rejects_controls), cmocka_unit_test(printable_string_repertoire),
		cmocka_unit_test(email_syntax), cmocka_unit_test(hex_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
