/* test_ra_link_config.c - DIR/link.json of the RA link (src/ra/link_config.c): strict,
 * every rule of docs/ra-link.md, hostile inputs beside good ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ra/link_int.h"

#define GOOD_CA "\"ca\":{\"interface_url\":\"https://127.0.0.1:8443/interface\",\"service_cert\":\"ca-service.pem\"," \
                "\"tls_cert\":\"/etc/gcert/ca-tls.pem\"}"
#define GOOD_CRL "\"crl\":{\"urls\":[\"http://127.0.0.1:8080/crl/eCertCA2-17CRL2.crl\"],\"ca_certs\":[\"ca.pem\"]}"
#define HEAD "{\"format\":\"gcert-ra-link/1\",\"ra_name\":\"cmmp\","

static struct gc_ra_link_config cfg;

static gc_result parse(const char *s)
{
	return gc_ra_link_config_parse("/srv/ra", s, strlen(s), &cfg);
}

static void expect(const char *json, gc_result code, const char *needle)
{
	gc_err_clear();
	assert_int_equal(parse(json), code);
	if (needle != NULL && strstr(gc_err_detail(), needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, gc_err_detail());
}

static void good_online(void **state)
{
	(void)state;
	assert_int_equal(parse(HEAD "\"mode\":\"online\"," GOOD_CA "," GOOD_CRL "}"), GC_OK);
	assert_string_equal(cfg.ra_name, "cmmp");
	assert_false(cfg.batch);
	assert_string_equal(cfg.ca_service_cert, "/srv/ra/ca-service.pem"); /* relative to the directory */
	assert_string_equal(cfg.ca_tls_cert, "/etc/gcert/ca-tls.pem");      /* absolute kept */
	assert_int_equal(cfg.n_crl_urls, 1);
	assert_string_equal(cfg.crl_ca_certs[0], "/srv/ra/ca.pem");
	assert_int_equal(cfg.connect_timeout, 10);
	assert_string_equal(cfg.token_label, "gcert-ra");
}

static void good_batch_needs_no_url(void **state)
{
	(void)state;
	assert_int_equal(parse(HEAD "\"mode\":\"batch\",\"ca\":{\"service_cert\":\"s.pem\"}," GOOD_CRL
	                       ",\"timeouts\":{\"crl_seconds\":5},\"token\":{\"label\":\"other\"}}"), GC_OK);
	assert_true(cfg.batch);
	assert_int_equal(cfg.crl_timeout, 5);
	assert_string_equal(cfg.token_label, "other");
}

static void unknown_keys_are_named(void **state)
{
	(void)state;
	expect(HEAD "\"mode\":\"online\",\"colour\":1," GOOD_CA "," GOOD_CRL "}", GC_E_CONFIG, "colour: unknown key");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"url\":\"https://x/\"}," GOOD_CRL "}", GC_E_CONFIG,
	       "ca.url: unknown key");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA ",\"crl\":{\"urls\":[],\"x\":1}}", GC_E_CONFIG, "crl.urls");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA "," GOOD_CRL ",\"timeouts\":{\"total\":3}}", GC_E_CONFIG,
	       "timeouts.total: unknown key");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA "," GOOD_CRL ",\"token\":{\"pin\":\"1234\"}}", GC_E_CONFIG,
	       "token.pin: unknown key");
}

static void hostile_values(void **state)
{
	(void)state;
	expect("[]", GC_E_CONFIG, "not a JSON object");
	expect("{\"format\":", GC_E_CONFIG, "line 1");
	expect(HEAD "\"mode\":\"online\",\"mode\":\"batch\"," GOOD_CA "," GOOD_CRL "}", GC_E_CONFIG, "duplicate");
	expect("{\"ra_name\":\"cmmp\"}", GC_E_CONFIG, "format: missing");
	expect("{\"format\":\"gcert-ra-link/2\"}", GC_E_CONFIG, "format: expected");
	expect(HEAD "\"mode\":\"sometimes\"," GOOD_CA "," GOOD_CRL "}", GC_E_CONFIG, "mode");
	expect("{\"format\":\"gcert-ra-link/1\",\"ra_name\":\"CMMP\"}", GC_E_CONFIG, "ra_name");
	expect("{\"format\":\"gcert-ra-link/1\",\"ra_name\":\"a-very-long-name-of-more-than-32-chars\"}", GC_E_CONFIG,
	       "ra_name");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"interface_url\":\"http://127.0.0.1/interface\"}}", GC_E_CONFIG,
	       "must be a https:// URL");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"interface_url\":\"https://a b/\"}}", GC_E_CONFIG, "space");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA ",\"crl\":{\"urls\":[\"ldap://x/crl\"]}}", GC_E_CONFIG,
	       "http:// URL");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA ",\"crl\":{\"urls\":[\"http://1\",\"http://2\",\"http://3\","
	       "\"http://4\",\"http://5\",\"http://6\",\"http://7\",\"http://8\",\"http://9\"]}}", GC_E_CONFIG, "1..8");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA "," GOOD_CRL ",\"timeouts\":{\"connect_seconds\":0}}", GC_E_CONFIG,
	       "1..3600");
	expect(HEAD "\"mode\":\"online\"," GOOD_CA "," GOOD_CRL ",\"timeouts\":{\"connect_seconds\":\"5\"}}",
	       GC_E_CONFIG, "1..3600");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"service_cert\":\"\"}}", GC_E_CONFIG, "non-empty path");
}

static void missing_parts(void **state)
{
	(void)state;
	expect(HEAD GOOD_CA "," GOOD_CRL "}", GC_E_CONFIG, "mode: missing");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"interface_url\":\"https://x/\",\"tls_cert\":\"t\"}," GOOD_CRL "}",
	       GC_E_CONFIG, "ca.service_cert: missing");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"service_cert\":\"s\",\"tls_cert\":\"t\"}," GOOD_CRL "}", GC_E_CONFIG,
	       "ca.interface_url: missing");
	expect(HEAD "\"mode\":\"online\",\"ca\":{\"service_cert\":\"s\",\"interface_url\":\"https://x/\"}," GOOD_CRL
	       "}", GC_E_CONFIG, "ca.tls_cert: missing");
	expect(HEAD "\"mode\":\"batch\",\"ca\":{\"service_cert\":\"s\"}}", GC_E_CONFIG, "crl.urls: missing");
	expect(HEAD "\"mode\":\"batch\",\"ca\":{\"service_cert\":\"s\"},\"crl\":{\"urls\":[\"http://x/a.crl\"]}}",
	       GC_E_CONFIG, "crl.ca_certs: missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_online),
		cmocka_unit_test(good_batch_needs_no_url),
		cmocka_unit_test(unknown_keys_are_named),
		cmocka_unit_test(hostile_values),
		cmocka_unit_test(missing_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
