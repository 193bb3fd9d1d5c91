/*
 * link_config.c - DIR/link.json, the RA's view of the CA (docs/ra-link.md): where the
 * interface is, which certificates are pinned, online or batch, where the CRLs are.
 * Strict like src/core/config.c: an unknown key is an error naming the key.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "ra/link_int.h"
#include "sys/fileio.h"

/* A path relative to the RA directory, made absolute. */
static gc_result path_value(const char *dir, const char *key, const json_t *v, char *out, size_t outsz)
{
	const char *s = json_string_value(v);

	GC_ENSURE(json_is_string(v) && s[0] != '\0', GC_E_CONFIG, "link.json: %s: must be a non-empty path", key);
	if (s[0] == '/') {
		GC_ENSURE(strlen(s) < outsz, GC_E_CONFIG, "link.json: %s: path too long", key);
		snprintf(out, outsz, "%s", s);
		return GC_OK;
	}
	return gc_path_join(out, outsz, dir, s);
}

static gc_result url_value(const char *key, const json_t *v, const char *scheme, char *out)
{
	const char *s = json_string_value(v);
	size_t i, n;

	GC_ENSURE(json_is_string(v), GC_E_CONFIG, "link.json: %s: must be a string", key);
	n = strlen(s);
	GC_ENSURE(n < GC_RA_MAX_URL, GC_E_CONFIG, "link.json: %s: longer than %d bytes", key, GC_RA_MAX_URL - 1);
	GC_ENSURE(strncmp(s, scheme, strlen(scheme)) == 0 && n > strlen(scheme), GC_E_CONFIG,
	          "link.json: %s: must be a %s URL (got \"%.64s\")", key, scheme, s);
	for (i = 0; i < n; i++)
		GC_ENSURE(s[i] > 0x20 && s[i] < 0x7f, GC_E_CONFIG, "link.json: %s: URL holds a space or non-ASCII byte", key);
	memcpy(out, s, n + 1);
	return GC_OK;
}

static gc_result string_value(const char *key, const json_t *v, char *out, size_t outsz)
{
	GC_ENSURE(json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < outsz, GC_E_CONFIG,
	          "link.json: %s: must be a string of 1..%zu bytes", key, outsz - 1);
	GC_ENSURE(gc_utf8_chars(json_string_value(v), json_string_length(v)) >= 0, GC_E_CONFIG,
	          "link.json: %s: not UTF-8 text", key);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return GC_OK;
}

static gc_result seconds_value(const char *key, const json_t *v, long *out)
{
	GC_ENSURE(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 3600, GC_E_CONFIG,
	          "link.json: %s: must be an integer 1..3600 (seconds)", key);
	*out = (long)json_integer_value(v);
	return GC_OK;
}

/* The RA's name as the CA pins it: 1..32 of a-z 0-9 - (docs/interface.md "Trust"). */
static gc_result name_value(const json_t *v, char *out)
{
	const char *s = json_string_value(v);
	size_t i, n;

	GC_ENSURE(json_is_string(v), GC_E_CONFIG, "link.json: ra_name: must be a string");
	n = strlen(s);
	GC_ENSURE(n >= 1 && n <= GC_MAX_PEER_ID, GC_E_CONFIG, "link.json: ra_name: 1..%d of a-z 0-9 -", GC_MAX_PEER_ID);
	for (i = 0; i < n; i++)
		GC_ENSURE((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-', GC_E_CONFIG,
		          "link.json: ra_name: 1..%d of a-z 0-9 -", GC_MAX_PEER_ID);
	memcpy(out, s, n + 1);
	return GC_OK;
}

static gc_result section_ca(const char *dir, const json_t *sec, struct gc_ra_link_config *c)
{
	const char *k;
	json_t *v;

	GC_ENSURE(json_is_object(sec), GC_E_CONFIG, "link.json: ca: not an object");
	json_object_foreach((json_t *)sec, k, v) {
		if (strcmp(k, "interface_url") == 0)
			GC_GUARD(url_value("ca.interface_url", v, "https://", c->interface_url));
		else if (strcmp(k, "service_cert") == 0)
			GC_GUARD(path_value(dir, "ca.service_cert", v, c->ca_service_cert, sizeof(c->ca_service_cert)));
		else if (strcmp(k, "tls_cert") == 0)
			GC_GUARD(path_value(dir, "ca.tls_cert", v, c->ca_tls_cert, sizeof(c->ca_tls_cert)));
		else
			return gc_fail(GC_E_CONFIG, "link.json: ca.%s: unknown key", k);
	}
	return GC_OK;
}

static gc_result section_crl(const char *dir, const json_t *sec, struct gc_ra_link_config *c)
{
	const char *k;
	json_t *v, *item;
	size_t i;

	GC_ENSURE(json_is_object(sec), GC_E_CONFIG, "link.json: crl: not an object");
	json_object_foreach((json_t *)sec, k, v) {
		if (strcmp(k, "urls") == 0) {
			GC_ENSURE(json_is_array(v) && json_array_size(v) >= 1 && json_array_size(v) <= GC_RA_MAX_CRL_URLS,
			          GC_E_CONFIG, "link.json: crl.urls: a list of 1..%d http:// URLs", GC_RA_MAX_CRL_URLS);
			json_array_foreach(v, i, item)
				GC_GUARD(url_value("crl.urls", item, "http://", c->crl_urls[i]));
			c->n_crl_urls = json_array_size(v);
		} else if (strcmp(k, "ca_certs") == 0) {
			GC_ENSURE(json_is_array(v) && json_array_size(v) >= 1 && json_array_size(v) <= GC_RA_MAX_CRL_CAS,
			          GC_E_CONFIG, "link.json: crl.ca_certs: a list of 1..%d certificate files",
			          GC_RA_MAX_CRL_CAS);
			json_array_foreach(v, i, item)
				GC_GUARD(path_value(dir, "crl.ca_certs", item, c->crl_ca_certs[i], sizeof(c->crl_ca_certs[i])));
			c->n_crl_ca_certs = json_array_size(v);
		} else {
			return gc_fail(GC_E_CONFIG, "link.json: crl.%s: unknown key", k);
		}
	}
	return GC_OK;
}

static gc_result section_timeouts(const json_t *sec, struct gc_ra_link_config *c)
{
	const char *k;
	json_t *v;

	GC_ENSURE(json_is_object(sec), GC_E_CONFIG, "link.json: timeouts: not an object");
	json_object_foreach((json_t *)sec, k, v) {
		if (strcmp(k, "connect_seconds") == 0)
			GC_GUARD(seconds_value("timeouts.connect_seconds", v, &c->connect_timeout));
		else if (strcmp(k, "request_seconds") == 0)
			GC_GUARD(seconds_value("timeouts.request_seconds", v, &c->request_timeout));
		else if (strcmp(k, "crl_seconds") == 0)
			GC_GUARD(seconds_value("timeouts.crl_seconds", v, &c->crl_timeout));
		else
			return gc_fail(GC_E_CONFIG, "link.json: timeouts.%s: unknown key", k);
	}
	return GC_OK;
}

static gc_result section_token(const json_t *sec, struct gc_ra_link_config *c)
{
	const char *k;
	json_t *v;

	GC_ENSURE(json_is_object(sec), GC_E_CONFIG, "link.json: token: not an object");
	json_object_foreach((json_t *)sec, k, v) {
		if (strcmp(k, "module") == 0)
			GC_GUARD(string_value("token.module", v, c->token_module, sizeof(c->token_module)));
		else if (strcmp(k, "label") == 0)
			GC_GUARD(string_value("token.label", v, c->token_label, sizeof(c->token_label)));
		else
			return gc_fail(GC_E_CONFIG, "link.json: token.%s: unknown key", k);
	}
	return GC_OK;
}

static gc_result top_key(const char *dir, const char *k, const json_t *v, struct gc_ra_link_config *c, bool *mode)
{
	if (strcmp(k, "format") == 0) {
		GC_ENSURE(json_is_string(v) && strcmp(json_string_value(v), GC_RA_LINK_FORMAT) == 0, GC_E_CONFIG,
		          "link.json: format: expected \"%s\"", GC_RA_LINK_FORMAT);
		return GC_OK;
	}
	if (strcmp(k, "ra_name") == 0)
		return name_value(v, c->ra_name);
	if (strcmp(k, "mode") == 0) {
		GC_ENSURE(json_is_string(v) && (strcmp(json_string_value(v), "online") == 0 ||
		                                strcmp(json_string_value(v), "batch") == 0),
		          GC_E_CONFIG, "link.json: mode: \"online\" or \"batch\"");
		c->batch = strcmp(json_string_value(v), "batch") == 0;
		*mode = true;
		return GC_OK;
	}
	if (strcmp(k, "ca") == 0)
		return section_ca(dir, v, c);
	if (strcmp(k, "crl") == 0)
		return section_crl(dir, v, c);
	if (strcmp(k, "timeouts") == 0)
		return section_timeouts(v, c);
	if (strcmp(k, "token") == 0)
		return section_token(v, c);
	return gc_fail(GC_E_CONFIG, "link.json: %s: unknown key", k);
}

/* What every mode needs, and what online mode needs besides. */
static gc_result check_complete(const struct gc_ra_link_config *c, bool mode)
{
	GC_ENSURE(c->ra_name[0] != '\0', GC_E_CONFIG, "link.json: ra_name: missing");
	GC_ENSURE(mode, GC_E_CONFIG, "link.json: mode: missing (\"online\" or \"batch\")");
	GC_ENSURE(c->ca_service_cert[0] != '\0', GC_E_CONFIG,
	          "link.json: ca.service_cert: missing (the CA service certificate, "
	          "`gcert ca service-cert`, pinned: every result must verify with it)");
	GC_ENSURE(c->n_crl_urls > 0, GC_E_CONFIG, "link.json: crl.urls: missing (CPS §2.1.3 n: the use-time check)");
	GC_ENSURE(c->n_crl_ca_certs > 0, GC_E_CONFIG, "link.json: crl.ca_certs: missing");
	if (!c->batch) {
		GC_ENSURE(c->interface_url[0] != '\0', GC_E_CONFIG, "link.json: ca.interface_url: missing (online mode)");
		GC_ENSURE(c->ca_tls_cert[0] != '\0', GC_E_CONFIG,
		          "link.json: ca.tls_cert: missing (online mode: `gcert ca service-cert --tls`)");
	}
	return GC_OK;
}

gc_result gc_ra_link_config_parse(const char *dir, const char *json, size_t len, struct gc_ra_link_config *out)
{
	struct gc_ra_link_config c;
	json_error_t jerr;
	json_t *root, *v;
	const char *k;
	bool mode = false;
	gc_result rc = GC_OK;

	memset(&c, 0, sizeof(c));
	c.connect_timeout = 10;
	c.request_timeout = 300;
	c.crl_timeout = 30;
	snprintf(c.token_module, sizeof(c.token_module), "%s", GC_RA_TOKEN_MODULE);
	snprintf(c.token_label, sizeof(c.token_label), "%s", GC_RA_TOKEN_LABEL);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(root != NULL, GC_E_CONFIG, "link.json: line %d: %s", jerr.line, jerr.text);
	GC_ENSURE_OUT(rc, json_is_object(root), GC_E_CONFIG, "link.json: not a JSON object");
	GC_ENSURE_OUT(rc, json_object_get(root, "format") != NULL, GC_E_CONFIG,
	              "link.json: format: missing (\"%s\")", GC_RA_LINK_FORMAT);
	json_object_foreach(root, k, v)
		GC_GUARD_OUT(rc, top_key(dir, k, v, &c, &mode));
	GC_GUARD_OUT(rc, check_complete(&c, mode));
	*out = c;
out:
	json_decref(root);
	return rc;
}
