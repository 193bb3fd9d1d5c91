/*
 * archive.c - archive bundles (CPS §4.6, §4.9): export from a running CA, verification
 * from the bundle alone. See archive.h.
 */
#include "ca/archive.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/cms.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/seal.h"
#include "ca/auditkey.h"
#include "core/cpsdocs.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "sys/tar.h"
#include "x509/cms.h"

#define MANIFEST "manifest.json"
#define SIGNATURE "manifest.p7"

struct exporter {
	struct gc_ca *ca;
	struct gc_tar tar;
	json_t *items;
	struct gc_archive_summary *sum;
};

static gc_result sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];

	GC_ENSURE(EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) == 1, GC_E_INTERNAL, "archive: SHA-256");
	gc_hex_encode(md, sizeof(md), out);
	return GC_OK;
}

/* One item: into the tar and into the manifest, with the time of the object it holds. */
static gc_result put(struct exporter *x, const char *kind, const char *name, const void *p, size_t n,
                     int64_t when)
{
	char sha[65], at[21];

	GC_GUARD(sha256_hex(p, n, sha));
	gc_time_format(when, at);
	GC_GUARD(gc_tar_add(&x->tar, name, p, n, 0644, when));
	json_array_append_new(x->items, json_pack("{s:s, s:s, s:I, s:s, s:s}", "name", name, "kind", kind,
	                                          "size", (json_int_t)n, "sha256", sha, "time", at));
	x->sum->items++;
	return GC_OK;
}

static gc_result put_ca_certs(struct exporter *x)
{
	struct gc_stmt *st;
	const void *p;
	char name[128];
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(x->ca->db, "SELECT id, role, serial, der, created_at FROM ca_certs ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 3, &n);
		snprintf(name, sizeof(name), "certs/ca/%lld-%s-%s.der", (long long)gc_stmt_int64(st, 0),
		         gc_stmt_text(st, 1), gc_stmt_text(st, 2));
		if ((rc = put(x, "ca-certificate", name, p, n, gc_stmt_int64(st, 4))) != GC_OK)
			break;
		x->sum->certs++;
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result put_certs(struct exporter *x)
{
	struct gc_stmt *st;
	const void *p;
	char name[128];
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(x->ca->db, "SELECT serial, der, issued_at FROM certificates WHERE"
	                                  " der IS NOT NULL AND issued_at IS NOT NULL ORDER BY serial", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 1, &n);
		snprintf(name, sizeof(name), "certs/issued/%s.der", gc_stmt_text(st, 0));
		if ((rc = put(x, "certificate", name, p, n, gc_stmt_int64(st, 2))) != GC_OK)
			break;
		x->sum->certs++;
	}
	gc_stmt_free(st);
	return rc;
}

/* The crls table comes with revocation (another module's migration): taken when present. */
static gc_result put_db_crls(struct exporter *x)
{
	struct gc_stmt *st;
	const void *p;
	char name[128];
	size_t n;
	bool have, row;
	gc_result rc;

	GC_GUARD(gc_db_has_table(x->ca->db, "crls", &have));
	if (!have)
		return GC_OK;
	GC_GUARD(gc_db_prepare(x->ca->db, "SELECT id, kind, crl_number, der, this_update FROM crls ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 3, &n);
		snprintf(name, sizeof(name), "crls/issued/%lld-%s-%lld.crl", (long long)gc_stmt_int64(st, 0),
		         gc_stmt_text(st, 1), (long long)gc_stmt_int64(st, 2));
		if ((rc = put(x, strcmp(gc_stmt_text(st, 1), "arl") == 0 ? "arl" : "crl", name, p, n,
		              gc_stmt_int64(st, 4))) != GC_OK)
			break;
		x->sum->crls++;
	}
	gc_stmt_free(st);
	return rc;
}

/* Regular files of one directory (not recursive), in name order, if it exists. */
static gc_result put_dir(struct exporter *x, const char *dir, const char *prefix, const char *kind, long *count)
{
	struct dirent **names = NULL;
	char path[GC_MAX_PATH], name[GC_TAR_NAME_MAX + 1];
	unsigned char *data;
	struct stat st;
	size_t len;
	int n, i;
	gc_result rc = GC_OK;

	if (!gc_path_exists(dir))
		return GC_OK;
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return gc_fail(GC_E_IO, "archive: %s: cannot list", dir);
	for (i = 0; i < n; i++) {
		if (rc == GC_OK && (rc = gc_path_join(path, sizeof(path), dir, names[i]->d_name)) == GC_OK &&
		    lstat(path, &st) == 0 && S_ISREG(st.st_mode) && strstr(names[i]->d_name, ".tmp.") == NULL) {
			if ((size_t)snprintf(name, sizeof(name), "%s%s", prefix, names[i]->d_name) >= sizeof(name))
				rc = gc_fail(GC_E_IO, "archive: %s: name too long", path);
			else if ((rc = gc_file_read(path, GC_MAX_ARCHIVE_FILE, &data, &len)) == GC_OK) {
				rc = put(x, kind, name, data, len, (int64_t)st.st_mtime);
				free(data);
				(*count)++;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static gc_result put_files(struct exporter *x, const char *cps_dir)
{
	char path[GC_MAX_PATH];
	unsigned char *data;
	size_t len;
	struct stat st;
	gc_result rc;

	char rel[GC_MAX_PATH];
	size_t i;

	/* the published CRL and ARL files of the repository (its dir is configurable) */
	GC_ENSURE((size_t)snprintf(rel, sizeof(rel), "%s/crl", x->ca->cfg.repo.dir) < sizeof(rel),
	          GC_E_CONFIG, "archive: repository.dir too long");
	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		GC_GUARD(gc_path_join(path, sizeof(path), x->ca->dir, rel));
	GC_GUARD(put_dir(x, path, "crls/published/", "published-crl", &x->sum->crls));
	/* every CPS version, as built into the program and served by the repository (§4.6.1) */
	for (i = 0; i < gc_cps_doc_count; i++) {
		int64_t when = 0;
		GC_ENSURE((size_t)snprintf(rel, sizeof(rel), "cps/%s", gc_cps_docs[i].file) <= GC_TAR_NAME_MAX,
		          GC_E_INTERNAL, "archive: CPS file name too long");
		snprintf(path, sizeof(path), "%sT00:00:00Z", gc_cps_docs[i].date);
		if (!gc_time_parse(path, &when))
			when = 0;
		GC_GUARD(put(x, "cps", rel, gc_cps_docs[i].text, gc_cps_docs[i].size, when));
		x->sum->cps++;
	}
	GC_GUARD(gc_path_join(path, sizeof(path), x->ca->dir, "data/cps"));
	GC_GUARD(put_dir(x, path, "cps/local/", "cps", &x->sum->cps));
	if (cps_dir != NULL) {
		GC_ENSURE(gc_path_exists(cps_dir), GC_E_IO, "archive: --cps-dir %s: no such directory", cps_dir);
		GC_GUARD(put_dir(x, cps_dir, "cps/extra/", "cps", &x->sum->cps));
	}
	/* the configuration; the PIN file and token are never archived */
	GC_GUARD(gc_path_join(path, sizeof(path), x->ca->dir, GC_CONFIG_FILE));
	GC_ENSURE(stat(path, &st) == 0, GC_E_IO, "archive: %s: missing", path);
	GC_GUARD(gc_file_read(path, GC_MAX_CONFIG_FILE, &data, &len));
	rc = put(x, "configuration", "config/" GC_CONFIG_FILE, data, len, (int64_t)st.st_mtime);
	free(data);
	return rc;
}

/* JSON lines into a growing buffer. */
struct lines {
	char *buf;
	size_t len, cap;
};

static gc_result line_add(struct lines *l, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	size_t n;
	char *nb;

	json_decref(o);
	GC_ENSURE(s != NULL, GC_E_NOMEM, "archive: out of memory");
	n = strlen(s);
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 65536;
		while (cap < l->len + n + 1)
			cap *= 2;
		if ((nb = realloc(l->buf, cap)) == NULL) {
			free(s);
			return gc_fail(GC_E_NOMEM, "archive: out of memory");
		}
		l->buf = nb;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, s, n);
	l->buf[l->len + n] = '\n';
	l->len += n + 1;
	free(s);
	return GC_OK;
}

static gc_result dump_records(struct exporter *x, struct lines *l, int64_t *last_at)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(x->ca->db, "SELECT id, at, actor, event, object, outcome, detail, prev_hash,"
	                                  " hash FROM audit_log ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		*last_at = gc_stmt_int64(st, 1);
		rc = line_add(l, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
		                           (json_int_t)gc_stmt_int64(st, 0), "at", (json_int_t)*last_at, "actor",
		                           gc_stmt_text(st, 2), "event", gc_stmt_text(st, 3), "object",
		                           gc_stmt_text(st, 4), "outcome", gc_stmt_text(st, 5), "detail",
		                           gc_stmt_text(st, 6), "prev_hash", gc_stmt_text(st, 7), "hash",
		                           gc_stmt_text(st, 8)));
		if (rc != GC_OK)
			break;
		x->sum->records++;
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result dump_checkpoints(struct exporter *x, struct lines *l)
{
	struct gc_stmt *st;
	const unsigned char *sig;
	char hex[2 * GC_RSA_SIG_MAX + 1];
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(x->ca->db, "SELECT id, last_id, last_hash, at, key_id, prev_sig_hash, signature"
	                                  " FROM audit_checkpoints ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		sig = gc_stmt_blob(st, 6, &n);
		if (n > GC_RSA_SIG_MAX || sig == NULL) {
			rc = gc_fail(GC_E_AUDIT_TAMPERED, "checkpoint %lld: signature malformed",
			             (long long)gc_stmt_int64(st, 0));
			break;
		}
		gc_hex_encode(sig, n, hex);
		rc = line_add(l, json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:s}", "id",
		                           (json_int_t)gc_stmt_int64(st, 0), "last_id", (json_int_t)gc_stmt_int64(st, 1),
		                           "last_hash", gc_stmt_text(st, 2), "at", (json_int_t)gc_stmt_int64(st, 3),
		                           "key_id", (json_int_t)gc_stmt_int64(st, 4), "prev_sig_hash",
		                           gc_stmt_text(st, 5), "signature", hex));
		if (rc != GC_OK)
			break;
		x->sum->checkpoints++;
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result put_audit(struct exporter *x)
{
	struct lines recs = {0}, cps = {0};
	struct gc_stmt *st = NULL;
	char name[64];
	const void *p;
	size_t n;
	int64_t last_at = 0, now = (int64_t)time(NULL);
	bool row;
	gc_result rc;

	GC_GUARD_OUT(rc, dump_records(x, &recs, &last_at));
	GC_GUARD_OUT(rc, dump_checkpoints(x, &cps));
	GC_GUARD_OUT(rc, put(x, "audit-records", "audit/records.jsonl", recs.buf ? recs.buf : "", recs.len, last_at));
	GC_GUARD_OUT(rc, put(x, "audit-checkpoints", "audit/checkpoints.jsonl", cps.buf ? cps.buf : "", cps.len, now));
	GC_GUARD_OUT(rc, gc_db_prepare(x->ca->db, "SELECT id, der, created_at FROM audit_keys ORDER BY id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		p = gc_stmt_blob(st, 1, &n);
		snprintf(name, sizeof(name), "audit/keys/%lld.der", (long long)gc_stmt_int64(st, 0));
		GC_GUARD_OUT(rc, put(x, "audit-key", name, p, n, gc_stmt_int64(st, 2)));
	}
out:
	gc_stmt_free(st);
	free(recs.buf);
	free(cps.buf);
	return rc;
}

static gc_result record_export(struct gc_ca *ca, const char *out)
{
	char detail[GC_MAX_PATH + 128];
	bool made;
	gc_result rc;

	snprintf(detail, sizeof(detail), "archive bundle %s (CPS §4.6, §4.9), signed by the audit key", out);
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_ARCHIVE, out, true, detail)) != GC_OK ||
	    (rc = gc_db_commit(ca->db)) != GC_OK) {
		gc_db_rollback(ca->db);
		return rc;
	}
	/* the bundle carries a trail sealed to its last record */
	return gc_ca_checkpoint(ca, &made);
}

static gc_result sign_manifest(struct exporter *x, json_t *manifest)
{
	char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	unsigned char *der = NULL;
	size_t dersz = 0;
	gc_result rc;

	GC_ENSURE(text != NULL, GC_E_NOMEM, "archive: out of memory");
	rc = gc_cms_sign(x->ca->audit_cert, gc_hsm_key_handle(x->ca->audit_key),
	                 (const unsigned char *)text, strlen(text), &der, &dersz);
	if (rc == GC_OK)
		rc = gc_tar_add(&x->tar, MANIFEST, text, strlen(text), 0644, (int64_t)time(NULL));
	if (rc == GC_OK)
		rc = gc_tar_add(&x->tar, SIGNATURE, der, dersz, 0644, (int64_t)time(NULL));
	OPENSSL_free(der);
	free(text);
	return rc;
}

static gc_result signer_fingerprint(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int n = sizeof(md);

	GC_ENSURE(X509_digest(x, EVP_sha256(), md, &n) == 1, GC_E_INTERNAL, "archive: digest");
	gc_hex_encode(md, sizeof(md), out);
	return GC_OK;
}

gc_result gc_archive_export(struct gc_ca *ca, const char *out, const char *cps_dir,
                            struct gc_archive_summary *sum)
{
	struct exporter x = {.ca = ca, .tar = {.max = GC_MAX_ARCHIVE_FILE}, .sum = sum};
	json_t *manifest = NULL;
	gc_result rc;

	memset(sum, 0, sizeof(*sum));
	GC_ENSURE(ca->audit_key != NULL, GC_E_HSM, "archive: signing needs the token (the audit key)");
	GC_ENSURE(!gc_path_exists(out), GC_E_IO, "%s: already exists; refusing to overwrite", out);
	GC_GUARD(record_export(ca, out));
	gc_time_format((int64_t)time(NULL), sum->created);
	GC_GUARD(signer_fingerprint(ca->audit_cert, sum->signer_sha256));
	x.items = json_array();
	/* one read transaction: certificates, CRLs and audit trail of one instant */
	GC_GUARD_OUT(rc, gc_db_exec(ca->db, "BEGIN"));
	GC_GUARD_OUT(rc, put_ca_certs(&x));
	GC_GUARD_OUT(rc, put_certs(&x));
	GC_GUARD_OUT(rc, put_db_crls(&x));
	GC_GUARD_OUT(rc, put_audit(&x));
	gc_db_rollback(ca->db);
	GC_GUARD_OUT(rc, put_files(&x, cps_dir));
	manifest = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:O, s:{s:I, s:I}}", "format",
	                     GC_ARCHIVE_FORMAT, "created", sum->created, "ca", "root",
	                     ca->cfg.root.cn, "issuing", ca->cfg.issuing.cn, "signer", "audit_key_sha256",
	                     sum->signer_sha256, "note", "CMS SignedData of this file: manifest.p7",
	                     "items", x.items, "audit", "records", (json_int_t)sum->records,
	                     "checkpoints", (json_int_t)sum->checkpoints);
	GC_NOMEM_OUT(rc, manifest);
	GC_GUARD_OUT(rc, sign_manifest(&x, manifest));
	GC_GUARD_OUT(rc, gc_tar_finish(&x.tar));
	rc = gc_file_write(out, x.tar.buf, x.tar.len, 0640, 1);
out:
	gc_db_rollback(ca->db);
	json_decref(manifest);
	json_decref(x.items);
	gc_tar_free(&x.tar);
	return rc;
}

/* ---- verification, from the bundle alone ---- */

struct entry {
	char name[GC_TAR_NAME_MAX + 1];
	const unsigned char *data;
	size_t size;
	bool listed;
};

struct bundle {
	struct entry *e;
	size_t n, cap;
};

static gc_result collect(void *arg, const struct gc_tar_entry *t)
{
	struct bundle *b = arg;
	struct entry *ne;
	size_t i;

	for (i = 0; i < b->n; i++)
		GC_ENSURE(strcmp(b->e[i].name, t->name) != 0, GC_E_ARCHIVE,
		          "archive: %s: present twice (added)", t->name);
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		if ((ne = realloc(b->e, cap * sizeof(*ne))) == NULL)
			return gc_fail(GC_E_NOMEM, "archive: out of memory");
		b->e = ne;
		b->cap = cap;
	}
	memset(&b->e[b->n], 0, sizeof(b->e[b->n]));
	snprintf(b->e[b->n].name, sizeof(b->e[b->n].name), "%s", t->name);
	b->e[b->n].data = t->data;
	b->e[b->n].size = t->size;
	b->n++;
	return GC_OK;
}

static struct entry *find(struct bundle *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->e[i].name, name) == 0)
			return &b->e[i];
	return NULL;
}

static gc_result embedded_signer(const struct entry *sig, X509 **out)
{
	const unsigned char *p = sig->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig->size);
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;

	*out = NULL;
	if (certs != NULL && sk_X509_num(certs) == 1) {
		*out = sk_X509_value(certs, 0);
		X509_up_ref(*out);
	}
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	GC_ENSURE(*out != NULL, GC_E_ARCHIVE, "archive: %s: no single signer certificate inside", SIGNATURE);
	return GC_OK;
}

static gc_result check_signature(struct bundle *b, X509 *pinned, X509 **signer)
{
	struct entry *sig = find(b, SIGNATURE), *man = find(b, MANIFEST);
	STACK_OF(X509) *trust = sk_X509_new_null();
	unsigned char *content = NULL;
	size_t contentsz = 0;
	X509 *who = NULL;
	gc_result rc;

	GC_ENSURE_OUT(rc, trust != NULL, GC_E_NOMEM, "archive: out of memory");
	GC_ENSURE_OUT(rc, sig != NULL && man != NULL, GC_E_ARCHIVE,
	              "archive: %s or %s missing: not a gcert archive bundle", MANIFEST, SIGNATURE);
	if (pinned != NULL) {
		X509_up_ref(pinned);
		who = pinned;
	} else {
		GC_GUARD_OUT(rc, embedded_signer(sig, &who));
	}
	sk_X509_push(trust, who);
	rc = gc_cms_verify(sig->data, sig->size, GC_MAX_MANIFEST, trust, (int64_t)time(NULL), &content,
	                   &contentsz, NULL);
	if (rc != GC_OK) {
		rc = gc_fail(GC_E_ARCHIVE, "archive: %s: the manifest signature does not verify%s", SIGNATURE,
		             pinned ? " with the given certificate" : "");
		goto out;
	}
	GC_ENSURE_OUT(rc, contentsz == man->size && memcmp(content, man->data, contentsz) == 0, GC_E_ARCHIVE,
	              "archive: %s differs from the signed manifest (altered)", MANIFEST);
	sig->listed = man->listed = true;
	X509_up_ref(who);
	*signer = who;
out:
	free(content);
	sk_X509_pop_free(trust, X509_free);
	return rc;
}

static gc_result check_items(struct bundle *b, json_t *manifest, struct gc_archive_summary *sum)
{
	json_t *items = json_object_get(manifest, "items"), *it;
	const char *name, *sha, *kind;
	struct entry *e;
	char got[65];
	size_t i;

	GC_ENSURE(json_is_array(items), GC_E_ARCHIVE, "archive: manifest has no items");
	json_array_foreach(items, i, it) {
		name = json_string_value(json_object_get(it, "name"));
		sha = json_string_value(json_object_get(it, "sha256"));
		kind = json_string_value(json_object_get(it, "kind"));
		GC_ENSURE(name && sha && kind && json_is_integer(json_object_get(it, "size")) &&
		              json_is_string(json_object_get(it, "time")),
		          GC_E_ARCHIVE, "archive: manifest item %zu malformed", i);
		GC_ENSURE((e = find(b, name)) != NULL, GC_E_ARCHIVE,
		          "archive: %s: listed in the manifest but missing (removed)", name);
		GC_ENSURE(!e->listed, GC_E_ARCHIVE, "archive: %s: listed twice in the manifest", name);
		GC_GUARD(sha256_hex(e->data, e->size, got));
		GC_ENSURE((json_int_t)e->size == json_integer_value(json_object_get(it, "size")) &&
		              strcmp(got, sha) == 0,
		          GC_E_ARCHIVE, "archive: %s: SHA-256 does not match the manifest (altered)", name);
		e->listed = true;
		sum->items++;
		if (strstr(kind, "certificate") != NULL)
			sum->certs++;
		else if (strstr(kind, "crl") != NULL || strcmp(kind, "arl") == 0)
			sum->crls++;
		else if (strcmp(kind, "cps") == 0)
			sum->cps++;
	}
	for (i = 0; i < b->n; i++)
		GC_ENSURE(b->e[i].listed, GC_E_ARCHIVE, "archive: %s: not in the signed manifest (added)",
		          b->e[i].name);
	return GC_OK;
}

/* The audit trail inside the bundle as a source for the verifier (seal.h). */
struct bundle_source {
	struct bundle *b;
	const char *rec, *rec_end, *cp, *cp_end;
	json_t *cur_rec, *cur_cp;
	unsigned char sig[GC_RSA_SIG_MAX];
	EVP_PKEY *pub;
	int64_t pub_id;
	X509 *signer;
	bool signer_is_audit_key;
};

static json_t *next_line(const char **p, const char *end)
{
	const char *nl;
	json_error_t jerr;
	json_t *o;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL)
		nl = end;
	o = json_loadb(*p, (size_t)(nl - *p), JSON_REJECT_DUPLICATES, &jerr);
	*p = nl + 1;
	return o;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static gc_result bs_record(void *arg, struct gc_audit_record *r, bool *have)
{
	struct bundle_source *s = arg;
	json_t *o;

	json_decref(s->cur_rec);
	s->cur_rec = NULL;
	*have = s->rec < s->rec_end;
	if (!*have)
		return GC_OK;
	o = s->cur_rec = next_line(&s->rec, s->rec_end);
	GC_ENSURE(o != NULL && json_is_integer(json_object_get(o, "id")), GC_E_AUDIT_TAMPERED,
	          "archive: audit/records.jsonl: a line is not a record");
	*r = (struct gc_audit_record){
		.id = json_integer_value(json_object_get(o, "id")),
		.at = json_integer_value(json_object_get(o, "at")),
		.actor = str(o, "actor"), .event = str(o, "event"), .object = str(o, "object"),
		.outcome = str(o, "outcome"), .detail = str(o, "detail"), .prev_hash = str(o, "prev_hash"),
		.hash = str(o, "hash"),
	};
	return GC_OK;
}

static gc_result bs_checkpoint(void *arg, struct gc_audit_cp *c, bool *have)
{
	struct bundle_source *s = arg;
	const char *hex;
	json_t *o;
	size_t n;

	json_decref(s->cur_cp);
	s->cur_cp = NULL;
	*have = s->cp < s->cp_end;
	if (!*have)
		return GC_OK;
	o = s->cur_cp = next_line(&s->cp, s->cp_end);
	GC_ENSURE(o != NULL, GC_E_AUDIT_TAMPERED, "archive: audit/checkpoints.jsonl: a line is not a checkpoint");
	hex = str(o, "signature");
	n = strlen(hex) / 2;
	*c = (struct gc_audit_cp){
		.id = json_integer_value(json_object_get(o, "id")),
		.last_id = json_integer_value(json_object_get(o, "last_id")),
		.at = json_integer_value(json_object_get(o, "at")),
		.key_id = json_integer_value(json_object_get(o, "key_id")),
		.last_hash = str(o, "last_hash"), .prev_sig_hash = str(o, "prev_sig_hash"),
		.sig = s->sig, .sigsz = n,
	};
	GC_ENSURE(n > 0 && n <= sizeof(s->sig) && gc_hex_decode(hex, s->sig, n), GC_E_AUDIT_TAMPERED,
	          "checkpoint %lld: signature malformed", (long long)c->id);
	return GC_OK;
}

static gc_result bs_key(void *arg, int64_t id, EVP_PKEY **pub)
{
	struct bundle_source *s = arg;
	char name[64];
	struct entry *e;
	const unsigned char *p;
	X509 *x;

	if (s->pub != NULL && s->pub_id == id) {
		*pub = s->pub;
		return GC_OK;
	}
	EVP_PKEY_free(s->pub);
	s->pub = NULL;
	snprintf(name, sizeof(name), "audit/keys/%lld.der", (long long)id);
	GC_ENSURE((e = find(s->b, name)) != NULL, GC_E_NOT_FOUND, "archive: %s missing", name);
	p = e->data;
	GC_ENSURE((x = d2i_X509(NULL, &p, (long)e->size)) != NULL, GC_E_AUDIT_TAMPERED,
	          "archive: %s does not parse", name);
	if (X509_cmp(x, s->signer) == 0)
		s->signer_is_audit_key = true;
	s->pub = X509_get_pubkey(x);
	X509_free(x);
	s->pub_id = id;
	*pub = s->pub;
	return GC_OK;
}

static gc_result check_audit(struct bundle *b, X509 *signer, struct gc_archive_summary *sum)
{
	struct entry *r = find(b, "audit/records.jsonl"), *c = find(b, "audit/checkpoints.jsonl");
	struct bundle_source s = {.b = b, .signer = signer};
	struct gc_audit_source src = {&s, bs_record, bs_checkpoint, bs_key};
	struct gc_audit_check chk;
	gc_result rc;

	GC_ENSURE(r != NULL && c != NULL, GC_E_ARCHIVE, "archive: the audit trail is missing");
	s.rec = (const char *)r->data, s.rec_end = s.rec + r->size;
	s.cp = (const char *)c->data, s.cp_end = s.cp + c->size;
	rc = gc_audit_verify_source(&src, &chk);
	json_decref(s.cur_rec);
	json_decref(s.cur_cp);
	EVP_PKEY_free(s.pub);
	if (rc != GC_OK) {
		/* a bundle is input: its faults are the bundle's, whatever part they are in */
		char why[1024];
		snprintf(why, sizeof(why), "%s", gc_err_detail());
		return gc_fail(GC_E_ARCHIVE, "archive: audit trail: %s", why);
	}
	/* the manifest and the checkpoints were signed by the same audit key */
	GC_ENSURE(chk.checkpoints == 0 || s.signer_is_audit_key, GC_E_ARCHIVE,
	          "archive: the manifest signer is not the audit key that signed the checkpoints");
	sum->records = chk.records;
	sum->checkpoints = chk.checkpoints;
	return GC_OK;
}

gc_result gc_archive_verify(const char *path, X509 *pinned, struct gc_archive_summary *sum)
{
	struct bundle b = {0};
	unsigned char *file = NULL;
	size_t filesz = 0;
	json_t *manifest = NULL;
	json_error_t jerr;
	X509 *signer = NULL;
	struct entry *man;
	gc_result rc;

	memset(sum, 0, sizeof(*sum));
	GC_GUARD(gc_file_read(path, GC_MAX_ARCHIVE_FILE, &file, &filesz));
	GC_GUARD_OUT(rc, gc_tar_each(file, filesz, GC_MAX_ARCHIVE_ITEMS, collect, &b));
	GC_GUARD_OUT(rc, check_signature(&b, pinned, &signer));
	man = find(&b, MANIFEST);
	manifest = json_loadb((const char *)man->data, man->size, JSON_REJECT_DUPLICATES, &jerr);
	GC_ENSURE_OUT(rc, manifest != NULL && json_is_string(json_object_get(manifest, "format")) &&
	                      strcmp(json_string_value(json_object_get(manifest, "format")), GC_ARCHIVE_FORMAT) == 0,
	              GC_E_ARCHIVE, "archive: %s is not a %s manifest", MANIFEST, GC_ARCHIVE_FORMAT);
	GC_GUARD_OUT(rc, check_items(&b, manifest, sum));
	GC_GUARD_OUT(rc, check_audit(&b, signer, sum));
	GC_GUARD_OUT(rc, signer_fingerprint(signer, sum->signer_sha256));
	snprintf(sum->created, sizeof(sum->created), "%s", str(manifest, "created"));
out:
	X509_free(signer);
	json_decref(manifest);
	free(b.e);
	free(file);
	return rc;
}
