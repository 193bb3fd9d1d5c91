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

/* App. C: CRL files, schedule and nextUpdate (issue 3) */
static void crl_settings(void **state)
{
	struct gc_config c;

	(void)state;
	assert_int_equal(parse("{}", &c), GC_OK);
	assert_string_equal(c.full_crl, "http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL1.crl");
	assert_string_equal(c.crl_schedule, "01:15,06:15,11:00");
	assert_int_equal(c.crl_next_update_hours, 24);
	assert_string_equal(gc_config_crl_file(c.crl_dp), "eCertCA2-17CRL2.crl");
	assert_int_equal(parse("{\"crl\":{\"schedule\":\"00:00\",\"next_update_hours\":12}}", &c), GC_OK);
	assert_int_equal(c.crl_next_update_hours, 12);
	/* three CRLs must not share a file */
	assert_int_equal(parse("{\"profile\":{\"full_crl_url\":\"http://x/eCertCA2-17CRL2.crl\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"arl\":{\"url\":\"http://x/a/eCertCA2-17CRL1.crl\"}}", &c), GC_E_CONFIG);
	/* file names are plain, URLs http(s) or ldap, schedules HH:MM increasing */
	assert_int_equal(parse("{\"profile\":{\"full_crl_url\":\"http://x/../../etc.crl\"}}", &c), GC_OK);
	assert_string_equal(gc_config_crl_file(c.full_crl), "etc.crl");
	assert_int_equal(parse("{\"profile\":{\"full_crl_url\":\"http://x/a b.crl\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"profile\":{\"full_crl_url\":\"http://x/full.pem\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"profile\":{\"full_crl_url\":\"file:///x/full.crl\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"crl\":{\"schedule\":\"11:00,01:15\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"crl\":{\"next_update_hours\":73}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"crl\":{\"colour\":\"red\"}}", &c), GC_E_CONFIG);
	assert_int_equal(parse("{\"calendar\":{\"holidays\":\"/etc/hk.txt\"}}", &c), GC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_cps), cmocka_unit_test(dump_round_trips),
		cmocka_unit_test(unknown_keys_are_errors), cmocka_unit_test(cps_limits_hold),
		cmocka_unit_test(crl_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
