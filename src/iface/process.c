/*
 * process.c - processing request files (SPEC §3): verify against the pinned RAs,
 * decode, answer replays from what was stored, issue and renew through the pipelined
 * issuance path, and sign one result per request with the CA service key.
 */
#include "iface/iface.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/issue.h"
#include "ca/revoke.h"
#include "core/interface.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "x509/cms.h"

#define ISSUE_CHUNK 50

/* What one request ends as, before it becomes JSON. */
struct answer {
	json_t *result; /* the result object; NULL until decided */
	char *text;     /* its compact JSON as stored (answer_text); NULL until made */
	size_t textsz;
	bool replay;    /* answered from a stored result */
	bool store;     /* a new result to store */
};

/* The answer's JSON text, made once: the same bytes go to iface_results and into the
 * result file (results_text). */
static const char *answer_text(struct answer *a)
{
	if (a->text == NULL && (a->text = json_dumps(a->result, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
		a->textsz = strlen(a->text);
	return a->text;
}

static void answer_clear(struct answer *a)
{
	json_decref(a->result);
	free(a->text);
	memset(a, 0, sizeof(*a));
}

static json_t *rejection(const char *id, enum gc_code code, const char *reason)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "status", "rejected", "code",
	                 gc_code_name(code), "reason", reason);
}

/* PEM of a certificate we just verified: armour only, no re-parse (d2i_X509 would
 * decode the key again, the costliest step of the whole answer). */
static char *pem_of(const unsigned char *der, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;

	if (b != NULL && PEM_write_bio(b, "CERTIFICATE", "", der, (long)n) > 0) {
		len = BIO_get_mem_data(b, &data);
		out = strndup(data, (size_t)len);
	}
	BIO_free(b);
	return out;
}

static json_t *issued(const char *id, bool renewal, const struct gc_issue_result *r)
{
	char nb[21], na[21], *pem = pem_of(r->der, r->dersz);
	json_t *o;

	gc_time_format(r->not_before, nb);
	gc_time_format(r->not_after, na);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", id, "status",
	              renewal ? "renewed" : "issued", "serial", r->serial, "subscriber_ref",
	              r->subscriber_ref, "not_before", nb, "not_after", na, "certificate", pem);
	free(pem);
	return o;
}

/* ---- replays: the same request id from the same RA ---- */

/* Rows per multi-row statement on iface_results: one round trip for many requests. */
#define RESULT_ROWS 64

/* The answer kept for a request seen before: the same again, or a conflict. */
static void stored_result(const struct gc_iface_item *it, const char *sha256, const char *result,
                          struct answer *a)
{
	json_error_t jerr;

	if (strcmp(sha256, it->sha256) == 0) {
		a->result = json_loads(result, 0, &jerr);
		a->replay = a->result != NULL;
		if (a->replay && (a->text = strdup(result)) != NULL)
			a->textsz = strlen(a->text);
		return;
	}
	gc_fail(GC_E_REQUEST_CONFLICT, "request %s: this id was used before with different content; "
	        "nothing done", it->id);
	a->result = rejection(it->id, GC_E_REQUEST_CONFLICT, gc_err_detail());
}

/* The stored answers of k requests (indexes at[]) of the file, in one statement. */
static gc_result stored_slice(struct gc_ca *ca, const char *ra, const struct gc_iface_batch *b,
                              const size_t *at, size_t k, struct answer *ans)
{
	struct gc_stmt *st;
	gc_result rc;
	bool row;
	size_t i;

	GC_GUARD(gc_db_prepare_rows(ca->db, "SELECT request_id, request_sha256, result FROM iface_results"
	                                    " WHERE ra = ? AND request_id IN (", "?", k, ")", &st));
	rc = gc_stmt_bind_text(st, 1, ra);
	for (i = 0; i < k && rc == GC_OK; i++)
		rc = gc_stmt_bind_text(st, (int)i + 2, b->items[at[i]].id);
	while (rc == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		for (i = 0; i < k; i++)
			if (ans[at[i]].result == NULL && strcmp(b->items[at[i]].id, gc_stmt_text(st, 0)) == 0)
				stored_result(&b->items[at[i]], gc_stmt_text(st, 1), gc_stmt_text(st, 2),
				              &ans[at[i]]);
	gc_stmt_free(st);
	return rc;
}

/* A request seen before is answered as before, whatever it is. */
static gc_result stored_results(struct gc_ca *ca, const char *ra, const struct gc_iface_batch *b,
                                struct answer *ans)
{
	size_t at[RESULT_ROWS], k = 0, i;

	for (i = 0; i < b->n; i++) {
		if (ans[i].result != NULL || b->items[i].id[0] == '#')
			continue;
		at[k++] = i;
		if (k == RESULT_ROWS) {
			GC_GUARD(stored_slice(ca, ra, b, at, k, ans));
			k = 0;
		}
	}
	return k > 0 ? stored_slice(ca, ra, b, at, k, ans) : GC_OK;
}

/* A file's items by id, then by their place in the file (they are one array). */
static int by_id_then_place(const void *a, const void *b)
{
	const struct gc_iface_item *x = *(const struct gc_iface_item *const *)a;
	const struct gc_iface_item *y = *(const struct gc_iface_item *const *)b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : (x > y) - (x < y);
}

/* Two requests of one file under one id: the later ones are refused. Sorted, not compared
 * pair by pair (a file of 10,000 requests made 50 million comparisons). */
static gc_result refuse_repeated_ids(const struct gc_iface_batch *b, struct answer *ans)
{
	const struct gc_iface_item **by_id = malloc((b->n ? b->n : 1) * sizeof(*by_id)), *it;
	size_t i, k = 0;

	GC_ENSURE(by_id != NULL, GC_E_NOMEM, "out of memory");
	for (i = 0; i < b->n; i++)
		if (b->items[i].id[0] != '#')
			by_id[k++] = &b->items[i];
	qsort(by_id, k, sizeof(*by_id), by_id_then_place);
	for (i = 1; i < k; i++) {
		it = by_id[i];
		if (strcmp(it->id, by_id[i - 1]->id) != 0)
			continue;
		gc_fail(GC_E_REQUEST_CONFLICT, "request %s: the id appears twice in this file", it->id);
		ans[it - b->items].result = rejection(it->id, GC_E_REQUEST_CONFLICT, gc_err_detail());
	}
	free(by_id);
	return GC_OK;
}

/*
 * After a crash between issuance and storing the results, a retried request finds its
 * certificate already issued: the same request (same content) gets that certificate.
 */
static gc_result issued_before(struct gc_ca *ca, const struct gc_issue_request *r, struct gc_issue_result *res)
{
	struct gc_stmt *st;
	const void *der;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT serial, subscriber_ref, not_before, not_after, der"
	                               " FROM certificates WHERE request_id = ? AND request_sha256 = ?"
	                               " AND status = 'issued'", &st));
	if ((rc = gc_stmt_bind_text(st, 1, r->id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, r->content_sha256)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		snprintf(res->serial, sizeof(res->serial), "%s", gc_stmt_text(st, 0));
		snprintf(res->subscriber_ref, sizeof(res->subscriber_ref), "%s", gc_stmt_text(st, 1));
		res->not_before = gc_stmt_int64(st, 2);
		res->not_after = gc_stmt_int64(st, 3);
		der = gc_stmt_blob(st, 4, &res->dersz);
		if ((res->der = malloc(res->dersz)) == NULL)
			rc = gc_fail(GC_E_NOMEM, "out of memory");
		else
			memcpy(res->der, der, res->dersz), res->code = GC_OK;
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result store_slice(struct gc_db *db, const char *ra, const struct gc_iface_batch *b,
                             struct answer *ans, const size_t *at, size_t k, int64_t now);

/* ---- issue and renew, all of the file's at once through the pipeline ---- */

/* The file's issued results, kept by the pipeline's committer with their certificates. */
struct keep_with_certs {
	const char *ra;
	const struct gc_iface_batch *b;
	struct answer *ans;
	const size_t *which;                 /* the file's item of each issuance request */
	const struct gc_issue_result *res0;  /* the results those requests fill */
	int64_t now;
};

/*
 * The answer of each certificate just issued, in iface_results in the transaction that
 * issues it (gc_issue_hook): a crash cannot leave a certificate whose answer is not
 * kept, and the work runs on the committing thread while the token signs the next chunk.
 */
static gc_result keep_answers(struct gc_db *db, const struct gc_issue_result *const *issued_now,
                              size_t k, void *arg)
{
	struct keep_with_certs *c = arg;
	size_t at[RESULT_ROWS], i, m;

	for (i = 0; i < k; i += m) {
		m = k - i < RESULT_ROWS ? k - i : RESULT_ROWS;
		for (size_t j = 0; j < m; j++) {
			const struct gc_issue_result *r = issued_now[i + j];
			const struct gc_iface_item *it = &c->b->items[c->which[r - c->res0]];
			at[j] = (size_t)(it - c->b->items);
			c->ans[at[j]].result = issued(it->id, it->type == GC_IFACE_RENEW, r);
			GC_ENSURE(c->ans[at[j]].result != NULL, GC_E_NOMEM, "out of memory");
		}
		GC_GUARD(store_slice(db, c->ra, c->b, c->ans, at, m, c->now));
	}
	return GC_OK;
}

/* A result keep_answers made stands only if its certificate does. */
static void drop_unkept(struct answer *a, const struct gc_issue_result *r)
{
	if (a->result != NULL && r->code != GC_OK)
		answer_clear(a);
}

/* How long a retry waits for rows still open to settle: their node finishes its batch,
 * or is found dead (its sessions end) and recovered. Beyond it they stay refused. */
#define UNFINISHED_WAIT_SECONDS (GC_NODE_GRACE_SECONDS + 15)

/* The rows of a request id: open (reserved, signed), live (not abandoned), all. */
static gc_result rows_of(struct gc_stmt *st, const char *id, int64_t n[3])
{
	bool row;
	gc_result rc;

	GC_GUARD(gc_stmt_bind_text(st, 1, id));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK)
		for (int j = 0; j < 3; j++)
			n[j] = row ? gc_stmt_int64(st, j) : 0;
	gc_stmt_reset(st);
	return rc;
}

/*
 * A request refused as a duplicate whose row was never finished: reserved by another
 * node whose process died, or by this node in a batch that failed (e.g. across a
 * PostgreSQL restart) (docs/issuance-safety.md "Several nodes"). Open rows are waited
 * for, a while, and resolved (here, or by the node watch or another node: whoever comes
 * first): a live node's batch ends, a dead node's sessions end and it is recovered, this
 * node's own rows that no batch holds are resolved. Then each such request whose id only
 * abandoned rows hold goes through issuance once more (an abandoned reservation frees
 * its request id). One completed or issued is answered from the database
 * (issued_before); one still open stays refused, naming its certificate.
 */
static gc_result retry_unfinished(struct gc_ca *ca, struct gc_issue_request **reqs,
                                  struct gc_issue_result *res, size_t k)
{
	const struct timespec pause = {0, 250 * 1000 * 1000};
	struct gc_issue_request **again = NULL;
	struct gc_issue_result *res2 = NULL;
	struct gc_stmt *rows = NULL;
	struct gc_recovery rec;
	time_t until = time(NULL) + UNFINISHED_WAIT_SECONDS;
	size_t *at = NULL, m = 0, open, i;
	int64_t n[3];
	gc_result rc = GC_OK;

	for (i = 0; i < k; i++)
		m += res[i].code == GC_E_DUPLICATE_REQUEST;
	if (m == 0)
		return GC_OK;
	again = calloc(m, sizeof(*again));
	res2 = calloc(m, sizeof(*res2));
	at = calloc(m, sizeof(*at));
	GC_NOMEM_OUT(rc, again);
	GC_NOMEM_OUT(rc, res2);
	GC_NOMEM_OUT(rc, at);
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "SELECT COALESCE(SUM(CASE WHEN status IN ('reserved', 'signed')"
	                                       " THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status"
	                                       " <> 'abandoned' THEN 1 ELSE 0 END), 0), COUNT(*)"
	                                       " FROM certificates WHERE request_id = ?", &rows));
	for (;;) {
		if (gc_ca_recover_orphans(ca, true, &rec) != GC_OK)
			gc_err_clear(); /* tried again while rows are open */
		for (open = 0, i = 0; i < k; i++) {
			if (res[i].code != GC_E_DUPLICATE_REQUEST)
				continue;
			GC_GUARD_OUT(rc, rows_of(rows, reqs[i]->id, n));
			open += n[0] > 0;
		}
		if (open == 0 || time(NULL) >= until)
			break;
		nanosleep(&pause, NULL);
	}
	for (m = 0, i = 0; i < k; i++) {
		if (res[i].code != GC_E_DUPLICATE_REQUEST)
			continue;
		GC_GUARD_OUT(rc, rows_of(rows, reqs[i]->id, n));
		/* none live, one abandoned: not a renewal of a certificate renewed before */
		if (n[1] == 0 && n[2] > 0) {
			at[m] = i;
			again[m++] = reqs[i];
		}
	}
	if (m > 0)
		GC_GUARD_OUT(rc, gc_ca_issue_many(ca, again, m, res2, ISSUE_CHUNK));
	for (i = 0; i < m; i++) {
		gc_issue_results_clear(&res[at[i]], 1);
		res[at[i]] = res2[i];
	}
	m = 0; /* res2's certificates are res's now */
out:
	if (res2 != NULL)
		gc_issue_results_clear(res2, m);
	gc_stmt_free(rows);
	free(res2);
	free(again);
	free(at);
	return rc;
}

static gc_result issue_all(struct gc_ca *ca, const char *ra, struct gc_iface_batch *b, struct answer *ans)
{
	struct gc_issue_request **reqs = calloc(b->n, sizeof(*reqs));
	struct gc_issue_result *res = calloc(b->n, sizeof(*res));
	size_t *which = calloc(b->n, sizeof(*which)), k = 0, i;
	struct keep_with_certs keep;
	const struct gc_issue_hook hook = {keep_answers, &keep};
	gc_result rc = GC_OK;

	GC_NOMEM_OUT(rc, reqs);
	GC_NOMEM_OUT(rc, res);
	GC_NOMEM_OUT(rc, which);
	for (i = 0; i < b->n; i++) {
		struct gc_iface_item *it = &b->items[i];
		if (ans[i].result != NULL || it->type == GC_IFACE_REVOKE)
			continue;
		/* unique per RA: the RA's name prefixes the id it chose */
		snprintf(it->issue->id, sizeof(it->issue->id), "%s/%s", ra, it->id);
		memcpy(it->issue->content_sha256, it->sha256, sizeof(it->sha256));
		which[k] = i;
		reqs[k++] = it->issue;
	}
	keep = (struct keep_with_certs){ra, b, ans, which, res, (int64_t)time(NULL)};
	if (k > 0)
		rc = gc_ca_issue_hooked(ca, reqs, k, res, ISSUE_CHUNK, &hook);
	for (i = 0; i < k; i++)
		drop_unkept(&ans[which[i]], &res[i]);
	if (rc != GC_OK)
		goto out;
	GC_GUARD_OUT(rc, retry_unfinished(ca, reqs, res, k));
	for (i = 0; i < k; i++) {
		struct gc_iface_item *it = &b->items[which[i]];
		if (ans[which[i]].result != NULL)
			continue; /* issued, its answer kept with it */
		if (res[i].code == GC_E_DUPLICATE_REQUEST && it->type == GC_IFACE_ISSUE)
			GC_GUARD_OUT(rc, issued_before(ca, reqs[i], &res[i]));
		ans[which[i]].result = res[i].code == GC_OK
		                           ? issued(it->id, it->type == GC_IFACE_RENEW, &res[i])
		                           : rejection(it->id, res[i].code, res[i].detail);
		ans[which[i]].store = true;
	}
out:
	if (res != NULL)
		gc_issue_results_clear(res, b->n);
	free(reqs);
	free(res);
	free(which);
	return rc;
}

/* ---- revocation requests ---- */

/*
 * CPS §4.4.2: CMMP sends the approved revocation; the CA revokes (permanent) and answers.
 * Any pinned RA may revoke any g-Cert: CMMP is the only RA (§1.2.2); the audit record
 * names the certificate and the request, the result file goes back to the sender.
 */
static json_t *revoke_one(struct gc_ca *ca, const char *ra, const struct gc_iface_item *it)
{
	struct gc_revocation r;
	int64_t now = (int64_t)time(NULL);
	char req[21], rev[21];
	gc_result rc;

	(void)ra;
	rc = gc_ca_revoke(ca, it->revoke.serial, it->revoke.reason,
	                  it->revoke.requested_at ? it->revoke.requested_at : now, now, &r);
	if (rc != GC_OK)
		return rejection(it->id, rc, gc_err_detail());
	gc_time_format(r.requested_at, req);
	gc_time_format(r.revoked_at, rev);
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "id", it->id, "status", "revoked",
	                 "serial", r.serial, "reason", r.reason, "reason_name", gc_reason_name(r.reason),
	                 "requested_at", req, "revoked_at", rev);
}

static void revoke_all(struct gc_ca *ca, const char *ra, struct gc_iface_batch *b, struct answer *ans)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct gc_iface_item *it = &b->items[i];
		if (ans[i].result != NULL || it->type != GC_IFACE_REVOKE)
			continue;
		ans[i].result = revoke_one(ca, ra, it);
		ans[i].store = true;
	}
}

/* ---- the result file ---- */

/* The answers of k requests (indexes at[]) kept, in one statement. */
static gc_result store_slice(struct gc_db *db, const char *ra, const struct gc_iface_batch *b,
                             struct answer *ans, const size_t *at, size_t k, int64_t now)
{
	const char *text;
	struct gc_stmt *st;
	gc_result rc;
	size_t i;
	int p;

	GC_GUARD(gc_db_prepare_rows(db, "INSERT INTO iface_results (ra, request_id, request_sha256,"
	                                    " batch_id, result, created_at) VALUES ",
	                            "(?, ?, ?, ?, ?, ?)", k, " ON CONFLICT DO NOTHING", &st));
	for (i = 0, rc = GC_OK; i < k && rc == GC_OK; i++) {
		const struct gc_iface_item *it = &b->items[at[i]];
		p = (int)i * 6;
		if ((text = answer_text(&ans[at[i]])) == NULL)
			rc = gc_fail(GC_E_NOMEM, "out of memory");
		if (rc == GC_OK && (rc = gc_stmt_bind_text(st, p + 1, ra)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, p + 2, it->id)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, p + 3, it->sha256)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, p + 4, b->batch_id)) == GC_OK &&
		    (rc = gc_stmt_bind_text(st, p + 5, text)) == GC_OK)
			rc = gc_stmt_bind_int64(st, p + 6, now);
	}
	if (rc == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result store_results(struct gc_ca *ca, const char *ra, const struct gc_iface_batch *b,
                               struct answer *ans)
{
	int64_t now = (int64_t)time(NULL);
	size_t at[RESULT_ROWS], k = 0, i;
	gc_result rc = GC_OK;

	GC_GUARD(gc_db_begin(ca->db));
	for (i = 0; i < b->n && rc == GC_OK; i++) {
		/* a request whose id is unusable cannot be replayed; the rest is kept */
		if (!ans[i].store || b->items[i].id[0] == '#')
			continue;
		at[k++] = i;
		if (k == RESULT_ROWS) {
			rc = store_slice(ca->db, ra, b, ans, at, k, now);
			k = 0;
		}
	}
	if (rc == GC_OK && k > 0)
		rc = store_slice(ca->db, ra, b, ans, at, k, now);
	if (rc == GC_OK)
		return gc_db_commit(ca->db);
	gc_db_rollback(ca->db);
	return rc;
}

/* Signs the result file's text s (consumed) with the CA service key into the outcome. */
static gc_result sign_text(struct gc_ca *ca, char *s, size_t len, struct gc_iface_outcome *o)
{
	struct gc_hsm_key *key;
	X509 *cert;
	unsigned char *der;
	gc_result rc;

	GC_ENSURE(s != NULL, GC_E_NOMEM, "result file: out of memory");
	if ((rc = gc_service_identity(ca, &cert, &key)) == GC_OK &&
	    (rc = gc_cms_sign(cert, gc_hsm_key_handle(key), (unsigned char *)s, len, &der, &o->resultsz)) == GC_OK)
		o->result = der; /* OpenSSL's buffer: no copy of megabytes */
	free(s);
	return rc;
}

/* Signs doc (consumed) with the CA service key into the outcome. */
static gc_result sign_result(struct gc_ca *ca, json_t *doc, struct gc_iface_outcome *o)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(doc);
	return sign_text(ca, s, s != NULL ? strlen(s) : 0, o);
}

static json_t *envelope(const char *batch_id)
{
	char now[21];

	gc_time_format((int64_t)time(NULL), now);
	return json_pack("{s:s, s:s?, s:s}", "format", GC_IFACE_FORMAT, "in_reply_to", batch_id, "created", now);
}

/* A file rejected whole: audited, answered with a signed error, nothing else changed. */
static gc_result reject_file(struct gc_ca *ca, gc_result code, struct gc_iface_outcome *o)
{
	json_t *doc = envelope(o->batch_id[0] ? o->batch_id : NULL);
	char detail[640];
	gc_result rc;

	o->file_code = code;
	snprintf(o->detail, sizeof(o->detail), "%s", gc_err_detail());
	json_object_set_new(doc, "error", json_pack("{s:s, s:s}", "code", gc_code_name(code), "reason", o->detail));
	snprintf(detail, sizeof(detail), "%s: %s", gc_code_name(code), o->detail);
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_IFACE_REJECTED, o->ra[0] ? o->ra : "(unknown)",
	                          false, detail)) != GC_OK || (rc = gc_db_commit(ca->db)) != GC_OK) {
		gc_db_rollback(ca->db);
		json_decref(doc);
		return rc;
	}
	return sign_result(ca, doc, o);
}

static gc_result verify_file(struct gc_ca *ca, const unsigned char *der, size_t dersz,
                             const struct gc_iface_limits *lim, struct gc_iface_outcome *o,
                             unsigned char **content, size_t *len)
{
	STACK_OF(X509) *pins = NULL;
	char **names = NULL;
	X509 *signer = NULL;
	gc_result rc;
	int i;

	GC_GUARD(gc_peers_load(ca, &pins, &names));
	rc = gc_cms_verify(der, dersz, lim->max_file, pins, (int64_t)time(NULL), content, len, &signer);
	if (rc == GC_OK)
		rc = gc_peer_name(ca, signer, o->ra);
	X509_free(signer);
	for (i = 0; i < sk_X509_num(pins); i++)
		free(names[i]);
	free(names);
	sk_X509_pop_free(pins, X509_free);
	return rc;
}

static void count_outcomes(const struct gc_iface_batch *b, const struct answer *ans,
                           struct gc_iface_outcome *o)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (ans[i].replay)
			o->replayed++;
		else if (strcmp(json_string_value(json_object_get(ans[i].result, "status")), "rejected") == 0)
			o->rejected++;
		else
			o->accepted++;
	}
}

/*
 * The result file's text: the envelope with "results" the answers' texts in the file's
 * order. The bytes json_dumps makes of the whole document (JSON_COMPACT joins an array's
 * items with "," and nothing else), without encoding the answers again: most were encoded
 * on the committing thread to be stored with their certificates (keep_answers).
 */
static char *results_text(const struct gc_iface_batch *b, struct answer *ans, size_t *len)
{
	json_t *doc = envelope(b->batch_id);
	char *head = NULL, *s = NULL;
	size_t hn, n, i, at;

	if (doc != NULL && json_object_set_new(doc, "results", json_array()) == 0)
		head = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (head == NULL || (hn = strlen(head)) < 3 || strcmp(head + hn - 3, "[]}") != 0)
		goto out;
	hn -= 2; /* up to and with the array's "[" */
	for (n = hn + 2 + b->n, i = 0; i < b->n; i++) {
		if (answer_text(&ans[i]) == NULL)
			goto out;
		n += ans[i].textsz;
	}
	if ((s = malloc(n + 1)) == NULL)
		goto out;
	memcpy(s, head, hn);
	for (at = hn, i = 0; i < b->n; i++) {
		if (i > 0)
			s[at++] = ',';
		memcpy(s + at, ans[i].text, ans[i].textsz);
		at += ans[i].textsz;
	}
	memcpy(s + at, "]}", 3);
	*len = at + 2;
out:
	free(head);
	return s;
}

static gc_result audit_file(struct gc_ca *ca, const struct gc_iface_outcome *o, const char *sha)
{
	char detail[256];
	gc_result rc;

	snprintf(detail, sizeof(detail), "batch %s from %s: %zu accepted, %zu rejected, %zu replayed; file sha256 %s",
	         o->batch_id, o->ra, o->accepted, o->rejected, o->replayed, sha);
	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, ca->actor, GC_EV_IFACE_PROCESSED, o->ra, true, detail)) != GC_OK)
		gc_db_rollback(ca->db);
	else
		rc = gc_db_commit(ca->db);
	return rc;
}

static gc_result process_batch(struct gc_ca *ca, struct gc_iface_batch *b, struct gc_iface_outcome *o)
{
	struct answer *ans = calloc(b->n, sizeof(*ans));
	char *text;
	gc_result rc;
	size_t i, len = 0;

	GC_ENSURE(ans != NULL, GC_E_NOMEM, "out of memory");
	if ((rc = refuse_repeated_ids(b, ans)) == GC_OK)
		rc = stored_results(ca, o->ra, b, ans);
	for (i = 0; i < b->n && rc == GC_OK; i++) {
		struct gc_iface_item *it = &b->items[i];
		if (ans[i].result == NULL && it->code != GC_OK) {
			ans[i].result = rejection(it->id, it->code, it->detail);
			ans[i].store = true;
		}
	}
	if (rc == GC_OK)
		rc = issue_all(ca, o->ra, b, ans);
	if (rc == GC_OK) {
		revoke_all(ca, o->ra, b, ans);
		rc = store_results(ca, o->ra, b, ans);
	}
	if (rc == GC_OK) {
		count_outcomes(b, ans, o);
		text = results_text(b, ans, &len);
		rc = sign_text(ca, text, len, o);
	}
	for (i = 0; i < b->n; i++)
		answer_clear(&ans[i]);
	free(ans);
	return rc;
}

/* The same bytes again: the stored result file, nothing processed. */
static gc_result stored_file(struct gc_ca *ca, const char *sha, struct gc_iface_outcome *o, bool *found)
{
	struct gc_stmt *st;
	const void *p;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT ra, batch_id, result FROM iface_files WHERE sha256 = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, sha)) == GC_OK && (rc = gc_stmt_step(st, found)) == GC_OK && *found) {
		snprintf(o->ra, sizeof(o->ra), "%s", gc_stmt_text(st, 0));
		snprintf(o->batch_id, sizeof(o->batch_id), "%s", gc_stmt_text(st, 1));
		p = gc_stmt_blob(st, 2, &o->resultsz);
		if ((o->result = OPENSSL_malloc(o->resultsz)) == NULL)
			rc = gc_fail(GC_E_NOMEM, "out of memory");
		else
			memcpy(o->result, p, o->resultsz);
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result remember_file(struct gc_ca *ca, const char *sha, const struct gc_iface_outcome *o)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "INSERT INTO iface_files (sha256, ra, batch_id, received_at, result)"
	                               " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", &st));
	if ((rc = gc_stmt_bind_text(st, 1, sha)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, o->ra)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, o->batch_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, (int64_t)time(NULL))) == GC_OK &&
	    (rc = gc_stmt_bind_blob(st, 5, o->result, o->resultsz)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_iface_process(struct gc_ca *ca, const unsigned char *der, size_t dersz,
                           const struct gc_iface_limits *lim, struct gc_iface_outcome *o)
{
	struct gc_iface_batch *b = NULL;
	unsigned char md[32], *content = NULL;
	char sha[65];
	size_t len = 0;
	bool found = false;
	gc_result rc;

	memset(o, 0, sizeof(*o));
	if (dersz > lim->max_file) /* der is not even read: it may be only what fitted */
		return reject_file(ca, gc_fail(GC_E_TOO_LARGE, "interface file: %zu bytes exceed the "
		                               "configured limit of %zu", dersz, lim->max_file), o);
	GC_ENSURE(EVP_Digest(der, dersz, md, NULL, EVP_sha256(), NULL) == 1, GC_E_INTERNAL, "sha256");
	gc_hex_encode(md, sizeof(md), sha);
	GC_GUARD(stored_file(ca, sha, o, &found));
	if (found) {
		o->replayed = 1;
		return GC_OK;
	}
	if ((rc = verify_file(ca, der, dersz, lim, o, &content, &len)) == GC_OK &&
	    (rc = gc_iface_parse((const char *)content, len, lim->max_requests, &b)) == GC_OK)
		snprintf(o->batch_id, sizeof(o->batch_id), "%s", b->batch_id);
	free(content);
	if (rc != GC_OK) {
		/* rejected whole: only database and token failures stop the answer */
		if (gc_code_category(rc) == GC_CAT_STORE || gc_code_category(rc) == GC_CAT_HSM)
			return rc;
		return reject_file(ca, rc, o);
	}
	rc = process_batch(ca, b, o);
	gc_iface_batch_free(b);
	if (rc == GC_OK)
		rc = remember_file(ca, sha, o);
	if (rc == GC_OK)
		rc = audit_file(ca, o, sha);
	return rc;
}

void gc_iface_outcome_clear(struct gc_iface_outcome *o)
{
	gc_iface_result_free(o->result);
	o->result = NULL;
}

void gc_iface_result_free(void *result)
{
	OPENSSL_free(result);
}
