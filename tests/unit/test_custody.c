/* test_custody.c - Shamir shares and their passphrase seals (ca/custody.c, CPS §6.2.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ca/custody.h"

static const unsigned char secret[32] = "0123456789abcdef0123456789abcde";
#define PASS "a passphrase long enough"

static void any_m_of_n_rebuild(void **state)
{
	struct gc_share s[5], pick[3];
	unsigned char out[32];
	unsigned a, b, c;

	(void)state;
	assert_int_equal(gc_custody_split(secret, 32, 5, 3, s), GC_OK);
	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++)
			for (c = b + 1; c < 5; c++) {
				pick[0] = s[c], pick[1] = s[a], pick[2] = s[b]; /* any order */
				memset(out, 0, sizeof(out));
				assert_int_equal(gc_custody_combine(pick, 3, 3, out, 32), GC_OK);
				assert_memory_equal(out, secret, 32);
			}
	/* one share says nothing by itself: it is not the secret */
	assert_memory_not_equal(s[0].data, secret, 32);
}

static void too_few_or_repeated_shares_fail(void **state)
{
	struct gc_share s[3], two[2];
	unsigned char out[32];

	(void)state;
	assert_int_equal(gc_custody_split(secret, 32, 3, 2, s), GC_OK);
	assert_int_equal(gc_custody_combine(s, 1, 2, out, 32), GC_E_SHARES);
	two[0] = s[1], two[1] = s[1];
	assert_int_equal(gc_custody_combine(two, 2, 2, out, 32), GC_E_SHARES);
	/* fewer than M wrong shares give a wrong secret, never the right one */
	two[0] = s[0], two[1] = s[1];
	two[1].data[0] ^= 1;
	assert_int_equal(gc_custody_combine(two, 2, 2, out, 32), GC_OK);
	assert_memory_not_equal(out, secret, 32);
}

static void split_rules(void **state)
{
	struct gc_share s[GC_MAX_CUSTODIANS + 1];

	(void)state;
	assert_int_equal(gc_custody_split(secret, 32, 3, 1, s), GC_E_USAGE); /* one person alone */
	assert_int_equal(gc_custody_split(secret, 32, 2, 3, s), GC_E_USAGE);
	assert_int_equal(gc_custody_split(secret, 32, GC_MAX_CUSTODIANS + 1, 2, s), GC_E_USAGE);
}

static void seal_and_open(void **state)
{
	struct gc_share s[2], back;
	struct gc_share_meta m = {.purpose = "backup", .id = "b1", .custodian = 2, .of = 2, .threshold = 2};
	struct gc_share_meta got;
	char *json = NULL, *evil;

	(void)state;
	assert_int_equal(gc_custody_split(secret, 32, 2, 2, s), GC_OK);
	assert_int_equal(gc_custody_seal(&s[1], &m, PASS, strlen(PASS), &json), GC_OK);
	assert_null(strstr(json, PASS));
	assert_int_equal(gc_custody_open(json, strlen(json), PASS, strlen(PASS), &got, &back), GC_OK);
	assert_int_equal(back.nr, s[1].nr);
	assert_memory_equal(back.data, s[1].data, 32);
	assert_string_equal(got.id, "b1");
	assert_int_equal(got.custodian, 2);
	/* wrong passphrase */
	assert_int_equal(gc_custody_open(json, strlen(json), PASS "x", strlen(PASS) + 1, &got, &back),
	                 GC_E_PASSPHRASE);
	/* the share's identity is bound: relabel it and it no longer opens */
	evil = strdup(json);
	memcpy(strstr(evil, "\"id\": \"b1\""), "\"id\": \"b2\"", 10);
	assert_int_equal(gc_custody_open(evil, strlen(evil), PASS, strlen(PASS), &got, &back), GC_E_PASSPHRASE);
	free(evil);
	/* hostile files */
	assert_int_equal(gc_custody_open("{", 1, PASS, strlen(PASS), &got, &back), GC_E_SHARES);
	assert_int_equal(gc_custody_open("{}", 2, PASS, strlen(PASS), &got, &back), GC_E_SHARES);
	/* short passphrases are refused outright */
	assert_int_equal(gc_custody_seal(&s[0], &m, "short", 5, &evil), GC_E_PASSPHRASE);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_m_of_n_rebuild),
		cmocka_unit_test(too_few_or_repeated_shares_fail),
		cmocka_unit_test(split_rules),
		cmocka_unit_test(seal_and_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
