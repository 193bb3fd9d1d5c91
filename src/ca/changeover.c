/* changeover.c - issuing CA key changeover (CPS §4.7). See changeover.h. */
#include "ca/changeover.h"

#include <ctype.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/crl.h"
#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"

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

static void serial_hex(const X509 *x, char out[41])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(out, 41, "%s", hex ? hex : "?");
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	OPENSSL_free(hex);
	BN_free(bn);
}

static int64_t not_after_of(const X509 *x)
{
	struct tm tm;

	ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm);
	return (int64_t)timegm(&tm);
}

/* The new CA is verifiable from its first certificate (crl.h gc_crl_publish_all). The
 * changeover itself is done by then: a failure here says so. */
static gc_result publish_first(struct gc_ca *ca, int64_t now, size_t *n)
{
	gc_result rc = gc_crl_publish_all(ca, now, n);
	char why[1024];

	if (rc == GC_OK)
		return GC_OK;
	snprintf(why, sizeof(why), "%s", gc_err_detail());
	return gc_fail(rc, "changeover done, but its first CRLs were not published: %s; run "
	               "`gcert arl issue` and `gcert crl issue`", why);
}

gc_result gc_ca_changeover(struct gc_ca *ca, const struct gc_changeover *co, int64_t now,
                           struct gc_changeover_result *res)
{
	struct gc_config old = ca->cfg, next;
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
	serial_hex(ca->issuing_cert, res->serial);
	res->not_after = not_after_of(ca->issuing_cert);
	GC_GUARD(record(ca, old_id, &old, now, res));
	return publish_first(ca, now, &res->crls);
}

/* ---- root changeover ---- */

/* "Hongkong Post Root CA 3" -> "3". */
static bool root_generation(const char *cn, char *out, size_t outsz)
{
	const char *p = strstr(cn, "Root CA ");
	size_t n = 0;

	if (p == NULL)
		return false;
	for (p += 8; *p != '\0' && n + 1 < outsz; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 && *p == '\0';
}

/* The configuration after a root changeover: root and issuing CA names, labels, URLs. */
static gc_result root_config(struct gc_ca *ca, const struct gc_new_root *nr, struct gc_config *out)
{
	struct gc_config c;
	const char *slash = strrchr(ca->cfg.arl_url, '/');
	char gen[32], *json;
	gc_result rc;

	GC_GUARD(new_config(ca, &nr->issuing, &c));
	if ((nr->root_key_label == NULL || nr->arl_url == NULL) && !root_generation(nr->root_cn, gen, sizeof(gen)))
		return gc_fail(GC_E_USAGE, "new root: cannot derive a key label and ARL URL from \"%s\" "
		               "(expected \"... Root CA 3\"); give --root-key-label and --arl-url", nr->root_cn);
	GC_GUARD(copy_opt(c.root.cn, sizeof(c.root.cn), nr->root_cn, "--root-name"));
	if (nr->root_key_label != NULL)
		GC_GUARD(copy_opt(c.root.key_label, sizeof(c.root.key_label), nr->root_key_label, "--root-key-label"));
	else
		snprintf(c.root.key_label, sizeof(c.root.key_label), "root-ca-%s", gen);
	if (nr->arl_url != NULL)
		GC_GUARD(copy_opt(c.arl_url, sizeof(c.arl_url), nr->arl_url, "--arl-url"));
	else if (slash == NULL || (size_t)snprintf(c.arl_url, sizeof(c.arl_url), "%.*sRootCA%sARL.crl",
	                                           (int)(slash + 1 - ca->cfg.arl_url), ca->cfg.arl_url,
	                                           gen) >= sizeof(c.arl_url))
		return gc_fail(GC_E_CONFIG, "new root: cannot derive an ARL URL from %s", ca->cfg.arl_url);
	if (nr->root_years != 0)
		c.root.validity_years = nr->root_years;
	GC_ENSURE((json = gc_config_dump(&c)) != NULL, GC_E_NOMEM, "new root: out of memory");
	rc = gc_config_parse(json, strlen(json), out);
	free(json);
	return rc;
}

/* Nothing of the new root may exist yet: name, key label, ARL URL. */
static gc_result check_root_free(struct gc_ca *ca, const struct gc_config *c)
{
	struct gc_hsm_key *k;
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_ENSURE(gc_hsm_find_key(ca->hsm, c->root.key_label, &k) != GC_OK, GC_E_CA_STATE,
	          "new root: a key labelled \"%s\" is already in the token; CPS §4.7: the new root "
	          "needs a new key", c->root.key_label);
	gc_err_clear();
	GC_GUARD(gc_db_prepare(ca->db, "SELECT 1 FROM ca_certs WHERE subject_cn = ? OR key_label = ?"
	                               " UNION ALL SELECT 1 FROM crl_scopes WHERE url = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, c->root.cn)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, c->root.key_label)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, c->arl_url)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		rc = gc_fail(GC_E_CA_STATE, "new root: \"%s\", key label \"%s\" or %s is already in use",
		             c->root.cn, c->root.key_label, c->arl_url);
	gc_stmt_free(st);
	return rc;
}

struct root_work {
	struct gc_hsm_key *key;
	X509_NAME *dn;
	struct gc_made_cert root, links[2]; /* old signs new, new signs old */
	struct gc_lint_issuer lint_new;
};

static void root_work_clear(struct root_work *w)
{
	X509_NAME_free(w->dn);
	gc_made_cert_clear(&w->root);
	gc_made_cert_clear(&w->links[0]);
	gc_made_cert_clear(&w->links[1]);
	gc_lint_issuer_clear(&w->lint_new);
}

static const unsigned char *ski_of(const X509 *x)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id((X509 *)x);

	return ski != NULL && ASN1_STRING_length(ski) == 20 ? ASN1_STRING_get0_data(ski) : NULL;
}

/* The new root (self-signed, linted as App. G's root) and the two link certificates. */
static gc_result make_root_certs(struct gc_ca *ca, int64_t now, const char *old_cn, struct root_work *w)
{
	const char *names[6];
	X509 *old = ca->root_cert;
	int64_t end = not_after_of(old);
	struct gc_lint_cert_expect lx = {.kind = GC_LINT_ROOT, .ca_names = ca->ca_names, .cps_uri = ca->cfg.cps_uri};

	GC_ENSURE(ski_of(old) != NULL, GC_E_NOT_A_CA_DIR, "root certificate has no 20-octet subjectKeyIdentifier");
	GC_GUARD(gc_hsm_generate_rsa(ca->hsm, ca->cfg.root.key_label, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_find_key(ca->hsm, ca->cfg.root.key_label, &w->key));
	GC_GUARD(gc_ca_name(&ca->cfg, ca->cfg.root.cn, &w->dn));
	GC_GUARD(gc_ca_make_cert(w->dn, w->dn, w->key, w->key, NULL, -1, now,
	                         gc_time_add_years(now, ca->cfg.root.validity_years), ca->cfg.cps_uri, &lx,
	                         &w->root));
	GC_GUARD(gc_lint_issuer_load(w->root.der, w->root.dersz, &w->lint_new));
	/* old signs new: a path from the old root to everything under the new one */
	lx = (struct gc_lint_cert_expect){.kind = GC_LINT_LINK, .root = &ca->lint_root, .ca_names = ca->ca_names,
	                                  .cps_uri = ca->cfg.cps_uri};
	GC_GUARD(gc_ca_make_cert(w->dn, X509_get_subject_name(old), w->key, ca->root_key, ski_of(old), -1, now,
	                         end < w->root.not_after ? end : w->root.not_after, ca->cfg.cps_uri, &lx,
	                         &w->links[0]));
	/* new signs old: a path from the new root to what the old one certified */
	memcpy(names, ca->ca_names, sizeof(names));
	names[4] = old_cn;
	lx = (struct gc_lint_cert_expect){.kind = GC_LINT_LINK, .root = &w->lint_new, .ca_names = names,
	                                  .cps_uri = ca->cfg.cps_uri};
	return gc_ca_make_cert(X509_get_subject_name(old), w->dn, ca->root_key, w->key, ski_of(w->root.x), -1, now,
	                       end, ca->cfg.cps_uri, &lx, &w->links[1]);
}

static gc_result insert_link(struct gc_ca *ca, const struct gc_made_cert *m, int64_t subject_id,
                             int64_t issuer_id, char serial[41])
{
	struct gc_stmt *st;
	gc_result rc;

	gc_hex_encode(m->serial, sizeof(m->serial), serial);
	GC_GUARD(gc_db_prepare(ca->db, "INSERT INTO ca_links (serial, subject_id, issuer_id, not_before,"
	                               " not_after, der, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, serial)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, subject_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, issuer_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, m->not_before)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, m->not_after)) == GC_OK &&
	    (rc = gc_stmt_bind_blob(st, 6, m->der, m->dersz)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, (int64_t)time(NULL))) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result retire_root(struct gc_ca *ca)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "UPDATE ca_certs SET is_current = 0 WHERE role = 'root' AND is_current = 1",
	                       &st));
	rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/* The new root and its links become the CA's, the old CAs keep their CRLs and ARL, all
 * audited, in one transaction. */
static gc_result record_root(struct gc_ca *ca, const struct gc_config *old, const struct root_work *w,
                             int64_t now, int64_t *new_id, struct gc_new_root_result *res)
{
	char detail[1024];
	int64_t old_id = ca->root_id;
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, retire_root(ca));
	GC_GUARD_OUT(rc, gc_ca_insert_cert(ca->db, "root", ca->cfg.root.cn, ca->cfg.root.key_label, &w->root, 0,
	                                   new_id));
	GC_GUARD_OUT(rc, insert_link(ca, &w->links[0], *new_id, old_id, res->link_serials[0]));
	GC_GUARD_OUT(rc, insert_link(ca, &w->links[1], old_id, *new_id, res->link_serials[1]));
	GC_GUARD_OUT(rc, keep_scope(ca, old_id, "arl", old->arl_url, now));
	GC_GUARD_OUT(rc, keep_scope(ca, ca->issuing_id, "full", old->full_crl, now));
	GC_GUARD_OUT(rc, keep_scope(ca, ca->issuing_id, "partition", old->crl_dp, now));
	snprintf(detail, sizeof(detail), "RSA %d, sensitive, not extractable (new root)", CPS_RSA_BITS);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_KEY_GENERATED, ca->cfg.root.key_label, true,
	                                 detail));
	snprintf(detail, sizeof(detail), "CN=%s serial %s, self-signed, until %lld (CPS §4.7 root changeover)",
	         ca->cfg.root.cn, res->root_serial, (long long)w->root.not_after);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CERT_ISSUED, res->root_serial, true, detail));
	snprintf(detail, sizeof(detail), "link certificates: CN=%s certifies CN=%s (serial %s) and CN=%s "
	         "certifies CN=%s (serial %s)", old->root.cn, ca->cfg.root.cn, res->link_serials[0],
	         ca->cfg.root.cn, old->root.cn, res->link_serials[1]);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CERT_ISSUED, res->link_serials[0], true,
	                                 detail));
	snprintf(detail, sizeof(detail), "CPS §4.7: root CN=%s (key %s) replaced by CN=%s (key %s); the old "
	         "key is kept and goes on signing %s", old->root.cn, old->root.key_label, ca->cfg.root.cn,
	         ca->cfg.root.key_label, old->arl_url);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CHANGEOVER, res->root_serial, true, detail));
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* The CA works under the new root from now on (in memory; the database says so). */
static gc_result switch_root(struct gc_ca *ca, struct root_work *w, int64_t id)
{
	X509_free(ca->root_cert);
	ca->root_cert = w->root.x;
	w->root.x = NULL;
	ca->root_id = id;
	ca->root_key = w->key;
	gc_lint_issuer_clear(&ca->lint_root);
	return gc_lint_issuer_load(w->root.der, w->root.dersz, &ca->lint_root);
}

gc_result gc_ca_new_root(struct gc_ca *ca, const struct gc_new_root *nr, int64_t now, struct gc_new_root_result *res)
{
	struct gc_config old = ca->cfg, next;
	struct root_work w;
	int64_t id = 0;
	gc_result rc;

	memset(&w, 0, sizeof(w));
	GC_ENSURE(ca->hsm != NULL && ca->root_key != NULL, GC_E_HSM, "new root: the token is not open");
	GC_GUARD(root_config(ca, nr, &next));
	GC_GUARD(check_root_free(ca, &next));
	GC_GUARD(check_urls(ca, &next));
	ca->cfg = next;
	rc = gc_ca_check_new_name(ca);
	ca->cfg = old;
	GC_GUARD(rc);
	GC_GUARD(gc_ca_save_config(ca, &next));
	ca->cfg = next; /* ca_names now name the new root and issuing CA */
	rc = make_root_certs(ca, now, old.root.cn, &w);
	if (rc == GC_OK) {
		serial_hex(w.root.x, res->root_serial);
		rc = record_root(ca, &old, &w, now, &id, res);
	}
	if (rc != GC_OK) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		ca->cfg = old;
		if (gc_ca_save_config(ca, &old) != GC_OK)
			gc_err_clear();
		root_work_clear(&w);
		return gc_fail(rc, "%s", why);
	}
	snprintf(res->root_cn, sizeof(res->root_cn), "%s", next.root.cn);
	snprintf(res->root_key_label, sizeof(res->root_key_label), "%s", next.root.key_label);
	snprintf(res->arl_url, sizeof(res->arl_url), "%s", next.arl_url);
	res->root_not_after = w.root.not_after;
	snprintf(res->issuing.old_cn, sizeof(res->issuing.old_cn), "%s", old.issuing.cn);
	rc = switch_root(ca, &w, id);
	root_work_clear(&w);
	GC_GUARD(rc);
	/* the issuing CA under the new root; the root is in place even if this fails, and
	 * `gcert ca changeover` then makes it */
	GC_GUARD(gc_ca_new_issuing(ca, now));
	snprintf(res->issuing.new_cn, sizeof(res->issuing.new_cn), "%s", next.issuing.cn);
	snprintf(res->issuing.key_label, sizeof(res->issuing.key_label), "%s", next.issuing.key_label);
	snprintf(res->issuing.crl_dp, sizeof(res->issuing.crl_dp), "%s", next.crl_dp);
	snprintf(res->issuing.full_crl, sizeof(res->issuing.full_crl), "%s", next.full_crl);
	serial_hex(ca->issuing_cert, res->issuing.serial);
	res->issuing.not_after = not_after_of(ca->issuing_cert);
	return publish_first(ca, now, &res->issuing.crls);
}
