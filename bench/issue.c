/*
 * bench/issue.c - issuance throughput against the token's own limit.
 *
 * Issues N certificates through the library path a request takes (request JSON check,
 * CSR proof of possession, profile, TBS recorded before signing, HSM signature, parse-back
 * verification, commit with audit record) and, in the same run, measures the token's raw
 * RSA-2048 signature rate with the same key through the same PKCS#11 path. Prints both
 * and their ratio, first with one session (one thread), then one session per core.
 *
 *   bench_issue [-n N] [-b BATCH] [-c CHUNK] [-t MAX_THREADS] [-k POOL_FILE] [-p | -r]
 *
 * -p only makes sure POOL_FILE holds N CSRs (for bench/interface.sh); -r only measures
 * the raw sign rate (one session, N signatures) on a new CA.
 *
 * BATCH requests go to gc_ca_issue_many at once, which pipelines them in CHUNKs (the
 * token signs one chunk while the next is checked and reserved); -c 0 turns that off.
 *
 * Subscriber keys are generated once into POOL_FILE (RSA 2048 key generation is slow and
 * is not what is measured); every run uses a new CA so no key counts as reused.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca/ca.h"
#include "ca/issue.h"
#include "core/request.h"
#include "sys/fileio.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench_issue: %s: %s\n", what, gc_err_detail());
	exit(1);
}

/* ---- the CSR pool ---- */

static char *make_csr_pem(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"bench", -1, -1, 0);
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

struct pool {
	char **csr;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *pool_fill(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		p->csr[i] = make_csr_pem();
	}
}

/* Loads n CSRs from path, generating (on every core) and saving what is missing. */
static char **load_pool(const char *path, size_t n)
{
	struct pool p = {.csr = calloc(n, sizeof(char *)), .n = n};
	unsigned char *buf = NULL;
	size_t len = 0, have = 0;
	const char *end_marker = "-----END CERTIFICATE REQUEST-----\n";
	char *s, *e;
	pthread_t th[2];

	if (gc_file_read(path, 64u << 20, &buf, &len) == GC_OK) {
		for (s = (char *)buf; have < n && (e = strstr(s, end_marker)) != NULL; have++) {
			e += strlen(end_marker);
			p.csr[have] = strndup(s, (size_t)(e - s));
			s = e;
		}
	}
	free(buf);
	if (have < n) {
		fprintf(stderr, "bench_issue: generating %zu RSA-2048 subscriber keys into %s (once)\n",
		        n - have, path);
		p.next = have;
		pthread_mutex_init(&p.mu, NULL);
		pthread_create(&th[0], NULL, pool_fill, &p);
		pthread_create(&th[1], NULL, pool_fill, &p);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		FILE *f = fopen(path, "w");
		for (size_t i = 0; f && i < n; i++)
			fputs(p.csr[i], f);
		if (f)
			fclose(f);
	}
	return p.csr;
}

/* ---- requests as the interface carries them (JSON) ---- */

static char *request_json(size_t i, const char *csr)
{
	char id[32], name[64];
	json_t *o;
	char *s;

	snprintf(id, sizeof(id), "bench-%zu", i);
	snprintf(name, sizeof(name), "CHAN Bench %zu", i);
	o = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s}", "id", id,
	              "type", "issue", "cert_type", i % 2 ? "functional_unit" : "individual",
	              "validity_years", 2, "subject", "name", name, "email", "bench@example.gov.hk",
	              "branch", "Infrastructure Division", "organisation",
	              "Office of the Government Chief Information Officer", "branch_abbr", "INFRA",
	              "branch_zh", "基礎設施科", "organisation_zh", "政府資訊科技總監辦公室", "category",
	              "Civil Servant", "csr", csr);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* ---- the two measurements ---- */

struct job {
	struct gc_ca *ca;
	char **json;
	size_t from, to, batch, chunk;
	size_t issued;
};

static void *issue_range(void *arg)
{
	struct job *j = arg;
	struct gc_issue_request **reqs = calloc(j->batch, sizeof(*reqs));
	struct gc_issue_result *res = calloc(j->batch, sizeof(*res));
	size_t i, k, m;

	for (i = j->from; i < j->to; i += m) {
		m = j->to - i < j->batch ? j->to - i : j->batch;
		for (k = 0; k < m; k++)
			if (gc_request_parse(j->json[i + k], strlen(j->json[i + k]), &reqs[k]) != GC_OK)
				die("request");
		if (gc_ca_issue_many(j->ca, reqs, m, res, j->chunk) != GC_OK)
			die("issue");
		for (k = 0; k < m; k++) {
			if (res[k].code != GC_OK) {
				fprintf(stderr, "bench_issue: refused: %s\n", res[k].detail);
				exit(1);
			}
			j->issued++;
			gc_request_free(reqs[k]);
		}
		gc_issue_results_clear(res, m);
	}
	free(reqs);
	free(res);
	return NULL;
}

struct signjob {
	struct gc_hsm_key *key;
	size_t n;
};

static void *sign_loop(void *arg)
{
	struct signjob *s = arg;
	unsigned char digest[32], sig[GC_RSA_SIG_MAX];
	size_t i, len;

	RAND_bytes(digest, sizeof(digest));
	for (i = 0; i < s->n; i++) {
		len = sizeof(sig);
		digest[0] = (unsigned char)i;
		if (gc_hsm_sign_sha256(s->key, digest, sig, &len) != GC_OK)
			die("raw sign");
	}
	return NULL;
}

static double raw_rate(struct gc_ca *ca, size_t n, int threads)
{
	struct signjob s[8];
	pthread_t th[8];
	double t0 = now();
	int i;

	for (i = 0; i < threads; i++) {
		s[i] = (struct signjob){ca->issuing_key, n / (size_t)threads};
		pthread_create(&th[i], NULL, sign_loop, &s[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	return (double)(n / (size_t)threads * (size_t)threads) / (now() - t0);
}

static double issue_rate(struct gc_ca *ca, char **json, size_t n, size_t batch, size_t chunk,
                         int threads)
{
	struct job jobs[8];
	struct gc_ca *workers[8];
	pthread_t th[8];
	size_t per = n / (size_t)threads, total = 0;
	double t0;
	int i;

	for (i = 0; i < threads; i++) {
		if (gc_ca_worker(ca, &workers[i]) != GC_OK)
			die("worker");
		jobs[i] = (struct job){workers[i], json, (size_t)i * per, (size_t)(i + 1) * per, batch, chunk, 0};
	}
	t0 = now();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, issue_range, &jobs[i]);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t0 = now() - t0;
	for (i = 0; i < threads; i++) {
		total += jobs[i].issued;
		gc_ca_close(workers[i]);
	}
	return (double)total / t0;
}

static struct gc_ca *fresh_ca(const char *base, int run)
{
	struct gc_init_options opt;
	struct gc_ca *ca;
	char dir[GC_MAX_PATH];

	snprintf(dir, sizeof(dir), "%s/ca%d", base, run);
	memset(&opt, 0, sizeof(opt));
	gc_config_defaults(&opt.cfg);
	if (gc_ca_init(dir, &opt, "bench") != GC_OK || gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "bench", &ca) != GC_OK)
		die("CA");
	return ca;
}

static void machine(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0) {
			printf("machine: %ld cores, %s", sysconf(_SC_NPROCESSORS_ONLN), strchr(line, ':') + 2);
			break;
		}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	size_t n = 2000, batch = 1000, chunk = 50, i;
	int max_threads = 2, c, t, pool_only = 0, raw_only = 0;
	const char *pool_path = "bench-csr-pool.pem";
	char base[] = "/tmp/gcert-bench.XXXXXX", cmd[64];
	char **csr, **json;

	while ((c = getopt(argc, argv, "n:b:c:t:k:pr")) != -1) {
		switch (c) {
		case 'p': pool_only = 1; break;
		case 'r': raw_only = 1; break;
		case 'c': chunk = strtoul(optarg, NULL, 10); break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 't': max_threads = atoi(optarg); break;
		case 'k': pool_path = optarg; break;
		default: fprintf(stderr, "usage: bench_issue [-n N] [-b BATCH] [-c CHUNK] [-t MAX_THREADS] [-k POOL]\n"); return 2;
		}
	}
	if (n == 0 || batch == 0 || max_threads < 1 || max_threads > 8)
		return 2;
	if (raw_only) {
		if (mkdtemp(base) == NULL)
			return 1;
		struct gc_ca *ca = fresh_ca(base, 0);
		printf("token raw sign, 1 session: %.0f sig/s\n", raw_rate(ca, n, 1));
		gc_ca_close(ca);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		return system(cmd) == 0 ? 0 : 1;
	}
	csr = load_pool(pool_path, n);
	if (pool_only) {
		printf("%s holds %zu CSRs\n", pool_path, n);
		return 0;
	}
	json = calloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		json[i] = request_json(i, csr[i]);
	if (mkdtemp(base) == NULL)
		return 1;
	machine();
	printf("certificates: %zu per run, batches of %zu pipelined in chunks of %zu (0: not pipelined),\n"
	       "SoftHSM2 token, SQLite (WAL, synchronous=FULL)\n", n, batch, chunk);
	for (t = 1; t <= max_threads; t++) {
		struct gc_ca *ca = fresh_ca(base, t);
		double raw = raw_rate(ca, n, t);
		double iss = issue_rate(ca, json, n, batch, chunk, t);
		printf("%d session%s: token raw sign %.0f sig/s | issuance %.0f cert/s | ratio %.3f\n", t,
		       t > 1 ? "s" : " ", raw, iss, iss / raw);
		gc_ca_close(ca);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_issue: could not remove %s\n", base);
	for (i = 0; i < n; i++) {
		free(csr[i]);
		free(json[i]);
	}
	free(csr);
	free(json);
	return 0;
}
