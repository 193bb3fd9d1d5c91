/*
 * test_issue_many.c - the pipelined issuance path (ca/issue.c gc_ca_issue_many) against a
 * real SoftHSM2 token and SQLite: results line up with requests across chunk borders,
 * bad requests fail alone, a key reused across chunks and a request id replayed across
 * chunks are caught, every certificate is recorded and verifies, the audit chain holds,
 * and what a caller's hook writes commits with its chunk or not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/issue.h"
#include "store/certstore.h"

#define NKEYS 6
#define NREQ 12

static char dir[64] = "/tmp/gcert-unit.XXXXXX";
static char *csr[NKEYS];

static char *make_csr(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	X509_REQ_set_pubkey(req, k);
	X509_REQ_sign(req, k, EVP_sha256());
	PEM_write_bio_X509_REQ(b, req);
	n = BIO_get_mem_data(b, &data);
	out = strndup(data, (size_t)n);
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return out;
}

static struct gc_issue_request *request(const char *id, int years, const char *pem)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s}", "id", id,
	                      "type", "issue", "cert_type", "individual", "validity_years", years,
	                      "subject", "name", "CHAN Tai Man", "branch", "Infrastructure Division",
	                      "organisation", "OGCIO", "branch_abbr", "INFRA", "branch_zh", "基礎設施科",
	                      "organisation_zh", "政府資訊科技總監辦公室", "category", "Civil Servant",
	                      "csr", pem);
	struct gc_issue_request *r = NULL;

	assert_int_equal(gc_request_from_json(o, &r), GC_OK);
	json_decref(o);
	return r;
}

static int setup(void **state)
{
	struct gc_init_options opt;
	int i;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	strcat(dir, "/ca");
	memset(&opt, 0, sizeof(opt));
	gc_config_defaults(&opt.cfg);
	if (gc_ca_init(dir, &opt, "test") != GC_OK)
		return -1;
	for (i = 0; i < NKEYS; i++)
		csr[i] = make_csr();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	int i;

	(void)state;
	for (i = 0; i < NKEYS; i++)
		free(csr[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %.*s", (int)(strlen(dir) - 3), dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void pipelined_batch_with_bad_requests(void **state)
{
	struct gc_ca *ca;
	struct gc_issue_request *reqs[NREQ];
	struct gc_issue_result res[NREQ];
	struct gc_cert_row row;
	long audit_records;
	/* request i: id, years, key; expected outcome */
	static const struct { const char *id; int years, key; enum gc_code want; } plan[NREQ] = {
		{"r0", 1, 0, GC_OK},           {"r1", 2, 1, GC_OK},
		{"r2", 3, 2, GC_OK},           /* chunk border (chunk = 3) */
		{"r3", 2, 0, GC_E_KEY_REUSED}, /* key 0 certified in chunk 0 */
		{"r1", 2, 3, GC_E_DUPLICATE_REQUEST},
		{"r5", 2, 3, GC_OK},           {"r6", 2, 4, GC_OK},
		{"r7", 2, 4, GC_E_KEY_REUSED}, /* same chunk */
		{"r8", 2, 5, GC_OK},           {"r9", 2, 5, GC_E_KEY_REUSED},
		{"r10", 2, 1, GC_E_KEY_REUSED}, {"r11", 2, 2, GC_E_KEY_REUSED},
	};
	size_t i;

	(void)state;
	assert_int_equal(gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "test", &ca), GC_OK);
	for (i = 0; i < NREQ; i++)
		reqs[i] = request(plan[i].id, plan[i].years, csr[plan[i].key]);
	assert_int_equal(gc_ca_issue_many(ca, reqs, NREQ, res, 3), GC_OK);
	for (i = 0; i < NREQ; i++) {
		if (res[i].code != plan[i].want)
			fail_msg("request %zu (%s): expected %s, got %s: %s", i, plan[i].id,
			         gc_code_name(plan[i].want), gc_code_name(res[i].code), res[i].detail);
		if (res[i].code != GC_OK) {
			assert_null(res[i].der);
			continue;
		}
		/* what was handed out is what was recorded */
		assert_int_equal(gc_certstore_get(ca->db, res[i].serial, &row), GC_OK);
		assert_string_equal(row.status, "issued");
		assert_string_equal(row.request_id, plan[i].id);
		assert_int_equal(row.dersz, res[i].dersz);
		assert_memory_equal(row.der, res[i].der, res[i].dersz);
		free(row.der);
		assert_int_equal(gc_ca_verify_cert(res[i].der, res[i].dersz,
		                                   X509_get0_pubkey(ca->issuing_cert), NULL), GC_OK);
	}
	assert_int_equal(gc_audit_verify_chain(ca->db, &audit_records), GC_OK);
	/* 5 ceremony + 2 for the audit key made on first opening the token + 3 for the
	 * ceremony's first ARL and CRLs + 6 issued + 6 refused */
	assert_int_equal(audit_records, 5 + 2 + 3 + 6 + 6);
	gc_issue_results_clear(res, NREQ);
	for (i = 0; i < NREQ; i++)
		gc_request_free(reqs[i]);
	gc_ca_close(ca);
}

/*
 * One batch of more than one multi-row statement's rows (issue.c ROWS_MAX, 64): every
 * check and write goes in slices, and a replay and a reused key in the second slice are
 * caught against rows of the first.
 */
#define NBIG 68
static void a_batch_beyond_one_statement(void **state)
{
	struct gc_issue_request *reqs[NBIG];
	struct gc_issue_result res[NBIG];
	char *keys[NBIG - 2], id[16];
	struct gc_cert_row row;
	long before, after;
	struct gc_ca *ca;
	size_t i, issued = 0;

	(void)state;
	assert_int_equal(gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "test", &ca), GC_OK);
	assert_int_equal(gc_audit_verify_chain(ca->db, &before), GC_OK);
	for (i = 0; i < NBIG - 2; i++) {
		keys[i] = make_csr();
		snprintf(id, sizeof(id), "big%zu", i);
		reqs[i] = request(id, 1, keys[i]);
	}
	reqs[NBIG - 2] = request("big3", 1, keys[0]);   /* a replay: refused for its id first */
	reqs[NBIG - 1] = request("big-x", 1, keys[10]); /* a key of the first slice */
	assert_int_equal(gc_ca_issue_many(ca, reqs, NBIG, res, 0), GC_OK);
	for (i = 0; i < NBIG - 2; i++) {
		if (res[i].code != GC_OK)
			fail_msg("request %zu: %s: %s", i, gc_code_name(res[i].code), res[i].detail);
		assert_int_equal(gc_certstore_get(ca->db, res[i].serial, &row), GC_OK);
		assert_string_equal(row.status, "issued");
		assert_memory_equal(row.der, res[i].der, res[i].dersz);
		free(row.der);
		issued++;
	}
	assert_int_equal(res[NBIG - 2].code, GC_E_DUPLICATE_REQUEST);
	assert_int_equal(res[NBIG - 1].code, GC_E_KEY_REUSED);
	assert_non_null(strstr(res[NBIG - 1].detail, res[10].serial));
	for (i = 1; i < NBIG - 2; i++) /* every new subscriber a number of its own */
		assert_string_not_equal(res[i].subscriber_ref, res[i - 1].subscriber_ref);
	assert_int_equal(gc_audit_verify_chain(ca->db, &after), GC_OK);
	assert_int_equal(after - before, (long)issued + 2);
	gc_issue_results_clear(res, NBIG);
	for (i = 0; i < NBIG; i++)
		gc_request_free(reqs[i]);
	for (i = 0; i < NBIG - 2; i++)
		free(keys[i]);
	gc_ca_close(ca);
}

/* A hook (gc_issue_hook) that keeps a row per certificate and refuses its second call. */
struct hook_log {
	int calls;
	size_t seen, unfit; /* counted here, asserted by the test: the hook runs on the committer */
};

static gc_result keep_rows(struct gc_db *db, const struct gc_issue_result *const *issued, size_t k,
                           void *arg)
{
	struct hook_log *log = arg;
	struct gc_stmt *st;
	gc_result rc = GC_OK;
	size_t i;

	if (++log->calls == 2)
		return gc_fail(GC_E_DB_CONSTRAINT, "the hook refuses this chunk");
	for (i = 0; i < k && rc == GC_OK; i++) {
		/* shown only what is being issued: signed, verified, with its DER */
		log->unfit += issued[i]->code != GC_OK || issued[i]->der == NULL;
		log->seen++;
		if ((rc = gc_db_prepare(db, "INSERT INTO hook_rows (serial) VALUES (?)", &st)) != GC_OK)
			break;
		if ((rc = gc_stmt_bind_text(st, 1, issued[i]->serial)) == GC_OK)
			rc = gc_stmt_run(st);
		gc_stmt_free(st);
	}
	return rc;
}

static long hook_rows_of(struct gc_ca *ca, const char *serial)
{
	struct gc_stmt *st;
	long n = -1;
	bool row;

	assert_int_equal(gc_db_prepare(ca->db, "SELECT COUNT(*) FROM hook_rows WHERE serial = ?", &st), GC_OK);
	assert_int_equal(gc_stmt_bind_text(st, 1, serial), GC_OK);
	assert_int_equal(gc_stmt_step(st, &row), GC_OK);
	if (row)
		n = (long)gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	return n;
}

/*
 * What the caller keeps with its certificates commits with them: the hook runs in each
 * chunk's commit, on the committer's connection; when it fails, its chunk is not issued
 * (those requests end with its error, nothing of them handed out) and the other chunks
 * are, each with its rows. Runs last: the refused chunk's rows stay 'signed' (to be
 * resolved by recovery, gc_ca_recover_orphans).
 */
#define NHOOK 9
static void a_hook_commits_with_its_chunk(void **state)
{
	struct gc_issue_request *reqs[NHOOK];
	struct gc_issue_result res[NHOOK];
	struct hook_log log = {0};
	const struct gc_issue_hook hook = {keep_rows, &log};
	char *keys[NHOOK], id[16];
	struct gc_cert_row row;
	long records;
	struct gc_ca *ca;
	size_t i;

	(void)state;
	assert_int_equal(gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "test", &ca), GC_OK);
	assert_int_equal(gc_db_exec(ca->db, "CREATE TABLE hook_rows (serial TEXT PRIMARY KEY)"), GC_OK);
	for (i = 0; i < NHOOK; i++) {
		keys[i] = make_csr();
		snprintf(id, sizeof(id), "hook%zu", i);
		reqs[i] = request(id, 1, keys[i]);
	}
	/* chunks of 3: the hook's second call is the second chunk's */
	assert_int_equal(gc_ca_issue_hooked(ca, reqs, NHOOK, res, 3, &hook), GC_E_DB_CONSTRAINT);
	assert_int_equal(log.calls, 3);
	assert_int_equal(log.seen, 6);
	assert_int_equal(log.unfit, 0);
	for (i = 0; i < NHOOK; i++) {
		bool refused = i >= 3 && i < 6;
		assert_int_equal(gc_certstore_get(ca->db, res[i].serial, &row), GC_OK);
		free(row.der);
		if (refused) {
			assert_int_equal(res[i].code, GC_E_DB_CONSTRAINT);
			assert_null(res[i].der);
			assert_string_not_equal(row.status, "issued");
			assert_int_equal(hook_rows_of(ca, res[i].serial), 0);
		} else {
			if (res[i].code != GC_OK)
				fail_msg("request %zu: %s: %s", i, gc_code_name(res[i].code), res[i].detail);
			assert_string_equal(row.status, "issued");
			assert_int_equal(hook_rows_of(ca, res[i].serial), 1);
		}
	}
	assert_int_equal(gc_audit_verify_chain(ca->db, &records), GC_OK);
	gc_issue_results_clear(res, NHOOK);
	for (i = 0; i < NHOOK; i++) {
		gc_request_free(reqs[i]);
		free(keys[i]);
	}
	gc_ca_close(ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pipelined_batch_with_bad_requests),
		cmocka_unit_test(a_batch_beyond_one_statement),
		cmocka_unit_test(a_hook_commits_with_its_chunk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
