/*
 * bench/populate.c - a CA that already holds N issued g-Certs, for bench_issue -d (issue 18).
 *
 *   bench_populate DIR N
 *
 * A new CA in DIR (gc_ca_init, the production schema and indexes), then N certificate rows
 * as issuance leaves them: a subscriber each (App. D reference number), status 'issued',
 * random 20-octet serial, random key hash (spki_sha256), request id, e-mail, TBS and DER
 * of the sizes a real g-Cert has, and its fee row. One transaction.
 *
 * The rows are not real signed certificates: TBS and DER are random octets of realistic
 * length (nothing on the issuance path reads old certificates' bytes), and no audit record
 * is written for them (the audit chain of the CA stays the real one). What the issuance
 * path touches - the unique indexes on serial, request id and subscriber number, the key
 * index, the e-mail and fee indexes - is as large as in a CA that issued N certificates.
 *
 * Speed: the secondary indexes (those with CREATE INDEX text in sqlite_master) are dropped
 * and re-created with the same text after the insert, which builds them by sorting; the
 * primary-key indexes are filled during the insert with a large page cache.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca/ca.h"
#include "core/text.h"

#define TBS_OCTETS 1150 /* a g-Cert TBS with the App. B extensions, RSA-2048 key */
#define DER_OCTETS 1434 /* the TBS, the algorithm and a 256-octet signature */
#define INDEX_MAX 32

static void die(const char *what)
{
	fprintf(stderr, "bench_populate: %s: %s\n", what, gc_err_detail());
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const organisations[] = {
	"Office of the Government Chief Information Officer", "Hongkong Post", "Immigration Department",
	"Inland Revenue Department", "Hong Kong Police Force", "Department of Health",
	"Education Bureau", "Lands Department",
};

struct index_def {
	char name[128];
	char *sql;
};

/* The secondary indexes of the tables filled here, to drop before and re-create after. */
static size_t secondary_indexes(struct gc_db *db, struct index_def *out)
{
	struct gc_stmt *st;
	bool row;
	size_t n = 0;

	if (gc_db_prepare(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
	                      " AND tbl_name IN ('certificates', 'subscribers', 'fees')", &st) != GC_OK)
		die("indexes");
	while (n < INDEX_MAX && gc_stmt_step(st, &row) == GC_OK && row) {
		snprintf(out[n].name, sizeof(out[n].name), "%s", gc_stmt_text(st, 0));
		out[n].sql = strdup(gc_stmt_text(st, 1));
		n++;
	}
	gc_stmt_free(st);
	return n;
}

int main(int argc, char **argv)
{
	struct gc_init_options init;
	struct index_def idx[INDEX_MAX];
	struct gc_stmt *sub, *cert, *fee;
	struct gc_ca *ca;
	unsigned char serial[20], spki[32], tbs[TBS_OCTETS], der[DER_OCTETS];
	char serial_hex[41], spki_hex[65], ref[11], req[32], cn[48], email[48], sql[256];
	long long n, i, t;
	size_t nidx, k;
	double t0 = now();

	if (argc != 3 || (n = strtoll(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: bench_populate DIR N\n");
		return 2;
	}
	memset(&init, 0, sizeof(init));
	gc_config_defaults(&init.cfg);
	if (gc_ca_init(argv[1], &init, "bench") != GC_OK)
		die("ca init");
	if (gc_ca_open(argv[1], GC_NEED_DB, "bench", &ca) != GC_OK)
		die("ca open");
	/* this connection only, a bench database rebuilt if the machine stops: a rollback
	 * journal (new pages are not journalled, where WAL would write every page twice), no
	 * fsync, a 1 GiB page cache; WAL again at the end, as gcert runs it */
	if (gc_db_exec(ca->db, "PRAGMA journal_mode = DELETE; PRAGMA cache_size = -1048576;"
	                       " PRAGMA synchronous = OFF") != GC_OK)
		die("pragma");
	nidx = secondary_indexes(ca->db, idx);
	if (gc_db_begin(ca->db) != GC_OK)
		die("begin");
	for (k = 0; k < nidx; k++) {
		snprintf(sql, sizeof(sql), "DROP INDEX \"%s\"", idx[k].name);
		if (gc_db_exec(ca->db, sql) != GC_OK)
			die("drop index");
	}
	if (gc_db_prepare(ca->db, "INSERT INTO subscribers (ref, created_at) VALUES (?, ?)", &sub) != GC_OK ||
	    gc_db_prepare(ca->db, "INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref,"
	                          " cert_type, subject_cn, email, organisation, validity_years, spki_sha256,"
	                          " not_before, not_after, status, tbs, der, created_at, issued_at)"
	                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?)",
	                  &cert) != GC_OK ||
	    gc_db_prepare(ca->db, "INSERT INTO fees (serial, organisation, year, kind, validity_years,"
	                          " amount_hkd, charged_at) VALUES (?, ?, ?, 'issue', ?, ?, ?)", &fee) != GC_OK)
		die("prepare");
	RAND_bytes(tbs, sizeof(tbs));
	RAND_bytes(der, sizeof(der));
	t = (long long)time(NULL) - 400LL * 86400;
	for (i = 0; i < n; i++) {
		const char *org = organisations[i % (long long)(sizeof(organisations) / sizeof(*organisations))];
		long long at = t + i % (365LL * 86400), years = 1 + i % 3;

		RAND_bytes(serial, sizeof(serial));
		serial[0] = (unsigned char)(1 + serial[0] % 127); /* positive, 20 octets (App. B) */
		RAND_bytes(spki, sizeof(spki));
		gc_hex_encode(serial, sizeof(serial), serial_hex);
		gc_hex_encode(spki, sizeof(spki), spki_hex);
		/* a permutation of 0..9e9-1 (the multiplier is prime to 9e9): distinct numbers */
		snprintf(ref, sizeof(ref), "%010llu",
		         1000000000ull + (unsigned long long)i * 2654435761ull % 9000000000ull);
		snprintf(req, sizeof(req), "pop-%lld", i);
		snprintf(cn, sizeof(cn), "CHAN Populated %lld", i);
		snprintf(email, sizeof(email), "u%lld@example.gov.hk", i);
		if (gc_stmt_bind_text(sub, 1, ref) != GC_OK || gc_stmt_bind_int64(sub, 2, at) != GC_OK ||
		    gc_stmt_run(sub) != GC_OK)
			die("subscriber");
		tbs[0] = der[0] = (unsigned char)i;
		if (gc_stmt_bind_text(cert, 1, serial_hex) != GC_OK ||
		    gc_stmt_bind_int64(cert, 2, ca->issuing_id) != GC_OK ||
		    gc_stmt_bind_text(cert, 3, req) != GC_OK || gc_stmt_bind_text(cert, 4, ref) != GC_OK ||
		    gc_stmt_bind_text(cert, 5, i % 2 ? "functional_unit" : "individual") != GC_OK ||
		    gc_stmt_bind_text(cert, 6, cn) != GC_OK || gc_stmt_bind_text(cert, 7, email) != GC_OK ||
		    gc_stmt_bind_text(cert, 8, org) != GC_OK || gc_stmt_bind_int64(cert, 9, years) != GC_OK ||
		    gc_stmt_bind_text(cert, 10, spki_hex) != GC_OK || gc_stmt_bind_int64(cert, 11, at) != GC_OK ||
		    gc_stmt_bind_int64(cert, 12, at + years * 365 * 86400) != GC_OK ||
		    gc_stmt_bind_blob(cert, 13, tbs, sizeof(tbs)) != GC_OK ||
		    gc_stmt_bind_blob(cert, 14, der, sizeof(der)) != GC_OK ||
		    gc_stmt_bind_int64(cert, 15, at) != GC_OK || gc_stmt_bind_int64(cert, 16, at) != GC_OK ||
		    gc_stmt_run(cert) != GC_OK)
			die("certificate");
		if (gc_stmt_bind_text(fee, 1, serial_hex) != GC_OK || gc_stmt_bind_text(fee, 2, org) != GC_OK ||
		    gc_stmt_bind_int64(fee, 3, 2025 + i % 2) != GC_OK ||
		    gc_stmt_bind_int64(fee, 4, years) != GC_OK ||
		    gc_stmt_bind_int64(fee, 5, 20 * years) != GC_OK || gc_stmt_bind_int64(fee, 6, at) != GC_OK ||
		    gc_stmt_run(fee) != GC_OK)
			die("fee");
	}
	gc_stmt_free(sub);
	gc_stmt_free(cert);
	gc_stmt_free(fee);
	for (k = 0; k < nidx; k++) {
		if (gc_db_exec(ca->db, idx[k].sql) != GC_OK)
			die("create index");
		free(idx[k].sql);
	}
	if (gc_db_commit(ca->db) != GC_OK || gc_db_exec(ca->db, "PRAGMA journal_mode = WAL") != GC_OK)
		die("commit");
	gc_ca_close(ca);
	printf("populated %s with %lld issued certificates (random TBS/DER octets) in %.1f s\n", argv[1], n,
	       now() - t0);
	return 0;
}
