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
 *               [-d CA_DIR [-o OFFSET]]
 *
 * -p only makes sure POOL_FILE holds N CSRs (for bench/interface.sh); -r only measures
 * the raw sign rate (one session, N signatures) on a new CA.
 *
 * -d issues into the existing CA in CA_DIR (a CA made by bench_populate, holding millions
 * of certificates) instead of a new CA per run. Its keys must not have been certified
 * there before: run t takes the pool's CSRs OFFSET + (t-1)*N .. OFFSET + t*N - 1 (the pool
 * is made large enough), and request ids are the pool index, so successive invocations on
 * one CA pass successive offsets.
 *
 * BATCH requests go to gc_ca_issue_many at once, which pipelines them in CHUNKs (the
 * token signs one chunk while the next is checked and reserved); -c 0 turns that off.
 *
 * Subscriber keys are generated once into POOL_FILE (RSA 2048 key generation is slow and
 * is not what is measured); every run uses a new CA so no key counts as reused.
 */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sys/resource.h>
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

/* CPU seconds of the whole process (every thread), user + system. */
static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* Octets this process passed to read and write system calls so far (/proc/self/io). */
static void io_bytes(double *rchar, double *wchar)
{
	char line[128];
	FILE *f = fopen("/proc/self/io", "r");

	*rchar = *wchar = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "rchar:", 6) == 0)
			*rchar = strtod(line + 6, NULL);
		else if (strncmp(line, "wchar:", 6) == 0)
			*wchar = strtod(line + 6, NULL);
	}
	if (f)
		fclose(f);
}

/* What one measurement cost beside its wall-clock rate (load-independent). */
struct cost {
	double cpu_us, read_kib, write_kib; /* per signature or certificate */
};

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench_issue: %s: %s\n", what, gc_err_detail());
	exit(1);
}

/* ---- the CSR pool ---- */

/*
 * Subscriber keys from a pool of primes: key k is p_i * q_j for the k-th pair i < j of
 * 1024-bit primes, so n distinct RSA-2048 keys (distinct moduli, so distinct SPKIs for
 * the key-reuse check) cost about sqrt(2n) prime generations instead of n key
 * generations (2 minutes for 2,000 keys on 2 quiet cores; far more on a loaded machine).
 * Keys that share a prime are worthless as keys; the bench only needs them distinct and
 * well formed (RSA 2048, e = 65537, CSR self-signature verified by the CA).
 */
struct primes {
	BIGNUM **p;
	size_t n, next;
	pthread_mutex_t mu;
};

static BIGNUM *prime_1024(void)
{
	BIGNUM *p = BN_new(), *pm1 = BN_new(), *e = BN_new(), *g = BN_new();
	BN_CTX *ctx = BN_CTX_new();

	BN_set_word(e, 65537);
	do {
		/* top two bits set (OpenSSL's prime generation): the product has 2048 bits */
		if (BN_generate_prime_ex(p, 1024, 0, NULL, NULL, NULL) != 1)
			die("prime");
		BN_sub(pm1, p, BN_value_one());
		BN_gcd(g, pm1, e, ctx);
	} while (!BN_is_one(g));
	BN_free(pm1);
	BN_free(e);
	BN_free(g);
	BN_CTX_free(ctx);
	return p;
}

static void *primes_fill(void *arg)
{
	struct primes *pr = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&pr->mu);
		i = pr->next++;
		pthread_mutex_unlock(&pr->mu);
		if (i >= pr->n)
			return NULL;
		pr->p[i] = prime_1024();
	}
}

static EVP_PKEY *rsa_from_primes(const BIGNUM *p, const BIGNUM *q)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *n = BN_new(), *e = BN_new(), *d = BN_new(), *p1 = BN_new(), *q1 = BN_new(),
	       *phi = BN_new(), *dp = BN_new(), *dq = BN_new(), *qi = BN_new();
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;

	BN_set_word(e, 65537);
	BN_mul(n, p, q, ctx);
	BN_sub(p1, p, BN_value_one());
	BN_sub(q1, q, BN_value_one());
	BN_mul(phi, p1, q1, ctx);
	if (BN_mod_inverse(d, e, phi, ctx) == NULL || BN_mod_inverse(qi, q, p, ctx) == NULL)
		die("rsa key");
	BN_mod(dp, d, p1, ctx);
	BN_mod(dq, d, q1, ctx);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi);
	params = OSSL_PARAM_BLD_to_param(b);
	if (params == NULL || pc == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &k, EVP_PKEY_KEYPAIR, params) != 1 || EVP_PKEY_get_bits(k) != 2048)
		die("rsa key");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(pc);
	BN_free(n), BN_free(e), BN_free(d), BN_free(p1), BN_free(q1), BN_free(phi), BN_free(dp),
		BN_free(dq), BN_free(qi);
	BN_CTX_free(ctx);
	return k;
}

static char *make_csr_pem(EVP_PKEY *k)
{
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
	return out;
}

struct pool {
	char **csr;
	size_t n, next;
	struct primes *pr;
	pthread_mutex_t mu;
};

/* The k-th pair i < j of the prime pool, in the order (0,1), (0,2), (1,2), (0,3), ... */
static void pair_of(size_t k, size_t *i, size_t *j)
{
	for (*j = 1; k >= *j; (*j)++)
		k -= *j;
	*i = k;
}

static void *pool_fill(void *arg)
{
	struct pool *p = arg;
	size_t k, i, j;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		k = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (k >= p->n)
			return NULL;
		pair_of(k, &i, &j);
		EVP_PKEY *key = rsa_from_primes(p->pr->p[i], p->pr->p[j]);
		p->csr[k] = make_csr_pem(key);
		EVP_PKEY_free(key);
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
		struct primes pr = {.n = 2};
		size_t k;

		while (pr.n * (pr.n - 1) / 2 < n) /* pairs of the primes: keys 0 .. n-1 */
			pr.n++;
		fprintf(stderr, "bench_issue: making %zu RSA-2048 subscriber keys (from %zu primes) and "
		        "CSRs into %s (once)\n", n - have, pr.n, path);
		pr.p = calloc(pr.n, sizeof(*pr.p));
		pthread_mutex_init(&pr.mu, NULL);
		pthread_create(&th[0], NULL, primes_fill, &pr);
		pthread_create(&th[1], NULL, primes_fill, &pr);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		p.pr = &pr;
		p.next = have;
		pthread_mutex_init(&p.mu, NULL);
		pthread_create(&th[0], NULL, pool_fill, &p);
		pthread_create(&th[1], NULL, pool_fill, &p);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		for (k = 0; k < pr.n; k++)
			BN_free(pr.p[k]);
		free(pr.p);
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
	char *const *json;
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

static double raw_rate(struct gc_ca *ca, size_t n, int threads, struct cost *c)
{
	struct signjob s[8];
	pthread_t th[8];
	double t0 = now(), c0 = cpu(), r0, w0, r1, w1, done;
	int i;

	io_bytes(&r0, &w0);
	for (i = 0; i < threads; i++) {
		s[i] = (struct signjob){ca->issuing_key, n / (size_t)threads};
		pthread_create(&th[i], NULL, sign_loop, &s[i]);
	}
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	done = (double)(n / (size_t)threads * (size_t)threads);
	io_bytes(&r1, &w1);
	*c = (struct cost){(cpu() - c0) * 1e6 / done, (r1 - r0) / 1024 / done, (w1 - w0) / 1024 / done};
	return done / (now() - t0);
}

static double issue_rate(struct gc_ca *ca, char *const *json, size_t n, size_t batch, size_t chunk,
                         int threads, struct cost *c)
{
	struct job jobs[8];
	struct gc_ca *workers[8];
	pthread_t th[8];
	size_t per = n / (size_t)threads, total = 0;
	double t0, c0, r0, w0, r1, w1;
	int i;

	for (i = 0; i < threads; i++) {
		if (gc_ca_worker(ca, &workers[i]) != GC_OK)
			die("worker");
		jobs[i] = (struct job){workers[i], json, (size_t)i * per, (size_t)(i + 1) * per, batch, chunk, 0};
	}
	io_bytes(&r0, &w0);
	c0 = cpu();
	t0 = now();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, issue_range, &jobs[i]);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t0 = now() - t0;
	c0 = cpu() - c0;
	io_bytes(&r1, &w1);
	for (i = 0; i < threads; i++) {
		total += jobs[i].issued;
		gc_ca_close(workers[i]);
	}
	*c = (struct cost){c0 * 1e6 / (double)total, (r1 - r0) / 1024 / (double)total,
	                   (w1 - w0) / 1024 / (double)total};
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

static double load1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static struct gc_ca *existing_ca(const char *dir)
{
	struct gc_ca *ca;

	if (gc_ca_open(dir, GC_NEED_DB | GC_NEED_TOKEN, "bench", &ca) != GC_OK)
		die("CA");
	return ca;
}

static long long ca_certificates(struct gc_ca *ca)
{
	struct gc_stmt *st;
	long long n = -1;
	bool row;

	if (gc_db_prepare(ca->db, "SELECT max(rowid) FROM certificates", &st) == GC_OK) {
		if (gc_stmt_step(st, &row) == GC_OK && row)
			n = gc_stmt_int64(st, 0);
		gc_stmt_free(st);
	}
	return n;
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
	size_t n = 2000, batch = 1000, chunk = 50, offset = 0, need, i;
	const char *ca_dir = NULL;
	int max_threads = 2, c, t, pool_only = 0, raw_only = 0;
	const char *pool_path = "bench-csr-pool.pem";
	char base[] = "/tmp/gcert-bench.XXXXXX", cmd[64];
	char **csr, **json;

	while ((c = getopt(argc, argv, "n:b:c:t:k:prd:o:")) != -1) {
		switch (c) {
		case 'p': pool_only = 1; break;
		case 'r': raw_only = 1; break;
		case 'c': chunk = strtoul(optarg, NULL, 10); break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 't': max_threads = atoi(optarg); break;
		case 'k': pool_path = optarg; break;
		case 'd': ca_dir = optarg; break;
		case 'o': offset = strtoul(optarg, NULL, 10); break;
		default: fprintf(stderr, "usage: bench_issue [-n N] [-b BATCH] [-c CHUNK] [-t MAX_THREADS] [-k POOL] [-p | -r] [-d CA_DIR [-o OFFSET]]\n"); return 2;
		}
	}
	if (n == 0 || batch == 0 || max_threads < 1 || max_threads > 8)
		return 2;
	if (raw_only) {
		if (mkdtemp(base) == NULL)
			return 1;
		struct gc_ca *ca = fresh_ca(base, 0);
		struct cost rc;
		printf("token raw sign, 1 session: %.0f sig/s\n", raw_rate(ca, n, 1, &rc));
		gc_ca_close(ca);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
		return system(cmd) == 0 ? 0 : 1;
	}
	need = ca_dir ? offset + n * (size_t)max_threads : n;
	csr = load_pool(pool_path, need);
	if (pool_only) {
		printf("%s holds %zu CSRs\n", pool_path, need);
		return 0;
	}
	json = calloc(need, sizeof(char *));
	for (i = ca_dir ? offset : 0; i < need; i++)
		json[i] = request_json(i, csr[i]);
	if (mkdtemp(base) == NULL)
		return 1;
	machine();
	printf("certificates: %zu per run, batches of %zu pipelined in chunks of %zu (0: not pipelined),\n"
	       "SoftHSM2 token, SQLite (WAL, synchronous=FULL)\n", n, batch, chunk);
	for (t = 1; t <= max_threads; t++) {
		struct gc_ca *ca = ca_dir ? existing_ca(ca_dir) : fresh_ca(base, t);
		char *const *from = ca_dir ? json + offset + (size_t)(t - 1) * n : json;
		long long held = ca_certificates(ca);
		struct cost rc, ic;
		double raw = raw_rate(ca, n, t, &rc);
		double iss = issue_rate(ca, from, n, batch, chunk, t, &ic);
		printf("%d session%s: token raw sign %.0f sig/s | issuance %.0f cert/s | ratio %.3f"
		       " | CA held %lld | load %.2f\n", t, t > 1 ? "s" : " ", raw, iss, iss / raw, held, load1());
		/* CPU per certificate against CPU per signature: on 2 dedicated cores the
		 * two-session ratio can be at most sign/issue (every core signs or works) */
		printf("  cost: CPU %.0f us/sig raw, %.0f us/cert issuance (sign/issue %.3f) | issuance "
		       "read %.1f KiB/cert, wrote %.1f KiB/cert (system calls)\n", rc.cpu_us, ic.cpu_us,
		       rc.cpu_us / ic.cpu_us, ic.read_kib, ic.write_kib);
		gc_ca_close(ca);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_issue: could not remove %s\n", base);
	for (i = 0; i < need; i++) {
		free(csr[i]);
		free(json[i]);
	}
	free(csr);
	free(json);
	return 0;
}
