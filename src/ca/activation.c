/*
 * activation.c - M-of-N activation data (CPS §6.2.2, §6.4). See activation.h. The
 * cryptography is custody.c's; this file decides what a share belongs to.
 */
#include "ca/activation.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/custody.h"
#include "core/text.h"
#include "sys/fileio.h"

#define NAME_MAX_LEN 32

static bool good_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

static gc_result share_path(const char *dir, const char *id, const char *name, char *out, size_t outsz)
{
	char file[128];

	snprintf(file, sizeof(file), "activation-%.32s-%.32s.share", id, name);
	return gc_path_join(out, outsz, dir, file);
}

/* The i-th (0-based) name of the comma-separated list, or "custodian-I". */
static void name_at(const struct gc_config *cfg, unsigned i, char *out, size_t outsz)
{
	const char *p = cfg->activation.names, *comma;
	unsigned k;

	for (k = 0; k < i && p != NULL; k++)
		p = (comma = strchr(p, ',')) != NULL ? comma + 1 : NULL;
	if (p == NULL || *p == '\0') {
		snprintf(out, outsz, "custodian-%u", i + 1);
		return;
	}
	comma = strchr(p, ',');
	snprintf(out, outsz, "%.*s", comma ? (int)(comma - p) : (int)strlen(p), p);
}

static gc_result check_names(const struct gc_activation_setup *s, char *joined, size_t joinedsz)
{
	unsigned i, j;
	size_t off = 0;

	joined[0] = '\0';
	for (i = 0; i < s->custodians; i++) {
		GC_ENSURE(good_name(s->names[i]), GC_E_USAGE,
		          "--custodian-names: \"%.40s\": 1..%d of a-z 0-9 -", s->names[i], NAME_MAX_LEN);
		for (j = 0; j < i; j++)
			GC_ENSURE(strcmp(s->names[i], s->names[j]) != 0, GC_E_USAGE,
			          "--custodian-names: \"%s\" named twice: each custodian holds one share", s->names[i]);
		off += (size_t)snprintf(joined + off, joinedsz - off, "%s%s", i ? "," : "", s->names[i]);
		GC_ENSURE(off < joinedsz, GC_E_USAGE, "--custodian-names: too long");
	}
	return GC_OK;
}

gc_result gc_activation_prepare(const struct gc_activation_setup *s, struct gc_config *cfg)
{
	char pass[GC_MAX_PASSPHRASE + 1], path[GC_MAX_PATH], names[sizeof(cfg->activation.names)];
	unsigned char raw[16];
	size_t len;
	unsigned i;
	gc_result rc = GC_OK;

	GC_ENSURE(s->threshold >= 2 && s->threshold <= s->custodians && s->custodians <= GC_MAX_CUSTODIANS,
	          GC_E_USAGE, "ca init: CPS §6.4: activation data under multi-person control: need "
	          "2 <= --threshold (%u) <= --custodians (%u) <= %d", s->threshold, s->custodians,
	          GC_MAX_CUSTODIANS);
	GC_GUARD(check_names(s, names, sizeof(names)));
	for (i = 0; i < s->custodians && rc == GC_OK; i++) {
		rc = gc_passphrase_read(s->passphrases[i], pass, sizeof(pass), &len);
		if (rc == GC_OK && len < GC_MIN_PASSPHRASE)
			rc = gc_fail(GC_E_PASSPHRASE, "passphrase of custodian %s: at least %d characters",
			             s->names[i], GC_MIN_PASSPHRASE);
		sodium_memzero(pass, sizeof(pass));
	}
	GC_GUARD(rc);
	GC_ENSURE(sodium_init() >= 0, GC_E_INTERNAL, "libsodium: initialisation failed");
	randombytes_buf(raw, sizeof(raw));
	gc_hex_encode(raw, sizeof(raw), cfg->activation.id);
	GC_GUARD(gc_mkdir(s->share_dir, 0700, 0));
	for (i = 0; i < s->custodians; i++) {
		GC_GUARD(share_path(s->share_dir, cfg->activation.id, s->names[i], path, sizeof(path)));
		GC_ENSURE(!gc_path_exists(path), GC_E_IO, "%s: already exists; refusing to overwrite", path);
	}
	cfg->activation.custodians = (int)s->custodians;
	cfg->activation.threshold = (int)s->threshold;
	memcpy(cfg->activation.names, names, sizeof(names));
	cfg->pin_file[0] = '\0';
	return GC_OK;
}

void gc_activation_remove_shares(const struct gc_activation_setup *s, const struct gc_config *cfg)
{
	char path[GC_MAX_PATH];
	unsigned i;

	for (i = 0; i < s->custodians; i++)
		if (share_path(s->share_dir, cfg->activation.id, s->names[i], path, sizeof(path)) == GC_OK)
			unlink(path);
	gc_err_clear();
}

static gc_result seal_one(const struct gc_activation_setup *s, const struct gc_config *cfg, unsigned i,
                          const struct gc_share *share)
{
	struct gc_share_meta m = {.purpose = GC_ACTIVATION_PURPOSE, .custodian = i + 1,
	                          .of = s->custodians, .threshold = s->threshold};
	char pass[GC_MAX_PASSPHRASE + 1], path[GC_MAX_PATH], *json = NULL;
	size_t len;
	gc_result rc;

	snprintf(m.id, sizeof(m.id), "%s", cfg->activation.id);
	rc = gc_passphrase_read(s->passphrases[i], pass, sizeof(pass), &len);
	if (rc == GC_OK)
		rc = gc_custody_seal(share, &m, pass, len, &json);
	sodium_memzero(pass, sizeof(pass));
	if (rc == GC_OK && (rc = share_path(s->share_dir, cfg->activation.id, s->names[i], path, sizeof(path))) == GC_OK)
		rc = gc_file_write(path, json, strlen(json), 0600, 1);
	free(json);
	return rc;
}

gc_result gc_activation_write_shares(const struct gc_activation_setup *s, const struct gc_config *cfg,
                                     const char *pin)
{
	struct gc_share shares[GC_MAX_CUSTODIANS];
	size_t len = strlen(pin);
	unsigned i;
	gc_result rc;

	GC_ENSURE(len > 0 && len <= GC_ACTIVATION_PIN_MAX, GC_E_CONFIG,
	          "ca init: a token PIN of %zu characters cannot be split (at most %d)", len,
	          GC_ACTIVATION_PIN_MAX);
	GC_GUARD(gc_custody_split((const unsigned char *)pin, len, s->custodians, s->threshold, shares));
	for (i = 0, rc = GC_OK; i < s->custodians && rc == GC_OK; i++)
		rc = seal_one(s, cfg, i, &shares[i]);
	sodium_memzero(shares, sizeof(shares));
	if (rc != GC_OK) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		gc_activation_remove_shares(s, cfg);
		gc_fail(rc, "%s", why);
	}
	return rc;
}

/* Opens one share file and checks that it is an activation share of this CA. */
static gc_result open_one(const struct gc_config *cfg, const char *file, const char *spec,
                          struct gc_share *share, unsigned *custodian)
{
	char pass[GC_MAX_PASSPHRASE + 1];
	struct gc_share_meta m;
	unsigned char *json = NULL;
	size_t plen = 0, jlen = 0;
	gc_result rc;

	GC_GUARD(gc_file_read(file, GC_MAX_SHARE_FILE, &json, &jlen));
	rc = gc_passphrase_read(spec, pass, sizeof(pass), &plen);
	if (rc == GC_OK)
		rc = gc_custody_open((const char *)json, jlen, pass, plen, &m, share);
	sodium_memzero(pass, sizeof(pass));
	free(json);
	if (rc != GC_OK) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		return gc_fail(rc, "%s: %s", file, why);
	}
	if (strcmp(m.purpose, GC_ACTIVATION_PURPOSE) != 0)
		rc = gc_fail(GC_E_SHARES, "%s: a %s share, not an activation share", file, m.purpose);
	else if (strcmp(m.id, cfg->activation.id) != 0)
		rc = gc_fail(GC_E_SHARES, "%s: a share of another CA (activation id %s), not of this CA (%s)",
		             file, m.id, cfg->activation.id);
	else if ((int)m.threshold != cfg->activation.threshold || (int)m.of != cfg->activation.custodians)
		rc = gc_fail(GC_E_SHARES, "%s: a share of a %u-of-%u split; this CA is %d of %d", file,
		             m.threshold, m.of, cfg->activation.threshold, cfg->activation.custodians);
	*custodian = m.custodian;
	if (rc != GC_OK)
		sodium_memzero(share, sizeof(*share));
	return rc;
}

static void add_name(const struct gc_config *cfg, unsigned custodian, char *who, size_t whosz)
{
	char name[NAME_MAX_LEN + 16];
	size_t off = strlen(who);

	name_at(cfg, custodian - 1, name, sizeof(name));
	snprintf(who + off, whosz - off, "%s%s", off ? ", " : "", name);
}

gc_result gc_activation_combine(const struct gc_config *cfg, const struct gc_activation_input *in,
                                char *pin, size_t pinsz, char *who, size_t whosz)
{
	struct gc_share shares[GC_MAX_CUSTODIANS];
	unsigned char secret[GC_CUSTODY_SECRET_MAX];
	unsigned i, custodian = 0, m = (unsigned)cfg->activation.threshold;
	gc_result rc = GC_OK;

	who[0] = '\0';
	GC_ENSURE(gc_config_custodial(cfg), GC_E_CA_STATE,
	          "this CA is not under M-of-N activation: its PIN is in %s", cfg->pin_file);
	GC_ENSURE(in->n >= m, GC_E_SHARES, "%u custodian share(s) given; this CA needs %u of its %d "
	          "custodians (CPS §6.4)", in->n, m, cfg->activation.custodians);
	GC_ENSURE(in->n <= GC_MAX_CUSTODIANS, GC_E_SHARES, "too many shares (%u)", in->n);
	for (i = 0; i < in->n && rc == GC_OK; i++)
		if ((rc = open_one(cfg, in->shares[i], in->passphrases[i], &shares[i], &custodian)) == GC_OK)
			add_name(cfg, custodian, who, whosz);
	if (rc == GC_OK)
		rc = gc_custody_combine(shares, in->n, m, secret, shares[0].len);
	if (rc == GC_OK && (shares[0].len >= pinsz || memchr(secret, '\0', shares[0].len) != NULL))
		rc = gc_fail(GC_E_SHARES, "the shares do not combine into a usable PIN");
	if (rc == GC_OK) {
		memcpy(pin, secret, shares[0].len);
		pin[shares[0].len] = '\0';
	}
	sodium_memzero(shares, sizeof(shares));
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

void gc_activation_refusal(const struct gc_config *cfg, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "CA keys are not activated: %d of %d custodians must run gcert ca activate "
	         "(CPS §6.4)", cfg->activation.threshold, cfg->activation.custodians);
}
