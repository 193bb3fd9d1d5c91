/*
 * bench/crl.c - the CRL path at scale (docs/design.md "The CRL path", issue 3).
 *
 *   bench_crl populate DIR N   a new CA in DIR whose database holds N issued and revoked
 *                              g-Certs (rows as issuance writes them; the DER is a stub,
 *                              the CRL path never reads it), all in its partition
 *   bench_crl issue DIR        one `gcert crl issue` run: the full and the partitioned
 *                              CRL, each built by streaming, signed in the token, re-read
 *                              and verified, archived and published; prints per-CRL time
 *                              and this process's peak RSS
 *
 * bench/crl.sh runs both, twice the issue (the first run also records the first
 * publication of every revocation), and `openssl ca -gencrl` over the same entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ca/ca.h"
#include "ca/crl.h"
#include "core/cps.h"

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench_crl: %s: %s\n", what, gc_err_detail());
	exit(1);
}

static const char populate_sql[] =
	"INSERT INTO subscribers (ref, created_at) VALUES ('1000000000', 0);"
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %ld)"
	" INSERT INTO certificates (serial, ca_id, request_id, subscriber_ref, cert_type, subject_cn,"
	" organisation, validity_years, spki_sha256, not_before, not_after, status, tbs, der,"
	" created_at, issued_at)"
	" SELECT printf('%%02x', 1 + abs(random()) %% 127) || lower(hex(randomblob(19))), %lld,"
	" 'bench-' || i, '1000000000', 'individual', 'BENCH User ' || i, 'Bench Bureau', 2,"
	" lower(hex(randomblob(32))), %lld, %lld, 'issued', x'00', x'00', %lld, %lld FROM n;"
	"INSERT INTO revocations (serial, scope, ca_id, dp, reason, requested_at, revoked_at,"
	" not_after, actor) SELECT serial, 'ee', ca_id, '%s', abs(random()) %% 7, %lld, %lld,"
	" not_after, 'bench' FROM certificates WHERE request_id GLOB 'bench-*';";

static void populate(const char *dir, long n)
{
	struct gc_init_options init;
	struct gc_ca *ca;
	char *sql;
	size_t len;
	long long now = (long long)time(NULL);

	memset(&init, 0, sizeof(init));
	gc_config_defaults(&init.cfg);
	if (gc_ca_init(dir, &init, "bench") != GC_OK)
		die("ca init");
	if (gc_ca_open(dir, GC_NEED_DB, "bench", &ca) != GC_OK)
		die("ca open");
	len = sizeof(populate_sql) + 512;
	if ((sql = malloc(len)) == NULL)
		die("malloc");
	snprintf(sql, len, populate_sql, n, (long long)ca->issuing_id, now - 86400, now + 2 * 365 * 86400LL,
	         now - 86400, now - 86400, ca->cfg.crl_dp, now - 3600, now - 3600);
	if (gc_db_begin(ca->db) != GC_OK || gc_db_exec(ca->db, sql) != GC_OK || gc_db_commit(ca->db) != GC_OK)
		die("populate");
	free(sql);
	gc_ca_close(ca);
	printf("populated %s with %ld revoked certificates\n", dir, n);
}

static void issue(const char *dir)
{
	struct gc_crl_result res[GC_CRL_MAX_RESULTS];
	struct gc_ca *ca;
	struct rusage ru;
	size_t n = 0, i;

	if (gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "bench", &ca) != GC_OK)
		die("ca open");
	if (gc_crl_issue(ca, GC_CRL_SCHEDULED, (int64_t)time(NULL), res, GC_CRL_MAX_RESULTS, &n) != GC_OK)
		die("crl issue");
	for (i = 0; i < n; i++)
		printf("%-9s cRLNumber %lld  %lld entries  %zu octets  %.3f s  %s\n", res[i].kind,
		       (long long)res[i].crl_number, (long long)res[i].entries, res[i].size, res[i].seconds,
		       res[i].path);
	gc_ca_close(ca);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "populate") == 0)
		populate(argv[2], strtol(argv[3], NULL, 10));
	else if (argc == 3 && strcmp(argv[1], "issue") == 0)
		issue(argv[2]);
	else {
		fprintf(stderr, "usage: bench_crl populate DIR N | bench_crl issue DIR\n");
		return 2;
	}
	return 0;
}
