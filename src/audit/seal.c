/*
 * seal.c - signed checkpoints of the audit hash chain and the verifier (CPS §4.5.4,
 * §4.5.6). See seal.h for what a checkpoint proves.
 */
#include "audit/seal.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/review.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "hsm/hsm.h"
#include "store/db.h"

size_t gc_checkpoint_message(const struct gc_audit_cp *cp, char *out, size_t outsz)
{
	int n = snprintf(out, outsz,
	                 GC_CHECKPOINT_FORMAT "\ncheckpoint %lld\nlast record %lld\nlast hash %s\n"
	                 "time %lld\nprevious %s\n",
	                 (long long)cp->id, (long long)cp->last_id, cp->last_hash, (long long)cp->at,
	                 cp->prev_sig_hash);
	return n > 0 && (size_t)n < outsz ? (size_t)n : 0;
}

gc_result gc_checkpoint_sig_hash(const unsigned char *sig, size_t sigsz, char out[65])
{
	unsigned char md[32];

	if (EVP_Digest(sig, sigsz, md, NULL, EVP_sha256(), NULL) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "checkpoint: SHA-256");
	gc_hex_encode(md, sizeof(md), out);
	return GC_OK;
}

/* ---- the verifier ---- */

struct cp_state {
	struct gc_audit_cp cp; /* the next checkpoint to match against records */
	bool have;
	int64_t expect_id;     /* checkpoints are numbered 1, 2, ... */
	int64_t last_id;       /* last_id of the previous checkpoint */
	char prev_sig[65];     /* signature hash of the previous checkpoint */
	char last_hash[65];    /* copies: the source may reuse its buffers */
	long verified;
};

static gc_result check_signature(const struct gc_audit_source *src, const struct gc_audit_cp *cp)
{
	char msg[512];
	size_t n = gc_checkpoint_message(cp, msg, sizeof(msg));
	EVP_PKEY *pub = NULL;
	EVP_MD_CTX *md = NULL;
	int ok = 0;

	GC_ENSURE(n > 0, GC_E_AUDIT_TAMPERED, "checkpoint %lld: malformed", (long long)cp->id);
	if (src->key(src->arg, cp->key_id, &pub) != GC_OK)
		return gc_fail(GC_E_AUDIT_TAMPERED, "checkpoint %lld: signature does not verify (audit "
		               "key %lld unknown)", (long long)cp->id, (long long)cp->key_id);
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1)
		ok = EVP_DigestVerify(md, cp->sig, cp->sigsz, (const unsigned char *)msg, n) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return gc_fail_ssl(GC_E_AUDIT_TAMPERED, "checkpoint %lld: signature does not verify",
		                   (long long)cp->id);
	return GC_OK;
}

/* Reads and checks the next checkpoint on its own: numbering, chaining, signature. */
static gc_result next_checkpoint(const struct gc_audit_source *src, struct cp_state *s)
{
	struct gc_audit_cp *cp = &s->cp;

	GC_GUARD(src->next_checkpoint(src->arg, cp, &s->have));
	if (!s->have)
		return GC_OK;
	GC_ENSURE(cp->id == s->expect_id, GC_E_AUDIT_TAMPERED,
	          "checkpoint %lld: deleted or reordered (found checkpoint %lld in its place)",
	          (long long)s->expect_id, (long long)cp->id);
	GC_ENSURE(strcmp(cp->prev_sig_hash, s->prev_sig) == 0, GC_E_AUDIT_TAMPERED,
	          "checkpoint %lld: does not follow checkpoint %lld (changed, deleted or reordered)",
	          (long long)cp->id, (long long)cp->id - 1);
	GC_GUARD(check_signature(src, cp));
	GC_ENSURE(cp->last_id >= s->last_id && cp->last_id > 0, GC_E_AUDIT_TAMPERED,
	          "checkpoint %lld: covers record %lld, before checkpoint %lld's record %lld",
	          (long long)cp->id, (long long)cp->last_id, (long long)cp->id - 1, (long long)s->last_id);
	GC_GUARD(gc_checkpoint_sig_hash(cp->sig, cp->sigsz, s->prev_sig));
	snprintf(s->last_hash, sizeof(s->last_hash), "%s", cp->last_hash);
	s->last_id = cp->last_id;
	s->expect_id++;
	s->verified++;
	return GC_OK;
}

/* One record against the chain so far (prev) and any checkpoints that end at it. */
static gc_result check_record(const struct gc_audit_source *src, struct cp_state *s,
                              const struct gc_audit_record *r, int64_t expect, char prev[65])
{
	char hash[65];

	GC_ENSURE(r->id == expect, GC_E_AUDIT_TAMPERED,
	          "audit record %lld: deleted or reordered (found record %lld in its place)",
	          (long long)expect, (long long)r->id);
	/* the link first: a record moved or whose predecessor went is "reordered or deleted" */
	GC_ENSURE(strcmp(r->prev_hash, prev) == 0, GC_E_AUDIT_TAMPERED,
	          "audit record %lld: deleted or reordered (it does not follow record %lld, or that "
	          "record was changed)", (long long)r->id, (long long)r->id - 1);
	GC_GUARD(gc_audit_record_hash(prev, r->id, r->at, r->actor, r->event, r->object, r->outcome,
	                              r->detail, hash));
	GC_ENSURE(strcmp(hash, r->hash) == 0, GC_E_AUDIT_TAMPERED,
	          "audit record %lld: hash chain broken (record changed)", (long long)r->id);
	while (s->have && s->cp.last_id == r->id) {
		GC_ENSURE(strcmp(s->last_hash, hash) == 0, GC_E_AUDIT_TAMPERED,
		          "audit record %lld: changed since checkpoint %lld signed it (the chain was "
		          "rewritten)", (long long)r->id, (long long)s->cp.id);
		GC_GUARD(next_checkpoint(src, s));
	}
	memcpy(prev, hash, 65);
	return GC_OK;
}

/*
 * CPS §4.5.3: records older than seven years may be purged (audit purge). The trail then
 * starts at record k > 1, which must be the record a signed checkpoint sealed: its hash
 * is the one the checkpoint signed, so it anchors the chain; the checkpoints before it
 * still verify as a chain of signatures. Returns the anchoring checkpoint's id and time.
 */
static gc_result anchor_purged(const struct gc_audit_source *src, struct cp_state *s,
                               const struct gc_audit_record *first, char prev[65], int64_t *cp_id,
                               int64_t *cp_at)
{
	while (s->have && s->cp.last_id < first->id)
		GC_GUARD(next_checkpoint(src, s));
	GC_ENSURE(s->have && s->cp.last_id == first->id, GC_E_AUDIT_TAMPERED,
	          "audit records 1..%lld deleted: no signed checkpoint anchors record %lld (a purge "
	          "ends at a checkpoint, CPS §4.5.3)", (long long)first->id - 1, (long long)first->id);
	*cp_id = s->cp.id;
	*cp_at = s->cp.at;
	/* the link to the purged record is taken from the record; check_record then proves
	 * the record itself against the checkpoint's signed hash */
	snprintf(prev, 65, "%s", first->prev_hash);
	return GC_OK;
}

/* The purge of the records before the anchor is itself in the trail, and was legal. */
static gc_result check_purge_record(const struct gc_audit_record *r, int64_t cp_id, int64_t cp_at,
                                    bool *found)
{
	char object[48];

	snprintf(object, sizeof(object), "checkpoint %lld", (long long)cp_id);
	if (strcmp(r->event, "audit.purged") != 0 || strcmp(r->outcome, "success") != 0 ||
	    strcmp(r->object, object) != 0)
		return GC_OK;
	GC_ENSURE(gc_time_add_years(cp_at, GC_AUDIT_RETENTION_YEARS) <= r->at, GC_E_AUDIT_TAMPERED,
	          "audit record %lld: purged records sealed by checkpoint %lld within the 7-year "
	          "retention (CPS §4.5.3)", (long long)r->id, (long long)cp_id);
	*found = true;
	return GC_OK;
}

gc_result gc_audit_verify_source(const struct gc_audit_source *src, struct gc_audit_check *out)
{
	struct cp_state s = {.expect_id = 1, .prev_sig = GC_AUDIT_GENESIS};
	struct gc_audit_record r;
	struct gc_audit_check c = {0};
	char prev[65] = GC_AUDIT_GENESIS;
	int64_t anchor = 0, anchor_at = 0;
	bool have, purge_found = false;

	GC_GUARD(next_checkpoint(src, &s));
	for (;;) {
		GC_GUARD(src->next_record(src->arg, &r, &have));
		if (!have)
			break;
		if (c.records == 0 && r.id > 1) {
			GC_GUARD(anchor_purged(src, &s, &r, prev, &anchor, &anchor_at));
			c.first_id = r.id;
			c.last_id = r.id - 1;
		}
		GC_GUARD(check_record(src, &s, &r, c.last_id + 1, prev));
		if (anchor != 0)
			GC_GUARD(check_purge_record(&r, anchor, anchor_at, &purge_found));
		c.last_id = r.id;
		c.records++;
		if (s.verified > 0)
			c.sealed_id = s.last_id;
	}
	GC_ENSURE(anchor == 0 || purge_found, GC_E_AUDIT_TAMPERED,
	          "audit records 1..%lld are gone but no audit.purged record accounts for them "
	          "(deleted, CPS §4.5.4)", (long long)c.first_id - 1);
	/* a checkpoint not yet matched proves records that are no longer there */
	GC_ENSURE(!s.have, GC_E_AUDIT_TAMPERED,
	          "audit records after %lld were truncated (checkpoint %lld proves records up to %lld "
	          "existed)", (long long)c.last_id, (long long)s.cp.id, (long long)s.cp.last_id);
	if (s.verified > 0)
		c.sealed_id = s.last_id;
	c.checkpoints = s.verified;
	if (c.first_id == 0 && c.records > 0)
		c.first_id = 1;
	*out = c;
	return GC_OK;
}

/* ---- the database as a source ---- */

struct db_source {
	struct gc_stmt *rec, *cp, *key;
	EVP_PKEY *pub;
	int64_t pub_id;
};

static gc_result db_next_record(void *arg, struct gc_audit_record *r, bool *have)
{
	struct db_source *d = arg;

	GC_GUARD(gc_stmt_step(d->rec, have));
	if (*have)
		*r = (struct gc_audit_record){
			.id = gc_stmt_int64(d->rec, 0), .at = gc_stmt_int64(d->rec, 1),
			.actor = gc_stmt_text(d->rec, 2), .event = gc_stmt_text(d->rec, 3),
			.object = gc_stmt_text(d->rec, 4), .outcome = gc_stmt_text(d->rec, 5),
			.detail = gc_stmt_text(d->rec, 6), .prev_hash = gc_stmt_text(d->rec, 7),
			.hash = gc_stmt_text(d->rec, 8),
		};
	return GC_OK;
}

static gc_result db_next_checkpoint(void *arg, struct gc_audit_cp *c, bool *have)
{
	struct db_source *d = arg;

	GC_GUARD(gc_stmt_step(d->cp, have));
	if (*have) {
		*c = (struct gc_audit_cp){
			.id = gc_stmt_int64(d->cp, 0), .last_id = gc_stmt_int64(d->cp, 1),
			.last_hash = gc_stmt_text(d->cp, 2), .at = gc_stmt_int64(d->cp, 3),
			.key_id = gc_stmt_int64(d->cp, 4), .prev_sig_hash = gc_stmt_text(d->cp, 5),
		};
		c->sig = gc_stmt_blob(d->cp, 6, &c->sigsz);
		if (c->last_hash == NULL || c->prev_sig_hash == NULL || c->sig == NULL)
			return gc_fail(GC_E_AUDIT_TAMPERED, "checkpoint %lld: fields missing", (long long)c->id);
	}
	return GC_OK;
}

static gc_result db_key(void *arg, int64_t key_id, EVP_PKEY **pub)
{
	struct db_source *d = arg;
	const unsigned char *p;
	size_t n;
	X509 *x = NULL;
	bool row;
	gc_result rc;

	if (d->pub != NULL && d->pub_id == key_id) {
		*pub = d->pub;
		return GC_OK;
	}
	EVP_PKEY_free(d->pub);
	d->pub = NULL;
	GC_GUARD(gc_stmt_bind_int64(d->key, 1, key_id));
	rc = gc_stmt_step(d->key, &row);
	if (rc == GC_OK && !row)
		rc = gc_fail(GC_E_NOT_FOUND, "no audit key %lld in the database", (long long)key_id);
	if (rc == GC_OK) {
		p = gc_stmt_blob(d->key, 0, &n);
		if (p == NULL || (x = d2i_X509(NULL, &p, (long)n)) == NULL ||
		    (d->pub = X509_get_pubkey(x)) == NULL)
			rc = gc_fail_ssl(GC_E_AUDIT_TAMPERED, "audit key %lld: certificate does not parse",
			                 (long long)key_id);
	}
	X509_free(x);
	gc_stmt_reset(d->key);
	if (rc == GC_OK) {
		d->pub_id = key_id;
		*pub = d->pub;
	}
	return rc;
}

static void db_source_close(struct db_source *d)
{
	gc_stmt_free(d->rec);
	gc_stmt_free(d->cp);
	gc_stmt_free(d->key);
	EVP_PKEY_free(d->pub);
}

static gc_result db_source_open(struct gc_db *db, struct db_source *d)
{
	gc_result rc;

	memset(d, 0, sizeof(*d));
	if ((rc = gc_db_prepare(db, "SELECT id, at, actor, event, object, outcome, detail, prev_hash,"
	                            " hash FROM audit_log ORDER BY id", &d->rec)) != GC_OK ||
	    (rc = gc_db_prepare(db, "SELECT id, last_id, last_hash, at, key_id, prev_sig_hash,"
	                            " signature FROM audit_checkpoints ORDER BY id", &d->cp)) != GC_OK ||
	    (rc = gc_db_prepare(db, "SELECT der FROM audit_keys WHERE id = ?", &d->key)) != GC_OK)
		db_source_close(d);
	return rc;
}

gc_result gc_audit_verify(struct gc_db *db, struct gc_audit_check *out)
{
	struct db_source d;
	struct gc_audit_source src = {&d, db_next_record, db_next_checkpoint, db_key};
	gc_result rc;

	/* one read transaction: records and checkpoints seen at the same instant */
	GC_GUARD(gc_db_exec(db, "BEGIN"));
	if ((rc = db_source_open(db, &d)) == GC_OK) {
		rc = gc_audit_verify_source(&src, out);
		db_source_close(&d);
	}
	gc_db_rollback(db);
	return rc;
}

/* ---- taking a checkpoint ---- */

struct last_cp {
	int64_t id, last_id;
	char last_hash[65], sig_hash[65];
};

static gc_result load_last_checkpoint(struct gc_db *db, struct last_cp *l)
{
	struct gc_stmt *st;
	const unsigned char *sig;
	size_t n;
	bool row;
	gc_result rc;

	*l = (struct last_cp){.last_hash = GC_AUDIT_GENESIS, .sig_hash = GC_AUDIT_GENESIS};
	GC_GUARD(gc_db_prepare(db, "SELECT id, last_id, last_hash, signature FROM audit_checkpoints"
	                           " ORDER BY id DESC LIMIT 1", &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		l->id = gc_stmt_int64(st, 0);
		l->last_id = gc_stmt_int64(st, 1);
		snprintf(l->last_hash, sizeof(l->last_hash), "%s", gc_stmt_text(st, 2));
		sig = gc_stmt_blob(st, 3, &n);
		rc = gc_checkpoint_sig_hash(sig, n, l->sig_hash);
	}
	gc_stmt_free(st);
	return rc;
}

/* Re-checks the records after the last checkpoint, starting from the record it sealed;
 * *tip is the last record and its hash. */
static gc_result check_unsealed(struct gc_db *db, const struct last_cp *l, int64_t *tip_id,
                                char tip_hash[65])
{
	struct gc_stmt *st;
	struct db_source d = {0};
	struct gc_audit_record r;
	char prev[65];
	int64_t expect = l->last_id;
	bool have;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT id, at, actor, event, object, outcome, detail, prev_hash,"
	                           " hash FROM audit_log WHERE id >= ? ORDER BY id", &st));
	d.rec = st;
	snprintf(prev, sizeof(prev), "%s", l->last_hash);
	*tip_id = l->last_id;
	snprintf(tip_hash, 65, "%s", l->last_hash);
	GC_GUARD_OUT(rc, gc_stmt_bind_int64(st, 1, l->last_id));
	if (l->last_id > 0) {
		/* the sealed record must still be there, unchanged */
		GC_GUARD_OUT(rc, db_next_record(&d, &r, &have));
		char hash[65] = "";
		if (have)
			GC_GUARD_OUT(rc, gc_audit_record_hash(r.prev_hash, r.id, r.at, r.actor, r.event,
			                                      r.object, r.outcome, r.detail, hash));
		GC_ENSURE_OUT(rc, have && r.id == l->last_id && strcmp(r.hash, l->last_hash) == 0 &&
		                      strcmp(hash, l->last_hash) == 0,
		              GC_E_AUDIT_TAMPERED, "audit record %lld: changed or removed since checkpoint "
		              "%lld signed it", (long long)l->last_id, (long long)l->id);
	}
	for (;;) {
		char hash[65];
		GC_GUARD_OUT(rc, db_next_record(&d, &r, &have));
		if (!have)
			break;
		expect++;
		GC_ENSURE_OUT(rc, r.id == expect && strcmp(r.prev_hash, prev) == 0, GC_E_AUDIT_TAMPERED,
		              "audit record %lld: deleted or reordered", (long long)expect);
		GC_GUARD_OUT(rc, gc_audit_record_hash(prev, r.id, r.at, r.actor, r.event, r.object,
		                                      r.outcome, r.detail, hash));
		GC_ENSURE_OUT(rc, strcmp(hash, r.hash) == 0, GC_E_AUDIT_TAMPERED,
		              "audit record %lld: hash chain broken (record changed)", (long long)r.id);
		memcpy(prev, hash, sizeof(prev));
		*tip_id = r.id;
		memcpy(tip_hash, hash, 65);
	}
out:
	gc_stmt_free(st);
	return rc;
}

static gc_result insert_checkpoint(struct gc_db *db, const struct gc_audit_cp *cp)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO audit_checkpoints (id, last_id, last_hash, at, key_id,"
	                           " prev_sig_hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?)", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, cp->id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, cp->last_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, cp->last_hash)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, cp->at)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, cp->key_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 6, cp->prev_sig_hash)) == GC_OK &&
	    (rc = gc_stmt_bind_blob(st, 7, cp->sig, cp->sigsz)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_audit_checkpoint(struct gc_db *db, const struct gc_audit_signer *signer, bool *made)
{
	struct last_cp l;
	struct gc_audit_cp cp;
	unsigned char digest[32], sig[GC_RSA_SIG_MAX];
	size_t siglen = sizeof(sig), n;
	char tip_hash[65], msg[512];
	int64_t tip_id;
	gc_result rc;

	*made = false;
	GC_GUARD(gc_db_begin(db));
	GC_GUARD_OUT(rc, load_last_checkpoint(db, &l));
	GC_GUARD_OUT(rc, check_unsealed(db, &l, &tip_id, tip_hash));
	if (tip_id == l.last_id) {
		rc = gc_db_commit(db); /* nothing new to seal */
		goto out;
	}
	cp = (struct gc_audit_cp){.id = l.id + 1, .last_id = tip_id, .last_hash = tip_hash,
	                          .at = (int64_t)time(NULL), .key_id = signer->key_id,
	                          .prev_sig_hash = l.sig_hash};
	n = gc_checkpoint_message(&cp, msg, sizeof(msg));
	GC_ENSURE_OUT(rc, n > 0, GC_E_INTERNAL, "checkpoint: message too long");
	GC_ENSURE_OUT(rc, EVP_Digest(msg, n, digest, NULL, EVP_sha256(), NULL) == 1, GC_E_INTERNAL,
	              "checkpoint: SHA-256");
	GC_GUARD_OUT(rc, signer->sign(signer->arg, digest, sig, &siglen));
	cp.sig = sig;
	cp.sigsz = siglen;
	GC_GUARD_OUT(rc, insert_checkpoint(db, &cp));
	if ((rc = gc_db_commit(db)) == GC_OK)
		*made = true;
out:
	if (rc != GC_OK)
		gc_db_rollback(db);
	return rc;
}
