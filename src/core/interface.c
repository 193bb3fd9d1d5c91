/* interface.c - the interface document, checked: file-level rules, then each request. */
#include "core/interface.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/timeutil.h"

void gc_iface_batch_free(struct gc_iface_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		gc_request_free(b->items[i].issue);
	free(b->items);
	free(b);
}

static bool is_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > GC_MAX_REQUEST_ID)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
	}
	return true;
}

static void item_refuse(struct gc_iface_item *it, gc_result rc)
{
	it->code = rc;
	snprintf(it->detail, sizeof(it->detail), "%s", gc_err_detail());
}

/* The request object as sent, canonicalised (sorted keys, compact), hashed. */
static void item_hash(const json_t *obj, struct gc_iface_item *it)
{
	/* any JSON value: a request that is not even an object has a hash for replays too
	 * (found by tests/fuzz/fuzz_interface: such items had none) */
	char *s = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
	unsigned char md[32];

	if (s != NULL && EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL) == 1)
		gc_hex_encode(md, sizeof(md), it->sha256);
	free(s);
}

static gc_result parse_revoke(const json_t *obj, struct gc_iface_item *it)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		GC_ENSURE(strcmp(key, "id") == 0 || strcmp(key, "type") == 0 || strcmp(key, "serial") == 0 ||
		              strcmp(key, "reason") == 0 || strcmp(key, "requested_at") == 0,
		          GC_E_REQUEST_FIELD, "request %s: unknown field \"%.64s\"", it->id, key);
	}
	v = json_object_get(obj, "serial");
	GC_ENSURE(json_is_string(v) && json_string_length(v) == 40, GC_E_REQUEST_FIELD,
	          "request %s: serial: the certificate's serial, 40 hex digits, is required", it->id);
	for (i = 0; i < 40; i++) {
		char c = json_string_value(v)[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		GC_ENSURE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), GC_E_REQUEST_FIELD,
		          "request %s: serial: 40 hex digits", it->id);
		it->revoke.serial[i] = c;
	}
	it->revoke.serial[40] = '\0';
	v = json_object_get(obj, "reason");
	if (v != NULL) {
		/* CPS App. C: reason codes 0..6 */
		GC_ENSURE(json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 6,
		          GC_E_REQUEST_FIELD, "request %s: reason: CPS App. C: a reason code 0..6", it->id);
		it->revoke.reason = (int)json_integer_value(v);
	}
	v = json_object_get(obj, "requested_at");
	if (v != NULL)
		GC_ENSURE(json_is_string(v) && gc_time_parse(json_string_value(v), &it->revoke.requested_at),
		          GC_E_REQUEST_FIELD, "request %s: requested_at: RFC 3339 UTC, e.g. 2026-11-24T09:30:00Z",
		          it->id);
	return GC_OK;
}

static void parse_item(const json_t *obj, size_t index, struct gc_iface_item *it)
{
	const json_t *id = json_object_get(obj, "id"), *type = json_object_get(obj, "type");
	const char *t;
	gc_result rc;

	snprintf(it->id, sizeof(it->id), "#%zu", index + 1);
	item_hash(obj, it);
	if (!json_is_object(obj)) {
		item_refuse(it, gc_fail(GC_E_REQUEST_FIELD, "request %s: not a JSON object", it->id));
		return;
	}
	if (json_is_string(id) && is_id(json_string_value(id), json_string_length(id)))
		snprintf(it->id, sizeof(it->id), "%s", json_string_value(id));
	t = json_is_string(type) ? json_string_value(type) : "";
	if (strcmp(t, "revoke") == 0) {
		it->type = GC_IFACE_REVOKE;
		if (it->id[0] == '#')
			rc = gc_fail(GC_E_REQUEST_FIELD, "request %s: id: 1..%d of A-Z a-z 0-9 - _ . :", it->id,
			             GC_MAX_REQUEST_ID);
		else
			rc = parse_revoke(obj, it);
	} else {
		it->type = strcmp(t, "renew") == 0 ? GC_IFACE_RENEW : GC_IFACE_ISSUE;
		rc = gc_request_from_json(obj, &it->issue);
	}
	if (rc != GC_OK)
		item_refuse(it, rc);
}

static gc_result parse_envelope(const json_t *root, size_t max, struct gc_iface_batch *b)
{
	const json_t *v;
	const char *key;
	json_t *val;

	GC_ENSURE(json_is_object(root), GC_E_IFACE_FORMAT, "interface file: not a JSON object");
	json_object_foreach((json_t *)root, key, val) {
		GC_ENSURE(strcmp(key, "format") == 0 || strcmp(key, "batch_id") == 0 ||
		              strcmp(key, "created") == 0 || strcmp(key, "requests") == 0,
		          GC_E_IFACE_FORMAT, "interface file: unknown field \"%.64s\"", key);
	}
	v = json_object_get(root, "format");
	GC_ENSURE(json_is_string(v) && strcmp(json_string_value(v), GC_IFACE_FORMAT) == 0,
	          GC_E_IFACE_FORMAT, "interface file: format must be \"%s\"", GC_IFACE_FORMAT);
	v = json_object_get(root, "batch_id");
	GC_ENSURE(json_is_string(v) && is_id(json_string_value(v), json_string_length(v)),
	          GC_E_IFACE_FORMAT, "interface file: batch_id: 1..%d of A-Z a-z 0-9 - _ . :",
	          GC_MAX_REQUEST_ID);
	snprintf(b->batch_id, sizeof(b->batch_id), "%s", json_string_value(v));
	v = json_object_get(root, "created");
	GC_ENSURE(json_is_string(v) && gc_time_parse(json_string_value(v), &b->created),
	          GC_E_IFACE_FORMAT, "interface file: created: RFC 3339 UTC, e.g. 2026-11-25T09:00:00Z");
	v = json_object_get(root, "requests");
	GC_ENSURE(json_is_array(v) && json_array_size(v) >= 1, GC_E_IFACE_FORMAT,
	          "interface file: requests: a non-empty array");
	GC_ENSURE(json_array_size(v) <= max, GC_E_TOO_LARGE,
	          "interface file: %zu requests exceed the configured limit of %zu", json_array_size(v), max);
	return GC_OK;
}

gc_result gc_iface_parse(const char *json, size_t len, size_t max_requests, struct gc_iface_batch **out)
{
	struct gc_iface_batch *b;
	json_error_t jerr;
	json_t *root;
	const json_t *reqs;
	size_t i, bad;
	gc_result rc;

	GC_ENSURE(gc_utf8_valid(json, len, &bad), GC_E_NOT_UTF8, "interface file: not UTF-8 (byte %zu)", bad);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(root != NULL, GC_E_JSON, "interface file: line %d column %d: %s", jerr.line, jerr.column,
	          jerr.text);
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		json_decref(root);
		return gc_fail(GC_E_NOMEM, "interface file: out of memory");
	}
	if ((rc = parse_envelope(root, max_requests, b)) == GC_OK) {
		reqs = json_object_get(root, "requests");
		b->n = json_array_size(reqs);
		if ((b->items = calloc(b->n, sizeof(*b->items))) == NULL)
			rc = gc_fail(GC_E_NOMEM, "interface file: out of memory");
		for (i = 0; rc == GC_OK && i < b->n; i++)
			parse_item(json_array_get(reqs, i), i, &b->items[i]);
	}
	json_decref(root);
	if (rc != GC_OK) {
		if (b->items == NULL)
			b->n = 0;
		gc_iface_batch_free(b);
		return rc;
	}
	*out = b;
	return GC_OK;
}
