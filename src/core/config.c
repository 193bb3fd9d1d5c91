/* config.c - strict JSON configuration with CPS defaults. */
#include "core/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cps.h"
#include "core/cps_repo.h"
#include "core/text.h"

void gc_config_defaults(struct gc_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->token_module, sizeof(c->token_module), "%s", "/usr/lib/softhsm/libsofthsm2.so");
	snprintf(c->token_label, sizeof(c->token_label), "%s", "gcert-ca");
	snprintf(c->softhsm2_conf, sizeof(c->softhsm2_conf), "%s", "token/softhsm2.conf");
	snprintf(c->pin_file, sizeof(c->pin_file), "%s", "token/user.pin");
	snprintf(c->database, sizeof(c->database), "%s", "gcert.db");
	snprintf(c->country, sizeof(c->country), "%s", CPS_CA_COUNTRY);
	snprintf(c->state, sizeof(c->state), "%s", CPS_CA_STATE);
	snprintf(c->locality, sizeof(c->locality), "%s", CPS_CA_LOCALITY);
	snprintf(c->organisation, sizeof(c->organisation), "%s", CPS_CA_ORGANISATION);
	snprintf(c->root.cn, sizeof(c->root.cn), "%s", CPS_ROOT_CN);
	c->root.validity_years = CPS_ROOT_DEFAULT_YEARS;
	snprintf(c->root.key_label, sizeof(c->root.key_label), "%s", "root-ca-2");
	snprintf(c->issuing.cn, sizeof(c->issuing.cn), "%s", CPS_ISSUING_CN);
	c->issuing.validity_years = CPS_ISSUING_DEFAULT_YEARS;
	snprintf(c->issuing.key_label, sizeof(c->issuing.key_label), "%s", "ecert-ca-2-17");
	snprintf(c->cps_uri, sizeof(c->cps_uri), "%s", CPS_DEFAULT_CPS_URI);
	snprintf(c->crl_dp, sizeof(c->crl_dp), "%s", CPS_DEFAULT_CRL_DP);
	snprintf(c->repo.dir, sizeof(c->repo.dir), "%s", "repo");
	snprintf(c->repo.ldap_base, sizeof(c->repo.ldap_base), "%s", CPS_LDAP_BASE);
	snprintf(c->repo.ldap_bind_dn, sizeof(c->repo.ldap_bind_dn), "cn=publisher,%s", CPS_LDAP_BASE);
	snprintf(c->repo.ldap_password_file, sizeof(c->repo.ldap_password_file), "%s",
	         "ldap/publisher.pw");
	c->repo.lookup_burst = GC_LOOKUP_BURST;
	c->repo.lookup_per_minute = GC_LOOKUP_PER_MINUTE;
	c->iface_max_file = (int)GC_IFACE_DEFAULT_MAX_FILE;
	c->iface_max_requests = (int)GC_IFACE_DEFAULT_MAX_REQUESTS;
}

enum kind { K_STR, K_INT };
struct key {
	const char *path; /* "root.cn" */
	enum kind kind;
	size_t off, size;
	int min, max; /* K_INT bounds */
};

#define S(p, f) {p, K_STR, offsetof(struct gc_config, f), sizeof(((struct gc_config *)0)->f), 0, 0}
#define I(p, f) {p, K_INT, offsetof(struct gc_config, f), sizeof(int), 1, 99}
#define R(p, f, lo, hi) {p, K_INT, offsetof(struct gc_config, f), sizeof(int), lo, hi}
static const struct key keys[] = {
	S("token.module", token_module),
	S("token.label", token_label),
	S("token.softhsm2_conf", softhsm2_conf),
	S("token.pin_file", pin_file),
	S("database.sqlite", database),
	S("ca_name.country", country),
	S("ca_name.state", state),
	S("ca_name.locality", locality),
	S("ca_name.organisation", organisation),
	S("root.cn", root.cn),
	I("root.validity_years", root.validity_years),
	S("root.key_label", root.key_label),
	S("issuing.cn", issuing.cn),
	I("issuing.validity_years", issuing.validity_years),
	S("issuing.key_label", issuing.key_label),
	S("profile.cps_uri", cps_uri),
	S("profile.crl_dp", crl_dp),
	S("repository.dir", repo.dir),
	S("repository.ldap_uri", repo.ldap_uri),
	S("repository.ldap_base", repo.ldap_base),
	S("repository.ldap_bind_dn", repo.ldap_bind_dn),
	S("repository.ldap_password_file", repo.ldap_password_file),
	R("repository.lookup_burst", repo.lookup_burst, 1, 1000000),
	R("repository.lookup_per_minute", repo.lookup_per_minute, 1, 100000000),
	/* the system interface: a request file is rejected whole past these (SPEC §3) */
	R("interface.max_file_bytes", iface_max_file, 1024, (int)GC_IFACE_DEFAULT_MAX_FILE),
	R("interface.max_requests", iface_max_requests, 1, (int)GC_IFACE_DEFAULT_MAX_REQUESTS),
};
#undef S
#undef I
#undef R
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *find_key(const char *section, const char *name)
{
	char path[128];
	size_t i;

	snprintf(path, sizeof(path), "%s.%s", section, name);
	for (i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].path, path) == 0)
			return &keys[i];
	return NULL;
}

static bool known_section(const char *section)
{
	size_t i, n = strlen(section);

	for (i = 0; i < N_KEYS; i++)
		if (strncmp(keys[i].path, section, n) == 0 && keys[i].path[n] == '.')
			return true;
	return false;
}

static gc_result set_value(struct gc_config *c, const struct key *k, const json_t *v)
{
	char *dst = (char *)c + k->off;

	if (k->kind == K_INT) {
		GC_ENSURE(json_is_integer(v) && json_integer_value(v) >= k->min &&
		              json_integer_value(v) <= k->max,
		          GC_E_CONFIG, "config: %s: must be an integer %d..%d", k->path, k->min, k->max);
		*(int *)(void *)dst = (int)json_integer_value(v);
		return GC_OK;
	}
	GC_ENSURE(json_is_string(v), GC_E_CONFIG, "config: %s: must be a string", k->path);
	GC_ENSURE(json_string_length(v) < k->size, GC_E_CONFIG, "config: %s: longer than %zu bytes",
	          k->path, k->size - 1);
	GC_ENSURE(gc_utf8_chars(json_string_value(v), json_string_length(v)) >= 0, GC_E_CONFIG,
	          "config: %s: not UTF-8 text", k->path);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return GC_OK;
}

static gc_result check_ca(const struct gc_config *c)
{
	GC_ENSURE(strlen(c->country) == 2, GC_E_CONFIG, "config: ca_name.country: two letters");
	GC_ENSURE(c->root.validity_years <= 25, GC_E_CONFIG,
	          "config: root.validity_years: CPS §4.7: a root certificate is valid at most 25 years");
	GC_ENSURE(c->issuing.validity_years < c->root.validity_years, GC_E_CONFIG,
	          "config: issuing.validity_years: must be shorter than the root's");
	GC_ENSURE(strcmp(c->root.key_label, c->issuing.key_label) != 0, GC_E_CONFIG,
	          "config: root and issuing CA must have different key labels");
	GC_ENSURE(c->root.cn[0] && c->issuing.cn[0] && strcmp(c->root.cn, c->issuing.cn) != 0,
	          GC_E_CONFIG, "config: root.cn and issuing.cn must be set and differ");
	return GC_OK;
}

gc_result gc_config_parse(const char *json, size_t len, struct gc_config *out)
{
	struct gc_config c;
	json_error_t jerr;
	json_t *root, *sec, *v;
	const char *sname, *kname;
	const struct key *k;
	gc_result rc = GC_OK;

	gc_config_defaults(&c);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE(root != NULL, GC_E_CONFIG, "config: line %d: %s", jerr.line, jerr.text);
	GC_ENSURE_OUT(rc, json_is_object(root), GC_E_CONFIG, "config: not a JSON object");
	json_object_foreach(root, sname, sec) {
		if (strcmp(sname, "format") == 0) {
			GC_ENSURE_OUT(rc, json_is_string(sec) &&
			                  strcmp(json_string_value(sec), GC_CONFIG_FORMAT) == 0,
			              GC_E_CONFIG, "config: format: expected \"%s\"", GC_CONFIG_FORMAT);
			continue;
		}
		GC_ENSURE_OUT(rc, known_section(sname), GC_E_CONFIG, "config: %s: unknown section", sname);
		GC_ENSURE_OUT(rc, json_is_object(sec), GC_E_CONFIG, "config: %s: not a section", sname);
		json_object_foreach(sec, kname, v) {
			k = find_key(sname, kname);
			GC_ENSURE_OUT(rc, k != NULL, GC_E_CONFIG, "config: %s.%s: unknown key", sname,
			              kname);
			GC_GUARD_OUT(rc, set_value(&c, k, v));
		}
	}
	GC_GUARD_OUT(rc, check_ca(&c));
	*out = c;
out:
	json_decref(root);
	return rc;
}

char *gc_config_dump(const struct gc_config *c)
{
	json_t *root = json_object(), *sec;
	char section[64];
	const char *dot;
	size_t i;
	char *s;

	json_object_set_new(root, "format", json_string(GC_CONFIG_FORMAT));
	for (i = 0; i < N_KEYS; i++) {
		const char *src = (const char *)c + keys[i].off;
		dot = strchr(keys[i].path, '.');
		snprintf(section, sizeof(section), "%.*s", (int)(dot - keys[i].path), keys[i].path);
		if ((sec = json_object_get(root, section)) == NULL) {
			sec = json_object();
			json_object_set_new(root, section, sec);
		}
		json_object_set_new(sec, dot + 1,
		                    keys[i].kind == K_INT ? json_integer(*(const int *)(const void *)src)
		                                          : json_string(src));
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}
