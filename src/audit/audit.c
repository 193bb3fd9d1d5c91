/*
 * audit.c - hash-chained audit records (CPS §4.5.1, §4.5.4).
 *
 * hash = SHA-256(prev_hash | id | at | actor | event | object | outcome | detail), each
 * field length-prefixed so no two records hash alike by shifting text between fields.
 */
#include "audit/audit.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/seal.h"
#include "core/text.h"
#include "store/db.h"

#define GENESIS GC_AUDIT_GENESIS

static const char *const event_names[GC_AUDIT_EVENT_COUNT] = {
#define GC_AUDIT_NAME(e, name, clause) [e] = name,
	GC_AUDIT_EVENTS(GC_AUDIT_NAME)
#undef GC_AUDIT_NAME
};

const char *gc_audit_event_name(enum gc_audit_event e)
{
	return (unsigned)e < GC_AUDIT_EVENT_COUNT ? event_names[e] : "unknown";
}

struct gc_audit {
	struct gc_db *db;
	struct gc_stmt *last;
	struct gc_stmt *insert;
};

gc_result gc_audit_open(struct gc_db *db, struct gc_audit **out)
{
	struct gc_audit *a;
	gc_result rc;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return gc_fail(GC_E_NOMEM, "audit: out of memory");
	a->db = db;
	if ((rc = gc_db_prepare(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
	                        &a->last)) != GC_OK ||
	    (rc = gc_db_prepare(db, "INSERT INTO audit_log (id, at, actor, event, object, outcome,"
	                            " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                        &a->insert)) != GC_OK) {
		gc_audit_free(a);
		return rc;
	}
	*out = a;
	return GC_OK;
}

void gc_audit_free(struct gc_audit *a)
{
	if (a == NULL)
		return;
	gc_stmt_free(a->last);
	gc_stmt_free(a->insert);
	free(a);
}

static void put_field(EVP_MD_CTX *md, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
	                        (unsigned char)(n >> 8), (unsigned char)n};

	EVP_DigestUpdate(md, len, 4);
	EVP_DigestUpdate(md, s, n);
}

gc_result gc_audit_record_hash(const char *prev, int64_t id, int64_t at, const char *actor,
                               const char *event, const char *object, const char *outcome,
                               const char *detail, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	char num[2][24];
	int ok;

	if (md == NULL)
		return gc_fail(GC_E_NOMEM, "audit: out of memory");
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)id);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)at);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	put_field(md, prev);
	put_field(md, num[0]);
	put_field(md, num[1]);
	put_field(md, actor);
	put_field(md, event);
	put_field(md, object);
	put_field(md, outcome);
	put_field(md, detail);
	ok = ok && EVP_DigestFinal_ex(md, digest, NULL);
	EVP_MD_CTX_free(md);
	if (!ok)
		return gc_fail_ssl(GC_E_INTERNAL, "audit: hash");
	gc_hex_encode(digest, sizeof(digest), out);
	return GC_OK;
}

/* The chain's head: the next id and the hash it follows. */
static gc_result chain_head(struct gc_audit *a, int64_t *id, char prev[65])
{
	bool row;
	gc_result rc;

	*id = 1;
	snprintf(prev, 65, "%s", GENESIS);
	if ((rc = gc_stmt_step(a->last, &row)) == GC_OK && row) {
		*id = gc_stmt_int64(a->last, 0) + 1;
		snprintf(prev, 65, "%s", gc_stmt_text(a->last, 1));
	}
	gc_stmt_reset(a->last);
	return rc;
}

#define REC_PARAMS 9

/* Binds record k of a multi-row INSERT (parameters 9k+1 .. 9k+9). */
static gc_result bind_record(struct gc_stmt *st, int k, int64_t id, int64_t at, const char *actor,
                             const struct gc_audit_rec *r, const char *prev, const char *hash)
{
	int b = k * REC_PARAMS;

	GC_GUARD(gc_stmt_bind_int64(st, b + 1, id));
	GC_GUARD(gc_stmt_bind_int64(st, b + 2, at));
	GC_GUARD(gc_stmt_bind_text(st, b + 3, actor));
	GC_GUARD(gc_stmt_bind_text(st, b + 4, gc_audit_event_name(r->ev)));
	GC_GUARD(gc_stmt_bind_text(st, b + 5, r->object));
	GC_GUARD(gc_stmt_bind_text(st, b + 6, r->success ? "success" : "failure"));
	GC_GUARD(gc_stmt_bind_text(st, b + 7, r->detail));
	GC_GUARD(gc_stmt_bind_text(st, b + 8, prev));
	return gc_stmt_bind_text(st, b + 9, hash);
}

gc_result gc_audit_append_many(struct gc_audit *a, const char *actor, const struct gc_audit_rec *recs,
                               size_t n)
{
	char prev[65], hash[65];
	int64_t id, at = (int64_t)time(NULL);
	struct gc_stmt *st;
	gc_result rc;
	size_t i;

	if (n == 0)
		return GC_OK;
	GC_GUARD(chain_head(a, &id, prev));
	GC_GUARD(gc_db_prepare_rows(a->db, "INSERT INTO audit_log (id, at, actor, event, object,"
	                                   " outcome, detail, prev_hash, hash) VALUES ",
	                            "(?, ?, ?, ?, ?, ?, ?, ?, ?)", n, "", &st));
	for (i = 0, rc = GC_OK; i < n && rc == GC_OK; i++, id++) {
		const struct gc_audit_rec *r = &recs[i];
		rc = gc_audit_record_hash(prev, id, at, actor, gc_audit_event_name(r->ev), r->object,
		                          r->success ? "success" : "failure", r->detail, hash);
		if (rc == GC_OK)
			rc = bind_record(st, (int)i, id, at, actor, r, prev, hash);
		memcpy(prev, hash, sizeof(prev));
	}
	if (rc == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

gc_result gc_audit_append(struct gc_audit *a, const char *actor, enum gc_audit_event ev,
                          const char *object, bool success, const char *detail)
{
	const struct gc_audit_rec r = {.ev = ev, .object = object, .success = success, .detail = detail};
	char prev[65], hash[65];
	int64_t id, at = (int64_t)time(NULL);
	gc_result rc;

	GC_GUARD(chain_head(a, &id, prev));
	GC_GUARD(gc_audit_record_hash(prev, id, at, actor, gc_audit_event_name(ev), object,
	                              success ? "success" : "failure", detail, hash));
	if ((rc = bind_record(a->insert, 0, id, at, actor, &r, prev, hash)) != GC_OK) {
		gc_stmt_reset(a->insert);
		return rc;
	}
	return gc_stmt_run(a->insert);
}

gc_result gc_audit_verify_chain(struct gc_db *db, long *records)
{
	struct gc_audit_check chk;

	GC_GUARD(gc_audit_verify(db, &chk));
	*records = chk.records;
	return GC_OK;
}
