/* test_crlbuild.c - DER of CRL entries and times (RFC 5280 §5.1.2.4, §5.1.2.6, App. C I). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "x509/crlbuild.h"
#include "x509/der.h"

static int64_t T(const char *s)
{
	int64_t t = 0;
	assert_true(gc_time_parse(s, &t));
	return t;
}

static void test_entry_20_octets(void **state)
{
	struct gc_crl_entry e = {"7308d180577b77cda45cac7eb771ce9f6721a0d4", 0, 1};
	unsigned char der[GC_CRL_ENTRY_MAX];
	static const unsigned char date[] = {0x17, 0x0d, '2', '6', '1', '1', '2', '4', '1', '0', '0',
	                                     '0', '0', '0', 'Z'};
	static const unsigned char reason[] = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
	                                       0x04, 0x03, 0x0a, 0x01, 0x01};
	size_t n;

	(void)state;
	e.revoked_at = T("2026-11-24T10:00:00Z");
	n = gc_crl_entry_encode(&e, der);
	assert_int_equal(n, 53);
	assert_int_equal(der[0], 0x30);
	assert_int_equal(der[1], 51);
	assert_int_equal(der[2], 0x02); /* INTEGER, 20 content octets */
	assert_int_equal(der[3], 20);
	assert_int_equal(der[4], 0x73);
	assert_memory_equal(der + 24, date, sizeof(date));
	assert_memory_equal(der + 39, reason, sizeof(reason));
}

static void test_entry_sign_and_leading_zeros(void **state)
{
	struct gc_crl_entry hi = {"ff00000000000000000000000000000000000001", 0, 0};
	struct gc_crl_entry lz = {"0000000000000000000000000000000000000080", 0, 0};
	unsigned char der[GC_CRL_ENTRY_MAX];

	(void)state;
	hi.revoked_at = lz.revoked_at = T("2026-11-24T10:00:00Z");
	/* the top bit set: a 0x00 octet keeps the INTEGER positive */
	assert_int_equal(gc_crl_entry_encode(&hi, der), 54);
	assert_int_equal(der[3], 21);
	assert_int_equal(der[4], 0x00);
	assert_int_equal(der[5], 0xff);
	/* leading zero octets are not DER; 0x80 then needs its own 0x00 */
	assert_int_equal(gc_crl_entry_encode(&lz, der), 35);
	assert_int_equal(der[3], 2);
	assert_int_equal(der[4], 0x00);
	assert_int_equal(der[5], 0x80);
	/* the reasonCode 0 (unspecified) is carried, as the CPS says */
	assert_int_equal(der[34], 0x00);
	assert_int_equal(der[33], 0x01);
}

static void test_entry_invalid(void **state)
{
	static const char *const bad[] = {"", "7", "7g", "abc", "00112233445566778899aabbccddeeff0011223344"};
	struct gc_crl_entry e = {NULL, 0, 0};
	unsigned char der[GC_CRL_ENTRY_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.serial_hex = bad[i];
		assert_int_equal(gc_crl_entry_encode(&e, der), 0);
	}
	e.serial_hex = "01";
	e.reason = 7; /* App. C I lists 0..6 */
	assert_int_equal(gc_crl_entry_encode(&e, der), 0);
	e.reason = -1;
	assert_int_equal(gc_crl_entry_encode(&e, der), 0);
}

static void test_time_types(void **state)
{
	unsigned char t[17];

	(void)state;
	assert_int_equal(gc_der_time(T("2049-12-31T23:59:59Z"), t), 15);
	assert_int_equal(t[0], 0x17);
	assert_memory_equal(t + 2, "491231235959Z", 13);
	assert_int_equal(gc_der_time(T("2050-01-01T00:00:00Z"), t), 17);
	assert_int_equal(t[0], 0x18);
	assert_memory_equal(t + 2, "20500101000000Z", 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_20_octets),
		cmocka_unit_test(test_entry_sign_and_leading_zeros),
		cmocka_unit_test(test_entry_invalid),
		cmocka_unit_test(test_time_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
