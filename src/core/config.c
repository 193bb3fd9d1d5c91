/* config.c - strict JSON configuration with CPS defaults. */
#include "core/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
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
	snprintf(c->full_crl, sizeof(c->full_crl), "%s", CPS_DEFAULT_FULL_CRL);
	snprintf(c->arl_url, sizeof(c->arl_url), "%s", CPS_DEFAULT_ARL);
	snprintf(c->crl_schedule, sizeof(c->crl_schedule), "%s", CPS_DEFAULT_CRL_SCHEDULE);
	c->crl_next_update_hours = CPS_CRL_NEXT_UPDATE_HOURS;
	c->crl_supplementary_delay = GC_CRL_SUPPLEMENTARY_DELAY_S;
	snprintf(c->holidays_file, sizeof(c->holidays_file), "%s", "calendar/hk-public-holidays.txt");
	snprintf(c->warning_days_file, sizeof(c->warning_days_file), "%s", "calendar/warning-days.txt");
	snprintf(c->repo.dir, sizeof(c->repo.dir), "%s", "repo");
	snprintf(c->repo.ldap_base, sizeof(c->repo.ldap_base), "%s", CPS_LDAP_BASE);
	snprintf(c->repo.ldap_bind_dn, sizeof(c->repo.ldap_bind_dn), "cn=publisher,%s", CPS_LDAP_BASE);
	snprintf(c->repo.ldap_password_file, sizeof(c->repo.ldap_password_file), "%s",
	         "ldap/publisher.pw");
	c->repo.lookup_burst = GC_LOOKUP_BURST;
	c->repo.lookup_per_minute = GC_LOOKUP_PER_MINUTE;
	c->iface_max_file = (int)GC_IFACE_DEFAULT_MAX_FILE;
	c->iface_max_requests = (int)GC_IFACE_DEFAULT_MAX_REQUESTS;
	snprintf(c->alert_from, sizeof(c->alert_from), "%s", "gcert@localhost");
	c->alert_failures = GC_ALERT_DEFAULT_FAILURES;
	c->alert_window = GC_ALERT_DEFAULT_WINDOW;
	c->seal_interval = GC_SEAL_DEFAULT_INTERVAL;
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
	S("database.postgresql", postgresql),
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
	S("profile.full_crl_url", full_crl),
	S("arl.url", arl_url),
	S("crl.schedule", crl_schedule),
	R("crl.next_update_hours", crl_next_update_hours, 1, 72),
	/* CPS §4.4.3 allows two working days; we publish within minutes */
	R("crl.supplementary_delay_seconds", crl_supplementary_delay, 1, 86400),
	S("calendar.holidays", holidays_file),
	S("calendar.warning_days", warning_days_file),
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
	/* CPS §4.5.7: significant events are mailed to the operators */
	S("alerts.smtp_url", alert_smtp_url),
	S("alerts.from", alert_from),
	S("alerts.to", alert_to),
	R("alerts.failure_threshold", alert_failures, 2, 1000),
	R("alerts.failure_window_seconds", alert_window, 10, 86400),
	/* CPS §4.5.4: how often a running service seals its audit trail */
	R("audit.seal_interval_seconds", seal_interval, 1, 3600),
	/* CPS §6.4: activation data under multi-person control (absent: single-person) */
	S("activation.id", activation.id),
	R("activation.custodians", activation.custodians, 0, GC_MAX_CUSTODIANS),
	R("activation.threshold", activation.threshold, 0, GC_MAX_CUSTODIANS),
	S("activation.names", activation.names),
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

/* The file name a CRL URL is published under: its last path segment, "x.crl". */
const char *gc_config_crl_file(const char *url)
{
	const char *slash = strrchr(url, '/');

	return slash != NULL ? slash + 1 : url;
}

static gc_result check_url(const char *key, const char *url)
{
	const char *f = gc_config_crl_file(url);
	size_t i, n = strlen(f);

	GC_ENSURE(strncmp(url, "http://", 7) == 0 || strncmp(url, "ldap://", 7) == 0, GC_E_CONFIG,
	          "config: %s: App. C: CRL URLs are http:// (got \"%.64s\")", key, url);
	GC_ENSURE(n > 4 && strcmp(f + n - 4, ".crl") == 0, GC_E_CONFIG,
	          "config: %s: must name a file ending in .crl", key);
	for (i = 0; i < n; i++)
		GC_ENSURE((f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= 'a' && f[i] <= 'z') ||
		              (f[i] >= '0' && f[i] <= '9') || f[i] == '-' || f[i] == '_' || f[i] == '.',
		          GC_E_CONFIG, "config: %s: file name \"%s\" has characters outside [A-Za-z0-9._-]",
		          key, f);
	return GC_OK;
}

/* App. C: three CRL files that must not overwrite each other; a valid schedule. */
static gc_result check_crl(const struct gc_config *c)
{
	struct gc_schedule sc;

	GC_GUARD(check_url("profile.crl_dp", c->crl_dp));
	GC_GUARD(check_url("profile.full_crl_url", c->full_crl));
	GC_GUARD(check_url("arl.url", c->arl_url));
	GC_ENSURE(strcmp(gc_config_crl_file(c->crl_dp), gc_config_crl_file(c->full_crl)) != 0 &&
	              strcmp(gc_config_crl_file(c->crl_dp), gc_config_crl_file(c->arl_url)) != 0 &&
	              strcmp(gc_config_crl_file(c->full_crl), gc_config_crl_file(c->arl_url)) != 0,
	          GC_E_CONFIG, "config: profile.crl_dp, profile.full_crl_url and arl.url must name "
	                       "different files");
	GC_ENSURE(c->crl_next_update_hours <= 24 * 3, GC_E_CONFIG,
	          "config: crl.next_update_hours: App. C I: CRLs are updated daily (at most 72)");
	return gc_schedule_parse(c->crl_schedule, &sc);
}

/* Either single-person (no activation section in use) or a complete M-of-N setting. */
static gc_result check_activation(const struct gc_config *c)
{
	if (c->activation.threshold == 0 && c->activation.custodians == 0)
		return GC_OK;
	GC_ENSURE(c->activation.threshold >= 2 && c->activation.threshold <= c->activation.custodians &&
	              c->activation.id[0] != '\0',
	          GC_E_CONFIG, "config: activation: CPS §6.4: need an id and 2 <= threshold (%d) <= "
	          "custodians (%d)", c->activation.threshold, c->activation.custodians);
	GC_ENSURE(c->pin_file[0] == '\0', GC_E_CONFIG,
	          "config: token.pin_file must be empty when activation.threshold is set: the PIN "
	          "exists only as custodian shares");
	return GC_OK;
}

static gc_result check_ca(const struct gc_config *c)
{
	GC_ENSURE(c->alert_smtp_url[0] == '\0' || (c->alert_to[0] != '\0' &&
	              (strncmp(c->alert_smtp_url, "smtp://", 7) == 0 ||
	               strncmp(c->alert_smtp_url, "smtps://", 8) == 0)),
	          GC_E_CONFIG, "config: alerts: smtp_url must be smtp:// or smtps:// and \"to\" must "
	                       "name at least one operator");
	GC_ENSURE(strlen(c->country) == 2, GC_E_CONFIG, "config: ca_name.country: two letters");
	GC_ENSURE(c->root.validity_years <= 25, GC_E_CONFIG,
	          "config: root.validity_years: CPS §4.7: a root certificate is valid at most 25 years");
	GC_ENSURE(c->issuing.validity_years < c->root.validity_years, GC_E_CONFIG,
	          "config: issuing.validity_years: must be shorter than the root's");
	GC_ENSURE(strcmp(c->root.key_label, c->issuing.key_label) != 0, GC_E_CONFIG,
	          "config: root and issuing CA must have different key labels");
	GC_ENSURE(c->root.cn[0] && c->issuing.cn[0] && strcmp(c->root.cn, c->issuing.cn) != 0,
	          GC_E_CONFIG, "config: root.cn and issuing.cn must be set and differ");
	GC_GUARD(check_activation(c));
	return check_crl(c);
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
