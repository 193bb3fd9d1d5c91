/*
 * request.c - checks a request object field by field (CPS §1.2.5, App. B, RFC 5280
 * App. A upper bounds). Every failure names the request, the field and the rule.
 */
#include "core/request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/text.h"

static const struct {
	const char *key;
	enum gc_field field;
	bool optional;
} subject_keys[] = {
	{"name", GC_F_NAME, false},
	{"email", GC_F_EMAIL, true},
	{"branch", GC_F_BRANCH, false},
	{"organisation", GC_F_ORGANISATION, false},
	{"branch_abbr", GC_F_BRANCH_ABBR, false},
	{"branch_zh", GC_F_BRANCH_ZH, false},
	{"organisation_zh", GC_F_ORGANISATION_ZH, false},
	{"category", GC_F_CATEGORY, false},
};
#define N_SUBJECT_KEYS (sizeof(subject_keys) / sizeof(subject_keys[0]))

static const char *const top_keys[] = {"id", "type", "cert_type", "validity_years", "subject", "csr",
                                       "renews"};

void gc_request_free(struct gc_issue_request *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < GC_F_COUNT; i++)
		free(r->fields[i]);
	free(r->csr_pem);
	free(r);
}

static bool is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':';
}

static gc_result check_id(const json_t *obj, struct gc_issue_request *r)
{
	const json_t *v = json_object_get(obj, "id");
	const char *s;
	size_t len, i;

	GC_ENSURE(json_is_string(v), GC_E_REQUEST_FIELD, "request: id: missing or not a string");
	s = json_string_value(v);
	len = json_string_length(v);
	GC_ENSURE(len >= 1 && len <= GC_MAX_REQUEST_ID, GC_E_REQUEST_FIELD,
	          "request: id: must be 1..%d characters", GC_MAX_REQUEST_ID);
	for (i = 0; i < len; i++)
		GC_ENSURE(is_id_char(s[i]), GC_E_REQUEST_FIELD,
		          "request: id: only A-Z a-z 0-9 - _ . : are allowed");
	memcpy(r->id, s, len + 1);
	return GC_OK;
}

static gc_result check_unknown_keys(const json_t *obj, const char *where, const char *id,
                                    bool (*known)(const char *))
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		(void)v;
		GC_ENSURE(known(key), GC_E_REQUEST_FIELD, "request %s: %s: unknown field \"%.64s\"",
		          id, where, key);
	}
	return GC_OK;
}

static bool known_top(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
		if (strcmp(key, top_keys[i]) == 0)
			return true;
	return false;
}

static bool known_subject(const char *key)
{
	size_t i;

	for (i = 0; i < N_SUBJECT_KEYS; i++)
		if (strcmp(key, subject_keys[i].key) == 0)
			return true;
	return false;
}

/* The RFC 5280 upper bound of a field, from the profile that will carry it. */
static unsigned field_bound(const struct gc_profile *p, enum gc_field f)
{
	size_t i;

	for (i = 0; i < p->subject_len; i++)
		if (p->subject[i].field == f)
			return p->subject[i].ub;
	for (i = 0; i < p->san_dirname_len; i++)
		if (p->san_dirname[i].field == f)
			return p->san_dirname[i].ub;
	return 0;
}

/* CPS App. B note 1: surname in capitals, then given names ("CHAN Tai Man David"). */
static bool is_individual_name(const char *s)
{
	const char *sp = strchr(s, ' ');
	const char *p;

	if (sp == NULL || sp == s || sp[1] == '\0' || sp[1] == ' ')
		return false;
	for (p = s; p < sp; p++)
		if (!((*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '\''))
			return false;
	return true;
}

static gc_result check_text_field(struct gc_issue_request *r, const json_t *subject,
                                  const char *key, enum gc_field f, bool optional)
{
	const json_t *v = json_object_get(subject, key);
	const char *s;
	size_t len;
	long chars;
	unsigned ub = field_bound(r->profile, f);

	if (v == NULL || json_is_null(v)) {
		GC_ENSURE(optional, GC_E_REQUEST_FIELD,
		          "request %s: subject.%s: missing (CPS App. B requires it)", r->id, key);
		return GC_OK;
	}
	GC_ENSURE(json_is_string(v), GC_E_REQUEST_FIELD, "request %s: subject.%s: not a string",
	          r->id, key);
	s = json_string_value(v);
	len = json_string_length(v);
	GC_ENSURE(memchr(s, '\0', len) == NULL, GC_E_NOT_UTF8,
	          "request %s: subject.%s: contains NUL", r->id, key);
	chars = gc_utf8_chars(s, len);
	GC_ENSURE(chars >= 0, GC_E_NOT_UTF8,
	          "request %s: subject.%s: not well-formed UTF-8 text or contains control characters",
	          r->id, key);
	if (chars == 0) {
		GC_ENSURE(optional, GC_E_REQUEST_FIELD, "request %s: subject.%s: empty", r->id, key);
		return GC_OK;
	}
	GC_ENSURE(s[0] != ' ' && s[len - 1] != ' ', GC_E_REQUEST_FIELD,
	          "request %s: subject.%s: leading or trailing space", r->id, key);
	GC_ENSURE((unsigned long)chars <= ub, GC_E_FIELD_TOO_LONG,
	          "request %s: subject.%s: %ld characters exceed the RFC 5280 upper bound of %u",
	          r->id, key, chars, ub);
	if (f == GC_F_EMAIL)
		GC_ENSURE(gc_is_email(s, len), GC_E_BAD_EMAIL,
		          "request %s: subject.email: not an RFC 5321 address in ASCII", r->id);
	if (f == GC_F_NAME && r->profile->type == GC_CERT_INDIVIDUAL)
		GC_ENSURE(is_individual_name(s), GC_E_REQUEST_FIELD,
		          "request %s: subject.name: CPS App. B note 1: surname in capitals, then "
		          "given names (e.g. \"CHAN Tai Man David\")", r->id);
	if ((r->fields[f] = strdup(s)) == NULL)
		return gc_fail(GC_E_NOMEM, "request %s: out of memory", r->id);
	return GC_OK;
}

/* A serial as requests name certificates: 40 hex digits (20 octets, App. B). */
static bool lower_serial(const char *in, char out[41])
{
	size_t i;

	if (strlen(in) != 40)
		return false;
	for (i = 0; i < 40; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[40] = '\0';
	return true;
}

static gc_result check_type(const json_t *obj, struct gc_issue_request *r)
{
	const json_t *v = json_object_get(obj, "type"), *renews = json_object_get(obj, "renews");
	const char *t;

	GC_ENSURE(json_is_string(v), GC_E_REQUEST_FIELD, "request %s: type: missing", r->id);
	t = json_string_value(v);
	if (strcmp(t, "issue") == 0) {
		r->type = GC_REQ_ISSUE;
		GC_ENSURE(renews == NULL, GC_E_REQUEST_FIELD,
		          "request %s: renews: only a renewal names a certificate it renews", r->id);
		return GC_OK;
	}
	GC_ENSURE(strcmp(t, "renew") == 0, GC_E_REQUEST_FIELD,
	          "request %s: type: \"%.32s\" is not \"issue\" or \"renew\"", r->id, t);
	r->type = GC_REQ_RENEW;
	GC_ENSURE(json_is_string(renews) && lower_serial(json_string_value(renews), r->renews),
	          GC_E_REQUEST_FIELD, "request %s: renews: the serial (40 hex digits) of the "
	          "certificate renewed is required (CPS §3.2)", r->id);
	return GC_OK;
}

/* The subject object, field by field against the profile (App. B); *field (when not
 * NULL) names the member that broke a rule ("subject.name"). */
static gc_result check_subject(struct gc_issue_request *r, const json_t *subject, const char **field)
{
	static const char *const member[] = {
		"subject.name", "subject.email", "subject.branch", "subject.organisation",
		"subject.branch_abbr", "subject.branch_zh", "subject.organisation_zh", "subject.category",
	};
	gc_result rc;
	size_t i;

	_Static_assert(sizeof(member) / sizeof(member[0]) == N_SUBJECT_KEYS, "one member per key");
	if (field != NULL)
		*field = "subject";
	GC_ENSURE(json_is_object(subject), GC_E_REQUEST_FIELD,
	          "request %s: subject: missing or not an object", r->id);
	GC_GUARD(check_unknown_keys(subject, "subject", r->id, known_subject));
	for (i = 0; i < N_SUBJECT_KEYS; i++) {
		rc = check_text_field(r, subject, subject_keys[i].key, subject_keys[i].field,
		                      subject_keys[i].optional);
		if (rc != GC_OK) {
			if (field != NULL)
				*field = member[i];
			return rc;
		}
	}
	if (field != NULL)
		*field = NULL;
	return GC_OK;
}

gc_result gc_request_check_subject(const char *cert_type, const void *subject, const char *label,
                                   const char **field)
{
	struct gc_issue_request r = {0};
	size_t i;
	gc_result rc;

	if (field != NULL)
		*field = "cert_type";
	r.profile = cert_type != NULL ? gc_profile_by_name(cert_type) : NULL;
	GC_ENSURE(r.profile != NULL, GC_E_BAD_CERT_TYPE,
	          "request %s: cert_type: \"%.32s\" is not individual or functional_unit", label,
	          cert_type ? cert_type : "");
	snprintf(r.id, sizeof(r.id), "%s", label);
	rc = check_subject(&r, subject, field);
	for (i = 0; i < GC_F_COUNT; i++)
		free(r.fields[i]);
	return rc;
}

static gc_result check_body(const json_t *obj, struct gc_issue_request *r)
{
	const json_t *v;

	GC_GUARD(check_unknown_keys(obj, "request", r->id, known_top));

	GC_GUARD(check_type(obj, r));

	v = json_object_get(obj, "cert_type");
	GC_ENSURE(json_is_string(v), GC_E_BAD_CERT_TYPE, "request %s: cert_type: missing", r->id);
	r->profile = gc_profile_by_name(json_string_value(v));
	GC_ENSURE(r->profile != NULL, GC_E_BAD_CERT_TYPE,
	          "request %s: cert_type: \"%.32s\" is not individual or functional_unit", r->id,
	          json_string_value(v));

	v = json_object_get(obj, "validity_years");
	GC_ENSURE(json_is_integer(v), GC_E_BAD_VALIDITY,
	          "request %s: validity_years: missing or not an integer", r->id);
	GC_ENSURE(json_integer_value(v) >= CPS_MIN_VALIDITY_YEARS &&
	              json_integer_value(v) <= CPS_MAX_VALIDITY_YEARS,
	          GC_E_BAD_VALIDITY, "request %s: validity_years: CPS §1.2.5: %lld is outside 1..3",
	          r->id, (long long)json_integer_value(v));
	r->validity_years = (int)json_integer_value(v);

	GC_GUARD(check_subject(r, json_object_get(obj, "subject"), NULL));

	v = json_object_get(obj, "csr");
	GC_ENSURE(json_is_string(v), GC_E_REQUEST_FIELD, "request %s: csr: missing or not a string",
	          r->id);
	r->csr_pem_len = json_string_length(v);
	GC_ENSURE(r->csr_pem_len <= GC_MAX_CSR_PEM, GC_E_TOO_LARGE,
	          "request %s: csr: %zu bytes exceed the limit of %d", r->id, r->csr_pem_len,
	          GC_MAX_CSR_PEM);
	if ((r->csr_pem = malloc(r->csr_pem_len + 1)) == NULL)
		return gc_fail(GC_E_NOMEM, "request %s: out of memory", r->id);
	memcpy(r->csr_pem, json_string_value(v), r->csr_pem_len + 1);
	return GC_OK;
}

gc_result gc_request_from_json(const void *objp, struct gc_issue_request **out)
{
	const json_t *obj = objp;
	struct gc_issue_request *r;
	gc_result rc;

	GC_ENSURE(json_is_object(obj), GC_E_JSON, "request: not a JSON object");
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return gc_fail(GC_E_NOMEM, "request: out of memory");
	if ((rc = check_id(obj, r)) == GC_OK)
		rc = check_body(obj, r);
	if (rc != GC_OK) {
		gc_request_free(r);
		return rc;
	}
	*out = r;
	return GC_OK;
}

gc_result gc_request_parse(const char *json, size_t len, struct gc_issue_request **out)
{
	json_error_t jerr;
	json_t *root;
	gc_result rc;

	size_t bad;

	GC_ENSURE(len <= GC_MAX_REQUEST_FILE, GC_E_TOO_LARGE,
	          "request: %zu bytes exceed the limit of %d", len, GC_MAX_REQUEST_FILE);
	GC_ENSURE(gc_utf8_valid(json, len, &bad), GC_E_NOT_UTF8,
	          "request: not UTF-8 text (byte %zu)", bad);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(root != NULL, GC_E_JSON, "request: line %d column %d: %s", jerr.line,
	          jerr.column, jerr.text);
	rc = gc_request_from_json(root, out);
	json_decref(root);
	return rc;
}
