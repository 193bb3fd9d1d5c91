/*
 * peer.c - the CA service identity and the pinned RA certificates (SPEC §3, CPS §6.1.6:
 * the service key is not a CA key; it signs interface result files and serves TLS).
 */
#include "ca/peer.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "x509/certbuild.h"
#include "x509/selfsigned.h"
#include "x509/der.h"

#define SERVICE_CERT_YEARS 3

static gc_result cert_sha256(X509 *x, char hex[65])
{
	unsigned char md[32];
	unsigned int n = sizeof(md);

	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "certificate digest");
	gc_hex_encode(md, sizeof(md), hex);
	return GC_OK;
}

static gc_result load_der(const void *p, size_t n, X509 **out)
{
	const unsigned char *q = p;

	if ((*out = d2i_X509(NULL, &q, (long)n)) == NULL)
		return gc_fail_ssl(GC_E_DB, "a certificate in the database does not parse");
	return GC_OK;
}

gc_result gc_service_cert(struct gc_ca *ca, X509 **cert)
{
	struct gc_stmt *st;
	const void *p;
	size_t n;
	bool row;
	gc_result rc;

	if (ca->service_cert != NULL) {
		*cert = ca->service_cert;
		return GC_OK;
	}
	GC_GUARD(gc_db_prepare(ca->db, "SELECT der FROM service_certs ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row)
			rc = gc_fail(GC_E_NOT_FOUND, "the CA service has no certificate yet; "
			             "`gcert ca service-cert --dir DIR` makes one");
		else if ((p = gc_stmt_blob(st, 0, &n)) != NULL)
			rc = load_der(p, n, &ca->service_cert);
	}
	gc_stmt_free(st);
	if (rc == GC_OK)
		*cert = ca->service_cert;
	return rc;
}

/* The service and TLS certificates: pinned by the RA (SPEC §3), signing and TLS. */
static gc_result make_self_signed(EVP_PKEY *pub, EVP_PKEY *signer, const char *cn, X509 **out)
{
	return gc_self_signed_make(&(struct gc_self_signed){
		.pub = pub, .signer = signer, .cn = cn, .years = SERVICE_CERT_YEARS,
		.key_usage = "critical,digitalSignature,keyEncipherment",
		.eku = "serverAuth,clientAuth,emailProtection",
		.san = "DNS:localhost,IP:127.0.0.1,IP:::1"}, out);
}

static gc_result record_service_cert(struct gc_ca *ca, X509 *x)
{
	struct gc_stmt *st = NULL;
	unsigned char *der = NULL;
	char sha[65];
	int n;
	gc_result rc;

	GC_GUARD(cert_sha256(x, sha));
	GC_ENSURE((n = i2d_X509(x, &der)) > 0, GC_E_INTERNAL, "service certificate: encoding");
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO service_certs (key_label, der, sha256, created_at)"
	                                       " VALUES (?, ?, ?, ?)", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, GC_SERVICE_KEY_LABEL));
	GC_GUARD_OUT(rc, gc_stmt_bind_blob(st, 2, der, (size_t)n));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, sha));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 4, (int64_t)time(NULL)));
	GC_GUARD_OUT(rc, gc_stmt_run(st));
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_KEY_GENERATED, GC_SERVICE_KEY_LABEL,
	                                 true, "CA service key, RSA 2048, sensitive, not extractable; "
	                                 "not a CA key (CPS §6.1.6)"));
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_SERVICE_CERT, sha, true,
	                                 "self-signed CA service certificate, for pinning by the RA"));
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK)
		gc_db_rollback(ca->db);
	gc_stmt_free(st);
	OPENSSL_free(der);
	return rc;
}

gc_result gc_service_identity(struct gc_ca *ca, X509 **cert, struct gc_hsm_key **key)
{
	X509 *x = NULL;
	gc_result rc;

	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "the CA service key needs the token");
	if ((rc = gc_service_cert(ca, &x)) == GC_OK) {
		GC_GUARD(gc_hsm_find_key(ca->hsm, GC_SERVICE_KEY_LABEL, key));
		GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(*key), X509_get0_pubkey(x)) == 1, GC_E_HSM,
		          "token key \"%s\" does not match the CA service certificate", GC_SERVICE_KEY_LABEL);
		*cert = x;
		return GC_OK;
	}
	if (rc != GC_E_NOT_FOUND)
		return rc;
	gc_err_clear();
	GC_GUARD(gc_hsm_generate_rsa(ca->hsm, GC_SERVICE_KEY_LABEL, CPS_RSA_BITS));
	GC_GUARD(gc_hsm_find_key(ca->hsm, GC_SERVICE_KEY_LABEL, key));
	/* signed in the token with the service key itself */
	GC_GUARD(make_self_signed(gc_hsm_key_public(*key), gc_hsm_key_handle(*key), "gcert CA service", &x));
	if ((rc = record_service_cert(ca, x)) != GC_OK) {
		X509_free(x);
		return rc;
	}
	ca->service_cert = x;
	*cert = x;
	return GC_OK;
}

static gc_result tls_audit(struct gc_ca *ca, enum gc_audit_event ev, const char *detail)
{
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, ev, GC_TLS_KEY_LABEL, true, detail)) != GC_OK) {
		gc_db_rollback(ca->db);
		return rc;
	}
	return gc_db_commit(ca->db);
}

/*
 * The interface's TLS key in the token (made if absent; an existing one is reused, e.g.
 * after a migration that stopped half way) and a new self-signed certificate for it,
 * signed in the token by the key itself, written to cert_path (replacing what is there).
 */
static gc_result make_tls(struct gc_ca *ca, const char *cert_path, char sha[65])
{
	struct gc_hsm_key *k;
	X509 *x = NULL;
	char *cp = NULL;
	gc_result rc;

	if ((rc = gc_hsm_find_key(ca->hsm, GC_TLS_KEY_LABEL, &k)) == GC_E_HSM_KEY_NOT_FOUND) {
		gc_err_clear();
		GC_GUARD(gc_hsm_generate_rsa(ca->hsm, GC_TLS_KEY_LABEL, CPS_RSA_BITS));
		rc = gc_hsm_find_key(ca->hsm, GC_TLS_KEY_LABEL, &k);
	}
	GC_GUARD(rc);
	GC_GUARD(make_self_signed(gc_hsm_key_public(k), gc_hsm_key_handle(k), "gcert CA interface (TLS)", &x));
	GC_GUARD_OUT(rc, cert_sha256(x, sha));
	GC_NOMEM_OUT(rc, cp = gc_x509_pem(x));
	rc = gc_file_write(cert_path, cp, strlen(cp), 0644, 0);
out:
	free(cp);
	X509_free(x);
	return rc;
}

/* Overwrites the old key file with zeros, on disk, then removes it. */
static gc_result wipe_file(const char *path)
{
	unsigned char zero[4096] = {0};
	struct stat st;
	off_t left;
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return gc_fail(GC_E_IO, "%s: cannot open to wipe: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return gc_fail(GC_E_IO, "%s: %s", path, strerror(errno));
	}
	for (left = st.st_size; left > 0; left -= w)
		if ((w = write(fd, zero, left < (off_t)sizeof(zero) ? (size_t)left : sizeof(zero))) <= 0) {
			close(fd);
			return gc_fail(GC_E_IO, "%s: cannot wipe: %s", path, strerror(errno));
		}
	if (fsync(fd) != 0 || close(fd) != 0)
		return gc_fail(GC_E_IO, "%s: cannot wipe: %s", path, strerror(errno));
	GC_ENSURE(unlink(path) == 0, GC_E_IO, "%s: wiped but not removed: %s", path, strerror(errno));
	return gc_file_sync_dir(path);
}

/*
 * An older CA directory kept the interface's TLS key in DIR/token/tls.key. Migrated: the
 * key is made in the token with a new certificate, the change is audited, and only then
 * the old file is wiped and removed (a crash in between leaves the file, and the next
 * start finishes the job with the key already in the token).
 */
static gc_result migrate_tls(struct gc_ca *ca, const char *key_path, const char *cert_path)
{
	char old_sha[65] = "none", sha[65], detail[400];
	unsigned char *c = NULL;
	size_t cl;
	X509 *old = NULL;
	BIO *b;

	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "%s: an interface TLS key file of an older gcert; it is moved into the "
	          "token, which needs the token (activate the CA keys first)", key_path);
	if (gc_file_read(cert_path, 65536, &c, &cl) == GC_OK && (b = BIO_new_mem_buf(c, (int)cl)) != NULL) {
		if ((old = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL && cert_sha256(old, old_sha) != GC_OK)
			snprintf(old_sha, sizeof(old_sha), "unreadable");
		BIO_free(b);
	}
	X509_free(old);
	free(c);
	gc_err_clear();
	GC_GUARD(make_tls(ca, cert_path, sha));
	snprintf(detail, sizeof(detail), "interface TLS key moved into the token (key \"%s\", sensitive, not "
	         "extractable); new certificate sha256 %s replaces %s; the old key file token/tls.key wiped and "
	         "removed", GC_TLS_KEY_LABEL, sha, old_sha);
	GC_GUARD(tls_audit(ca, GC_EV_TLS_KEY_MIGRATED, detail));
	return wipe_file(key_path);
}

gc_result gc_service_tls(struct gc_ca *ca, char **cert_pem)
{
	char key_path[GC_MAX_PATH], cert_path[GC_MAX_PATH], sha[65], detail[300];
	unsigned char *c = NULL;
	size_t cl;

	GC_GUARD(gc_path_join(key_path, sizeof(key_path), ca->dir, "token/tls.key"));
	GC_GUARD(gc_path_join(cert_path, sizeof(cert_path), ca->dir, GC_TLS_CERT_FILE));
	if (gc_path_exists(key_path)) {
		GC_GUARD(migrate_tls(ca, key_path, cert_path));
	} else if (!gc_path_exists(cert_path)) {
		GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "the interface's TLS key is made in the token: it needs the token "
		          "(activate the CA keys first)");
		GC_GUARD(make_tls(ca, cert_path, sha));
		snprintf(detail, sizeof(detail), "interface TLS key made in the token (key \"%s\", RSA 2048, sensitive, "
		         "not extractable) with a self-signed certificate sha256 %s", GC_TLS_KEY_LABEL, sha);
		GC_GUARD(tls_audit(ca, GC_EV_KEY_GENERATED, detail));
	}
	GC_GUARD(gc_file_read(cert_path, 65536, &c, &cl));
	*cert_pem = (char *)c;
	return GC_OK;
}

gc_result gc_service_tls_identity(struct gc_ca *ca, struct gc_hsm_tls **out, struct gc_tls_creds *creds)
{
	char *pem = NULL;
	gc_result rc;

	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "the interface's TLS key is in the token: it needs the token open");
	GC_GUARD(gc_service_tls(ca, &pem));
	if ((rc = gc_hsm_tls_open(ca->hsm, GC_TLS_KEY_LABEL, pem, out)) == GC_OK)
		gc_hsm_tls_creds(*out, creds);
	free(pem);
	return rc;
}

void gc_service_tls_close(struct gc_hsm_tls *t)
{
	gc_hsm_tls_free(t);
}

static bool good_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > GC_MAX_PEER_NAME)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

gc_result gc_peer_pin(struct gc_ca *ca, const char *name, X509 *cert)
{
	struct gc_stmt *st = NULL;
	unsigned char *der = NULL;
	char sha[65], detail[256];
	time_t now = time(NULL);
	int n;
	gc_result rc;

	GC_ENSURE(good_name(name), GC_E_REQUEST_FIELD, "RA name \"%.40s\": 1..32 of a-z 0-9 -", name);
	GC_ENSURE(X509_cmp_time(X509_get0_notAfter(cert), &now) > 0, GC_E_REQUEST_FIELD,
	          "RA %s: the certificate has expired", name);
	GC_ENSURE(EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) == EVP_PKEY_RSA &&
	              EVP_PKEY_get_bits(X509_get0_pubkey(cert)) >= CPS_RSA_BITS,
	          GC_E_KEY_SIZE, "RA %s: the service key must be RSA of at least 2048 bits", name);
	GC_GUARD(cert_sha256(cert, sha));
	GC_ENSURE((n = i2d_X509(cert, &der)) > 0, GC_E_BAD_ENCODING, "RA %s: certificate encoding", name);
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO peers (name, der, sha256, pinned_at) VALUES (?, ?, ?, ?)", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 1, name));
	GC_GUARD_OUT(rc, gc_stmt_bind_blob(st, 2, der, (size_t)n));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 3, sha));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 4, (int64_t)now));
	if ((rc = gc_stmt_run(st)) == GC_E_DB_CONSTRAINT)
		rc = gc_fail(GC_E_CONFLICT, "RA %s: a peer of this name, or this certificate, is already pinned "
		             "(names are never reused)", name);
	GC_GUARD_OUT(rc, rc);
	snprintf(detail, sizeof(detail), "pinned RA \"%s\" certificate sha256 %s", name, sha);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_PEER_PINNED, name, true, detail));
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK)
		gc_db_rollback(ca->db);
	gc_stmt_free(st);
	OPENSSL_free(der);
	return rc;
}

gc_result gc_peer_unpin(struct gc_ca *ca, const char *name)
{
	struct gc_stmt *st = NULL;
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE peers SET unpinned_at = ? WHERE name = ? AND unpinned_at IS NULL", &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, (int64_t)time(NULL)));
	GC_GUARD_OUT(rc, gc_stmt_bind_text(st, 2, name));
	GC_GUARD_OUT(rc, gc_stmt_run(st));
	GC_ENSURE_OUT(rc, gc_db_changes(ca->db) == 1, GC_E_NOT_FOUND, "RA %.40s: not pinned", name);
	GC_GUARD_OUT(rc, gc_audit_append(ca->audit, ca->actor, GC_EV_PEER_UNPINNED, name, true, "unpinned"));
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK)
		gc_db_rollback(ca->db);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_peers_load(struct gc_ca *ca, STACK_OF(X509) **certs, char ***names)
{
	struct gc_stmt *st;
	STACK_OF(X509) *s = sk_X509_new_null();
	char **nm = NULL, **grown;
	const void *p;
	size_t n, count = 0;
	X509 *x;
	bool row;
	gc_result rc;

	GC_ENSURE(s != NULL, GC_E_NOMEM, "out of memory");
	if ((rc = gc_db_prepare(ca->db, "SELECT name, der FROM peers WHERE unpinned_at IS NULL ORDER BY name", &st)) != GC_OK) {
		sk_X509_free(s);
		return rc;
	}
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 1, &n);
		if ((rc = load_der(p, n, &x)) != GC_OK)
			break;
		if ((grown = realloc(nm, (count + 1) * sizeof(char *))) == NULL || sk_X509_push(s, x) <= 0) {
			X509_free(x);
			if (grown)
				nm = grown;
			rc = gc_fail(GC_E_NOMEM, "out of memory");
			break;
		}
		nm = grown;
		nm[count++] = strdup(gc_stmt_text(st, 0));
	}
	gc_stmt_free(st);
	if (rc != GC_OK) {
		while (count > 0)
			free(nm[--count]);
		free(nm);
		sk_X509_pop_free(s, X509_free);
		return rc;
	}
	*certs = s;
	*names = nm;
	return GC_OK;
}

gc_result gc_peer_name(struct gc_ca *ca, X509 *cert, char name[GC_MAX_PEER_NAME + 1])
{
	struct gc_stmt *st;
	char sha[65];
	bool row;
	gc_result rc;

	GC_GUARD(cert_sha256(cert, sha));
	GC_GUARD(gc_db_prepare(ca->db, "SELECT name FROM peers WHERE sha256 = ? AND unpinned_at IS NULL", &st));
	if ((rc = gc_stmt_bind_text(st, 1, sha)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (row)
			snprintf(name, GC_MAX_PEER_NAME + 1, "%s", gc_stmt_text(st, 0));
		else
			rc = gc_fail(GC_E_NOT_FOUND, "certificate %s is not pinned", sha);
	}
	gc_stmt_free(st);
	return rc;
}
