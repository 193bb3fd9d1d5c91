/*
 * ca.c - the CA directory and the key ceremony (CPS §6.1.1 key generation in hardware,
 * §6.2 protection, §4.7 and App. G the CA certificates).
 *
 * Layout of a CA directory:
 *   gcert.json            configuration (no secrets)
 *   gcert.db              SQLite database (certificates, audit trail)
 *   token/softhsm2.conf   the token's own SoftHSM2 configuration (nothing global touched)
 *   token/tokens/         SoftHSM2 object store
 *   token/user.pin        user PIN, mode 0600, read only to log in; never printed or
 *                         logged. M-of-N activation replaces it (CPS §6.2.2, §6.4).
 */
#define _XOPEN_SOURCE 700
#include "ca/ca.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ca/activation.h"
#include "ca/auditkey.h"
#include "ca/crl.h"
#include "core/calendar.h"
#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "x509/csr.h"
#include "x509/der.h"
#include "x509/md.h"
#include "x509/name.h"

static gc_result ca_path(const struct gc_ca *ca, const char *rel, char *out, size_t outsz)
{
	if (rel[0] == '/') {
		if ((size_t)snprintf(out, outsz, "%s", rel) >= outsz)
			return gc_fail(GC_E_CONFIG, "%s: path too long", rel);
		return GC_OK;
	}
	return gc_path_join(out, outsz, ca->dir, rel);
}

gc_result gc_ca_db_target(const struct gc_ca *ca, char *out, size_t outsz)
{
	if (ca->cfg.postgresql[0] == '\0')
		return ca_path(ca, ca->cfg.database, out, outsz);
	GC_ENSURE(strlen(ca->cfg.postgresql) < outsz, GC_E_CONFIG, "database.postgresql: too long");
	memcpy(out, ca->cfg.postgresql, strlen(ca->cfg.postgresql) + 1);
	return GC_OK;
}

gc_result gc_ca_sign_tbs(struct gc_hsm_key *key, const unsigned char *tbs, size_t tbssz,
                         unsigned char **der, size_t *dersz)
{
	unsigned char digest[32], sig[GC_RSA_SIG_MAX];
	size_t siglen = sizeof(sig);

	if (EVP_Digest(tbs, tbssz, digest, NULL, gc_md_sha256(), NULL) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "sign: SHA-256");
	GC_GUARD(gc_hsm_sign_sha256(key, digest, sig, &siglen));
	return gc_der_wrap_signed(tbs, tbssz, sig, siglen, der, dersz);
}

gc_result gc_ca_verify_cert(const unsigned char *der, size_t dersz, EVP_PKEY *issuer_pub, X509 **out)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)dersz);

	if (x == NULL || p != der + dersz) {
		X509_free(x);
		return gc_fail_ssl(GC_E_VERIFY, "signed certificate does not parse back");
	}
	if (X509_verify(x, issuer_pub) != 1) {
		X509_free(x);
		return gc_fail_ssl(GC_E_VERIFY, "signed certificate does not verify with the issuer key");
	}
	if (out != NULL)
		*out = x;
	else
		X509_free(x);
	return GC_OK;
}

/* Reads one DER header at *p (tag, definite length within end); advances past it. */
static bool der_header(const unsigned char **p, const unsigned char *end, unsigned char tag,
                       size_t *len)
{
	const unsigned char *q = *p;
	size_t n = 0, k;

	if (end - q < 2 || *q++ != tag)
		return false;
	if (*q < 0x80) {
		n = *q++;
	} else {
		k = *q++ & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - q) < k || *q == 0)
			return false;
		while (k--)
			n = n << 8 | *q++;
		if (n < 0x80)
			return false;
	}
	if ((size_t)(end - q) < n)
		return false;
	*p = q;
	*len = n;
	return true;
}

gc_result gc_ca_check_signed(const unsigned char *der, size_t dersz, const unsigned char *tbs,
                             size_t tbssz, EVP_PKEY *issuer_pub)
{
	const unsigned char *p = der, *end = der + dersz, *signed_tbs;
	unsigned char digest[32];
	EVP_PKEY_CTX *ctx = NULL;
	size_t len;
	gc_result rc = GC_OK;

	GC_ENSURE(der_header(&p, end, 0x30, &len) && p + len == end, GC_E_VERIFY,
	          "signed certificate: not one DER SEQUENCE");
	signed_tbs = p;
	GC_ENSURE((size_t)(end - p) > tbssz && memcmp(p, tbs, tbssz) == 0, GC_E_VERIFY,
	          "signed certificate: TBS differs from the recorded TBS");
	p += tbssz;
	GC_ENSURE((size_t)(end - p) > sizeof(gc_der_sha256_rsa_algid) &&
	              memcmp(p, gc_der_sha256_rsa_algid, sizeof(gc_der_sha256_rsa_algid)) == 0,
	          GC_E_VERIFY, "signed certificate: signature algorithm is not sha256WithRSAEncryption");
	p += sizeof(gc_der_sha256_rsa_algid);
	GC_ENSURE(der_header(&p, end, 0x03, &len) && p + len == end && len > 1 && p[0] == 0,
	          GC_E_VERIFY, "signed certificate: malformed signature BIT STRING");
	/* hash the TBS as it stands in the signed object, not our copy of it */
	GC_ENSURE(EVP_Digest(signed_tbs, tbssz, digest, NULL, gc_md_sha256(), NULL) == 1,
	          GC_E_INTERNAL, "signed certificate: SHA-256");
	GC_NOMEM_OUT(rc, ctx = EVP_PKEY_CTX_new(issuer_pub, NULL));
	GC_SSL_OUT(rc, EVP_PKEY_verify_init(ctx), GC_E_VERIFY, "signed certificate: verify init");
	GC_SSL_OUT(rc, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0, GC_E_VERIFY,
	           "signed certificate: padding");
	GC_SSL_OUT(rc, EVP_PKEY_CTX_set_signature_md(ctx, gc_md_sha256()) > 0, GC_E_VERIFY,
	           "signed certificate: digest");
	GC_SSL_OUT(rc, EVP_PKEY_verify(ctx, p + 1, len - 1, digest, sizeof(digest)), GC_E_VERIFY,
	           "signed certificate: signature does not verify with the issuing CA key");
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* ---- the key ceremony ---- */



void gc_made_cert_clear(struct gc_made_cert *m)
{
	free(m->der);
	X509_free(m->x);
	memset(m, 0, sizeof(*m));
}

gc_result gc_ca_name(const struct gc_config *cfg, const char *cn, X509_NAME **out)
{
	const char *values[5] = {cfg->country, cfg->state, cfg->locality, cfg->organisation, cn};

	return gc_name_build(gc_ca_name_rules, 5, values, out);
}

/* Makes one CA certificate: subject key subj signed by issuer key signer. */
/* Lints a CA TBS against App. G before the token signs it (issue 10). */
static gc_result lint_ca_tbs(const unsigned char *tbs, size_t tbssz,
                             const struct gc_lint_cert_expect *lx)
{
	struct gc_lint_report r;

	gc_lint_report_init(&r);
	gc_lint_tbs(tbs, tbssz, lx, &r);
	return gc_lint_result(&r, lx->kind == GC_LINT_ROOT ? "root CA certificate"
	                                                   : "issuing CA certificate");
}

/* Makes one CA certificate: subject key subj signed by issuer key signer. */
gc_result gc_ca_make_cert(const X509_NAME *subject, const X509_NAME *issuer,
                              struct gc_hsm_key *subj, struct gc_hsm_key *signer,
                              const unsigned char *issuer_key_id, int pathlen, int64_t nb,
                              int64_t na, const char *cps_uri,
                              const struct gc_lint_cert_expect *lx, struct gc_made_cert *m)
{
	struct gc_ca_input in;
	unsigned char key_id[20], *tbs = NULL;
	char sha[65];
	size_t tbssz;
	gc_result rc;

	GC_GUARD(gc_serial_random(m->serial));
	GC_GUARD(gc_spki_ids(gc_hsm_key_public(subj), NULL, NULL, sha, key_id));
	m->not_before = nb;
	m->not_after = na;
	in = (struct gc_ca_input){
		.subject = subject, .issuer = issuer, .serial = m->serial,
		.not_before = m->not_before, .not_after = m->not_after,
		.pkey = gc_hsm_key_public(subj), .key_id = key_id,
		.issuer_key_id = issuer_key_id, .pathlen = pathlen, .cps_uri = cps_uri,
	};
	GC_GUARD(gc_cert_build_ca_tbs(&in, &tbs, &tbssz));
	if ((rc = lint_ca_tbs(tbs, tbssz, lx)) == GC_OK)
		rc = gc_ca_sign_tbs(signer, tbs, tbssz, &m->der, &m->dersz);
	OPENSSL_free(tbs);
	if (rc == GC_OK)
		rc = gc_ca_verify_cert(m->der, m->dersz, gc_hsm_key_public(signer), &m->x);
	return rc;
}

gc_result gc_ca_insert_cert(struct gc_db *db, const char *role, const char *cn,
                                const char *label, const struct gc_made_cert *m, int64_t issuer_id,
                                int64_t *id)
{
	struct gc_stmt *st;
	char serial[2 * CPS_SERIAL_OCTETS + 1];
	bool row;
	gc_result rc;

	gc_hex_encode(m->serial, sizeof(m->serial), serial);
	GC_GUARD(gc_db_prepare(db, "INSERT INTO ca_certs (role, subject_cn, key_label, serial,"
	                           " issuer_id, not_before, not_after, der, created_at)"
	                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &st));
	if ((rc = gc_stmt_bind_text(st, 1, role)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, cn)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, label)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 4, serial)) == GC_OK &&
	    (rc = issuer_id ? gc_stmt_bind_int64(st, 5, issuer_id) : gc_stmt_bind_text(st, 5, NULL)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 6, m->not_before)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, m->not_after)) == GC_OK &&
	    (rc = gc_stmt_bind_blob(st, 8, m->der, m->dersz)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 9, (int64_t)time(NULL))) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK)
		*id = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

/* ---- configuration history (CPS §4.5.1: change and configuration of the CA) ---- */

static gc_result config_sha256(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];

	GC_ENSURE(EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) == 1, GC_E_INTERNAL, "config: SHA-256");
	gc_hex_encode(md, sizeof(md), hex);
	return GC_OK;
}

static gc_result config_insert(struct gc_db *db, const char *sha)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO config_versions (sha256, seen_at) VALUES (?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, sha)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, (int64_t)time(NULL))) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result config_last(struct gc_db *db, char sha[65])
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	sha[0] = '\0';
	GC_GUARD(gc_db_prepare(db, "SELECT sha256 FROM config_versions ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(sha, 65, "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	return rc;
}

/*
 * gcert.json is edited by hand: each opening compares it with the last version seen and
 * records a change (config.changed, a significant event, §4.5.7) in one transaction.
 */
static gc_result config_check(struct gc_ca *ca, const void *json, size_t len)
{
	char now[65], last[65], detail[256];
	gc_result rc;

	GC_GUARD(config_sha256(json, len, now));
	GC_GUARD(config_last(ca->db, last));
	if (strcmp(now, last) == 0)
		return GC_OK;
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, config_last(ca->db, last)); /* another process may have done it */
	if (strcmp(now, last) != 0) {
		snprintf(detail, sizeof(detail), "%s sha256 %s (was %s)", GC_CONFIG_FILE, now,
		         last[0] ? last : "not recorded");
		GC_GUARD_OUT(rc, config_insert(ca->db, now));
		GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CONFIG_CHANGED, GC_CONFIG_FILE,
		                                 true, detail));
	}
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK)
		gc_db_rollback(ca->db);
	return rc;
}

gc_result gc_ca_save_config(struct gc_ca *ca, const struct gc_config *cfg)
{
	char path[GC_MAX_PATH], *json;
	gc_result rc;

	GC_GUARD(gc_path_join(path, sizeof(path), ca->dir, GC_CONFIG_FILE));
	GC_ENSURE((json = gc_config_dump(cfg)) != NULL, GC_E_NOMEM, "config: out of memory");
	if ((rc = gc_file_write(path, json, strlen(json), 0640, 0)) == GC_OK)
		rc = config_check(ca, json, strlen(json)); /* config.changed, as a hand edit would be */
	free(json);
	return rc;
}

/* A ceremony makes a CA of its own: a PostgreSQL database that holds one is not reused. */
static gc_result database_empty(struct gc_db *db, const char *target)
{
	struct gc_stmt *st;
	bool row = false;
	char shown[512];
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT 1 FROM ca_certs LIMIT 1", &st));
	rc = gc_stmt_step(st, &row);
	gc_stmt_free(st);
	GC_GUARD(rc);
	gc_db_target_redact(target, shown, sizeof(shown));
	GC_ENSURE(!row, GC_E_DIR_EXISTS, "%s: the database already holds a CA; a ceremony needs an "
	          "empty one", shown);
	return GC_OK;
}

/* The database rows and audit records of the ceremony, in one transaction. */
static gc_result record_ceremony(const char *dbpath, const struct gc_config *cfg,
                                 const char *json, const char *actor, const struct gc_made_cert *root,
                                 const struct gc_made_cert *issuing)
{
	struct gc_db *db = NULL;
	struct gc_audit *audit = NULL;
	int64_t root_id = 0, issuing_id = 0;
	char serial[2][41], detail[512], cfgsha[65];
	gc_result rc;

	gc_hex_encode(root->serial, CPS_SERIAL_OCTETS, serial[0]);
	gc_hex_encode(issuing->serial, CPS_SERIAL_OCTETS, serial[1]);
	GC_GUARD(gc_db_open(dbpath, true, &db));
	GC_GUARD_OUT(rc, database_empty(db, dbpath));
	GC_GUARD_OUT(rc, gc_audit_open(db, &audit));
	GC_GUARD_OUT(rc, gc_db_begin(db));
	snprintf(detail, sizeof(detail), "token \"%s\" module %s", cfg->token_label, cfg->token_module);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_CA_INIT, "ca", true, detail));
	snprintf(detail, sizeof(detail), "RSA %d, sensitive, not extractable", CPS_RSA_BITS);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_KEY_GENERATED, cfg->root.key_label, true, detail));
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_KEY_GENERATED, cfg->issuing.key_label, true, detail));
	GC_GUARD_OUT(rc, gc_ca_insert_cert(db, "root", cfg->root.cn, cfg->root.key_label, root, 0, &root_id));
	GC_GUARD_OUT(rc, gc_ca_insert_cert(db, "issuing", cfg->issuing.cn, cfg->issuing.key_label, issuing,
	                                root_id, &issuing_id));
	snprintf(detail, sizeof(detail), "CN=%s serial %s (self-signed)", cfg->root.cn, serial[0]);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_CA_CERT_ISSUED, serial[0], true, detail));
	snprintf(detail, sizeof(detail), "CN=%s serial %s issued by CN=%s", cfg->issuing.cn, serial[1],
	         cfg->root.cn);
	GC_GUARD_OUT(rc, gc_audit_append(audit, actor, GC_EV_CA_CERT_ISSUED, serial[1], true, detail));
	/* the configuration of the ceremony is the first version (ca.init records it) */
	GC_GUARD_OUT(rc, config_sha256(json, strlen(json), cfgsha));
	GC_GUARD_OUT(rc, config_insert(db, cfgsha));
	rc = gc_db_commit(db);
out:
	if (rc != GC_OK)
		gc_db_rollback(db);
	gc_audit_free(audit);
	gc_db_close(db);
	return rc;
}

static gc_result make_hierarchy(struct gc_hsm *hsm, const struct gc_config *cfg,
                                struct gc_made_cert *root, struct gc_made_cert *issuing)
{
	struct gc_hsm_key *rk, *ik;
	X509_NAME *root_dn = NULL, *issuing_dn = NULL;
	const char *names[6] = {cfg->country, cfg->state, cfg->locality, cfg->organisation,
	                        cfg->root.cn, cfg->issuing.cn};
	struct gc_lint_issuer root_lint = {0};
	struct gc_lint_cert_expect lx = {.kind = GC_LINT_ROOT, .ca_names = names,
	                                 .cps_uri = cfg->cps_uri};
	unsigned char root_kid[20];
	char sha[65];
	int64_t now = (int64_t)time(NULL);
	gc_result rc = GC_OK;

	/* CPS §6.1.1, §6.1.5: CA keys RSA 2048, generated in the token. */
	GC_GUARD(gc_hsm_generate_rsa(hsm, cfg->root.key_label, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_generate_rsa(hsm, cfg->issuing.key_label, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_find_key(hsm, cfg->root.key_label, &rk));
	GC_GUARD(gc_hsm_find_key(hsm, cfg->issuing.key_label, &ik));
	GC_GUARD_OUT(rc, gc_ca_name(cfg, cfg->root.cn, &root_dn));
	GC_GUARD_OUT(rc, gc_ca_name(cfg, cfg->issuing.cn, &issuing_dn));
	GC_GUARD_OUT(rc, gc_spki_ids(gc_hsm_key_public(rk), NULL, NULL, sha, root_kid));
	/* App. G: the root is self-signed; basicConstraints cA without pathLen. */
	GC_GUARD_OUT(rc, gc_ca_make_cert(root_dn, root_dn, rk, rk, NULL, -1, now,
	                                 gc_time_add_years(now, cfg->root.validity_years), cfg->cps_uri, &lx,
	                                 root));
	/* App. G: the issuing CA is certified by the root; pathLen 0 (it signs only g-Certs). */
	GC_GUARD_OUT(rc, gc_lint_issuer_load(root->der, root->dersz, &root_lint));
	lx.kind = GC_LINT_ISSUING;
	lx.root = &root_lint;
	GC_GUARD_OUT(rc, gc_ca_make_cert(issuing_dn, X509_get_subject_name(root->x), ik, rk, root_kid,
	                              0, now, gc_time_add_years(now, cfg->issuing.validity_years), cfg->cps_uri, &lx,
	                                 issuing));
out:
	gc_lint_issuer_clear(&root_lint);
	X509_NAME_free(root_dn);
	X509_NAME_free(issuing_dn);
	return rc;
}

static const char softhsm_conf_fmt[] =
	"# SoftHSM2 configuration of this CA's own token (gcert ca init)\n"
	"directories.tokendir = %s/token/tokens\n"
	"objectstore.backend = file\n"
	"log.level = ERROR\n"
	"slots.removable = false\n";

gc_result gc_ca_write_softhsm_conf(const char *absdir, const struct gc_config *cfg)
{
	char path[GC_MAX_PATH], conf[GC_MAX_PATH + 256];
	int n = snprintf(conf, sizeof(conf), softhsm_conf_fmt, absdir);

	GC_ENSURE(n > 0 && (size_t)n < sizeof(conf), GC_E_CONFIG, "%s: path too long", absdir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, cfg->softhsm2_conf));
	return gc_file_write(path, conf, (size_t)n, 0600, 1);
}

/* A new SoftHSM2 token inside the CA directory, with a random user PIN. */
static gc_result make_softhsm_token(const char *absdir, const struct gc_config *cfg, char *pin)
{
	char path[GC_MAX_PATH], conf[GC_MAX_PATH + 256], so_pin[GC_HSM_PIN_HEX + 1];
	gc_result rc;
	int n;

	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "token/tokens"));
	GC_GUARD(gc_mkdir(path, 0700, 1));
	n = snprintf(conf, sizeof(conf), softhsm_conf_fmt, absdir);
	GC_ENSURE(n > 0 && (size_t)n < sizeof(conf), GC_E_CONFIG, "%s: path too long", absdir);
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, cfg->softhsm2_conf));
	GC_GUARD(gc_file_write(path, conf, (size_t)n, 0600, 1));
	GC_GUARD(gc_hsm_use_softhsm_conf(path));
	GC_GUARD(gc_hsm_pin_random(pin));
	/* The SO PIN is needed only to set the user PIN; it is not kept. */
	GC_GUARD(gc_hsm_pin_random(so_pin));
	rc = gc_hsm_init_token(cfg->token_module, cfg->token_label, so_pin, pin);
	OPENSSL_cleanse(so_pin, sizeof(so_pin));
	return rc;
}

static const char warning_days_header[] =
	"# Days on which a tropical cyclone warning (No. 8 or above) or a black or red\n"
	"# rainstorm warning was hoisted: not working days under CPS §4.4.3.\n"
	"# Add one line per day as it happens: YYYY-MM-DD  description\n";

/* CPS §4.4.3: the working-day calendar, a copy the operator keeps up to date. */
static gc_result write_calendar(const char *absdir, const struct gc_config *cfg)
{
	char path[GC_MAX_PATH];

	GC_GUARD(gc_path_join(path, sizeof(path), absdir, "calendar"));
	GC_GUARD(gc_mkdir(path, 0750, 1));
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, cfg->holidays_file));
	GC_GUARD(gc_file_write(path, gc_default_holidays, strlen(gc_default_holidays), 0640, 1));
	GC_GUARD(gc_path_join(path, sizeof(path), absdir, cfg->warning_days_file));
	return gc_file_write(path, warning_days_header, strlen(warning_days_header), 0640, 1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/*
 * The key ceremony ends with the root's first ARL and the issuing CA's first CRLs
 * (crl.h gc_crl_publish_all): a new CA is verifiable from its first certificate. With
 * custodians the PIN is in no file: the ceremony's own activation logs the token in.
 */
static gc_result first_crls(const char *dir, const char *pin, const char *actor)
{
	struct gc_ca *ca;
	size_t n;
	gc_result rc;

	GC_GUARD(gc_ca_open(dir, pin != NULL ? GC_NEED_DB : GC_NEED_DB | GC_NEED_TOKEN, actor, &ca));
	rc = pin != NULL ? gc_ca_activate(ca, pin, "the key ceremony", "the first ARL and CRLs") : GC_OK;
	if (rc == GC_OK)
		rc = gc_crl_publish_all(ca, (int64_t)time(NULL), &n);
	gc_ca_close(ca);
	return rc;
}

gc_result gc_ca_init(const char *dir, const struct gc_init_options *opt, const char *actor)
{
	struct gc_config cfg = opt->cfg;
	struct gc_hsm *hsm = NULL;
	struct gc_made_cert root = {0}, issuing = {0};
	char absdir[PATH_MAX], path[GC_MAX_PATH], pin[256];
	char *json = NULL;
	gc_result rc;

	/* Nothing in a CA directory is for other users' eyes. */
	umask(027);
	if (opt->activation != NULL)
		GC_GUARD(gc_activation_prepare(opt->activation, &cfg)); /* before anything is made */
	GC_GUARD(gc_mkdir(dir, 0700, 1));
	if (realpath(dir, absdir) == NULL) {
		rc = gc_fail(GC_E_IO, "%s: cannot resolve", dir);
		goto out;
	}
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, "token"));
	GC_GUARD_OUT(rc, gc_mkdir(path, 0700, 1));
	if (opt->existing_pin_file[0] != '\0') {
		cfg.softhsm2_conf[0] = '\0';
		GC_GUARD_OUT(rc, gc_hsm_pin_read(opt->existing_pin_file, pin, sizeof(pin)));
	} else {
		GC_GUARD_OUT(rc, make_softhsm_token(absdir, &cfg, pin));
	}
	if (opt->activation == NULL) {
		GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, cfg.pin_file));
		GC_GUARD_OUT(rc, gc_file_write(path, pin, strlen(pin), 0600, 1));
	}
	GC_GUARD_OUT(rc, gc_hsm_open(cfg.token_module, cfg.token_label, pin, &hsm));
	GC_GUARD_OUT(rc, make_hierarchy(hsm, &cfg, &root, &issuing));
	GC_NOMEM_OUT(rc, json = gc_config_dump(&cfg));
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, GC_CONFIG_FILE));
	GC_GUARD_OUT(rc, gc_file_write(path, json, strlen(json), 0640, 1));
	GC_GUARD_OUT(rc, write_calendar(absdir, &cfg));
	if (cfg.postgresql[0] != '\0')
		snprintf(path, sizeof(path), "%s", cfg.postgresql);
	else
		GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), absdir, cfg.database));
	/* CPS §6.4: the PIN leaves the ceremony only as sealed shares */
	if (opt->activation != NULL && (rc = gc_activation_write_shares(opt->activation, &cfg, pin)) != GC_OK)
		goto out;
	if ((rc = record_ceremony(path, &cfg, json, actor, &root, &issuing)) == GC_OK) {
		gc_hsm_free(hsm); /* the CA opens the token itself */
		hsm = NULL;
		rc = first_crls(absdir, opt->activation != NULL ? pin : NULL, actor);
	}
	if (rc != GC_OK && opt->activation)
		gc_activation_remove_shares(opt->activation, &cfg);
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	free(json);
	gc_made_cert_clear(&root);
	gc_made_cert_clear(&issuing);
	gc_hsm_free(hsm);
	if (rc != GC_OK) {
		/* Nothing half done: the directory was ours alone; take it all away again.
		 * nftw may overwrite the error detail's thread state only through gc_* calls,
		 * which it does not make. */
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	return rc;
}

/* ---- opening an existing CA ---- */

static gc_result load_ca_cert(struct gc_ca *ca, const char *role, X509 **x, int64_t *id)
{
	struct gc_stmt *st;
	const unsigned char *p;
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT id, der FROM ca_certs WHERE role = ? AND is_current = 1"
	                               " ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_bind_text(st, 1, role)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row) {
			rc = gc_fail(GC_E_NOT_A_CA_DIR, "%s: no %s CA certificate in the database", ca->dir, role);
		} else {
			*id = gc_stmt_int64(st, 0);
			p = gc_stmt_blob(st, 1, &n);
			if ((*x = d2i_X509(NULL, &p, (long)n)) == NULL)
				rc = gc_fail_ssl(GC_E_DB, "%s CA certificate in the database does not parse", role);
		}
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result lint_issuer_of(X509 *x, struct gc_lint_issuer *out)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	gc_result rc;

	GC_ENSURE(len > 0, GC_E_INTERNAL, "CA certificate: cannot encode");
	rc = gc_lint_issuer_load(der, (size_t)len, out);
	OPENSSL_free(der);
	return rc;
}

/* The CA names as the linter expects them: C, ST, L, O, root CN, issuing CN. */
static void set_ca_names(struct gc_ca *ca)
{
	ca->ca_names[0] = ca->cfg.country;
	ca->ca_names[1] = ca->cfg.state;
	ca->ca_names[2] = ca->cfg.locality;
	ca->ca_names[3] = ca->cfg.organisation;
	ca->ca_names[4] = ca->cfg.root.cn;
	ca->ca_names[5] = ca->cfg.issuing.cn;
}

static gc_result load_issuer(struct gc_ca *ca)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca->issuing_cert);

	GC_ENSURE(ski != NULL && ASN1_STRING_length(ski) == 20, GC_E_NOT_A_CA_DIR,
	          "issuing CA certificate has no 20-octet subjectKeyIdentifier");
	ca->issuer.cert = ca->issuing_cert;
	memcpy(ca->issuer.key_id, ASN1_STRING_get0_data(ski), 20);
	ca->issuer.key_id_len = 20;
	GC_GUARD(lint_issuer_of(ca->issuing_cert, &ca->lint_issuing));
	GC_GUARD(lint_issuer_of(ca->root_cert, &ca->lint_root));
	set_ca_names(ca);
	return GC_OK;
}

void gc_ca_lint_expect(const struct gc_ca *ca, struct gc_lint_cert_expect *x)
{
	memset(x, 0, sizeof(*x));
	x->kind = GC_LINT_EE;
	x->issuer = &ca->lint_issuing;
	x->root = &ca->lint_root;
	x->ca_names = ca->ca_names;
	x->cps_uri = ca->cfg.cps_uri;
	x->crl_dp = ca->cfg.crl_dp;
}

/*
 * The issuance lock (DIR/issuance.lock): every process that may sign holds it shared;
 * recovery needs it exclusive, so it never retires a reservation that a live process
 * is about to sign. The kernel drops a killed process's lock by itself. Nodes on one
 * PostgreSQL database (each with its own directory) hold the session lock
 * GC_LOCK_ISSUANCE the same way; the server drops a dead node's with its connection.
 */
static gc_result take_issuance_lock(struct gc_ca *ca, bool *exclusive)
{
	char path[GC_MAX_PATH];
	bool db_exclusive = false;

	GC_GUARD(gc_path_join(path, sizeof(path), ca->dir, "issuance.lock"));
	ca->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	GC_ENSURE(ca->lock_fd >= 0, GC_E_IO, "%s: cannot open the issuance lock", path);
	*exclusive = flock(ca->lock_fd, LOCK_EX | LOCK_NB) == 0;
	if (*exclusive) {
		GC_GUARD(gc_db_try_lock(ca->db, GC_LOCK_ISSUANCE, &db_exclusive));
		if (!db_exclusive) {
			*exclusive = false;
			GC_ENSURE(flock(ca->lock_fd, LOCK_SH) == 0, GC_E_IO, "%s: cannot share the issuance lock",
			          path);
		}
	} else {
		GC_ENSURE(flock(ca->lock_fd, LOCK_SH) == 0, GC_E_IO, "%s: cannot take the issuance lock",
		          path);
	}
	if (!*exclusive)
		GC_GUARD(gc_db_lock_shared(ca->db, GC_LOCK_ISSUANCE));
	return GC_OK;
}

int64_t gc_ca_node_id(const struct gc_ca *ca)
{
	return ca->node != NULL ? *ca->node : 0;
}

gc_result gc_ca_node_hold(struct gc_ca *ca)
{
	bool got = false;

	if (ca->node_locked || gc_ca_node_id(ca) == 0)
		return GC_OK;
	GC_GUARD(gc_db_try_lock_shared(ca->db, GC_LOCK_NODE(*ca->node), &got));
	GC_ENSURE(got, GC_E_CA_STATE, "node %lld: its lock is held by another node, which took this "
	          "process for dead and recovered its reservations; this process must stop",
	          (long long)*ca->node);
	GC_GUARD(gc_db_lock_shared(ca->db, GC_LOCK_ISSUANCE));
	ca->node_locked = true;
	return GC_OK;
}

/*
 * This process as an issuing node: a row of its own in nodes, recorded on every
 * certificate it reserves, and its lock held shared by each of its connections for as
 * long as it lives (docs/issuance-safety.md "Several nodes").
 */
static gc_result register_node(struct gc_ca *ca)
{
	struct gc_stmt *st = NULL;
	char host[256] = "";
	bool row = false;
	int64_t id = 0;
	gc_result rc;

	if (gc_ca_node_id(ca) != 0)
		return GC_OK;
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "?");
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO nodes (host, pid, dir, started_at)"
	                                       " VALUES (?, ?, ?, ?) RETURNING id", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, host));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 2, (int64_t)getpid()));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, ca->dir));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 4, (int64_t)time(NULL)));
	GC_GUARD_OUT(rc, gc_stmt_step(st, &row));
	GC_ENSURE_OUT(rc, row, GC_E_DB, "nodes: no id returned");
	id = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	st = NULL;
	GC_GUARD_OUT(rc, gc_db_commit(ca->db));
	ca->node_self = id;
	ca->node = &ca->node_self;
	ca->node_locked = false;
	return gc_ca_node_hold(ca);
out:
	gc_stmt_free(st);
	gc_db_rollback(ca->db);
	return rc;
}

/* Recovery while exclusive, then shared like every other issuing process, as a node. */
static gc_result open_issuance(struct gc_ca *ca)
{
	struct gc_recovery rec;
	bool exclusive;
	gc_result rc = GC_OK;

	GC_GUARD(take_issuance_lock(ca, &exclusive));
	if (exclusive) {
		rc = gc_ca_recover(ca, &rec);
		if (flock(ca->lock_fd, LOCK_SH) != 0 && rc == GC_OK)
			rc = gc_fail(GC_E_IO, "%s: cannot share the issuance lock", ca->dir);
		if (rc == GC_OK)
			rc = gc_db_lock_shared(ca->db, GC_LOCK_ISSUANCE);
		gc_db_unlock(ca->db, GC_LOCK_ISSUANCE); /* the exclusive one; the shared stays */
	}
	if (rc == GC_OK)
		rc = register_node(ca);
	return rc;
}

/* The keys of the token, logged in with pin (wiped by the caller). */
static gc_result login_token(struct gc_ca *ca, bool root_only, const char *pin)
{
	char path[GC_MAX_PATH];

	if (ca->cfg.softhsm2_conf[0] != '\0') {
		GC_GUARD(ca_path(ca, ca->cfg.softhsm2_conf, path, sizeof(path)));
		GC_GUARD(gc_hsm_use_softhsm_conf(path));
	}
	GC_GUARD(gc_hsm_open(ca->cfg.token_module, ca->cfg.token_label, pin, &ca->hsm));
	/* The audit key first: a key generated later could move libp11's key objects
	 * under the CA key handles already taken. */
	GC_GUARD(gc_audit_key_open(ca));
	GC_GUARD(gc_hsm_find_key(ca->hsm, ca->cfg.root.key_label, &ca->root_key));
	if (root_only)
		goto root;
	GC_GUARD(gc_hsm_find_key(ca->hsm, ca->cfg.issuing.key_label, &ca->issuing_key));
	/* The token's keys must be the ones the certificates certify. */
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(ca->issuing_key), X509_get0_pubkey(ca->issuing_cert)) == 1,
	          GC_E_HSM, "token key \"%s\" does not match the issuing CA certificate",
	          ca->cfg.issuing.key_label);
root:
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(ca->root_key), X509_get0_pubkey(ca->root_cert)) == 1,
	          GC_E_HSM, "token key \"%s\" does not match the root certificate", ca->cfg.root.key_label);
	return GC_OK;
}

/* ---- M-of-N activation (CPS §6.2.2, §6.4) ---- */

/* The custodians' shares a standalone command was given (the CLI edge sets them). */
static const struct gc_activation_input *given_shares;

void gc_ca_use_shares(const struct gc_activation_input *in)
{
	given_shares = in;
}

static gc_result audit_activation(struct gc_ca *ca, enum gc_audit_event ev, bool ok, const char *detail)
{
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, ev, ca->cfg.token_label, ok, detail)) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK)
		gc_db_rollback(ca->db);
	return rc;
}

/* A failed activation is recorded with its reason; the reason stays the error. */
static gc_result activation_failed(struct gc_ca *ca, gc_result rc, const char *who, const char *what)
{
	char why[1024], detail[1400];

	snprintf(why, sizeof(why), "%s", gc_err_detail());
	snprintf(detail, sizeof(detail), "%s refused (custodians whose shares opened: %s): %s", what,
	         who[0] ? who : "none", why);
	if (audit_activation(ca, GC_EV_CA_ACTIVATION_FAILED, false, detail) != GC_OK)
		gc_err_clear();
	return gc_fail(rc, "%s", why);
}

gc_result gc_ca_activate(struct gc_ca *ca, const char *pin, const char *who, const char *what)
{
	char detail[1024];
	gc_result rc;

	GC_ENSURE(ca->hsm == NULL, GC_E_CA_STATE, "the CA keys are already activated");
	if ((rc = login_token(ca, false, pin)) != GC_OK) {
		gc_ca_deactivate(ca);
		return activation_failed(ca, rc, who, what);
	}
	snprintf(detail, sizeof(detail), "%s: custodians %s (%d of %d, CPS §6.4) logged the token in",
	         what, who, ca->cfg.activation.threshold, ca->cfg.activation.custodians);
	if ((rc = audit_activation(ca, GC_EV_CA_ACTIVATED, true, detail)) != GC_OK)
		gc_ca_deactivate(ca);
	return rc;
}

void gc_ca_deactivate(struct gc_ca *ca)
{
	if (!ca->shares_token)
		gc_hsm_free(ca->hsm); /* logs out: the token forgets the PIN */
	ca->hsm = NULL;
	ca->root_key = ca->issuing_key = ca->audit_key = NULL;
	X509_free(ca->audit_cert);
	ca->audit_cert = NULL;
	if (ca->lock_fd >= 0)
		close(ca->lock_fd);
	ca->lock_fd = -1;
}

/* A standalone command in custodian mode: the shares it was given, or a refusal that
 * names the ways to sign. */
static gc_result open_custodial(struct gc_ca *ca, bool root_only)
{
	char pin[GC_ACTIVATION_PIN_MAX + 1], who[512], msg[256];
	gc_result rc;

	if (given_shares == NULL) {
		gc_activation_refusal(&ca->cfg, msg, sizeof(msg));
		return gc_fail(GC_E_NOT_ACTIVATED, "%s: sign through the running service (`gcert ca serve`, "
		               "then `gcert ca activate --dir %s`), or give this command "
		               "--activation-shares F1,F2,... --activation-passphrases env:A,env:B,...",
		               msg, ca->dir);
	}
	if ((rc = gc_activation_combine(&ca->cfg, given_shares, pin, sizeof(pin), who, sizeof(who))) != GC_OK)
		return activation_failed(ca, rc, who, "activation for a standalone command");
	if ((rc = login_token(ca, root_only, pin)) != GC_OK) {
		sodium_memzero(pin, sizeof(pin));
		gc_ca_deactivate(ca);
		return activation_failed(ca, rc, who, "activation for a standalone command");
	}
	sodium_memzero(pin, sizeof(pin));
	snprintf(msg, sizeof(msg), "for one standalone command: custodians %.160s (%d of %d, CPS §6.4)",
	         who, ca->cfg.activation.threshold, ca->cfg.activation.custodians);
	return audit_activation(ca, GC_EV_CA_ACTIVATED, true, msg);
}

static gc_result open_token(struct gc_ca *ca, bool root_only)
{
	char path[GC_MAX_PATH], pin[256];
	gc_result rc;

	if (gc_config_custodial(&ca->cfg))
		return open_custodial(ca, root_only);
	GC_ENSURE(given_shares == NULL, GC_E_USAGE, "--activation-shares: this CA is not under M-of-N "
	          "activation (its PIN is in %s)", ca->cfg.pin_file);
	GC_GUARD(ca_path(ca, ca->cfg.pin_file, path, sizeof(path)));
	GC_GUARD(gc_hsm_pin_read(path, pin, sizeof(pin)));
	rc = login_token(ca, root_only, pin);
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

gc_result gc_ca_open(const char *dir, unsigned needs, const char *actor, struct gc_ca **out)
{
	struct gc_ca *ca;
	unsigned char *buf = NULL;
	size_t len;
	char path[GC_MAX_PATH];
	gc_result rc;

	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	ca->lock_fd = -1;
	ca->node = &ca->node_self;
	snprintf(ca->actor, sizeof(ca->actor), "%s", actor);
	GC_ENSURE_OUT(rc, strlen(dir) < sizeof(ca->dir), GC_E_CONFIG, "%s: path too long", dir);
	memcpy(ca->dir, dir, strlen(dir) + 1);
	GC_GUARD_OUT(rc, gc_path_join(path, sizeof(path), dir, GC_CONFIG_FILE));
	if (!gc_path_exists(path)) {
		rc = gc_fail(GC_E_NOT_A_CA_DIR, "%s: not a CA directory (no %s); `gcert ca init --dir %s` "
		             "makes one in a new or empty directory", dir, GC_CONFIG_FILE, dir);
		goto out;
	}
	GC_GUARD_OUT(rc, gc_file_read(path, GC_MAX_CONFIG_FILE, &buf, &len));
	GC_GUARD_OUT(rc, gc_config_parse((const char *)buf, len, &ca->cfg));
	GC_GUARD_OUT(rc, gc_ca_db_target(ca, path, sizeof(path)));
	GC_ENSURE_OUT(rc, gc_db_target_is_pg(path) || gc_path_exists(path), GC_E_NOT_A_CA_DIR,
	              "%s: database missing", path);
	GC_GUARD_OUT(rc, gc_db_open(path, false, &ca->db));
	GC_GUARD_OUT(rc, gc_audit_open(ca->db, &ca->audit));
	GC_GUARD_OUT(rc, config_check(ca, buf, len));
	GC_GUARD_OUT(rc, load_ca_cert(ca, "root", &ca->root_cert, &ca->root_id));
	GC_GUARD_OUT(rc, load_ca_cert(ca, "issuing", &ca->issuing_cert, &ca->issuing_id));
	GC_GUARD_OUT(rc, load_issuer(ca));
	if (needs & (GC_NEED_TOKEN | GC_NEED_ROOT_KEY))
		GC_GUARD_OUT(rc, open_token(ca, !(needs & GC_NEED_TOKEN)));
	if (needs & GC_NEED_TOKEN)
		GC_GUARD_OUT(rc, open_issuance(ca));
	*out = ca;
	ca = NULL;
out:
	free(buf);
	gc_ca_close(ca);
	return rc;
}

gc_result gc_ca_worker(const struct gc_ca *ca, struct gc_ca **out)
{
	struct gc_ca *w;
	char path[GC_MAX_PATH];
	gc_result rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	*w = *ca;
	w->db = NULL;
	w->audit = NULL;
	w->shares_token = true;
	X509_up_ref(w->root_cert);
	X509_up_ref(w->issuing_cert);
	if (w->service_cert != NULL)
		X509_up_ref(w->service_cert);
	if (w->audit_cert != NULL)
		X509_up_ref(w->audit_cert);
	w->issuer.cert = w->issuing_cert;
	/* its own copies: nothing of the parent's is freed or unlocked by the worker */
	w->lock_fd = -1;
	w->node_locked = false; /* w->node: the parent's id, shared */
	memset(&w->lint_issuing, 0, sizeof(w->lint_issuing));
	memset(&w->lint_root, 0, sizeof(w->lint_root));
	set_ca_names(w);
	if ((rc = gc_lint_issuer_load(ca->lint_issuing.der, ca->lint_issuing.dersz, &w->lint_issuing)) != GC_OK ||
	    (rc = gc_lint_issuer_load(ca->lint_root.der, ca->lint_root.dersz, &w->lint_root)) != GC_OK ||
	    (rc = gc_ca_db_target(ca, path, sizeof(path))) != GC_OK ||
	    (rc = gc_db_open(path, false, &w->db)) != GC_OK ||
	    (rc = gc_audit_open(w->db, &w->audit)) != GC_OK || (rc = gc_ca_node_hold(w)) != GC_OK) {
		gc_ca_close(w);
		return rc;
	}
	*out = w;
	return GC_OK;
}

gc_result gc_ca_open_token(struct gc_ca *ca)
{
	if (ca->hsm != NULL)
		return GC_OK;
	GC_GUARD(open_token(ca, false));
	/* a service that signs takes the issuance lock like any command (recovery first) */
	return open_issuance(ca);
}

gc_result gc_ca_activate_service(struct gc_ca *ca, const char *pin, const char *who)
{
	GC_GUARD(gc_ca_activate(ca, pin, who, "activation of the CA service"));
	return open_issuance(ca);
}

void gc_ca_close(struct gc_ca *ca)
{
	if (ca == NULL)
		return;
	if (!ca->shares_token)
		gc_hsm_free(ca->hsm);
	gc_audit_free(ca->audit);
	gc_db_close(ca->db);
	X509_free(ca->root_cert);
	X509_free(ca->issuing_cert);
	X509_free(ca->service_cert);
	X509_free(ca->audit_cert);
	gc_lint_issuer_clear(&ca->lint_issuing);
	gc_lint_issuer_clear(&ca->lint_root);
	if (ca->lock_fd >= 0)
		close(ca->lock_fd); /* releases the issuance lock */
	free(ca);
}

/* ---- a new issuing CA (§4.8.3) ---- */

gc_result gc_ca_check_new_name(struct gc_ca *ca)
{
	struct gc_stmt *st;
	struct gc_hsm_key *k;
	bool row;
	gc_result rc;

	GC_ENSURE(gc_hsm_find_key(ca->hsm, ca->cfg.issuing.key_label, &k) != GC_OK, GC_E_CA_STATE,
	          "config: issuing.key_label \"%s\": a key with this label is already in the token; "
	          "CPS §4.8.3: the new issuing CA needs a new key", ca->cfg.issuing.key_label);
	gc_err_clear();
	GC_GUARD(gc_db_prepare(ca->db, "SELECT 1 FROM ca_certs WHERE subject_cn = ? OR key_label = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, ca->cfg.issuing.cn)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, ca->cfg.issuing.key_label)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		rc = gc_fail(GC_E_CA_STATE, "config: issuing.cn \"%s\" or key_label \"%s\" is already used by "
		             "a CA certificate; name the new issuing CA in gcert.json first",
		             ca->cfg.issuing.cn, ca->cfg.issuing.key_label);
	gc_stmt_free(st);
	return rc;
}

static gc_result record_new_issuing(struct gc_ca *ca, const struct gc_made_cert *m, int64_t *id)
{
	char serial[41], detail[512];
	struct gc_stmt *st;
	gc_result rc;

	gc_hex_encode(m->serial, CPS_SERIAL_OCTETS, serial);
	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE ca_certs SET is_current = 0"
	                                       " WHERE role = 'issuing' AND is_current = 1", &st));
	rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	GC_GUARD_OUT(rc, gc_ca_insert_cert(ca->db, "issuing", ca->cfg.issuing.cn, ca->cfg.issuing.key_label,
	                                m, ca->root_id, id));
	snprintf(detail, sizeof(detail), "RSA %d, sensitive, not extractable", CPS_RSA_BITS);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_KEY_GENERATED,
	                                 ca->cfg.issuing.key_label, true, detail));
	snprintf(detail, sizeof(detail), "CN=%s serial %s issued by CN=%s (CPS §4.8.3 new issuing CA)",
	         ca->cfg.issuing.cn, serial, ca->cfg.root.cn);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_CA_CERT_ISSUED, serial, true, detail));
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

gc_result gc_ca_check_new_issuing(struct gc_ca *ca, int64_t now)
{
	struct tm tm;

	GC_ENSURE(ca->root_key != NULL, GC_E_HSM, "new issuing CA: the root key is not open");
	GC_GUARD(gc_ca_check_new_name(ca));
	ASN1_TIME_to_tm(X509_get0_notAfter(ca->root_cert), &tm);
	GC_ENSURE(gc_time_add_years(now, ca->cfg.issuing.validity_years) <= (int64_t)timegm(&tm),
	          GC_E_OUTLIVES_CA, "config: issuing.validity_years: %d years would outlive the root "
	          "certificate; CPS §4.7: a root key changeover is due", ca->cfg.issuing.validity_years);
	return GC_OK;
}

gc_result gc_ca_new_issuing(struct gc_ca *ca, int64_t now)
{
	struct gc_made_cert m = {0};
	struct gc_hsm_key *ik;
	X509_NAME *dn = NULL;
	const ASN1_OCTET_STRING *root_ski = X509_get0_subject_key_id(ca->root_cert);
	int64_t id = 0;
	gc_result rc;

	GC_ENSURE(root_ski != NULL && ASN1_STRING_length(root_ski) == 20, GC_E_NOT_A_CA_DIR,
	          "root certificate has no 20-octet subjectKeyIdentifier");
	GC_GUARD(gc_ca_check_new_issuing(ca, now));
	GC_GUARD(gc_hsm_generate_rsa(ca->hsm, ca->cfg.issuing.key_label, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_find_key(ca->hsm, ca->cfg.issuing.key_label, &ik));
	GC_GUARD_OUT(rc, gc_ca_name(&ca->cfg, ca->cfg.issuing.cn, &dn));
	/* linted as the ceremony lints it: App. G profile, the names now configured */
	GC_GUARD_OUT(rc, gc_ca_make_cert(dn, X509_get_subject_name(ca->root_cert), ik, ca->root_key,
	                              ASN1_STRING_get0_data(root_ski), 0, now,
	                              gc_time_add_years(now, ca->cfg.issuing.validity_years), ca->cfg.cps_uri,
	                              &(struct gc_lint_cert_expect){.kind = GC_LINT_ISSUING,
	                                                            .root = &ca->lint_root,
	                                                            .ca_names = ca->ca_names,
	                                                            .cps_uri = ca->cfg.cps_uri},
	                              &m));
	GC_GUARD_OUT(rc, record_new_issuing(ca, &m, &id));
	X509_free(ca->issuing_cert);
	ca->issuing_cert = m.x;
	m.x = NULL;
	ca->issuing_id = id;
	ca->issuing_key = ik;
	/* the linter's view of the CAs is read again from the new certificate */
	gc_lint_issuer_clear(&ca->lint_issuing);
	gc_lint_issuer_clear(&ca->lint_root);
	rc = load_issuer(ca);
out:
	X509_NAME_free(dn);
	gc_made_cert_clear(&m);
	return rc;
}

gc_result gc_ca_trust(struct gc_ca *ca, STACK_OF(X509) *roots, STACK_OF(X509) *issuing)
{
	struct gc_stmt *st;
	const unsigned char *p;
	X509 *x;
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT role, der FROM ca_certs ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 1, &n);
		if ((x = d2i_X509(NULL, &p, (long)n)) == NULL) {
			rc = gc_fail_ssl(GC_E_DB, "a CA certificate in the database does not parse");
			break;
		}
		if (sk_X509_push(strcmp(gc_stmt_text(st, 0), "root") == 0 ? roots : issuing, x) <= 0) {
			X509_free(x);
			rc = gc_fail(GC_E_NOMEM, "out of memory");
			break;
		}
	}
	gc_stmt_free(st);
	return rc;
}
