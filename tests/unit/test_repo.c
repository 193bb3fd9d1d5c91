/*
 * test_repo.c - core/repo.c: the repository's pure logic (CPS §2.5, §2.7, App. C):
 * file table, RFC 4514 DN escaping, RFC 9110 validators and conditional GET, and the
 * per-client token bucket, with hostile inputs beside good ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/cpsdocs.h"
#include "core/limits.h"
#include "core/repo.h"

static void test_files(void **state)
{
	(void)state;
	assert_non_null(gc_repo_file_find("eCertCA2-17CRL1.crl"));
	assert_non_null(gc_repo_file_find("eCertCA2-17CRL2.crl"));
	assert_non_null(gc_repo_file_find("RootCA2ARL.crl"));
	assert_int_equal(gc_repo_file_find("RootCA2ARL.crl")->entry, GC_REPO_ENTRY_ROOT);
	assert_string_equal(gc_repo_file_find("RootCA2ARL.crl")->ldap_attr, "authorityRevocationList;binary");
	/* only whole names of the table: never a path */
	assert_null(gc_repo_file_find("../gcert.db"));
	assert_null(gc_repo_file_find("eCertCA2-17CRL1.crl/"));
	assert_null(gc_repo_file_find("ecertca2-17crl1.crl"));
	assert_null(gc_repo_file_find(""));
}

static void test_dn(void **state)
{
	char out[256], small[8];

	(void)state;
	assert_int_equal(gc_ldap_dn("cn", "Hongkong Post e-Cert CA 2 - 17 CRL1", "o=Hongkong Post,c=HK",
	                            out, sizeof(out)), GC_OK);
	/* App. C I, exactly */
	assert_string_equal(out, "cn=Hongkong Post e-Cert CA 2 - 17 CRL1,o=Hongkong Post,c=HK");
	/* RFC 4514 §2.4: specials escaped; leading '#' and space, trailing space */
	assert_int_equal(gc_ldap_dn_escape("a,b+c\"d\\e<f>g;h=i", out, sizeof(out)), GC_OK);
	assert_string_equal(out, "a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\=i");
	assert_int_equal(gc_ldap_dn_escape("#x y ", out, sizeof(out)), GC_OK);
	assert_string_equal(out, "\\#x y\\ ");
	assert_int_equal(gc_ldap_dn_escape(" lead", out, sizeof(out)), GC_OK);
	assert_string_equal(out, "\\ lead");
	/* an injected RDN stays one value */
	assert_int_equal(gc_ldap_dn("uid", "x,ou=evil", "o=b", out, sizeof(out)), GC_OK);
	assert_string_equal(out, "uid=x\\,ou\\=evil,o=b");
	/* too long: refused, not truncated */
	assert_int_equal(gc_ldap_dn_escape("abcdefghij", small, sizeof(small)), GC_E_FIELD_TOO_LONG);
	assert_int_equal(gc_ldap_dn("cn", "abc", "o=Hongkong Post,c=HK", small, sizeof(small)),
	                 GC_E_FIELD_TOO_LONG);
}

static void test_http_date(void **state)
{
	char d[30];
	int64_t t;

	(void)state;
	gc_http_date(784111777, d);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT"); /* RFC 9110 §5.6.7 example */
	assert_true(gc_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t));
	assert_int_equal(t, 784111777);
	gc_http_date(1577836800, d);
	assert_true(gc_http_date_parse(d, &t));
	assert_int_equal(t, 1577836800);
	/* obsolete or broken forms count as absent */
	assert_false(gc_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t));
	assert_false(gc_http_date_parse("Sun Nov  6 08:49:37 1994", &t));
	assert_false(gc_http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", &t));
	assert_false(gc_http_date_parse("Sun, 06 Foo 1994 08:49:37 GMT", &t));
	assert_false(gc_http_date_parse("Sun, 36 Nov 1994 08:49:37 GMT", &t));
	assert_false(gc_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &t));
	assert_false(gc_http_date_parse("Sun, 0x Nov 1994 08:49:37 GMT", &t));
	assert_false(gc_http_date_parse("", &t));
}

static void test_conditional(void **state)
{
	unsigned char sha[32];
	char etag[36];

	(void)state;
	memset(sha, 0xab, sizeof(sha));
	gc_http_etag(sha, etag);
	assert_string_equal(etag, "\"abababababababababababababababab\"");
	assert_true(gc_http_not_modified(etag, NULL, etag, 100));
	assert_true(gc_http_not_modified("\"x\", W/\"abababababababababababababababab\"", NULL, etag, 100));
	assert_true(gc_http_not_modified("*", NULL, etag, 100));
	assert_false(gc_http_not_modified("\"x\"", NULL, etag, 100));
	assert_false(gc_http_not_modified("\"abababababababababababababababa\"", NULL, etag, 100));
	assert_false(gc_http_not_modified("\"abababababababababababababababab\"x", NULL, etag, 100));
	assert_false(gc_http_not_modified("", NULL, etag, 100));
	/* If-Modified-Since: at or after the mtime */
	assert_true(gc_http_not_modified(NULL, "Thu, 01 Jan 1970 00:01:40 GMT", etag, 100));
	assert_true(gc_http_not_modified(NULL, "Thu, 01 Jan 1970 00:01:41 GMT", etag, 100));
	assert_false(gc_http_not_modified(NULL, "Thu, 01 Jan 1970 00:01:39 GMT", etag, 100));
	assert_false(gc_http_not_modified(NULL, "garbage", etag, 100));
	/* If-None-Match decides alone (RFC 9110 §13.1.3) */
	assert_false(gc_http_not_modified("\"x\"", "Thu, 01 Jan 1970 00:01:41 GMT", etag, 100));
	assert_false(gc_http_not_modified(NULL, NULL, etag, 100));
}

static void test_rate(void **state)
{
	struct gc_rate *r;
	const unsigned char a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	int retry = 0, i;

	(void)state;
	assert_int_equal(gc_rate_new(0, 60, &r), GC_E_CONFIG);
	assert_int_equal(gc_rate_new(3, 60, &r), GC_OK); /* 3 at once, then 1 a second */
	for (i = 0; i < 3; i++)
		assert_true(gc_rate_take(r, a, 4, 1000, &retry));
	assert_false(gc_rate_take(r, a, 4, 1000, &retry));
	assert_int_equal(retry, 1);
	/* another client has its own bucket */
	assert_true(gc_rate_take(r, b, 4, 1000, &retry));
	/* refill: one token a second, never above the burst */
	assert_false(gc_rate_take(r, a, 4, 1500, &retry));
	assert_true(gc_rate_take(r, a, 4, 2000, &retry));
	assert_false(gc_rate_take(r, a, 4, 2000, &retry));
	for (i = 0; i < 3; i++)
		assert_true(gc_rate_take(r, a, 4, 1000000, &retry));
	assert_false(gc_rate_take(r, a, 4, 1000000, &retry));
	/* unknown or oversized addresses share one bucket rather than escape the limit */
	for (i = 0; i < 3; i++)
		assert_true(gc_rate_take(r, NULL, 0, 5000, &retry));
	assert_false(gc_rate_take(r, (const unsigned char *)"01234567890123456789", 20, 5000, &retry));
	gc_rate_free(r);
	gc_rate_free(NULL);
}

/* Many clients at once: the table fills and then fails closed, never open. */
static void test_rate_table_full(void **state)
{
	struct gc_rate *r;
	unsigned char addr[4];
	int retry = 0, refused = 0;
	uint32_t i;

	(void)state;
	assert_int_equal(gc_rate_new(2, 1, &r), GC_OK); /* slow refill: buckets stay in use */
	for (i = 0; i < 2 * GC_RATE_TABLE_SLOTS; i++) {
		memcpy(addr, &i, 4);
		if (!gc_rate_take(r, addr, 4, 0, &retry))
			refused++;
	}
	assert_true(refused >= GC_RATE_TABLE_SLOTS);
	assert_int_equal(retry, 60);
	/* once buckets refill (idle clients), slots are reused */
	addr[0] = 0xee, addr[1] = 0xee, addr[2] = 0xee, addr[3] = 0xee;
	assert_true(gc_rate_take(r, addr, 4, 10 * 60 * 1000, &retry));
	gc_rate_free(r);
}

static void test_cps_docs(void **state)
{
	(void)state;
	assert_true(gc_cps_doc_count >= 1);
	assert_non_null(gc_cps_current());
	assert_ptr_equal(gc_cps_find(gc_cps_current()->version), gc_cps_current());
	assert_null(gc_cps_find("../index"));
	assert_null(gc_cps_find(""));
	/* the 2020 CPS names its own OID's document: g-Cert */
	assert_non_null(gc_cps_find("2020-01-01"));
	assert_true(gc_cps_find("2020-01-01")->size > 100000);
}

static void test_config_repository(void **state)
{
	struct gc_config c;
	static const char absent[] = "{\"format\": \"gcert-config/1\"}";
	static const char set[] = "{\"repository\": {\"ldap_uri\": \"ldap://127.0.0.1:3389\","
	                          " \"lookup_burst\": 7}}";
	static const char unknown[] = "{\"repository\": {\"ldap_url\": \"x\"}}";
	static const char bad[] = "{\"repository\": {\"lookup_per_minute\": 0}}";

	(void)state;
	/* keys absent from an older gcert.json take their defaults */
	assert_int_equal(gc_config_parse(absent, strlen(absent), &c), GC_OK);
	assert_string_equal(c.repo.dir, "repo");
	assert_string_equal(c.repo.ldap_uri, "");
	assert_string_equal(c.repo.ldap_base, "o=Hongkong Post,c=HK");
	assert_string_equal(c.repo.ldap_bind_dn, "cn=publisher,o=Hongkong Post,c=HK");
	assert_int_equal(c.repo.lookup_burst, GC_LOOKUP_BURST);
	assert_int_equal(c.repo.lookup_per_minute, GC_LOOKUP_PER_MINUTE);
	assert_int_equal(gc_config_parse(set, strlen(set), &c), GC_OK);
	assert_string_equal(c.repo.ldap_uri, "ldap://127.0.0.1:3389");
	assert_int_equal(c.repo.lookup_burst, 7);
	assert_int_equal(gc_config_parse(unknown, strlen(unknown), &c), GC_E_CONFIG);
	assert_non_null(strstr(gc_err_detail(), "repository.ldap_url"));
	assert_int_equal(gc_config_parse(bad, strlen(bad), &c), GC_E_CONFIG);
	assert_non_null(strstr(gc_err_detail(), "repository.lookup_per_minute"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_dn),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_rate_table_full),
		cmocka_unit_test(test_cps_docs),
		cmocka_unit_test(test_config_repository),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
