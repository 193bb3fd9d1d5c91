/* test_error.c - the error table (core/error.c): every code named, categorised, mapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/error.h"

static void every_code_has_a_unique_name_and_exit(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < GC_CODE_COUNT; i++) {
		assert_non_null(gc_code_name(i));
		assert_true(strncmp(gc_code_name(i), "GC_", 3) == 0);
		assert_true(strlen(gc_code_message(i)) > 0);
		if (i != GC_OK)
			assert_int_not_equal(gc_category_exit(gc_code_category(i)), 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(gc_code_name(i), gc_code_name(j));
	}
	assert_int_equal(gc_category_exit(gc_code_category(GC_OK)), 0);
	assert_string_equal(gc_code_name(GC_CODE_COUNT + 5), "GC_E_UNKNOWN");
}

static void fail_sets_detail_and_clears_stale_openssl_errors(void **state)
{
	(void)state;
	ERR_put_error(ERR_LIB_EVP, 0, EVP_R_BAD_DECRYPT, __FILE__, __LINE__);
	assert_int_equal(gc_fail(GC_E_KEY_SIZE, "request %d: %s", 17, "RSA 2048"), GC_E_KEY_SIZE);
	assert_string_equal(gc_err_detail(), "request 17: RSA 2048");
	assert_int_equal(gc_err_code(), GC_E_KEY_SIZE);
	assert_int_equal(ERR_peek_error(), 0);
}

static void fail_ssl_drains_the_queue_into_the_detail(void **state)
{
	(void)state;
	ERR_put_error(ERR_LIB_EVP, 0, EVP_R_BAD_DECRYPT, __FILE__, __LINE__);
	gc_fail_ssl(GC_E_INTERNAL, "decrypt");
	assert_non_null(strstr(gc_err_detail(), "decrypt: bad decrypt"));
	assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_unique_name_and_exit),
		cmocka_unit_test(fail_sets_detail_and_clears_stale_openssl_errors),
		cmocka_unit_test(fail_ssl_drains_the_queue_into_the_detail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
