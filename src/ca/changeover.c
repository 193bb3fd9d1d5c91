/* changeover.c - issuing CA key changeover (CPS §4.7). See changeover.h. */
#include "ca/changeover.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/cps.h"
#include "core/text.h"

/* "Hongkong Post e-Cert CA 2 - 23" -> "2-23": what follows the last "CA ", spaces out. */
static bool generation_of(const char *cn, char *out, size_t outsz)
{
	const char *p = NULL, *q;
	size_t n = 0;

	for (q = strstr(cn, "CA "); q != NULL; q = strstr(q + 1, "CA "))
		p = q + 3;
	if (p == NULL)
		return false;
	for (; *p != '\0' && n + 1 < outsz; p++) {
		if (*p == ' ')
			continue;
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 && *p == '\0';
}

/* The same directory as the current URL, file eCertCA<gen>CRL<n>.crl (App. C I naming). */
static gc_result derive_url(const char *current, const char *gen, int n, char *out, size_t outsz)
{
	const char *slash = strrchr(current, '/');

	GC_ENSURE(slash != NULL, GC_E_CONFIG, "changeover: cannot derive a CRL URL from %s", current);
	GC_ENSURE((size_t)snprintf(out, outsz, "%.*seCertCA%sCRL%d.crl", (int)(slash + 1 - current), current,
	                           gen, n) < outsz, GC_E_CONFIG, "changeover: CRL URL too long");
	return GC_OK;
}

static gc_result copy_opt(char *dst, size_t dstsz, const char *v, const char *what)
{
	GC_ENSURE(strlen(v) < dstsz, GC_E_USAGE, "changeover: %s too long", what);
	memcpy(dst, v, strlen(v) + 1);
	return GC_OK;
}

/* The configuration after the changeover, checked as gcert.json would be. */
static gc_result new_config(const struct gc_ca *ca, const struct gc_changeover *co, struct gc_config *out)
{
	struct gc_config c = ca->cfg;
	char gen[32], *json;
	size_t i;
	gc_result rc;

	GC_GUARD(copy_opt(c.issuing.cn, sizeof(c.issuing.cn), co->issuing_cn, "--issuing-name"));
	if ((co->key_label == NULL || co->crl_dp == NULL || co->full_crl == NULL) &&
	    !generation_of(co->issuing_cn, gen, sizeof(gen)))
		return gc_fail(GC_E_USAGE, "changeover: cannot derive a key label and CRL URLs from \"%s\" "
		               "(expected \"... CA 2 - 23\"); give --key-label, --crl-dp and --full-crl-url",
		               co->issuing_cn);
	if (co->key_label != NULL) {
		GC_GUARD(copy_opt(c.issuing.key_label, sizeof(c.issuing.key_label), co->key_label, "--key-label"));
	} else {
		snprintf(c.issuing.key_label, sizeof(c.issuing.key_label), "ecert-ca-%s", gen);
		for (i = 0; c.issuing.key_label[i]; i++)
			c.issuing.key_label[i] = (char)tolower((unsigned char)c.issuing.key_label[i]);
	}
	if (co->crl_dp != NULL)
		GC_GUARD(copy_opt(c.crl_dp, sizeof(c.crl_dp), co->crl_dp, "--crl-dp"));
	else
		GC_GUARD(derive_url(ca->cfg.crl_dp, gen, 2, c.crl_dp, sizeof(c.crl_dp)));
	if (co->full_crl != NULL)
		GC_GUARD(copy_opt(c.full_crl, sizeof(c.full_crl), co->full_crl, "--full-crl-url"));
	else
		GC_GUARD(derive_url(ca->cfg.full_crl, gen, 1, c.full_crl, sizeof(c.full_crl)));
	if (co->years != 0)
		c.issuing.validity_years = co->years;
	GC_ENSURE((json = gc_config_dump(&c)) != NULL, GC_E_NOMEM, "changeover: out of memory");
	rc = gc_config_parse(json, strlen(json), out);
	free(json);
	return rc;
}

/* A URL another CA already publishes under would overwrite its CRLs. */
static gc_result check_urls(struct gc_ca *ca, const struct gc_config *c)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT url FROM crl_scopes WHERE url IN (?, ?) OR url LIKE ? OR url LIKE ?",
	                       &st));
	char f1[300], f2[300];
	snprintf(f1, sizeof(f1), "%%/%s", gc_config_crl_file(c->crl_dp));
	snprintf(f2, sizeof(f2), "%%/%s", gc_config_crl_file(c->full_crl));
	if ((rc = gc_stmt_bind_text(st, 1, c->crl_dp)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, c->full_crl)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, f1)) == GC_OK && (rc = gc_stmt_bind_text(st, 4, f2)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		rc = gc_fail(GC_E_CA_STATE, "changeover: %s is already a CRL of another CA; give the new issuing "
		             "CA its own --crl-dp and --full-crl-url", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	return rc;
}

static gc_result keep_scope(struct gc_ca *ca, int64_t id, const char *kind, const char *url, int64_t now)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "INSERT INTO crl_scopes (ca_id, kind, url, created_at)"
	                               " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, kind)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, url)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/* The old CA keeps its CRLs (its scopes, from the configuration it was made under) and
 * the changeover is recorded, in one transaction. */
static gc_result record(struct gc_ca *ca, int64_t old_id, const struct gc_config *old, int64_t now,
                        const struct gc_changeover_result *res)
{
	char detail[1024];
	gc_result rc;

	snprintf(detail, sizeof(detail), "CPS §4.7: issuing CA CN=%s (key %s) replaced by CN=%s (key %s, "
	         "serial %s); new certificates name %s; the old key is kept and goes on signing %s and %s",
	         res->old_cn, old->issuing.key_label, res->new_cn, res->key_label, res->serial, res->crl_dp,
	         old->full_crl, old->crl_dp);
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, keep_scope(ca, old_id, "full", old->full_crl, now));
	GC_GUARD_OUT(rc, keep_scope(ca, old_id, "partition", old->crl_dp, now));
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CHANGEOVER, res->serial, true, detail));
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

gc_result gc_ca_changeover(struct gc_ca *ca, const struct gc_changeover *co, int64_t now,
                           struct gc_changeover_result *res)
{
	struct gc_config old = ca->cfg, next;
	const ASN1_INTEGER *sn;
	BIGNUM *bn;
	char *hex;
	int64_t old_id = ca->issuing_id;
	gc_result rc;

	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "changeover: the token is not open");
	GC_GUARD(new_config(ca, co, &next));
	GC_GUARD(check_urls(ca, &next));
	ca->cfg = next; /* the new name and label, checked before anything is written */
	rc = gc_ca_check_new_issuing(ca, now);
	ca->cfg = old;
	GC_GUARD(rc);
	snprintf(res->old_cn, sizeof(res->old_cn), "%s", old.issuing.cn);
	/* gcert.json first: a failure below writes the old one back, so the file and the
	 * database never name different current CAs for long */
	GC_GUARD(gc_ca_save_config(ca, &next));
	ca->cfg = next;
	if ((rc = gc_ca_new_issuing(ca, now)) != GC_OK) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		ca->cfg = old;
		if (gc_ca_save_config(ca, &old) != GC_OK)
			gc_err_clear();
		return gc_fail(rc, "%s", why);
	}
	snprintf(res->new_cn, sizeof(res->new_cn), "%s", next.issuing.cn);
	snprintf(res->key_label, sizeof(res->key_label), "%s", next.issuing.key_label);
	snprintf(res->crl_dp, sizeof(res->crl_dp), "%s", next.crl_dp);
	snprintf(res->full_crl, sizeof(res->full_crl), "%s", next.full_crl);
	sn = X509_get0_serialNumber(ca->issuing_cert);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(res->serial, sizeof(res->serial), "%s", hex ? hex : "?");
	for (char *p = res->serial; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	OPENSSL_free(hex);
	BN_free(bn);
	{
		struct tm tm;
		ASN1_TIME_to_tm(X509_get0_notAfter(ca->issuing_cert), &tm);
		res->not_after = (int64_t)timegm(&tm);
	}
	return record(ca, old_id, &old, now, res);
}
