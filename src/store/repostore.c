/*
 * repostore.c - repository reads and the LDAP outbox (see repostore.h).
 */
#include "store/repostore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"

struct gc_repo_reader {
	struct gc_db *db;
	struct gc_stmt *by_serial, *by_email, *ca;
};

#define CERT_COLS "certificates.serial, cert_type, subject_cn, coalesce(email, ''), organisation," \
                  " certificates.not_before, certificates.not_after, issued_at, der"
/* a lookup shows the certificate's revocation, and when a CRL first published it */
#define REV_COLS ", coalesce(rs.revoked_at, 0), coalesce(rs.published_at, 0), coalesce(rs.reason, -1)"
#define REV_JOIN " LEFT JOIN revocation_status rs ON rs.serial = certificates.serial"

void gc_repo_cert_clear(struct gc_repo_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	memset(c, 0, sizeof(*c));
}

static void copy_text(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src ? src : "");
}

/* Reads columns 0..8 of CERT_COLS (or the same shape from ca_certs). */
static gc_result fill(struct gc_stmt *st, int first, struct gc_repo_cert *out)
{
	const void *der;
	size_t n;

	memset(out, 0, sizeof(*out));
	copy_text(out->serial, sizeof(out->serial), gc_stmt_text(st, first + 0));
	copy_text(out->role, sizeof(out->role), gc_stmt_text(st, first + 1));
	copy_text(out->subject_cn, sizeof(out->subject_cn), gc_stmt_text(st, first + 2));
	copy_text(out->email, sizeof(out->email), gc_stmt_text(st, first + 3));
	copy_text(out->organisation, sizeof(out->organisation), gc_stmt_text(st, first + 4));
	out->not_before = gc_stmt_int64(st, first + 5);
	out->not_after = gc_stmt_int64(st, first + 6);
	out->issued_at = gc_stmt_int64(st, first + 7);
	der = gc_stmt_blob(st, first + 8, &n);
	if (der == NULL || n == 0)
		return gc_fail(GC_E_DB, "certificate %s: no DER in the database", out->serial);
	if ((out->der = malloc(n)) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	memcpy(out->der, der, n);
	out->dersz = n;
	return GC_OK;
}

gc_result gc_repo_reader_open(const char *dbpath, struct gc_repo_reader **out)
{
	struct gc_repo_reader *r;
	gc_result rc;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return gc_fail(GC_E_NOMEM, "out of memory");
	GC_GUARD_OUT(rc, gc_db_open(dbpath, false, &r->db));
	GC_GUARD_OUT(rc, gc_db_prepare(r->db, "SELECT " CERT_COLS REV_COLS " FROM certificates"
	                                      REV_JOIN " WHERE certificates.serial = ? AND status = 'issued'",
	                               &r->by_serial));
	/* uses index certificates_email; exact match only (CPS §2.7: no search) */
	GC_GUARD_OUT(rc, gc_db_prepare(r->db, "SELECT " CERT_COLS REV_COLS " FROM certificates" REV_JOIN
	                                      " WHERE email = ? AND status = 'issued'"
	                                      " ORDER BY issued_at DESC, certificates.rowid DESC LIMIT 1",
	                               &r->by_email));
	GC_GUARD_OUT(rc, gc_db_prepare(r->db, "SELECT serial, role, subject_cn, '', '', not_before,"
	                                      " not_after, created_at, der FROM ca_certs"
	                                      " WHERE role = ? AND is_current = 1"
	                                      " ORDER BY id DESC LIMIT 1", &r->ca));
	*out = r;
	return GC_OK;
out:
	gc_repo_reader_free(r);
	return rc;
}

void gc_repo_reader_free(struct gc_repo_reader *r)
{
	if (r == NULL)
		return;
	gc_stmt_free(r->by_serial);
	gc_stmt_free(r->by_email);
	gc_stmt_free(r->ca);
	gc_db_close(r->db);
	free(r);
}

static gc_result one_row(struct gc_stmt *st, const char *key, const char *what, bool rev,
                         struct gc_repo_cert *out)
{
	bool row;
	gc_result rc;

	if ((rc = gc_stmt_bind_text(st, 1, key)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		if (!row)
			rc = gc_fail(GC_E_NOT_FOUND, "%s %.64s: no issued certificate", what, key);
		else if ((rc = fill(st, 0, out)) != GC_OK)
			gc_repo_cert_clear(out);
		else if (rev) {
			out->revoked_at = gc_stmt_int64(st, 9);
			out->published_at = gc_stmt_int64(st, 10);
			out->reason = (int)gc_stmt_int64(st, 11);
		}
	}
	gc_stmt_reset(st);
	return rc;
}

gc_result gc_repo_cert_by_serial(struct gc_repo_reader *r, const char *serial,
                                 struct gc_repo_cert *out)
{
	return one_row(r->by_serial, serial, "serial", true, out);
}

gc_result gc_repo_cert_by_email(struct gc_repo_reader *r, const char *email,
                                struct gc_repo_cert *out)
{
	return one_row(r->by_email, email, "email", true, out);
}

gc_result gc_repo_ca_cert(struct gc_repo_reader *r, const char *role, struct gc_repo_cert *out)
{
	return one_row(r->ca, role, "CA", false, out);
}

struct gc_db *gc_repo_reader_db(struct gc_repo_reader *r)
{
	return r->db;
}

/* ---- every CA certificate and CRL series ---- */

static bool name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_' || (s[i] == '.' && i > 0)))
			return false;
	return i > 0 && i < 60;
}

/* A CA certificate's stable name: its key label, or ca-<serial>. */
static void ca_name(char *out, size_t outsz, const char *label, const char *serial)
{
	if (name_ok(label))
		snprintf(out, outsz, "%s", label);
	else
		snprintf(out, outsz, "ca-%s", serial);
}

void gc_repo_cas_clear(struct gc_repo_ca *cas, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cas[i].der);
		memset(&cas[i], 0, sizeof(cas[i]));
	}
}

static const char ca_list_sql[] =
	"SELECT a.key_label, a.role, a.subject_cn, coalesce(i.subject_cn, a.subject_cn), a.serial,"
	" a.is_current, a.not_before, a.not_after, a.der, '', '', 0 AS link, a.id,"
	" coalesce((SELECT r.revoked_at FROM revocations r WHERE r.serial = a.serial), 0)"
	" FROM ca_certs a LEFT JOIN ca_certs i ON i.id = a.issuer_id"
	" UNION ALL"
	" SELECT s.key_label, 'link', s.subject_cn, i.subject_cn, l.serial, 0, l.not_before, l.not_after,"
	" l.der, i.key_label, i.serial, 1, l.id, 0"
	" FROM ca_links l JOIN ca_certs s ON s.id = l.subject_id JOIN ca_certs i ON i.id = l.issuer_id"
	" ORDER BY 12, 2 DESC, 13";

static gc_result ca_row(struct gc_stmt *st, struct gc_repo_ca *c)
{
	const void *der;
	char subject[160], issuer[160];
	size_t n;

	memset(c, 0, sizeof(*c));
	copy_text(c->kind, sizeof(c->kind), gc_stmt_text(st, 1));
	copy_text(c->subject_cn, sizeof(c->subject_cn), gc_stmt_text(st, 2));
	copy_text(c->issuer_cn, sizeof(c->issuer_cn), gc_stmt_text(st, 3));
	copy_text(c->serial, sizeof(c->serial), gc_stmt_text(st, 4));
	ca_name(subject, sizeof(subject), gc_stmt_text(st, 0), c->serial);
	if (gc_stmt_int64(st, 11) != 0) {
		ca_name(issuer, sizeof(issuer), gc_stmt_text(st, 9), gc_stmt_text(st, 10));
		snprintf(c->name, sizeof(c->name), "link-%.60s-signs-%.60s", issuer, subject);
	} else {
		snprintf(c->name, sizeof(c->name), "%s", subject);
		c->current = gc_stmt_int64(st, 5) != 0;
	}
	c->revoked_at = gc_stmt_int64(st, 13);
	c->not_before = gc_stmt_int64(st, 6);
	c->not_after = gc_stmt_int64(st, 7);
	der = gc_stmt_blob(st, 8, &n);
	GC_ENSURE(der != NULL && n > 0, GC_E_DB, "CA certificate %s: no DER in the database", c->serial);
	GC_ENSURE((c->der = malloc(n)) != NULL, GC_E_NOMEM, "out of memory");
	memcpy(c->der, der, n);
	c->dersz = n;
	return GC_OK;
}

gc_result gc_repo_ca_list(struct gc_db *db, struct gc_repo_ca *out, size_t max, size_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;
	size_t k = 0;

	*n = 0;
	GC_GUARD(gc_db_prepare(db, ca_list_sql, &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		if (k == max) {
			rc = gc_fail(GC_E_INTERNAL, "repository: more than %zu CA certificates", max);
			break;
		}
		if ((rc = ca_row(st, &out[k])) != GC_OK)
			break;
		k++;
	}
	gc_stmt_free(st);
	if (rc != GC_OK) {
		gc_repo_cas_clear(out, k + (k < max ? 1 : 0));
		return rc;
	}
	*n = k;
	return GC_OK;
}

static const char crl_list_sql[] =
	"SELECT s.kind, s.url, a.subject_cn, a.key_label, a.serial, a.is_current,"
	" coalesce(l.this_update, 0), coalesce(l.next_update, 0), coalesce(l.crl_number, 0)"
	" FROM crl_scopes s JOIN ca_certs a ON a.id = s.ca_id"
	" LEFT JOIN crls l ON l.id = (SELECT c.id FROM crls c WHERE c.ca_id = s.ca_id AND c.kind = s.kind"
	" AND c.url = s.url ORDER BY c.crl_number DESC LIMIT 1)"
	" ORDER BY a.role DESC, a.id, s.kind, s.url";

gc_result gc_repo_crl_list(struct gc_db *db, struct gc_repo_crl *out, size_t max, size_t *n)
{
	struct gc_stmt *st;
	const char *url, *slash;
	bool row;
	gc_result rc;
	size_t k = 0;

	*n = 0;
	GC_GUARD(gc_db_prepare(db, crl_list_sql, &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		struct gc_repo_crl *c = &out[k];
		if (k == max) {
			rc = gc_fail(GC_E_INTERNAL, "repository: more than %zu CRL series", max);
			break;
		}
		memset(c, 0, sizeof(*c));
		url = gc_stmt_text(st, 1);
		slash = strrchr(url, '/');
		copy_text(c->file, sizeof(c->file), slash != NULL ? slash + 1 : url);
		if (!name_ok(c->file))
			continue; /* config.c allows no such URL; never a path from the database */
		copy_text(c->kind, sizeof(c->kind), gc_stmt_text(st, 0));
		copy_text(c->url, sizeof(c->url), url);
		copy_text(c->ca_cn, sizeof(c->ca_cn), gc_stmt_text(st, 2));
		ca_name(c->ca_name, sizeof(c->ca_name), gc_stmt_text(st, 3), gc_stmt_text(st, 4));
		c->current = gc_stmt_int64(st, 5) != 0;
		c->this_update = gc_stmt_int64(st, 6);
		c->next_update = gc_stmt_int64(st, 7);
		c->crl_number = gc_stmt_int64(st, 8);
		k++;
	}
	gc_stmt_free(st);
	GC_GUARD(rc);
	*n = k;
	return GC_OK;
}

/* ---- outbox ---- */

void gc_outbox_ops_clear(struct gc_outbox_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		gc_repo_cert_clear(&ops[i].c);
		memset(&ops[i], 0, sizeof(ops[i]));
	}
}

/* Certificates come from their own (immutable) rows, files from the outbox itself. */
static const char pending_sql[] =
	"SELECT o.id, o.kind, o.object, o.attempts,"
	" coalesce(c.serial, a.serial, ''), coalesce(c.cert_type, a.role, ''),"
	" coalesce(c.subject_cn, a.subject_cn, ''), coalesce(c.email, ''),"
	" coalesce(c.organisation, ''), coalesce(c.not_before, a.not_before, 0),"
	" coalesce(c.not_after, a.not_after, 0), coalesce(c.issued_at, a.created_at, 0),"
	" CASE o.kind WHEN 'file' THEN o.data WHEN 'cert' THEN c.der ELSE a.der END"
	" FROM ldap_outbox o"
	" LEFT JOIN certificates c ON o.kind = 'cert' AND c.serial = o.object"
	" LEFT JOIN ca_certs a ON o.kind = 'ca_cert' AND a.serial = o.object"
	" ORDER BY o.id LIMIT ?";

static enum gc_outbox_kind kind_of(const char *s)
{
	if (strcmp(s, "ca_cert") == 0)
		return GC_OUTBOX_CA_CERT;
	return strcmp(s, "cert") == 0 ? GC_OUTBOX_CERT : GC_OUTBOX_FILE;
}

gc_result gc_outbox_pending(struct gc_db *db, struct gc_outbox_op *ops, size_t max, size_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(db, pending_sql, &st));
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, (int64_t)max));
	while (*n < max && (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		struct gc_outbox_op *op = &ops[*n];
		memset(op, 0, sizeof(*op));
		op->id = gc_stmt_int64(st, 0);
		op->kind = kind_of(gc_stmt_text(st, 1));
		copy_text(op->object, sizeof(op->object), gc_stmt_text(st, 2));
		op->attempts = (int)gc_stmt_int64(st, 3);
		GC_GUARD_OUT(rc, fill(st, 4, &op->c));
		(*n)++;
	}
out:
	gc_stmt_free(st);
	if (rc != GC_OK) {
		gc_outbox_ops_clear(ops, *n + (*n < max ? 1 : 0));
		*n = 0;
	}
	return rc;
}

static gc_result run1(struct gc_db *db, const char *sql, int64_t id, const char *text)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, sql, &st));
	if ((rc = gc_stmt_bind_int64(st, 1, id)) == GC_OK &&
	    (text == NULL || (rc = gc_stmt_bind_text(st, 2, text)) == GC_OK))
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_outbox_count(struct gc_db *db, int64_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT count(*) FROM ldap_outbox", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK)
		*n = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

gc_result gc_outbox_delete(struct gc_db *db, int64_t id)
{
	GC_GUARD(run1(db, "DELETE FROM ldap_outbox WHERE id = ?", id, NULL));
	GC_ENSURE(gc_db_changes(db) == 1, GC_E_DB, "LDAP outbox %lld: already gone (two publishers?)",
	          (long long)id);
	return GC_OK;
}

gc_result gc_outbox_note_failure(struct gc_db *db, int64_t id, const char *error)
{
	return run1(db, "UPDATE ldap_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
	            id, error);
}

gc_result gc_outbox_note_head_failure(struct gc_db *db, const char *error)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "UPDATE ldap_outbox SET attempts = attempts + 1, last_error = ?"
	                           " WHERE id = (SELECT min(id) FROM ldap_outbox)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, error)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_outbox_queue_file(struct gc_db *db, const char *name, const unsigned char *data,
                               size_t n, const char *sha256_hex)
{
	struct gc_stmt *st;
	int64_t now = (int64_t)time(NULL);
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO ldap_outbox (kind, object, data, queued_at)"
	                           " VALUES ('file', ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK &&
	    (rc = gc_stmt_bind_blob(st, 2, data, n)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_GUARD(gc_db_prepare(db, "INSERT INTO repo_files (name, sha256, size, queued_at)"
	                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
	                           " sha256 = ?2, size = ?3, queued_at = ?4", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, sha256_hex)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 3, (int64_t)n)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result queue_select(struct gc_db *db, const char *sql, int64_t now, int64_t *rows)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, sql, &st));
	if ((rc = gc_stmt_bind_int64(st, 1, now)) == GC_OK && (rc = gc_stmt_run(st)) == GC_OK)
		*rows += gc_db_changes(db);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_outbox_queue_all(struct gc_db *db, int64_t *rows)
{
	int64_t now = (int64_t)time(NULL);

	*rows = 0;
	GC_GUARD(queue_select(db, "INSERT INTO ldap_outbox (kind, object, queued_at)"
	                          " SELECT 'ca_cert', serial, ? FROM ca_certs ORDER BY id", now, rows));
	GC_GUARD(queue_select(db, "INSERT INTO ldap_outbox (kind, object, queued_at)"
	                          " SELECT 'cert', serial, ? FROM certificates WHERE status = 'issued'"
	                          " ORDER BY issued_at, rowid", now, rows));
	return gc_db_exec(db, "DELETE FROM repo_files");
}

gc_result gc_repo_file_last(struct gc_db *db, const char *name, char sha256_hex[65], bool *found)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT sha256 FROM repo_files WHERE name = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, name)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK) {
		*found = row;
		if (row)
			copy_text(sha256_hex, 65, gc_stmt_text(st, 0));
	}
	gc_stmt_free(st);
	return rc;
}
