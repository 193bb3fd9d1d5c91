/*
 * recover.c - resolving issuance that a crash interrupted (docs/design.md "The issuance
 * path"; issue 10). issue.c moves a certificate row reserved -> signed -> issued:
 *
 *   reserved  serial, request and TBS committed (durably) before the token signs;
 *   signed    the certificate was parsed back, verified and its DER kept;
 *   issued    committed with its audit record, and only then handed out.
 *
 * After a crash a 'signed' row's signature is known: it is verified again (issuer key,
 * TBS byte for byte, profile lint) and completed as issued. A 'reserved' row has no
 * known signature: it becomes 'abandoned'. It was never handed out; its serial stays
 * taken for ever; the row keeps serial and TBS so that revocation can list it on CRLs
 * like any other certificate (CPS §4.4). Every resolution is audited in the same
 * transaction (CPS §4.5.1).
 *
 * Several nodes on PostgreSQL: each row names the node that reserved it; the rows of a
 * node are resolved only once its node lock can be taken, i.e. its process is gone
 * (docs/issuance-safety.md "Several nodes"). A live node resolves its own open rows
 * that no batch of its process holds (a batch that failed, e.g. across a PostgreSQL
 * restart, leaves them): issue.c enters every batch here (gc_ca_batch_enter), and the
 * node's own rows are resolved only while none is in flight and none may start.
 */
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/ca.h"
#include "lint/lint.h"

struct open_row {
	char serial[41];
	char request_id[72];
	int64_t ca_id;
	bool is_signed;
	unsigned char *tbs, *der;
	size_t tbssz, dersz;
};

static void rows_free(struct open_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].tbs);
		free(rows[i].der);
	}
	free(rows);
}

static unsigned char *blob_dup(struct gc_stmt *st, int col, size_t *n)
{
	const void *p = gc_stmt_blob(st, col, n);
	unsigned char *d = malloc(*n ? *n : 1);

	if (d != NULL && *n > 0)
		memcpy(d, p, *n);
	return d;
}

/* Reads every unresolved row of one node (0: of none) (the batch a crash interrupted is
 * small: read it whole). */
static gc_result rows_load(struct gc_db *db, int64_t node, struct open_row **out, size_t *n)
{
	struct gc_stmt *st;
	struct open_row *rows = NULL, *r;
	size_t cap = 0;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(db, "SELECT serial, request_id, ca_id, status, tbs, der FROM certificates"
	                           " WHERE status IN ('reserved', 'signed') AND COALESCE(node_id, 0) = ?"
	                           " ORDER BY created_at, serial", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, node)) != GC_OK) {
		gc_stmt_free(st);
		return rc;
	}
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((r = realloc(rows, cap * sizeof(*rows))) == NULL) {
				rc = gc_fail(GC_E_NOMEM, "recovery: out of memory");
				break;
			}
			rows = r;
		}
		r = &rows[(*n)++];
		memset(r, 0, sizeof(*r));
		snprintf(r->serial, sizeof(r->serial), "%s", gc_stmt_text(st, 0));
		snprintf(r->request_id, sizeof(r->request_id), "%s", gc_stmt_text(st, 1));
		r->ca_id = gc_stmt_int64(st, 2);
		r->is_signed = strcmp(gc_stmt_text(st, 3), "signed") == 0;
		r->tbs = blob_dup(st, 4, &r->tbssz);
		if (r->is_signed)
			r->der = blob_dup(st, 5, &r->dersz);
		if (r->tbs == NULL || (r->is_signed && r->der == NULL)) {
			rc = gc_fail(GC_E_NOMEM, "recovery: out of memory");
			break;
		}
	}
	gc_stmt_free(st);
	if (rc != GC_OK) {
		rows_free(rows, *n);
		return rc;
	}
	*out = rows;
	return GC_OK;
}

/*
 * A kept certificate may be completed only if it is exactly what was recorded and
 * what the issuing CA signs: its signature verifies with the current issuing CA key,
 * its TBS equals the recorded TBS byte for byte, and the TBS passes the lint.
 */
static bool kept_is_sound(struct gc_ca *ca, const struct open_row *r, char *why, size_t whysz)
{
	struct gc_lint_cert_expect lx;
	struct gc_lint_report rep;
	const uint8_t *tbs;
	size_t tbssz;

	if (r->ca_id != ca->issuing_id) {
		snprintf(why, whysz, "signed under another issuing CA certificate (%lld)", (long long)r->ca_id);
		return false;
	}
	if (gc_ca_verify_cert(r->der, r->dersz, X509_get0_pubkey(ca->issuing_cert), NULL) != GC_OK) {
		snprintf(why, whysz, "kept certificate does not verify: %s", gc_err_detail());
		return false;
	}
	if (!gc_lint_signed_tbs(r->der, r->dersz, &tbs, &tbssz) || tbssz != r->tbssz ||
	    memcmp(tbs, r->tbs, tbssz) != 0) {
		snprintf(why, whysz, "kept certificate's TBS differs from the recorded TBS");
		return false;
	}
	gc_ca_lint_expect(ca, &lx);
	gc_lint_report_init(&rep);
	gc_lint_tbs(r->tbs, r->tbssz, &lx, &rep);
	if (rep.n > 0) {
		snprintf(why, whysz, "recorded TBS fails lint: %s: %s", rep.f[0].field, rep.f[0].message);
		return false;
	}
	return true;
}

static gc_result resolve(struct gc_ca *ca, struct gc_stmt *complete, struct gc_stmt *abandon,
                         const struct open_row *r, int64_t node, int64_t now, struct gc_recovery *out)
{
	char why[400], detail[700], whose[96] = "";

	if (node != 0 && node == gc_ca_node_id(ca))
		snprintf(whose, sizeof(whose), " (reserved by this node, %lld, in a batch that failed)",
		         (long long)node);
	else if (node != 0)
		snprintf(whose, sizeof(whose), " (reserved by node %lld, whose process is gone)",
		         (long long)node);
	if (r->is_signed && kept_is_sound(ca, r, why, sizeof(why))) {
		GC_GUARD(gc_stmt_bind_int64(complete, 1, now));
		GC_GUARD(gc_stmt_bind_text(complete, 2, r->serial));
		GC_GUARD(gc_stmt_run(complete));
		GC_ENSURE(gc_db_changes(ca->db) == 1, GC_E_RECOVERY, "certificate %s: changed during recovery",
		          r->serial);
		snprintf(detail, sizeof(detail), "request %s%s: interrupted after its signature was kept; "
		         "verified again and completed", r->request_id, whose);
		GC_GUARD(gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_RECOVERED, r->serial, true, detail));
		out->completed++;
		return GC_OK;
	}
	if (!r->is_signed)
		snprintf(why, sizeof(why), "interrupted before a signature was kept");
	GC_GUARD(gc_stmt_bind_int64(abandon, 1, now));
	GC_GUARD(gc_stmt_bind_text(abandon, 2, r->serial));
	GC_GUARD(gc_stmt_run(abandon));
	GC_ENSURE(gc_db_changes(ca->db) == 1, GC_E_RECOVERY, "certificate %s: changed during recovery",
	          r->serial);
	snprintf(detail, sizeof(detail), "request %s%s: %s; never handed out; serial retired for ever, "
	         "revocable", r->request_id, whose, why);
	GC_GUARD(gc_audit_append(ca->audit, ca->actor, GC_EV_CERT_ABANDONED, r->serial, false, detail));
	out->abandoned++;
	return GC_OK;
}

/* Resolves, in one transaction, the open rows of one node (0: rows of no node). */
static gc_result recover_node(struct gc_ca *ca, int64_t node, struct gc_recovery *out)
{
	struct gc_stmt *complete = NULL, *abandon = NULL, *mark = NULL;
	struct open_row *rows = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0, i;
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, rows_load(ca->db, node, &rows, &n));
	if (n == 0) {
		gc_db_rollback(ca->db);
		return GC_OK;
	}
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE certificates SET status = 'issued', issued_at = ?1,"
	                                       " resolved_at = ?1 WHERE serial = ?2 AND status = 'signed'",
	                               &complete));
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE certificates SET status = 'abandoned', resolved_at = ?"
	                                       " WHERE serial = ? AND status IN ('reserved', 'signed')",
	                               &abandon));
	for (i = 0; i < n; i++)
		GC_GUARD_OUT(rc, resolve(ca, complete, abandon, &rows[i], node, now, out));
	if (node != 0 && node != gc_ca_node_id(ca)) { /* taken for dead */
		GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "UPDATE nodes SET recovered_at = ?, recovered_by = ?"
		                                       " WHERE id = ?", &mark));
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(mark, 1, now));
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(mark, 2, gc_ca_node_id(ca)));
		GC_GUARD_OUT(rc, gc_stmt_bind_int64(mark, 3, node));
		GC_GUARD_OUT(rc, gc_stmt_run(mark));
	}
	rc = gc_db_commit(ca->db);
out:
	if (rc != GC_OK) {
		char cause[512];
		snprintf(cause, sizeof(cause), "%s", gc_err_detail());
		gc_db_rollback(ca->db);
		rc = gc_fail(GC_E_RECOVERY, "%s: %zu interrupted issuance(s)%s could not be resolved; nothing "
		             "is issued until they are: %s", ca->dir, n,
		             node == 0 ? "" : node == gc_ca_node_id(ca) ? " of this node" : " of a dead node", cause);
		memset(out, 0, sizeof(*out));
	}
	gc_stmt_free(complete);
	gc_stmt_free(abandon);
	gc_stmt_free(mark);
	rows_free(rows, n);
	return rc;
}

/*
 * This process's batches in flight. A node is a process (gc_ca_node_id): once no batch
 * of the process is in flight, every open row of its node belongs to a batch that
 * ended without resolving it (it failed), and none can start until the drain ends.
 */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned inflight;
	bool draining;
} batches = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false};

void gc_ca_batch_enter(void)
{
	pthread_mutex_lock(&batches.mu);
	while (batches.draining)
		pthread_cond_wait(&batches.cv, &batches.mu);
	batches.inflight++;
	pthread_mutex_unlock(&batches.mu);
}

void gc_ca_batch_leave(void)
{
	pthread_mutex_lock(&batches.mu);
	batches.inflight--;
	pthread_cond_broadcast(&batches.cv);
	pthread_mutex_unlock(&batches.mu);
}

/* No batch of this process in flight, and none starts until drain_end: true, or false
 * when wait is not set and one is in flight (or another thread drains). The caller
 * must be in no batch itself. */
static bool drain_begin(bool wait)
{
	bool ok = true;

	pthread_mutex_lock(&batches.mu);
	if (!wait && (batches.inflight > 0 || batches.draining))
		ok = false;
	else {
		while (batches.draining)
			pthread_cond_wait(&batches.cv, &batches.mu);
		batches.draining = true; /* new batches wait from now on */
		while (batches.inflight > 0)
			pthread_cond_wait(&batches.cv, &batches.mu);
	}
	pthread_mutex_unlock(&batches.mu);
	return ok;
}

static void drain_end(void)
{
	pthread_mutex_lock(&batches.mu);
	batches.draining = false;
	pthread_cond_broadcast(&batches.cv);
	pthread_mutex_unlock(&batches.mu);
}

#define MAX_OWNERS 64 /* nodes with open rows looked at in one pass; the rest next pass */

/* How recover_owners treats this node's own open rows. */
enum own { OWN_SKIP, OWN_TRY, OWN_WAIT };

/*
 * The open rows by owner: those of no node when unowned is set (the caller holds the
 * issuance lock exclusive), and those of every other node whose lock this connection
 * takes, i.e. whose every connection is gone. That lock is kept: the dead node's id can
 * never sign again (its process, were it only cut off, finds the lock taken when it
 * reconnects, and stops). While the server has just started, live nodes may not have
 * reconnected yet: no node is taken for dead then. This node's own rows (own) once no
 * batch of this process holds them: OWN_TRY when none is in flight now, OWN_WAIT after
 * those in flight end; this connection must hold the node's lock (it was not taken for
 * dead), which gc_ca_node_hold makes sure of.
 */
static gc_result recover_owners(struct gc_ca *ca, bool unowned, enum own own, struct gc_recovery *out)
{
	struct gc_stmt *st;
	int64_t owners[MAX_OWNERS], uptime = 0, self = gc_ca_node_id(ca);
	size_t n = 0, i;
	bool row, got;
	gc_result rc;

	memset(out, 0, sizeof(*out));
	GC_GUARD(gc_db_prepare(ca->db, "SELECT DISTINCT COALESCE(node_id, 0) FROM certificates"
	                               " WHERE status IN ('reserved', 'signed')", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row && n < MAX_OWNERS)
		owners[n++] = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	GC_GUARD(rc);
	for (i = 0; i < n; i++) {
		if (owners[i] != 0 && owners[i] == self) {
			if (own == OWN_SKIP)
				continue;
			GC_GUARD(gc_ca_node_hold(ca));
			if (!drain_begin(own == OWN_WAIT))
				continue; /* a batch is in flight: the next pass */
			rc = recover_node(ca, self, out);
			drain_end();
			GC_GUARD(rc);
			continue;
		}
		if (owners[i] == 0 ? !unowned : false)
			continue;
		if (owners[i] != 0) {
			if (uptime == 0)
				GC_GUARD(gc_db_uptime(ca->db, &uptime));
			if (uptime < GC_NODE_GRACE_SECONDS)
				continue;
			GC_GUARD(gc_db_try_lock(ca->db, GC_LOCK_NODE(owners[i]), &got));
			if (!got)
				continue; /* alive: one of its connections holds its lock */
		}
		GC_GUARD(recover_node(ca, owners[i], out));
	}
	return GC_OK;
}

gc_result gc_ca_recover(struct gc_ca *ca, struct gc_recovery *out)
{
	return recover_owners(ca, true, OWN_SKIP, out);
}

gc_result gc_ca_recover_dead(struct gc_ca *ca, struct gc_recovery *out)
{
	memset(out, 0, sizeof(*out));
	if (gc_db_kind(ca->db) != GC_DB_POSTGRESQL)
		return GC_OK;
	return recover_owners(ca, false, OWN_SKIP, out);
}

gc_result gc_ca_recover_orphans(struct gc_ca *ca, bool wait, struct gc_recovery *out)
{
	memset(out, 0, sizeof(*out));
	if (gc_db_kind(ca->db) != GC_DB_POSTGRESQL || gc_ca_node_id(ca) == 0)
		return GC_OK;
	return recover_owners(ca, false, wait ? OWN_WAIT : OWN_TRY, out);
}
