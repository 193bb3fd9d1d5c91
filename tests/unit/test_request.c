/* test_request.c - request objects checked field by field (core/request.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/request.h"

static json_t *good(void)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s}",
	                 "id", "req-0001", "type", "issue", "cert_type", "individual",
	                 "validity_years", 2, "subject", "name", "CHAN Tai Man David", "email",
	                 "tmchan@example.gov.hk", "branch", "Infrastructure Division", "organisation",
	                 "Office of the Government Chief Information Officer", "branch_abbr", "INFRA",
	                 "branch_zh", "基礎設施科", "organisation_zh", "政府資訊科技總監辦公室",
	                 "category", "Civil Servant", "csr", "-----BEGIN CERTIFICATE REQUEST-----");
}

/* Parses obj (consumed) and expects code; returns the request on success. */
static struct gc_issue_request *expect(json_t *obj, enum gc_code code, const char *needle)
{
	char *s = json_dumps(obj, 0);
	struct gc_issue_request *r = NULL;
	gc_result rc = gc_request_parse(s, strlen(s), &r);

	free(s);
	json_decref(obj);
	if (rc != code)
		fail_msg("expected %s, got %s: %s", gc_code_name(code), gc_code_name(rc), gc_err_detail());
	if (needle != NULL && strstr(gc_err_detail(), needle) == NULL)
		fail_msg("message \"%s\" does not mention \"%s\"", gc_err_detail(), needle);
	if (rc != GC_OK)
		assert_null(r);
	return r;
}

static json_t *with_subject(const char *key, json_t *value)
{
	json_t *o = good();
	json_object_set_new(json_object_get(o, "subject"), key, value);
	return o;
}

static json_t *with(const char *key, json_t *value)
{
	json_t *o = good();
	json_object_set_new(o, key, value);
	return o;
}

static void accepts_a_good_request(void **state)
{
	struct gc_issue_request *r = expect(good(), GC_OK, NULL);

	(void)state;
	assert_string_equal(r->id, "req-0001");
	assert_int_equal(r->profile->type, GC_CERT_INDIVIDUAL);
	assert_int_equal(r->validity_years, 2);
	assert_string_equal(r->fields[GC_F_BRANCH_ZH], "基礎設施科");
	assert_null(r->fields[GC_F_SUBSCRIBER_REF]);
	gc_request_free(r);
}

static void renewal_names_the_certificate(void **state)
{
	json_t *o = with("type", json_string("renew"));
	struct gc_issue_request *r;

	(void)state;
	json_object_set_new(o, "renews", json_string("00112233445566778899AABBCCDDEEFF00112233"));
	r = expect(o, GC_OK, NULL);
	assert_int_equal(r->type, GC_REQ_RENEW);
	assert_string_equal(r->renews, "00112233445566778899aabbccddeeff00112233");
	gc_request_free(r);
	o = with("type", json_string("renew"));
	json_object_set_new(o, "renews", json_string("0011"));
	expect(o, GC_E_REQUEST_FIELD, "40 hex digits");
}

static void email_may_be_absent(void **state)
{
	json_t *o = good();
	struct gc_issue_request *r;

	(void)state;
	json_object_del(json_object_get(o, "subject"), "email");
	r = expect(o, GC_OK, NULL);
	assert_null(r->fields[GC_F_EMAIL]);
	gc_request_free(r);
	gc_request_free(expect(with_subject("email", json_string("")), GC_OK, NULL));
}

static void functional_unit_name_is_free_form(void **state)
{
	json_t *o = with("cert_type", json_string("functional_unit"));

	(void)state;
	json_object_set_new(json_object_get(o, "subject"), "name", json_string("Registry Unit"));
	gc_request_free(expect(o, GC_OK, NULL));
	/* but an individual needs "SURNAME Given" (App. B note 1) */
	expect(with_subject("name", json_string("Registry Unit")), GC_E_REQUEST_FIELD, "App. B note 1");
}

static void rejects_bad_values(void **state)
{
	(void)state;
	expect(with("cert_type", json_string("server")), GC_E_BAD_CERT_TYPE, "cert_type");
	expect(with("validity_years", json_integer(0)), GC_E_BAD_VALIDITY, "validity_years");
	expect(with("validity_years", json_integer(4)), GC_E_BAD_VALIDITY, "1..3");
	expect(with("validity_years", json_string("2")), GC_E_BAD_VALIDITY, "validity_years");
	expect(with("type", json_string("revoke")), GC_E_REQUEST_FIELD, "type");
	expect(with("type", json_string("renew")), GC_E_REQUEST_FIELD, "renews");
	expect(with("renews", json_string("00112233445566778899aabbccddeeff00112233")), GC_E_REQUEST_FIELD,
	       "only a renewal");
	expect(with("id", json_string("")), GC_E_REQUEST_FIELD, "id");
	expect(with("id", json_string("a/b")), GC_E_REQUEST_FIELD, "id");
	expect(with("csr", json_integer(1)), GC_E_REQUEST_FIELD, "csr");
	expect(with("extra", json_true()), GC_E_REQUEST_FIELD, "unknown field \"extra\"");
	expect(with_subject("email", json_string("not-an-address")), GC_E_BAD_EMAIL, "subject.email");
	expect(with_subject("branch", json_string("")), GC_E_REQUEST_FIELD, "subject.branch");
	expect(with_subject("branch", json_integer(3)), GC_E_REQUEST_FIELD, "subject.branch");
	expect(with_subject("branch", json_string(" Infra")), GC_E_REQUEST_FIELD, "space");
	expect(with_subject("branch", json_string("a\tb")), GC_E_NOT_UTF8, "subject.branch");
	expect(with_subject("nickname", json_string("x")), GC_E_REQUEST_FIELD, "unknown field");
}

static void rejects_missing_fields(void **state)
{
	static const char *required[] = {"name", "branch", "organisation", "branch_abbr",
	                                 "branch_zh", "organisation_zh", "category"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		json_t *o = good();
		json_object_del(json_object_get(o, "subject"), required[i]);
		expect(o, GC_E_REQUEST_FIELD, required[i]);
	}
	json_t *o = good();
	json_object_del(o, "csr");
	expect(o, GC_E_REQUEST_FIELD, "csr");
}

static void enforces_rfc5280_upper_bounds(void **state)
{
	char cn[80], zh[65 * 3 + 1];
	int i;

	(void)state;
	/* 64 characters is allowed, 65 is not; counted in characters, not bytes */
	snprintf(cn, sizeof(cn), "CHAN %s", "Taimandavidtaimandavidtaimandavidtaimandavidtaimandavidtaim");
	assert_int_equal(strlen(cn), 64);
	gc_request_free(expect(with_subject("name", json_string(cn)), GC_OK, NULL));
	strcat(cn, "x");
	expect(with_subject("name", json_string(cn)), GC_E_FIELD_TOO_LONG, "upper bound of 64");
	for (i = 0; i < 64; i++)
		memcpy(zh + 3 * i, "基", 3);
	zh[64 * 3] = '\0';
	gc_request_free(expect(with_subject("branch_zh", json_string(zh)), GC_OK, NULL));
	memcpy(zh + 64 * 3, "基", 4);
	expect(with_subject("branch_zh", json_string(zh)), GC_E_FIELD_TOO_LONG, "subject.branch_zh");
}

static void rejects_malformed_json(void **state)
{
	static const char *bad[] = {"", "{", "[]", "{\"id\":\"a\",\"id\":\"b\"}", "{} trailing",
	                            "{\"id\":\"\\ud800\"}"};
	struct gc_issue_request *r = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gc_result rc = gc_request_parse(bad[i], strlen(bad[i]), &r);
		if (rc != GC_E_JSON)
			fail_msg("input %zu: expected GC_E_JSON, got %s", i, gc_code_name(rc));
		assert_null(r);
	}
}

static void rejects_text_that_is_not_utf8(void **state)
{
	static const char latin1[] = "{\"id\":\"req-1\",\"subject\":{\"name\":\"CH\xc9N Tai\"}}";
	struct gc_issue_request *r = NULL;

	(void)state;
	assert_int_equal(gc_request_parse(latin1, strlen(latin1), &r), GC_E_NOT_UTF8);
	assert_non_null(strstr(gc_err_detail(), "byte 35"));
	assert_null(r);
}

/* gc_request_check_subject (the RA's check at application time) gives the verdict of a
 * full parse, with the same code, and names the member at fault. */
static void subject_check_agrees_with_the_parse(void **state)
{
	static const struct {
		const char *cert_type, *key, *value, *field;
		enum gc_code code;
	} cases[] = {
		{"individual", NULL, NULL, NULL, GC_OK},
		{"individual", "name", "陳大文", "subject.name", GC_E_REQUEST_FIELD},
		{"individual", "name", "Chan Tai Man", "subject.name", GC_E_REQUEST_FIELD},
		{"functional_unit", "name", "陳大文", NULL, GC_OK},
		{"individual", "email", "tm chan@example", "subject.email", GC_E_BAD_EMAIL},
		{"individual", "branch", " Infra", "subject.branch", GC_E_REQUEST_FIELD},
		{"individual", "branch_abbr", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		 "subject.branch_abbr", GC_E_FIELD_TOO_LONG},
		{"individual", "category", "", "subject.category", GC_E_REQUEST_FIELD},
		{"individual", "nickname", "x", "subject", GC_E_REQUEST_FIELD},
		{"server", NULL, NULL, "cert_type", GC_E_BAD_CERT_TYPE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = good(), *subject;
		const char *field = "unset";
		struct gc_issue_request *r;
		gc_result rc;

		json_object_set_new(o, "cert_type", json_string(cases[i].cert_type));
		if (cases[i].key != NULL)
			json_object_set_new(json_object_get(o, "subject"), cases[i].key, json_string(cases[i].value));
		subject = json_object_get(o, "subject");
		rc = gc_request_check_subject(cases[i].cert_type, subject, "application", &field);
		if (rc != cases[i].code)
			fail_msg("case %zu: expected %s, got %s: %s", i, gc_code_name(cases[i].code), gc_code_name(rc),
			         gc_err_detail());
		if ((cases[i].field == NULL) != (field == NULL) || (field != NULL && strcmp(field, cases[i].field) != 0))
			fail_msg("case %zu: field %s, expected %s", i, field ? field : "(none)",
			         cases[i].field ? cases[i].field : "(none)");
		r = expect(json_deep_copy(o), cases[i].code, cases[i].field && cases[i].code != GC_OK ? "" : NULL);
		gc_request_free(r);
		json_decref(o);
	}
}

static void rejects_oversized_input(void **state)
{
	static char big[GC_MAX_REQUEST_FILE + 2];
	struct gc_issue_request *r = NULL;

	(void)state;
	memset(big, ' ', sizeof(big) - 1);
	assert_int_equal(gc_request_parse(big, sizeof(big) - 1, &r), GC_E_TOO_LARGE);
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_a_good_request), cmocka_unit_test(email_may_be_absent),
		cmocka_unit_test(renewal_names_the_certificate),
		cmocka_unit_test(functional_unit_name_is_free_form), cmocka_unit_test(rejects_bad_values),
		cmocka_unit_test(rejects_missing_fields), cmocka_unit_test(enforces_rfc5280_upper_bounds),
		cmocka_unit_test(rejects_malformed_json), cmocka_unit_test(rejects_text_that_is_not_utf8),
		cmocka_unit_test(rejects_oversized_input), cmocka_unit_test(subject_check_agrees_with_the_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
