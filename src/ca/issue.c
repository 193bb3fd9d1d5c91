/*
 * issue.c - issuing g-Certs (CPS §4.2, App. B), crash-safe in the order Boulder uses:
 *
 *   1. every check; the TBS is built and linted against App. B by the independent
 *      linter (a finding blocks the signature and is audited as cert.lint_failed) —
 *      outside any transaction, so the one write lock (db.h) is not held for it;
 *   2. under the write lock the database checks again (another node may have taken
 *      the request id, the key or the subscriber number since), then serial, request
 *      and TBS are committed ('reserved') before the token signs, so no signed
 *      certificate can exist without a record and no serial is used twice;
 *   3. the token signs; the certificate is read back, its TBS compared byte for byte
 *      with the recorded one and its signature verified with the issuing CA's key;
 *   4. the verified DER is kept ('signed', a relaxed commit) so that recovery can
 *      complete it after a crash (recover.c);
 *   5. 'issued', the fee and the audit record commit together (durably), and only then
 *      is the certificate handed out.
 *
 * Each write is one statement for the rows of a chunk (gc_db_prepare_rows), not one per
 * certificate: on PostgreSQL every statement is a round trip made while holding the
 * write lock, and the preparer and the committer take turns at it.
 *
 * A crash before 4 leaves 'reserved' rows: recovery retires them ('abandoned'). The
 * fault points after_reserve, after_sign and before_commit (sys/fault.h) let the crash
 * tests kill the process at each step.
 */
#include "ca/issue.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps.h"
#include "core/renewal.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "lint/lint.h"
#include "sys/fault.h"
#include "x509/csr.h"

/* Per-request working state between the phases of a batch. */
struct item {
	const struct gc_issue_request *req;
	struct gc_issue_result *res;
	struct gc_csr *csr;
	unsigned char serial[CPS_SERIAL_OCTETS];
	unsigned char *tbs;
	size_t tbssz;
	bool ready;    /* checked, built and linted: to be reserved */
	bool reserved; /* its row is 'reserved' and it awaits the token */
	bool signed_ok; /* signed, read back and verified: kept, then issued */
};

/*
 * The statements of one row each; the others are made per chunk for all its rows at
 * once (gc_db_prepare_rows), so that PostgreSQL sees a round trip per chunk, not per
 * certificate, while the write lock is held (bench/RESULTS.md, issue 14).
 */
struct stmts {
	struct gc_stmt *renewed, *abandon;
};

/* Rows per multi-row statement: 64 x 17 parameters (a reservation) stay well under
 * GC_DB_MAX_PARAMS. */
#define ROWS_MAX 64

static void stmts_free(struct stmts *s)
{
	gc_stmt_free(s->renewed);
	gc_stmt_free(s->abandon);
}

static gc_result stmts_prepare(struct gc_db *db, struct stmts *s)
{
	/* CPS §3.2: the certificate renewed, and whether it was renewed before */
	GC_GUARD(gc_db_prepare(db, "SELECT c.subscriber_ref, c.not_after, c.cert_type,"
	                           " (SELECT r.serial FROM certificates r WHERE r.renews = c.serial"
	                           "  AND r.status <> 'abandoned'),"
	                           " EXISTS (SELECT 1 FROM revocations v WHERE v.serial = c.serial)"
	                           " FROM certificates c WHERE c.serial = ? AND c.status = 'issued'",
	                       &s->renewed));
	GC_GUARD(gc_db_prepare(db, "UPDATE certificates SET status = 'abandoned', resolved_at = ?"
	                           " WHERE serial = ? AND status = 'reserved'", &s->abandon));
	return GC_OK;
}

static void refuse(struct item *it, enum gc_code code)
{
	it->res->code = code;
	snprintf(it->res->detail, sizeof(it->res->detail), "%s", gc_err_detail());
}

/* The validity must end within the issuing CA's (a certificate never outlives it). */
static void check_ca_lifetime(struct gc_ca *ca, struct item *it)
{
	const ASN1_TIME *t = X509_get0_notAfter(ca->issuing_cert);
	struct tm tm;
	int64_t ca_not_after;
	char when[21];

	ASN1_TIME_to_tm(t, &tm);
	ca_not_after = (int64_t)timegm(&tm);
	if (it->res->not_after <= ca_not_after)
		return;
	gc_time_format(ca_not_after, when);
	gc_fail(GC_E_OUTLIVES_CA, "request %s: validity_years: %d years would outlive the issuing "
	        "CA certificate (valid until %s); CPS §4.7: a key changeover is due", it->req->id,
	        it->req->validity_years, when);
	refuse(it, GC_E_OUTLIVES_CA);
}

/* What the database says of a certificate a renewal names. */
struct renewed {
	bool found, revoked;
	char subscriber_ref[11], type[24], renewed_by[41];
	int64_t not_after;
};

static gc_result read_renewed(struct stmts *s, const char *serial, struct renewed *o)
{
	gc_result rc;

	memset(o, 0, sizeof(*o));
	GC_GUARD(gc_stmt_bind_text(s->renewed, 1, serial));
	if ((rc = gc_stmt_step(s->renewed, &o->found)) == GC_OK && o->found) {
		snprintf(o->subscriber_ref, sizeof(o->subscriber_ref), "%s", gc_stmt_text(s->renewed, 0));
		o->not_after = gc_stmt_int64(s->renewed, 1);
		snprintf(o->type, sizeof(o->type), "%s", gc_stmt_text(s->renewed, 2));
		snprintf(o->renewed_by, sizeof(o->renewed_by), "%s",
		         gc_stmt_is_null(s->renewed, 3) ? "" : gc_stmt_text(s->renewed, 3));
		o->revoked = gc_stmt_int64(s->renewed, 4) != 0;
	}
	gc_stmt_reset(s->renewed);
	return rc;
}

/* CPS §3.2: why a renewal may not be made of the certificate it names, or GC_OK. */
static gc_result renewal_conflict(const struct gc_issue_request *r, const struct renewed *o)
{
	if (!o->found)
		return gc_fail(GC_E_NOT_FOUND, "request %s: renews: no issued certificate %s", r->id,
		               r->renews);
	if (strcmp(o->type, r->profile->name) != 0)
		return gc_fail(GC_E_REQUEST_FIELD, "request %s: cert_type: certificate %s is %s; a "
		               "renewal keeps the type", r->id, r->renews, o->type);
	if (o->revoked)
		return gc_fail(GC_E_ALREADY_REVOKED, "request %s: renews: certificate %s is revoked; "
		               "CPS §3.2: revoked certificates are never renewed (apply anew)", r->id,
		               r->renews);
	if (o->renewed_by[0] != '\0')
		return gc_fail(GC_E_DUPLICATE_REQUEST, "request %s: renews: certificate %s was already "
		               "renewed by %s", r->id, r->renews, o->renewed_by);
	return GC_OK;
}

/*
 * CPS §3.2: a renewal names an issued, unexpired certificate of the same type that was not
 * renewed before; the subscriber reference number carries over (App. D) and the validity
 * follows §3.2.2.
 */
static gc_result check_renewal(struct gc_ca *ca, struct stmts *s, struct item *it, int64_t now)
{
	const struct gc_issue_request *r = it->req;
	struct renewed o;
	gc_result rc;

	GC_GUARD(read_renewed(s, r->renews, &o));
	snprintf(it->res->subscriber_ref, sizeof(it->res->subscriber_ref), "%s", o.subscriber_ref);
	if ((rc = renewal_conflict(r, &o)) == GC_OK &&
	    (rc = gc_renewal_not_after(now, o.not_after, r->validity_years, &it->res->not_after)) ==
	        GC_E_RENEW_EXPIRED)
		gc_fail(rc, "request %s: renews: certificate %s has expired; CPS §3.2: expired "
		        "certificates are never renewed (apply anew)", r->id, r->renews);
	if (rc != GC_OK) {
		refuse(it, rc);
		return GC_OK;
	}
	check_ca_lifetime(ca, it);
	return GC_OK;
}

static gc_result build_tbs(struct gc_ca *ca, struct item *it)
{
	const char *fields[GC_F_COUNT];
	struct gc_ee_input in;
	size_t i;

	for (i = 0; i < GC_F_COUNT; i++)
		fields[i] = it->req->fields[i];
	fields[GC_F_SUBSCRIBER_REF] = it->res->subscriber_ref;
	GC_GUARD(gc_serial_random(it->serial));
	gc_hex_encode(it->serial, sizeof(it->serial), it->res->serial);
	in = (struct gc_ee_input){
		.profile = it->req->profile, .fields = fields, .serial = it->serial,
		.not_before = it->res->not_before, .not_after = it->res->not_after,
		.key_bits = it->csr->key_bits, .key_bits_len = it->csr->key_bits_len,
		.key_id = it->csr->key_id,
		.cps_uri = ca->cfg.cps_uri, .crl_dp = ca->cfg.crl_dp,
	};
	GC_GUARD(gc_cert_build_ee_tbs(&ca->issuer, &in, &it->tbs, &it->tbssz));
	/* crash-test builds only: a builder bug that the lint must stop (flips the last
	 * bit of the subjectKeyIdentifier, the TBS's last octet) */
	if (GC_FAULT_ACTIVE("builder_bug"))
		it->tbs[it->tbssz - 1] ^= 0x01;
	return GC_OK;
}

/*
 * The lint before the key touches anything (issue 10): the TBS against App. B and the
 * approved request, by the independent linter. A finding refuses this request only.
 */
static gc_result lint_tbs(struct gc_ca *ca, const struct item *it)
{
	struct gc_lint_cert_expect lx;
	struct gc_lint_report rep;
	const char *fields[GC_F_COUNT];
	char obj[96];
	size_t i;

	for (i = 0; i < GC_F_COUNT; i++)
		fields[i] = it->req->fields[i];
	fields[GC_F_SUBSCRIBER_REF] = it->res->subscriber_ref;
	gc_ca_lint_expect(ca, &lx);
	lx.profile = it->req->profile;
	lx.fields = fields;
	lx.not_before = it->res->not_before;
	lx.not_after = it->res->not_after;
	lx.serial = it->serial;
	gc_lint_report_init(&rep);
	gc_lint_tbs(it->tbs, it->tbssz, &lx, &rep);
	snprintf(obj, sizeof(obj), "request %s: certificate %s", it->req->id, it->res->serial);
	return gc_lint_result(&rep, obj);
}

/* ---- many rows a statement: the chunk's items in slices of ROWS_MAX ---- */

typedef bool (*item_pred)(const struct item *);
typedef gc_result (*slice_fn)(struct gc_ca *ca, struct item **slice, size_t k, void *arg);

static bool going(const struct item *it) { return it->res->code == GC_OK; }
static bool is_issue(const struct item *it) { return going(it) && it->req->type == GC_REQ_ISSUE; }
static bool is_signed(const struct item *it) { return it->signed_ok; }

/* fn on the items that pred keeps, ROWS_MAX at most at a time, in order. */
static gc_result each_slice(struct gc_ca *ca, struct item *items, size_t n, item_pred pred,
                            slice_fn fn, void *arg)
{
	struct item *slice[ROWS_MAX];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (!pred(&items[i]))
			continue;
		slice[k++] = &items[i];
		if (k == ROWS_MAX) {
			GC_GUARD(fn(ca, slice, k, arg));
			k = 0;
		}
	}
	return k > 0 ? fn(ca, slice, k, arg) : GC_OK;
}

/* "head ?, ?, ... tail": one text of each item of the slice. */
static gc_result select_each(struct gc_db *db, const char *head, struct item **slice, size_t k,
                             const char *(*text)(const struct item *), struct gc_stmt **out)
{
	gc_result rc = GC_OK;
	size_t i;

	GC_GUARD(gc_db_prepare_rows(db, head, "?", k, ")", out));
	for (i = 0; i < k && rc == GC_OK; i++)
		rc = gc_stmt_bind_text(*out, (int)i + 1, text(slice[i]));
	if (rc != GC_OK)
		gc_stmt_free(*out);
	return rc;
}

static const char *request_id(const struct item *it) { return it->req->id; }
static const char *spki(const struct item *it) { return it->csr->spki_sha256_hex; }
static const char *ref(const struct item *it) { return it->res->subscriber_ref; }

static void refuse_replay(struct item *it, const char *serial)
{
	gc_fail(GC_E_DUPLICATE_REQUEST, "request %s: already processed (certificate %s); nothing "
	        "issued again", it->req->id, serial);
	refuse(it, GC_E_DUPLICATE_REQUEST);
}

/* A replayed request id: refused, nothing issued again. */
static gc_result refuse_replays(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;
	size_t i;

	(void)arg;
	GC_GUARD(select_each(ca->db, "SELECT request_id, serial FROM certificates"
	                             " WHERE status <> 'abandoned' AND request_id IN (",
	                     slice, k, request_id, &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		for (i = 0; i < k; i++)
			if (going(slice[i]) && strcmp(request_id(slice[i]), gc_stmt_text(st, 0)) == 0)
				refuse_replay(slice[i], gc_stmt_text(st, 1));
	gc_stmt_free(st);
	return rc;
}

static void refuse_key(struct item *it, const char *ref, const char *serial)
{
	gc_fail(GC_E_KEY_REUSED, "request %s: csr: public key already certified to subscriber %s "
	        "(certificate %s); CPS §3.2: a new key pair is required", it->req->id, ref, serial);
	refuse(it, GC_E_KEY_REUSED);
}

/* CPS §3.2: a key certified before: refused. */
static gc_result refuse_reused_keys(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;
	size_t i;

	(void)arg;
	GC_GUARD(select_each(ca->db, "SELECT spki_sha256, serial, subscriber_ref FROM certificates"
	                             " WHERE status <> 'abandoned' AND spki_sha256 IN (",
	                     slice, k, spki, &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		for (i = 0; i < k; i++)
			if (going(slice[i]) && strcmp(spki(slice[i]), gc_stmt_text(st, 0)) == 0)
				refuse_key(slice[i], gc_stmt_text(st, 2), gc_stmt_text(st, 1));
	gc_stmt_free(st);
	return rc;
}

/* Checks that need the database: replay of a request id, reuse of a key. */
static gc_result refuse_known(struct gc_ca *ca, struct item *items, size_t n)
{
	GC_GUARD(each_slice(ca, items, n, going, refuse_replays, NULL));
	return each_slice(ca, items, n, going, refuse_reused_keys, NULL);
}

/* App. D: a 10-digit subscriber reference number, never a leading zero. */
static gc_result draw_ref(char ref[11])
{
	unsigned char raw[8];
	uint64_t v;
	int i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "subscriber reference: CSPRNG failed");
	for (v = 0, i = 0; i < 8; i++)
		v = v << 8 | raw[i];
	snprintf(ref, 11, "%010llu", (unsigned long long)(1000000000ull + v % 9000000000ull));
	return GC_OK;
}

/* Whether an item of the batch before index i holds the number already. */
static bool ref_in_batch(const struct item *items, size_t i, const char *r)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(items[j].res->subscriber_ref, r) == 0)
			return true;
	return false;
}

/* Clears the numbers of the slice that a subscriber holds: *taken of them. */
static gc_result drop_held_refs(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	size_t *taken = arg, i;
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(select_each(ca->db, "SELECT ref FROM subscribers WHERE ref IN (", slice, k, ref, &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row)
		for (i = 0; i < k; i++)
			if (strcmp(slice[i]->res->subscriber_ref, gc_stmt_text(st, 0)) == 0) {
				slice[i]->res->subscriber_ref[0] = '\0';
				(*taken)++;
			}
	gc_stmt_free(st);
	return rc;
}

/* App. D: a number nobody holds yet for each new subscriber of the batch. */
static gc_result draw_refs(struct gc_ca *ca, struct item *items, size_t n)
{
	size_t taken = 1, i;
	int tries;

	for (tries = 0; tries < 32 && taken > 0; tries++) {
		for (i = 0; i < n; i++)
			while (is_issue(&items[i]) && items[i].res->subscriber_ref[0] == '\0') {
				GC_GUARD(draw_ref(items[i].res->subscriber_ref));
				if (ref_in_batch(items, i, items[i].res->subscriber_ref))
					items[i].res->subscriber_ref[0] = '\0';
			}
		taken = 0;
		GC_GUARD(each_slice(ca, items, n, is_issue, drop_held_refs, &taken));
	}
	GC_ENSURE(taken == 0, GC_E_INTERNAL, "subscriber reference: no free number after 32 draws");
	return GC_OK;
}

/* A request that repeats one before it in the batch that is to be reserved (as the
 * database would answer once that one is reserved). */
static void refuse_repeat(struct item *items, size_t i)
{
	struct item *it = &items[i];
	size_t j;

	/* the id before the key, as refuse_known looks */
	for (j = 0; j < i && going(it); j++)
		if (items[j].ready && strcmp(items[j].req->id, it->req->id) == 0)
			refuse_replay(it, items[j].res->serial);
	for (j = 0; j < i && going(it); j++)
		if (items[j].ready && strcmp(spki(&items[j]), spki(it)) == 0)
			refuse_key(it, items[j].res->subscriber_ref, items[j].res->serial);
}

/* A second renewal of one certificate in the batch: the first renewed it. */
static void refuse_renewed_twice(struct item *items, size_t i)
{
	struct item *it = &items[i];
	size_t j;

	for (j = 0; j < i && going(it); j++)
		if (items[j].ready && items[j].req->type == GC_REQ_RENEW &&
		    strcmp(items[j].req->renews, it->req->renews) == 0) {
			gc_fail(GC_E_DUPLICATE_REQUEST, "request %s: renews: certificate %s was already "
			        "renewed by %s", it->req->id, it->req->renews, items[j].res->serial);
			refuse(it, GC_E_DUPLICATE_REQUEST);
		}
}

/*
 * Phase 1a, no transaction and no lock: every check, then each TBS built and linted. The
 * database may change under it (another node); reserve_batch checks again under the
 * write lock, which is held only for round trips, one per statement of the chunk.
 */
static gc_result check_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n,
                             int64_t now)
{
	gc_result rc;
	size_t i;

	GC_GUARD(refuse_known(ca, items, n));
	GC_GUARD(draw_refs(ca, items, n)); /* before the checks below: one round trip */
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		refuse_repeat(items, i);
		if (going(it) && it->req->type == GC_REQ_RENEW) {
			GC_GUARD(check_renewal(ca, s, it, now));
			refuse_renewed_twice(items, i);
		}
		if (!going(it))
			continue;
		if ((rc = build_tbs(ca, it)) != GC_OK || (rc = lint_tbs(ca, it)) != GC_OK) {
			refuse(it, rc);
			continue;
		}
		it->ready = true;
	}
	return GC_OK;
}
static gc_result audit_refusal(struct gc_ca *ca, const struct item *it)
{
	char detail[600];

	snprintf(detail, sizeof(detail), "%s: %s", gc_code_name(it->res->code), it->res->detail);
	return gc_audit_append(ca->audit, ca->actor,
	                       it->res->code == GC_E_LINT ? GC_EV_CERT_LINT_FAILED : GC_EV_CERT_REJECTED,
	                       it->req->id, false, detail);
}

/* Under the lock: what another node did since check_batch looked. */
static gc_result recheck(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	struct renewed o;
	size_t taken = 0, i;
	gc_result rc;

	GC_GUARD(refuse_known(ca, items, n));
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		if (!going(it) || it->req->type != GC_REQ_RENEW)
			continue;
		GC_GUARD(read_renewed(s, it->req->renews, &o));
		if ((rc = renewal_conflict(it->req, &o)) != GC_OK)
			refuse(it, rc);
	}
	GC_GUARD(each_slice(ca, items, n, is_issue, drop_held_refs, &taken));
	for (i = 0; i < n && taken > 0; i++)
		if (is_issue(&items[i]) && items[i].res->subscriber_ref[0] == '\0') {
			/* the same 10 digits drawn by two nodes at once (about 1 in 10^9) */
			gc_fail(GC_E_CONFLICT, "request %s: its new subscriber reference number was "
			        "taken by another node meanwhile; send the request again", items[i].req->id);
			refuse(&items[i], GC_E_CONFLICT);
		}
	return GC_OK;
}

/* Binds row k of a multi-row INSERT for one item. */
typedef gc_result (*row_binder)(struct gc_ca *ca, struct gc_stmt *st, int k, const struct item *it,
                                int64_t now);

/* "head row, row, ...": one row for each item of the slice, run once. */
static gc_result insert_rows(struct gc_ca *ca, const char *head, const char *row, struct item **slice,
                             size_t k, row_binder bind, int64_t now)
{
	struct gc_stmt *st;
	gc_result rc = GC_OK;
	size_t i;

	GC_GUARD(gc_db_prepare_rows(ca->db, head, row, k, "", &st));
	for (i = 0; i < k && rc == GC_OK; i++)
		rc = bind(ca, st, (int)i, slice[i], now);
	if (rc == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

static gc_result bind_ref(struct gc_ca *ca, struct gc_stmt *st, int k, const struct item *it,
                          int64_t now)
{
	(void)ca;
	GC_GUARD(gc_stmt_bind_text(st, 2 * k + 1, it->res->subscriber_ref));
	return gc_stmt_bind_int64(st, 2 * k + 2, now);
}

static gc_result insert_refs(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	return insert_rows(ca, "INSERT INTO subscribers (ref, created_at) VALUES ", "(?, ?)", slice, k,
	                   bind_ref, *(const int64_t *)arg);
}

#define RESERVE_PARAMS 17

/* Row k of the reservation (parameters 17k+1 .. 17k+17). */
static gc_result bind_reserve(struct gc_ca *ca, struct gc_stmt *st, int k, const struct item *it,
                              int64_t now)
{
	const struct gc_issue_request *r = it->req;
	int b = k * RESERVE_PARAMS;

	GC_GUARD(gc_stmt_bind_text(st, b + 1, it->res->serial));
	GC_GUARD(gc_stmt_bind_int64(st, b + 2, ca->issuing_id));
	GC_GUARD(gc_stmt_bind_text(st, b + 3, r->id));
	GC_GUARD(gc_stmt_bind_text(st, b + 4, it->res->subscriber_ref));
	GC_GUARD(gc_stmt_bind_text(st, b + 5, r->profile->name));
	GC_GUARD(gc_stmt_bind_text(st, b + 6, r->fields[GC_F_NAME]));
	GC_GUARD(gc_stmt_bind_text(st, b + 7, r->fields[GC_F_EMAIL]));
	GC_GUARD(gc_stmt_bind_text(st, b + 8, r->fields[GC_F_ORGANISATION]));
	GC_GUARD(gc_stmt_bind_int64(st, b + 9, r->validity_years));
	GC_GUARD(gc_stmt_bind_text(st, b + 10, it->csr->spki_sha256_hex));
	GC_GUARD(gc_stmt_bind_int64(st, b + 11, it->res->not_before));
	GC_GUARD(gc_stmt_bind_int64(st, b + 12, it->res->not_after));
	GC_GUARD(gc_stmt_bind_blob(st, b + 13, it->tbs, it->tbssz));
	GC_GUARD(gc_stmt_bind_int64(st, b + 14, now));
	GC_GUARD(gc_stmt_bind_text(st, b + 15, r->type == GC_REQ_RENEW ? r->renews : NULL));
	GC_GUARD(gc_stmt_bind_text(st, b + 16, r->content_sha256[0] ? r->content_sha256 : NULL));
	/* the node that will sign it: a survivor resolves it if this process dies */
	if (gc_ca_node_id(ca) != 0)
		return gc_stmt_bind_int64(st, b + 17, gc_ca_node_id(ca));
	return gc_stmt_bind_text(st, b + 17, NULL);
}

/* Serial, request, subscriber number and TBS of each checked request: 'reserved'. */
static gc_result insert_reservations(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	return insert_rows(ca, "INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref,"
	                       " cert_type, subject_cn, email, organisation, validity_years, spki_sha256,"
	                       " not_before, not_after, status, tbs, created_at, renews, request_sha256,"
	                       " node_id) VALUES ",
	                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?)", slice, k,
	                   bind_reserve, *(const int64_t *)arg);
}

/*
 * Phase 1b: under the write lock, the checks of the database again, every refusal
 * audited, and the chunk's serials and TBSs committed before any signature.
 */
static gc_result reserve_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	int64_t now = (int64_t)time(NULL);
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, recheck(ca, s, items, n));
	for (i = 0; i < n; i++)
		if (!going(&items[i]))
			GC_GUARD_OUT(rc, audit_refusal(ca, &items[i]));
	GC_GUARD_OUT(rc, each_slice(ca, items, n, is_issue, insert_refs, &now));
	GC_GUARD_OUT(rc, each_slice(ca, items, n, going, insert_reservations, &now));
	GC_GUARD_OUT(rc, gc_db_commit(ca->db));
	for (i = 0; i < n; i++)
		items[i].reserved = going(&items[i]);
	return GC_OK;
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* A reserved item that cannot go on: nothing is handed out; commit_batch retires its
 * row ('abandoned'), so the serial is never reused. */
static void drop_signed(struct item *it, gc_result rc)
{
	refuse(it, rc);
	free(it->res->der);
	it->res->der = NULL;
	it->signed_ok = false;
}

/* Phase 2a: the token signs. */
static void sign_items(struct gc_ca *ca, struct item *items, size_t n)
{
	gc_result rc;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!items[i].reserved)
			continue;
		rc = gc_ca_sign_tbs(ca->issuing_key, items[i].tbs, items[i].tbssz, &items[i].res->der,
		                    &items[i].res->dersz);
		items[i].signed_ok = rc == GC_OK;
		if (rc != GC_OK)
			drop_signed(&items[i], rc);
	}
}

/* Phase 2b: each certificate is read back and verified against the recorded TBS. */
static void check_items(struct gc_ca *ca, struct item *items, size_t n)
{
	EVP_PKEY *pub = gc_hsm_key_public(ca->issuing_key);
	gc_result rc;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!items[i].signed_ok)
			continue;
		rc = gc_ca_check_signed(items[i].res->der, items[i].res->dersz, items[i].tbs,
		                        items[i].tbssz, pub);
		if (rc != GC_OK)
			drop_signed(&items[i], rc);
	}
}

/* CPS §2.4: HK$20 per year of validity, charged to the organisation in the Hong Kong
 * calendar year (UTC+8) of issue, with the certificate in one transaction. */
static gc_result bind_fee(struct gc_ca *ca, struct gc_stmt *st, int k, const struct item *it,
                          int64_t now)
{
	time_t hk = (time_t)(now + 8 * 3600);
	int b = k * 7;
	struct tm tm;

	(void)ca;
	gmtime_r(&hk, &tm);
	GC_GUARD(gc_stmt_bind_text(st, b + 1, it->res->serial));
	GC_GUARD(gc_stmt_bind_text(st, b + 2, it->req->fields[GC_F_ORGANISATION]));
	GC_GUARD(gc_stmt_bind_int64(st, b + 3, tm.tm_year + 1900));
	GC_GUARD(gc_stmt_bind_text(st, b + 4, it->req->type == GC_REQ_RENEW ? "renew" : "issue"));
	GC_GUARD(gc_stmt_bind_int64(st, b + 5, it->req->validity_years));
	GC_GUARD(gc_stmt_bind_int64(st, b + 6, gc_fee_hkd(it->req->validity_years)));
	return gc_stmt_bind_int64(st, b + 7, now);
}

static gc_result charge_fees(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	return insert_rows(ca, "INSERT INTO fees (serial, organisation, year, kind, validity_years,"
	                       " amount_hkd, charged_at) VALUES ",
	                   "(?, ?, ?, ?, ?, ?, ?)", slice, k, bind_fee, *(const int64_t *)arg);
}

/* Runs a statement of the slice's rows that must change exactly k rows. */
static gc_result run_all(struct gc_ca *ca, struct gc_stmt *st, size_t k, const char *what)
{
	gc_result rc = gc_stmt_run(st);

	gc_stmt_free(st);
	GC_GUARD(rc);
	GC_ENSURE(gc_db_changes(ca->db) == (int64_t)k, GC_E_DB, "%lld of %zu certificates: %s",
	          (long long)gc_db_changes(ca->db), k, what);
	return GC_OK;
}

/* The verified DER of each certificate of the slice: 'signed'. */
static gc_result keep_signed(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	struct gc_stmt *st;
	gc_result rc = GC_OK;
	size_t i;

	(void)arg;
	GC_GUARD(gc_db_prepare_rows(ca->db, "UPDATE certificates SET status = 'signed', der = v.column2"
	                                    " FROM (VALUES ", "(?, ?)", k,
	                            ") AS v WHERE certificates.serial = v.column1"
	                            " AND certificates.status = 'reserved'", &st));
	for (i = 0; i < k && rc == GC_OK; i++)
		if ((rc = gc_stmt_bind_text(st, (int)(2 * i + 1), slice[i]->res->serial)) == GC_OK)
			rc = gc_stmt_bind_blob(st, (int)(2 * i + 2), slice[i]->res->der, slice[i]->res->dersz);
	if (rc != GC_OK) {
		gc_stmt_free(st);
		return rc;
	}
	return run_all(ca, st, k, "reservation missing before commit");
}

/*
 * Phase 3a: the verified certificates are kept ('signed') before the final commit, so
 * that after a crash recovery knows their signatures. Relaxed durability is enough:
 * if a power cut loses this commit, the rows are still 'reserved' and are retired.
 */
static gc_result keep_batch(struct gc_ca *ca, struct item *items, size_t n)
{
	gc_result rc;

	GC_GUARD(gc_db_begin_relaxed(ca->db));
	GC_GUARD_OUT(rc, each_slice(ca, items, n, is_signed, keep_signed, NULL));
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* A reservation whose signing failed: retired for ever, with the refusal audited. */
static gc_result retire(struct gc_ca *ca, struct stmts *s, const struct item *it, int64_t now)
{
	GC_GUARD(gc_stmt_bind_int64(s->abandon, 1, now));
	GC_GUARD(gc_stmt_bind_text(s->abandon, 2, it->res->serial));
	GC_GUARD(gc_stmt_run(s->abandon));
	return audit_refusal(ca, it);
}

/* 'issued', each with its audit record (in the slice's order) and its fee. */
static gc_result issue_signed(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	struct gc_audit_rec recs[ROWS_MAX];
	char details[ROWS_MAX][512];
	struct gc_stmt *st;
	gc_result rc = GC_OK;
	size_t i;

	GC_GUARD(gc_db_prepare_rows(ca->db, "UPDATE certificates SET status = 'issued', issued_at = ?"
	                                    " WHERE status = 'signed' AND serial IN (", "?", k, ")", &st));
	rc = gc_stmt_bind_int64(st, 1, *(const int64_t *)arg);
	for (i = 0; i < k && rc == GC_OK; i++)
		rc = gc_stmt_bind_text(st, (int)i + 2, slice[i]->res->serial);
	if (rc != GC_OK) {
		gc_stmt_free(st);
		return rc;
	}
	GC_GUARD(run_all(ca, st, k, "kept certificate missing at commit"));
	for (i = 0; i < k; i++) {
		const struct item *it = slice[i];
		snprintf(details[i], sizeof(details[i]), "%s CN=%s subscriber %s request %s valid %d year(s)",
		         it->req->profile->label, it->req->fields[GC_F_NAME], it->res->subscriber_ref,
		         it->req->id, it->req->validity_years);
		recs[i] = (struct gc_audit_rec){.ev = GC_EV_CERT_ISSUED, .object = it->res->serial,
		                                .success = true, .detail = details[i]};
	}
	GC_GUARD(gc_audit_append_many(ca->audit, ca->actor, recs, k));
	return charge_fees(ca, slice, k, arg);
}

/* The caller's own rows for the slice, in the same transaction (gc_issue_hook). */
static gc_result run_hook(struct gc_ca *ca, struct item **slice, size_t k, void *arg)
{
	const struct gc_issue_hook *hook = arg;
	const struct gc_issue_result *issued[ROWS_MAX];
	size_t i;

	for (i = 0; i < k; i++)
		issued[i] = slice[i]->res;
	return hook->committing(ca->db, issued, k, hook->arg);
}

/* Phase 3b: 'issued', fee and audit record in one durable transaction, with what the
 * caller keeps beside them. */
static gc_result commit_batch(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n,
                              const struct gc_issue_hook *hook)
{
	int64_t now = (int64_t)time(NULL);
	gc_result rc;
	size_t i;

	GC_GUARD(gc_db_begin(ca->db));
	for (i = 0; i < n; i++)
		if (items[i].reserved && !items[i].signed_ok)
			GC_GUARD_OUT(rc, retire(ca, s, &items[i], now));
	GC_GUARD_OUT(rc, each_slice(ca, items, n, is_signed, issue_signed, &now));
	if (hook != NULL)
		GC_GUARD_OUT(rc, each_slice(ca, items, n, is_signed, run_hook, (void *)hook));
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

/* Phase 3 for a signed batch: read back and verify, keep, commit. */
static gc_result batch_complete(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n,
                                const struct gc_issue_hook *hook)
{
	check_items(ca, items, n);
	GC_FAULT_POINT("after_sign");
	GC_GUARD(keep_batch(ca, items, n));
	GC_FAULT_POINT("before_commit");
	GC_GUARD(commit_batch(ca, s, items, n, hook));
	GC_FAULT_POINT("after_commit");
	return GC_OK;
}

/* Checks that need no database: the CSR, and the validity against the issuing CA. */
static void check_request(struct gc_ca *ca, struct item *it, int64_t now)
{
	const struct gc_issue_request *r = it->req;
	gc_result rc;

	if ((rc = gc_csr_parse(r->id, r->csr_pem, r->csr_pem_len, &it->csr)) != GC_OK) {
		refuse(it, rc);
		return;
	}
	/* CPS §1.2.5: effective from generation, for the years chosen; a renewal's end
	 * depends on the certificate it renews (check_renewal). */
	it->res->not_before = now;
	if (r->type == GC_REQ_ISSUE) {
		it->res->not_after = gc_time_add_years(now, r->validity_years);
		check_ca_lifetime(ca, it);
	}
}

static void items_init(struct item *items, struct gc_issue_request *const *reqs,
                       struct gc_issue_result *results, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		items[i].req = reqs[i];
		items[i].res = &results[i];
	}
}

/* Phase 1 for a batch: the checks that need no database, then the reservation. */
static gc_result batch_prepare(struct gc_ca *ca, struct stmts *s, struct item *items, size_t n)
{
	int64_t now = (int64_t)time(NULL);
	gc_result rc;
	size_t i;

	for (i = 0; i < n; i++)
		check_request(ca, &items[i], now);
	if ((rc = check_batch(ca, s, items, n, now)) == GC_OK)
		rc = reserve_batch(ca, s, items, n);
	GC_FAULT_POINT("after_reserve");
	return rc;
}

/* After the last phase: when the batch failed as a whole nothing is handed out. */
static void batch_finish(struct item *items, size_t n, gc_result rc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct gc_issue_result *r = items[i].res;
		if (rc != GC_OK) {
			free(r->der);
			r->der = NULL;
			if (r->code == GC_OK) {
				r->code = rc;
				snprintf(r->detail, sizeof(r->detail), "%s", gc_err_detail());
			}
		}
		gc_csr_free(items[i].csr);
		OPENSSL_free(items[i].tbs);
	}
}

static gc_result issue_batch(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                             struct gc_issue_result *results, const struct gc_issue_hook *hook)
{
	struct stmts s = {0};
	struct item *items;
	gc_result rc;

	GC_ENSURE(ca->issuing_key != NULL, GC_E_HSM, "issue: the token is not open");
	if ((items = calloc(n ? n : 1, sizeof(*items))) == NULL)
		return gc_fail(GC_E_NOMEM, "issue: out of memory");
	items_init(items, reqs, results, n);
	if ((rc = stmts_prepare(ca->db, &s)) == GC_OK &&
	    (rc = batch_prepare(ca, &s, items, n)) == GC_OK) {
		sign_items(ca, items, n);
		rc = batch_complete(ca, &s, items, n, hook);
	}
	batch_finish(items, n, rc);
	stmts_free(&s);
	free(items);
	return rc;
}

/* ---- the pipeline: the token signs one chunk while others are prepared and committed ---- */

struct chunk {
	struct item *items;
	size_t n;
	gc_result rc;
};

/*
 * Three stages, each its own thread: the caller checks and reserves chunk k+2, the
 * signer has the token sign chunk k+1, the committer verifies and commits chunk k on a
 * connection of its own. Stage s may work on chunk k once stage s-1 is past it; the
 * preparer stays at most DEPTH chunks ahead of the committer, so memory stays bounded.
 */
#define PIPELINE_DEPTH 3

struct pipeline {
	struct gc_ca *ca;        /* the signer's token; the preparer's connection */
	struct gc_ca *committer; /* a worker: its own connection */
	struct stmts commit_stmts;
	const struct gc_issue_hook *hook; /* run by the committer; may be NULL */
	struct chunk *chunks;
	size_t nchunks;
	size_t progress[3]; /* chunks [0, progress[s]) have passed stage s */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void stage_wait(struct pipeline *p, int stage, size_t k)
{
	pthread_mutex_lock(&p->mu);
	while (stage > 0 ? p->progress[stage - 1] <= k : k >= p->progress[2] + PIPELINE_DEPTH)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void stage_done(struct pipeline *p, int stage, size_t k)
{
	pthread_mutex_lock(&p->mu);
	p->progress[stage] = k + 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *pipeline_sign(void *arg)
{
	struct pipeline *p = arg;
	size_t k;

	for (k = 0; k < p->nchunks; k++) {
		stage_wait(p, 1, k);
		if (p->chunks[k].rc == GC_OK)
			sign_items(p->ca, p->chunks[k].items, p->chunks[k].n);
		stage_done(p, 1, k);
	}
	return NULL;
}

static void *pipeline_commit(void *arg)
{
	struct pipeline *p = arg;
	struct chunk *c;
	size_t k;

	for (k = 0; k < p->nchunks; k++) {
		stage_wait(p, 2, k);
		c = &p->chunks[k];
		if (c->rc == GC_OK)
			c->rc = batch_complete(p->committer, &p->commit_stmts, c->items, c->n, p->hook);
		stage_done(p, 2, k);
	}
	return NULL;
}

static void pipeline_prepare(struct pipeline *p, struct stmts *s)
{
	size_t k;

	for (k = 0; k < p->nchunks; k++) {
		stage_wait(p, 0, k);
		p->chunks[k].rc = batch_prepare(p->ca, s, p->chunks[k].items, p->chunks[k].n);
		stage_done(p, 0, k);
	}
}

static gc_result issue_pipelined(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                                 struct gc_issue_result *results, size_t chunk,
                                 const struct gc_issue_hook *hook)
{
	struct pipeline p = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	                     .hook = hook};
	struct stmts s = {0};
	struct item *items;
	pthread_t th[2];
	gc_result rc;
	size_t k;

	GC_ENSURE(ca->issuing_key != NULL, GC_E_HSM, "issue: the token is not open");
	if (chunk == 0 || n <= chunk)
		return issue_batch(ca, reqs, n, results, hook);
	p.nchunks = (n + chunk - 1) / chunk;
	if ((items = calloc(n, sizeof(*items))) == NULL ||
	    (p.chunks = calloc(p.nchunks, sizeof(*p.chunks))) == NULL) {
		free(items);
		return gc_fail(GC_E_NOMEM, "issue: out of memory");
	}
	items_init(items, reqs, results, n);
	for (k = 0; k < p.nchunks; k++) {
		p.chunks[k].items = items + k * chunk;
		p.chunks[k].n = k + 1 < p.nchunks ? chunk : n - k * chunk;
	}
	p.ca = ca;
	GC_GUARD_OUT(rc, gc_ca_worker(ca, &p.committer));
	GC_GUARD_OUT(rc, stmts_prepare(ca->db, &s));
	GC_GUARD_OUT(rc, stmts_prepare(p.committer->db, &p.commit_stmts));
	GC_ENSURE_OUT(rc, pthread_create(&th[0], NULL, pipeline_sign, &p) == 0, GC_E_INTERNAL,
	              "issue: cannot start the signing thread");
	if (pthread_create(&th[1], NULL, pipeline_commit, &p) != 0) {
		/* the signer finishes what is prepared; with nothing prepared it would wait:
		 * mark every chunk prepared-and-failed so it runs out */
		for (k = 0; k < p.nchunks; k++)
			p.chunks[k].rc = gc_fail(GC_E_INTERNAL, "issue: cannot start the commit thread");
		stage_done(&p, 0, p.nchunks - 1);
		pthread_join(th[0], NULL);
		rc = p.chunks[0].rc;
		goto out;
	}
	pipeline_prepare(&p, &s);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	for (k = 0; k < p.nchunks; k++) {
		batch_finish(p.chunks[k].items, p.chunks[k].n, p.chunks[k].rc);
		if (rc == GC_OK && p.chunks[k].rc != GC_OK)
			rc = p.chunks[k].rc;
	}
	goto done;
out:
	batch_finish(items, n, rc); /* nothing was reserved */
done:
	free(items);
	free(p.chunks);
	stmts_free(&s);
	stmts_free(&p.commit_stmts);
	gc_ca_close(p.committer);
	return rc;
}

/* A batch in flight holds its reservations: the node resolves its own open rows only
 * while none is (recover.c gc_ca_recover_orphans). */
gc_result gc_ca_issue(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                      struct gc_issue_result *results)
{
	gc_result rc;

	gc_ca_batch_enter();
	rc = issue_batch(ca, reqs, n, results, NULL);
	gc_ca_batch_leave();
	return rc;
}

gc_result gc_ca_issue_hooked(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                             struct gc_issue_result *results, size_t chunk,
                             const struct gc_issue_hook *hook)
{
	gc_result rc;

	gc_ca_batch_enter();
	rc = issue_pipelined(ca, reqs, n, results, chunk, hook);
	gc_ca_batch_leave();
	return rc;
}

gc_result gc_ca_issue_many(struct gc_ca *ca, struct gc_issue_request *const *reqs, size_t n,
                           struct gc_issue_result *results, size_t chunk)
{
	return gc_ca_issue_hooked(ca, reqs, n, results, chunk, NULL);
}

void gc_issue_results_clear(struct gc_issue_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].der);
		r[i].der = NULL;
	}
}
