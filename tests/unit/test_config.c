/* test_config.c - strict configuration (core/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/cps.h"

static gc_result parse(const char *s, struct gc_config *c)
{
	return gc_config_parse(s, strlen(s), c);
}

static void defaults_are_the_cps(void **state)
{
	struct gc_config c;

	(void)state;
	assert_int_equal(parse("{}", &c), GC_OK);
	assert_string_equal(c.root.cn, "Hongkong Post Root CA 2");
	assert_string_equal(c.issuing.cn, "Hongkong Post e-Cert CA 2 - 17");
	assert_string_equal(c.crl_dp, "http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL2.crl");
	assert_int_equal(c.root.validity_years, 25);
}

static void dump_round_trips(void **state)
{
	struct gc_config a, b;
	char *s;

	(void)state;
	gc_config_defaults(&a);
	snprintf(a.issuing.cn, sizeof(a.issuing.cn), "%s", "Hongkong Post e-Cert CA 2 - 23");
	s = gc_config_dump(&a);
	assert_int_equal(parse(s, &b), GC_OK);
	free(s);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void unknown_keys_are_errors(void **state)
{
	struct gc_config c;

	(void)state;
	assert_int_equal(parse("{\"root\":{\"cn\":\"X\",\"colour\":\"red\"}}", &c), GC_E_CONFIG);
	assert_non_null(strstr(gc_err_detail(), "root.colour"));
	assert_int_equal(parse("{\"roots\":{}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"format\":\"other/1\"}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"root\":{\"validity_years\":\"25\"}}", &c), GC_E_CONFIG);
}

static void cps_limits_hold(void **state)
{
	struct gc_config c;

	(void)state;
	/* §4.7: root at most 25 years */
	assert_int_equal(parse("{\"root\":{\"validity_years\":26}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"issuing\":{\"validity_years\":25}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"issuing\":{\"key_label\":\"root-ca-2\"}}", &c), GC_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_cps), cmocka_unit_test(dump_round_trips),
		cmocka_unit_test(unknown_keys_are_errors), cmocka_unit_test(cps_limits_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
