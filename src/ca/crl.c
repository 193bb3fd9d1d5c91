/*
 * crl.c - CRL and ARL publication (CPS §4.4.3, §4.4.4, App. C).
 *
 * One CRL is one transaction, in this order:
 *   1. cRLNumber = the issuer's highest + 1 (strictly increasing across all its CRLs);
 *   2. pass 1 over the revoked entries of the scope, in serial order: their DER length;
 *   3. pass 2: head, entries and tail streamed to a temporary file beside the target,
 *      the TBSCertList hashed as it is written; the token signs the digest;
 *   4. the file is re-read: its signature is verified with the issuer's public key and
 *      its bytes are copied into the archive row (incremental blob writes);
 *   5. the archive row records the highest revocation it covers (which dates the first
 *      publication of every revocation, §4.4.3), the audit record is appended, and the
 *      transaction commits; only then does the file replace the published one.
 * Memory stays flat: no step holds more than one entry and one 1 MiB buffer.
 *
 * Revoked certificates stay on the CRL after they expire: the CPS defines the full CRL
 * as every certificate the CA revoked (App. C I) and sets no removal rule, and relying
 * parties checking an old signature (nonRepudiation, §1.2.4) need the revocation status
 * of an expired certificate. See docs/revocation.md.
 */
#include "ca/crl.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cps.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "sys/fault.h"
#include "sys/fileio.h"
#include "lint/lint.h"
#include "x509/crlbuild.h"
#include "x509/der.h"

#define WBUF (1u << 20)
/* Below this many entries the CRL is also parsed back whole by OpenSSL. */
#define FULL_PARSE_MAX_ENTRIES 10000

struct scope {
	int64_t ca_id;
	const char *kind;  /* full, partition, arl */
	const char *url;
	const char *rscope; /* revocations.scope: "ee" or "ca" */
	const X509 *issuer;
	struct gc_hsm_key *key;
	/* the CA names the linter expects of this issuer (NULL: the CA's current ones); after
	 * a changeover an older CA's CRLs name its own root (CPS §4.7) */
	const char *const *ca_names;
	bool aki_key_only; /* an ARL of a root key that link certificates certify too */
};

/* C, ST, L, O of the CA, then the root and the CA that signs: from the signing CA's
 * certificate (cns holds the two CNs). */
static void names_of(const struct gc_ca *ca, const X509 *signer, bool root, char cns[2][260],
                     const char *names[6])
{
	X509_NAME_get_text_by_NID(X509_get_issuer_name(signer), NID_commonName, cns[0], 260);
	X509_NAME_get_text_by_NID(X509_get_subject_name(signer), NID_commonName, cns[1], 260);
	memcpy(names, ca->ca_names, 6 * sizeof(names[0]));
	names[4] = root ? cns[1] : cns[0];
	names[5] = root ? ca->ca_names[5] : cns[1];
}

struct writer {
	int fd;
	unsigned char *buf;
	size_t used, total;
	EVP_MD_CTX *tbs, *file;
};

static gc_result w_flush(struct writer *w, const char *path)
{
	size_t off = 0;
	ssize_t n;

	while (off < w->used) {
		n = write(w->fd, w->buf + off, w->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gc_fail(GC_E_IO, "%s: write: %s", path, strerror(errno));
		off += (size_t)n;
	}
	w->used = 0;
	return GC_OK;
}

static gc_result w_put(struct writer *w, const void *data, size_t n, bool tbs, const char *path)
{
	/* a spool writer (no digests) hashes nothing: its octets are hashed when copied */
	if (tbs && w->tbs != NULL && EVP_DigestUpdate(w->tbs, data, n) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "crl: SHA-256");
	if (w->file != NULL && EVP_DigestUpdate(w->file, data, n) != 1)
		return gc_fail_ssl(GC_E_INTERNAL, "crl: SHA-256");
	if (w->used + n > WBUF)
		GC_GUARD(w_flush(w, path));
	memcpy(w->buf + w->used, data, n);
	w->used += n;
	w->total += n;
	return GC_OK;
}

static const char *select_sql(const struct scope *s)
{
	if (strcmp(s->kind, "partition") == 0)
		return "SELECT serial, revoked_at, reason FROM revocations" /* only g-Certs have a dp */
		       " WHERE ca_id = ? AND dp = ? ORDER BY serial";
	if (strcmp(s->kind, "arl") == 0)
		return "SELECT serial, revoked_at, reason FROM revocations"
		       " WHERE ca_id = ? AND scope = 'ca' ORDER BY serial";
	return "SELECT serial, revoked_at, reason FROM revocations"
	       " WHERE ca_id = ? AND scope = 'ee' ORDER BY serial";
}

static gc_result open_entries(struct gc_db *db, const struct scope *s, struct gc_stmt **st)
{
	GC_GUARD(gc_db_prepare(db, select_sql(s), st));
	if (gc_stmt_bind_int64(*st, 1, s->ca_id) != GC_OK ||
	    (strcmp(s->kind, "partition") == 0 && gc_stmt_bind_text(*st, 2, s->url) != GC_OK)) {
		gc_stmt_free(*st);
		return gc_err_code();
	}
	return GC_OK;
}

/* Reads the next entry; *len 0 and *row false at the end. */
static gc_result next_entry(struct gc_stmt *st, unsigned char *der, size_t *len, bool *row)
{
	struct gc_crl_entry e;

	GC_GUARD(gc_stmt_step(st, row));
	if (!*row)
		return GC_OK;
	e.serial_hex = gc_stmt_text(st, 0);
	e.revoked_at = gc_stmt_int64(st, 1);
	e.reason = (int)gc_stmt_int64(st, 2);
	*len = gc_crl_entry_encode(&e, der);
	GC_ENSURE(*len > 0, GC_E_DB, "revocation %.40s: not a valid CRL entry in the database",
	          e.serial_hex);
	return GC_OK;
}

/* The entries, in serial order, into a writer. */
static gc_result stream_entries(struct gc_db *db, const struct scope *s, struct writer *w,
                                const char *path, int64_t *count)
{
	struct gc_stmt *st;
	unsigned char der[GC_CRL_ENTRY_MAX];
	size_t n;
	bool row = true;
	gc_result rc;

	*count = 0;
	GC_GUARD(open_entries(db, s, &st));
	while ((rc = next_entry(st, der, &n, &row)) == GC_OK && row) {
		/* fault build only: a builder bug that keeps the length but changes the reason
		 * (the last octet of an entry), for the proof before publication to catch */
		if (GC_FAULT_ACTIVE("crl_wrong_reason"))
			der[n - 1] = (unsigned char)((der[n - 1] + 1) % 7);
		/* and one that writes a reason code the CPS does not have, for the lint to stop
		 * before the token signs */
		if (GC_FAULT_ACTIVE("crl_bad_reason"))
			der[n - 1] = 7;
		if ((rc = w_put(w, der, n, true, path)) != GC_OK)
			break;
		(*count)++;
	}
	gc_stmt_free(st);
	return rc;
}

/*
 * The entries are read from the database once (issue 18): encoded into a spool file beside
 * the CRL, whose size and count the header's lengths need, then copied behind the header.
 * Reading them twice (a measuring pass, then a writing pass) cost a third of a CRL's time
 * at 1,000,000 entries, more on PostgreSQL. The spool has no name once open.
 */
static gc_result spool_entries(struct gc_db *db, const struct scope *s, const char *tmp,
                               struct writer *sp, int64_t *count)
{
	char path[GC_MAX_PATH + 80];

	snprintf(path, sizeof(path), "%s.entries", tmp);
	GC_ENSURE((sp->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0, GC_E_IO,
	          "%s: %s", path, strerror(errno));
	unlink(path);
	GC_GUARD(stream_entries(db, s, sp, path, count));
	return w_flush(sp, path);
}

static gc_result copy_spool(struct writer *sp, struct writer *w, const char *tmp)
{
	size_t off = 0, want;
	ssize_t n;

	while (off < sp->total) {
		want = sp->total - off < WBUF ? sp->total - off : WBUF;
		n = pread(sp->fd, sp->buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		GC_ENSURE(n > 0, GC_E_IO, "%s.entries: read %zu of %zu octets: %s", tmp, off, sp->total,
		          n < 0 ? strerror(errno) : "short file");
		GC_GUARD(w_put(w, sp->buf, (size_t)n, true, tmp));
		off += (size_t)n;
	}
	return GC_OK;
}

static gc_result next_number(struct gc_db *db, int64_t ca_id, int64_t *num)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	/* one past the issuer's last, and at least the floor a restore set (migration 8) */
	/* the larger of two, written as an aggregate: SQLite's max(a, b) is not PostgreSQL's */
	GC_GUARD(gc_db_prepare(db, "SELECT max(n) FROM (SELECT coalesce(max(crl_number), 0) + 1 AS n FROM crls"
	                           " WHERE ca_id = ? UNION ALL SELECT coalesce(max(floor), 1) FROM crl_number_floor)"
	                           " AS candidates",
	                       &st));
	if ((rc = gc_stmt_bind_int64(st, 1, ca_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK)
		*num = gc_stmt_int64(st, 0);
	gc_stmt_free(st);
	/* docs/design.md: below 2^159; an int64 counter stays far below, and must not wrap. */
	if (rc == GC_OK && *num <= 0)
		rc = gc_fail(GC_E_CRL_NUMBER, "crl: cRLNumber of CA %lld would wrap", (long long)ca_id);
	return rc;
}

/* Steps 2-3: the signed CRL in the temporary file; digest of the whole file. */
static gc_result lint_unsigned(struct gc_ca *, const struct scope *, const struct gc_crl_params *,
                               int fd, size_t total);

/* The CRL up to its extensions: the entries spooled, then the header their length gives,
 * then the entries copied from the spool. */
static gc_result write_head_and_entries(struct gc_ca *ca, const struct scope *s,
                                        struct gc_crl_params *p, struct writer *w, const char *tmp,
                                        struct gc_crl_enc *enc, int64_t *count)
{
	struct writer sp = {.fd = -1};
	gc_result rc;

	GC_ENSURE((sp.buf = malloc(WBUF)) != NULL, GC_E_NOMEM, "crl: out of memory");
	if ((rc = spool_entries(ca->db, s, tmp, &sp, count)) == GC_OK) {
		p->entries_len = sp.total;
		p->sig_len = (size_t)EVP_PKEY_get_size(gc_hsm_key_public(s->key));
		if ((rc = gc_crl_enc_init(p, enc)) == GC_OK &&
		    (rc = w_put(w, enc->head, enc->tbs_off, false, tmp)) == GC_OK &&
		    (rc = w_put(w, enc->head + enc->tbs_off, enc->headsz - enc->tbs_off, true, tmp)) == GC_OK)
			rc = copy_spool(&sp, w, tmp);
	}
	if (sp.fd >= 0)
		close(sp.fd);
	free(sp.buf);
	return rc;
}

static gc_result write_crl(struct gc_ca *ca, const struct scope *s, struct gc_crl_params *p,
                           struct writer *w, const char *tmp, struct gc_crl_enc *enc,
                           int64_t *count)
{
	unsigned char digest[32], sig[GC_RSA_SIG_MAX], *sigpart = NULL;
	size_t siglen = sizeof(sig), sigpartsz;
	gc_result rc;

	GC_GUARD(write_head_and_entries(ca, s, p, w, tmp, enc, count));
	GC_GUARD(w_put(w, enc->tail, enc->tailsz, true, tmp));
	GC_ENSURE(EVP_DigestFinal_ex(w->tbs, digest, NULL) == 1, GC_E_INTERNAL, "crl: SHA-256");
	GC_GUARD(w_flush(w, tmp));
	GC_GUARD(lint_unsigned(ca, s, p, w->fd, enc->total));
	GC_GUARD(gc_hsm_sign_sha256(s->key, digest, sig, &siglen));
	GC_ENSURE(siglen == p->sig_len, GC_E_HSM, "crl: token signature is %zu octets, expected %zu",
	          siglen, p->sig_len);
	GC_GUARD(gc_crl_enc_signature(sig, siglen, &sigpart, &sigpartsz));
	rc = w_put(w, sigpart, sigpartsz, false, tmp);
	free(sigpart);
	GC_GUARD(rc);
	GC_GUARD(w_flush(w, tmp));
	GC_ENSURE(w->total == enc->total, GC_E_INTERNAL, "crl: wrote %zu octets, encoded %zu", w->total,
	          enc->total);
	GC_ENSURE(fsync(w->fd) == 0, GC_E_IO, "%s: fsync: %s", tmp, strerror(errno));
	return GC_OK;
}

static gc_result verify_sig(EVP_PKEY *pub, const unsigned char digest[32], const unsigned char *sig,
                            size_t siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pub, NULL);
	int ok = pc != NULL && EVP_PKEY_verify_init(pc) == 1 &&
	         EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	         EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
	         EVP_PKEY_verify(pc, sig, siglen, digest, 32) == 1;

	EVP_PKEY_CTX_free(pc);
	return ok ? GC_OK : gc_fail_ssl(GC_E_VERIFY, "crl: the written CRL does not verify with the "
	                                             "issuer's public key");
}

/*
 * Step 4: re-reads the file from disk; hashes the TBS region and checks the signature
 * (never trust what we signed), copying the bytes into the archive blob as it goes.
 */
static gc_result reread(struct gc_ca *ca, const struct scope *s, const struct gc_crl_enc *enc,
                        const char *tmp, int64_t archive_id, unsigned char *buf)
{
	struct gc_blob *blob = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	size_t off = 0, tbs_end = enc->tbs_off + enc->tbssz, a, b, siglen = 0;
	ssize_t n;
	gc_result rc = GC_OK;
	int fd = -1;

	GC_NOMEM_OUT(rc, md);
	GC_SSL_OUT(rc, EVP_DigestInit_ex(md, EVP_sha256(), NULL), GC_E_INTERNAL, "crl: SHA-256");
	GC_GUARD_OUT(rc, gc_db_blob_open(ca->db, "crls", "der", archive_id, &blob));
	GC_ENSURE_OUT(rc, (fd = open(tmp, O_RDONLY | O_CLOEXEC)) >= 0, GC_E_IO, "%s: %s", tmp,
	              strerror(errno));
	while ((n = read(fd, buf, WBUF)) > 0) {
		a = off > enc->tbs_off ? off : enc->tbs_off;
		b = off + (size_t)n < tbs_end ? off + (size_t)n : tbs_end;
		if (a < b)
			GC_SSL_OUT(rc, EVP_DigestUpdate(md, buf + (a - off), b - a), GC_E_INTERNAL, "crl: SHA-256");
		GC_GUARD_OUT(rc, gc_blob_write(blob, buf, (size_t)n, off));
		off += (size_t)n;
	}
	GC_ENSURE_OUT(rc, n >= 0 && off == enc->total, GC_E_IO, "%s: re-read %zu of %zu octets", tmp, off,
	              enc->total);
	GC_GUARD_OUT(rc, gc_blob_flush(blob));
	siglen = (size_t)EVP_PKEY_get_size(gc_hsm_key_public(s->key));
	GC_ENSURE_OUT(rc, pread(fd, buf, siglen, (off_t)(enc->total - siglen)) == (ssize_t)siglen,
	              GC_E_IO, "%s: cannot re-read the signature", tmp);
	GC_SSL_OUT(rc, EVP_DigestFinal_ex(md, digest, NULL), GC_E_INTERNAL, "crl: SHA-256");
	rc = verify_sig(gc_hsm_key_public(s->key), digest, buf, siglen);
out:
	if (fd >= 0)
		close(fd);
	gc_blob_close(blob);
	EVP_MD_CTX_free(md);
	return rc;
}

/* A small CRL is also parsed back whole and verified by OpenSSL's own code. */
static gc_result parse_back(const char *tmp, const struct scope *s, int64_t count)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len;
	X509_CRL *crl = NULL;
	gc_result rc = GC_OK;

	if (count > FULL_PARSE_MAX_ENTRIES)
		return GC_OK;
	GC_GUARD(gc_file_read(tmp, GC_MAX_CRL_FILE, &der, &len));
	p = der;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl == NULL || p != der + len || X509_CRL_verify(crl, gc_hsm_key_public(s->key)) != 1 ||
	    (X509_CRL_get_REVOKED(crl) ? sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) : 0) != (int)count)
		rc = gc_fail_ssl(GC_E_VERIFY, "crl: %s does not parse back to a CRL of %lld entries that "
		                 "verifies", s->url, (long long)count);
	X509_CRL_free(crl);
	free(der);
	return rc;
}

/* Seconds before a CRL lapses, when the next scheduled run comes too late, in which the
 * schedule issues it again. */
#define CRL_REGEN_MARGIN 3600

/* ---- issue 10: proved before publication ---- */

struct tally {
	struct gc_stmt *st; /* the scope's revocations, in serial order */
	gc_result rc;
	int64_t seen;
};

/* One CRL entry against the next revocation of the database: same serial, date, reason. */
static bool tally_entry(const struct gc_lint_crl_entry *e, void *arg)
{
	struct tally *t = arg;
	const uint8_t *sp = e->serial;
	size_t sn = e->serialsz;
	char hex[2 * CPS_SERIAL_OCTETS + 1];
	bool row;

	if ((t->rc = gc_stmt_step(t->st, &row)) != GC_OK)
		return false;
	if (sn > 1 && sp[0] == 0) /* the sign octet of a positive INTEGER */
		sp++, sn--;
	if (sn != CPS_SERIAL_OCTETS) {
		t->rc = gc_fail(GC_E_CRL_INCOMPLETE, "crl: entry %lld: serial is not 20 octets", (long long)t->seen);
		return false;
	}
	gc_hex_encode(sp, sn, hex);
	if (!row)
		t->rc = gc_fail(GC_E_CRL_INCOMPLETE, "crl: lists %s, which the database does not hold revoked", hex);
	else if (strcmp(hex, gc_stmt_text(t->st, 0)) != 0)
		t->rc = gc_fail(GC_E_CRL_INCOMPLETE, "crl: revoked certificate %s is missing (found %s in its place)",
		                gc_stmt_text(t->st, 0), hex);
	else if (e->revoked_at != gc_stmt_int64(t->st, 1) || e->reason != (int)gc_stmt_int64(t->st, 2))
		t->rc = gc_fail(GC_E_CRL_INCOMPLETE, "crl: %s: revocationDate or reasonCode differs from the "
		                "revocation recorded", hex);
	t->seen++;
	return t->rc == GC_OK;
}

/* What the linter expects of this CRL (li: the signing CA as the linter reads it). */
static gc_result crl_expect(struct gc_ca *ca, const struct scope *s, const struct gc_crl_params *p,
                           struct gc_lint_issuer *li, unsigned char prev[8], struct gc_lint_crl_expect *x)
{
	unsigned char *issuer_der = NULL;
	int issuer_len, i;
	gc_result rc;

	issuer_len = i2d_X509(s->issuer, &issuer_der);
	GC_ENSURE(issuer_len > 0, GC_E_INTERNAL, "crl: issuer certificate encoding");
	rc = gc_lint_issuer_load(issuer_der, (size_t)issuer_len, li);
	OPENSSL_free(issuer_der);
	GC_GUARD(rc);
	for (i = 0; i < 8; i++)
		prev[i] = (unsigned char)((uint64_t)(p->crl_number - 1) >> (56 - 8 * i));
	memset(x, 0, sizeof(*x));
	x->kind = strcmp(s->kind, "arl") == 0 ? GC_LINT_ARL
	          : strcmp(s->kind, "partition") == 0 ? GC_LINT_CRL_PARTITION : GC_LINT_CRL_FULL;
	x->issuer = li;
	x->root = li;
	x->ca_names = s->ca_names != NULL ? s->ca_names : ca->ca_names;
	x->partition_url = s->url;
	x->prev_number = p->crl_number > 1 ? prev : NULL;
	x->prev_number_len = 8;
	x->now = p->this_update;
	x->max_period = p->next_update - p->this_update;
	x->aki = s->aki_key_only ? GC_LINT_AKI_KEY_ONLY : GC_LINT_AKI_FULL;
	return GC_OK;
}

/*
 * The file read-only in memory (issue 18: the linter reads the page cache in place; no
 * copy of a CRL of millions of entries on the heap), and given back as the linter leaves
 * it: each pass over the entries drops the pages it has read for the last time
 * (MADV_DONTNEED on a shared read-only file mapping: the next touch reads the same file
 * again), so what the process holds of a CRL stays a few windows, whatever its size.
 */
struct mapped {
	const unsigned char *der;
	size_t len;
	size_t dropped; /* octets from der given back in the current pass */
	struct gc_lint_progress progress;
};

static void drop_behind(const uint8_t *upto, void *arg)
{
	struct mapped *m = arg;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), end = (size_t)(upto - m->der) / page * page;

	if (end < m->dropped) /* behind what was given back: the next pass, from the start */
		m->dropped = 0;
	if (end > m->dropped && madvise((void *)(m->der + m->dropped), end - m->dropped, MADV_DONTNEED) == 0)
		m->dropped = end;
}

static gc_result map_file(int fd, size_t len, struct mapped *m)
{
	void *p;

	GC_ENSURE(len > 0, GC_E_IO, "crl: empty file");
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	GC_ENSURE(p != MAP_FAILED, GC_E_IO, "crl: mmap: %s", strerror(errno));
	(void)madvise(p, len, MADV_SEQUENTIAL);
	m->der = p;
	m->len = len;
	m->dropped = 0;
	m->progress.done = drop_behind;
	m->progress.arg = m;
	return GC_OK;
}

static void unmap_file(struct mapped *m)
{
	if (m->der != NULL)
		munmap((void *)m->der, m->len);
	m->der = NULL;
}

/*
 * issue 10: the CRL is linted before the token is asked to sign it. The TBSCertList is
 * complete in the file by then; framed with a zero placeholder of the signature's length
 * it gets the App. C and RFC 5280 checks, names and AKI against the configured CA names
 * (the checks that need the issuer's certificate and the signature follow in prove_crl).
 * The placeholder is written into the file after the TBSCertList, where the signature
 * goes (write_crl writes the real one over it), so the file is the frame and is linted
 * where it is.
 */
static gc_result lint_unsigned(struct gc_ca *ca, const struct scope *s, const struct gc_crl_params *p,
                               int fd, size_t total)
{
	static const unsigned char no_sig[GC_RSA_SIG_MAX];
	unsigned char *place = NULL, prev[8];
	struct mapped frame = {0};
	const char *names[6];
	char cn[UB_COMMON_NAME * 4 + 1];
	struct gc_lint_issuer li = {0};
	struct gc_lint_crl_expect x;
	struct gc_lint_report rep;
	size_t placesz = 0;
	gc_result rc = GC_OK;

	GC_ENSURE(p->sig_len <= sizeof(no_sig), GC_E_INTERNAL, "crl: signature too long");
	GC_GUARD(gc_crl_enc_signature(no_sig, p->sig_len, &place, &placesz));
	GC_ENSURE_OUT(rc, placesz <= total && pwrite(fd, place, placesz, (off_t)(total - placesz)) ==
	                                          (ssize_t)placesz,
	              GC_E_IO, "crl: cannot write the signature placeholder: %s", strerror(errno));
	GC_GUARD_OUT(rc, map_file(fd, total, &frame));
	GC_GUARD_OUT(rc, crl_expect(ca, s, p, &li, prev, &x));
	x.issuer = x.root = NULL; /* no signature to check yet */
	/* the names of this CRL's signer (an earlier issuing CA still signs its own CRLs,
	 * naming its own root after a root changeover) */
	memcpy(names, s->ca_names != NULL ? s->ca_names : ca->ca_names, sizeof(names));
	GC_ENSURE_OUT(rc, X509_NAME_get_text_by_NID(X509_get_subject_name(s->issuer), NID_commonName, cn,
	                                            sizeof(cn)) > 0,
	              GC_E_INTERNAL, "crl: the signing CA certificate has no CN");
	names[strcmp(s->kind, "arl") == 0 ? 4 : 5] = cn;
	x.ca_names = names;
	x.progress = &frame.progress;
	gc_lint_report_init(&rep);
	gc_lint_crl(frame.der, total, &x, &rep);
	rc = gc_lint_result(&rep, s->url);
out:
	unmap_file(&frame);
	gc_lint_issuer_clear(&li);
	free(place);
	return rc;
}

/*
 * Before a CRL or ARL is published it is read back by the linter's own parser and
 * proved: signed by the CA, to profile, and complete (every revocation of its scope is on
 * it, with its date and reason, and nothing else).
 */
static gc_result prove_crl(struct gc_ca *ca, const struct scope *s, const struct gc_crl_params *p,
                           const char *tmp)
{
	struct mapped m = {0};
	unsigned char prev[8];
	struct gc_lint_issuer li = {0};
	struct gc_lint_report rep;
	struct gc_lint_crl_expect x;
	struct tally t = {0};
	struct stat st;
	bool row = false, read_all;
	gc_result rc = GC_OK;
	int fd;

	/* the file as it is on disk, by its name (what rename() will publish) */
	GC_ENSURE((fd = open(tmp, O_RDONLY | O_CLOEXEC)) >= 0, GC_E_IO, "%s: %s", tmp, strerror(errno));
	GC_ENSURE_OUT(rc, fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= GC_MAX_CRL_FILE,
	              GC_E_IO, "%s: not a CRL file of at most %llu octets", tmp,
	              (unsigned long long)GC_MAX_CRL_FILE);
	GC_GUARD_OUT(rc, map_file(fd, (size_t)st.st_size, &m));
	GC_GUARD_OUT(rc, crl_expect(ca, s, p, &li, prev, &x));
	x.progress = &m.progress;
	gc_lint_report_init(&rep);
	gc_lint_crl(m.der, m.len, &x, &rep);
	GC_GUARD_OUT(rc, gc_lint_result(&rep, s->url));
	GC_GUARD_OUT(rc, open_entries(ca->db, s, &t.st));
	read_all = gc_lint_crl_foreach_progress(m.der, m.len, &m.progress, tally_entry, &t);
	GC_GUARD_OUT(rc, t.rc);
	GC_ENSURE_OUT(rc, read_all, GC_E_CRL_INCOMPLETE, "crl: %s could not be read to its end", s->url);
	GC_GUARD_OUT(rc, gc_stmt_step(t.st, &row));
	GC_ENSURE_OUT(rc, !row, GC_E_CRL_INCOMPLETE, "crl: revoked certificate %s is missing from %s",
	              gc_stmt_text(t.st, 0), s->url);
out:
	gc_stmt_free(t.st);
	gc_lint_issuer_clear(&li);
	unmap_file(&m);
	close(fd);
	return rc;
}

/* A CRL that failed its proof is not published; the previous one stays. Audited on its
 * own (the CRL's transaction was rolled back), as a significant event (§4.5.7). */
static void audit_blocked(struct gc_ca *ca, const struct scope *s, gc_result why)
{
	char detail[1100], saved[1024];

	snprintf(saved, sizeof(saved), "%s", gc_err_detail());
	snprintf(detail, sizeof(detail), "%s not published: %s: %s", s->url, gc_code_name(why), saved);
	if (gc_db_begin(ca->db) == GC_OK &&
	    (gc_audit_append(ca->audit, ca->actor, GC_EV_CRL_BLOCKED, s->url, false, detail) != GC_OK ||
	     gc_db_commit(ca->db) != GC_OK))
		gc_db_rollback(ca->db);
	gc_fail(why, "%s", saved);
}

static gc_result insert_archive(struct gc_db *db, const struct scope *s, const struct gc_crl_params *p,
                                enum gc_crl_cause cause, int64_t count, size_t size,
                                const char *sha, int64_t now, int64_t *id)
{
	static const char *const causes[] = {"scheduled", "supplementary", "compromise"};
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO crls (ca_id, kind, url, crl_number, this_update,"
	                           " next_update, entries, cause, sha256, der, created_at, revocations_upto)"
	                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	                           " (SELECT coalesce(max(id), 0) FROM revocations)) RETURNING id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, s->ca_id)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, s->kind)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, s->url)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 4, p->crl_number)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 5, p->this_update)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 6, p->next_update)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 7, count)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 8, causes[cause])) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 9, sha)) == GC_OK &&
	    (rc = gc_stmt_bind_zeroblob(st, 10, size)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 11, now)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK)
		*id = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result audit_crl(struct gc_ca *ca, const struct scope *s, const struct gc_crl_result *r)
{
	char detail[700], object[64];

	snprintf(object, sizeof(object), "%s#%lld", gc_config_crl_file(s->url), (long long)r->crl_number);
	snprintf(detail, sizeof(detail), "%s CRL of CN=%s, cRLNumber %lld, %lld entries, %zu octets, "
	         "sha256 %s, %s", s->kind, r->issuer_cn, (long long)r->crl_number, (long long)r->entries,
	         r->size, r->sha256, r->url);
	return gc_audit_append(ca->audit, ca->actor,
	                       strcmp(s->kind, "arl") == 0 ? GC_EV_ARL_ISSUED : GC_EV_CRL_ISSUED, object,
	                       true, detail);
}

static gc_result gc_crl_repo_dir(const struct gc_ca *ca, char *out, size_t outsz)
{
	if (ca->cfg.repo.dir[0] == '/')
		return (size_t)snprintf(out, outsz, "%s", ca->cfg.repo.dir) < outsz
		           ? GC_OK : gc_fail(GC_E_CONFIG, "repository.dir: path too long");
	return gc_path_join(out, outsz, ca->dir, ca->cfg.repo.dir);
}

gc_result gc_crl_dir(const struct gc_ca *ca, char *out, size_t outsz)
{
	char repo[GC_MAX_PATH];

	/* the repository directory (repository.dir, default DIR/repo; served over HTTP and
	 * LDAP by the CA service, SPEC §5) */
	GC_GUARD(gc_crl_repo_dir(ca, repo, sizeof(repo)));
	return gc_path_join(out, outsz, repo, "crl");
}

static void fill_result(const struct scope *s, const struct gc_crl_params *p, struct gc_crl_result *r)
{
	X509_NAME_get_text_by_NID(X509_get_subject_name(s->issuer), NID_commonName, r->issuer_cn,
	                          sizeof(r->issuer_cn));
	snprintf(r->kind, sizeof(r->kind), "%s", s->kind);
	snprintf(r->url, sizeof(r->url), "%s", s->url);
	r->crl_number = p->crl_number;
	r->this_update = p->this_update;
	r->next_update = p->next_update;
}

/* Steps 1-5 for one CRL; the file appears under its name only after the commit. */
static gc_result issue_one(struct gc_ca *ca, const struct scope *s, enum gc_crl_cause cause,
                           int64_t now, int64_t next_update, struct gc_crl_result *r)
{
	struct gc_crl_params p = {.issuer_cert = s->issuer, .this_update = now, .next_update = next_update,
	                          .idp_only_ca = strcmp(s->kind, "arl") == 0, .aki_key_only = s->aki_key_only};
	struct gc_crl_enc enc = {0};
	struct writer w = {.fd = -1};
	unsigned char sha[32];
	char dir[GC_MAX_PATH], tmp[GC_MAX_PATH + 64];
	int64_t count = 0, id = 0;
	struct timespec t0, t1;
	gc_result rc;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(s->kind, "partition") == 0)
		p.idp_url = s->url;
	GC_GUARD(gc_crl_repo_dir(ca, dir, sizeof(dir)));
	GC_GUARD(gc_mkdir(dir, 0755, 0));
	GC_GUARD(gc_crl_dir(ca, dir, sizeof(dir)));
	GC_GUARD(gc_mkdir(dir, 0755, 0));
	GC_GUARD(gc_path_join(r->path, sizeof(r->path), dir, gc_config_crl_file(s->url)));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", r->path, (long)getpid());
	GC_NOMEM_OUT(rc, w.buf = malloc(WBUF));
	GC_NOMEM_OUT(rc, w.tbs = EVP_MD_CTX_new());
	GC_NOMEM_OUT(rc, w.file = EVP_MD_CTX_new());
	GC_SSL_OUT(rc, EVP_DigestInit_ex(w.tbs, EVP_sha256(), NULL), GC_E_INTERNAL, "crl: SHA-256");
	GC_SSL_OUT(rc, EVP_DigestInit_ex(w.file, EVP_sha256(), NULL), GC_E_INTERNAL, "crl: SHA-256");
	GC_GUARD_OUT(rc, gc_db_begin(ca->db));
	GC_GUARD_OUT(rc, next_number(ca->db, s->ca_id, &p.crl_number));
	GC_ENSURE_OUT(rc, (w.fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0, GC_E_IO,
	              "%s: %s", tmp, strerror(errno));
	fchmod(w.fd, 0644); /* the repository publishes it: world-readable on purpose */
	if ((rc = write_crl(ca, s, &p, &w, tmp, &enc, &count)) == GC_E_LINT) {
		/* the linter refused it before the token signed: audited as a blocked CRL */
		gc_db_rollback(ca->db);
		audit_blocked(ca, s, rc);
		goto out;
	}
	GC_GUARD_OUT(rc, rc);
	GC_SSL_OUT(rc, EVP_DigestFinal_ex(w.file, sha, NULL), GC_E_INTERNAL, "crl: SHA-256");
	fill_result(s, &p, r);
	gc_hex_encode(sha, 32, r->sha256);
	r->entries = count;
	r->size = enc.total;
	GC_GUARD_OUT(rc, insert_archive(ca->db, s, &p, cause, count, enc.total, r->sha256, now, &id));
	GC_GUARD_OUT(rc, reread(ca, s, &enc, tmp, id, w.buf));
	GC_GUARD_OUT(rc, parse_back(tmp, s, count));
	if ((rc = prove_crl(ca, s, &p, tmp)) != GC_OK) {
		gc_db_rollback(ca->db);
		audit_blocked(ca, s, rc);
		goto out;
	}
	GC_GUARD_OUT(rc, audit_crl(ca, s, r));
	GC_GUARD_OUT(rc, gc_db_commit(ca->db));
	/* Committed: publish. rename() replaces the old file atomically. */
	GC_ENSURE_OUT(rc, rename(tmp, r->path) == 0, GC_E_IO, "%s: rename: %s (CRL %lld is archived; "
	              "the next run publishes again)", r->path, strerror(errno), (long long)p.crl_number);
	GC_GUARD_OUT(rc, gc_file_sync_dir(r->path));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
out:
	if (rc != GC_OK) {
		gc_db_rollback(ca->db);
		unlink(tmp);
	}
	if (w.fd >= 0)
		close(w.fd);
	EVP_MD_CTX_free(w.tbs);
	EVP_MD_CTX_free(w.file);
	free(w.buf);
	gc_crl_enc_clear(&enc);
	return rc;
}

/* ---- which CRLs to issue ---- */

struct ca_row {
	int64_t id;
	X509 *cert;
	char key_label[65];
	bool current;
};

static gc_result load_ca_row(struct gc_stmt *st, struct ca_row *r)
{
	const unsigned char *p;
	size_t n;

	r->id = gc_stmt_int64(st, 0);
	p = gc_stmt_blob(st, 1, &n);
	snprintf(r->key_label, sizeof(r->key_label), "%s", gc_stmt_text(st, 2));
	r->current = gc_stmt_int64(st, 3) != 0;
	if ((r->cert = d2i_X509(NULL, &p, (long)n)) == NULL)
		return gc_fail_ssl(GC_E_DB, "CA certificate %lld in the database does not parse",
		                   (long long)r->id);
	return GC_OK;
}

/* Issuing CAs that publish: the current one, and older unexpired ones that published. */
static gc_result publishing_cas(struct gc_ca *ca, int64_t now, struct ca_row *rows, size_t max,
                                size_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(ca->db, "SELECT id, der, key_label, is_current FROM ca_certs"
	                               " WHERE role = 'issuing' AND (id = ? OR (not_after > ? AND id IN"
	                               " (SELECT ca_id FROM crl_scopes))) ORDER BY id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, ca->issuing_id)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, now)) == GC_OK) {
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
			if (*n == max) {
				rc = gc_fail(GC_E_CONFIG, "crl: more than %zu issuing CAs still publish", max);
				break;
			}
			if ((rc = load_ca_row(st, &rows[*n])) != GC_OK)
				break;
			(*n)++;
		}
	}
	gc_stmt_free(st);
	return rc;
}

static gc_result add_scope(struct gc_db *db, int64_t ca_id, const char *kind, const char *url, int64_t now)
{
	struct gc_stmt *st;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "INSERT INTO crl_scopes (ca_id, kind, url, created_at)"
	                           " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, ca_id)) == GC_OK && (rc = gc_stmt_bind_text(st, 2, kind)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 3, url)) == GC_OK && (rc = gc_stmt_bind_int64(st, 4, now)) == GC_OK)
		rc = gc_stmt_run(st);
	gc_stmt_free(st);
	return rc;
}

/*
 * The scopes of a CA are fixed the first time it publishes, from the configuration in
 * force; every distribution point its revoked certificates name becomes a partition.
 */
static gc_result record_scopes(struct gc_ca *ca, const struct ca_row *r, int64_t now)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	if (r->current) {
		GC_GUARD_OUT(rc, add_scope(ca->db, r->id, "full", ca->cfg.full_crl, now));
		GC_GUARD_OUT(rc, add_scope(ca->db, r->id, "partition", ca->cfg.crl_dp, now));
	}
	GC_GUARD_OUT(rc, gc_db_prepare(ca->db, "INSERT INTO crl_scopes (ca_id, kind, url,"
	                                       " created_at) SELECT DISTINCT ca_id, 'partition', dp, ?"
	                                       " FROM revocations WHERE ca_id = ? AND dp IS NOT NULL"
	                                       " ON CONFLICT DO NOTHING", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, now)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, r->id)) == GC_OK)
		rc = gc_stmt_step(st, &row);
	gc_stmt_free(st);
	GC_GUARD_OUT(rc, rc);
	return gc_db_commit(ca->db);
out:
	gc_db_rollback(ca->db);
	return rc;
}

static gc_result list_scopes(struct gc_db *db, int64_t ca_id, char (*kinds)[12], char (*urls)[256],
                             size_t max, size_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(db, "SELECT kind, url FROM crl_scopes WHERE ca_id = ? AND kind <> 'arl'"
	                           " ORDER BY kind, url", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, ca_id)) == GC_OK) {
		while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
			if (*n >= max) {
				rc = gc_fail(GC_E_CONFIG, "crl: CA %lld has more than %zu CRL scopes",
				             (long long)ca_id, max);
				break;
			}
			snprintf(kinds[*n], 12, "%s", gc_stmt_text(st, 0));
			snprintf(urls[*n], 256, "%s", gc_stmt_text(st, 1));
			(*n)++;
		}
	}
	gc_stmt_free(st);
	return rc;
}

static int64_t next_update_of(const struct gc_ca *ca, int64_t now)
{
	return now + (int64_t)ca->cfg.crl_next_update_hours * 3600;
}

static gc_result issue_for_ca(struct gc_ca *ca, const struct ca_row *r, enum gc_crl_cause cause,
                              int64_t now, struct gc_crl_result *res, size_t max, size_t *n)
{
	char kinds[GC_CRL_MAX_RESULTS][12], urls[GC_CRL_MAX_RESULTS][256];
	struct scope s = {.ca_id = r->id, .rscope = "ee", .issuer = r->cert};
	char cns[2][260];
	const char *names[6];
	size_t ns, i;

	names_of(ca, r->cert, false, cns, names);
	s.ca_names = names;
	GC_GUARD(record_scopes(ca, r, now));
	GC_GUARD(list_scopes(ca->db, r->id, kinds, urls, GC_CRL_MAX_RESULTS, &ns));
	/* the current key is already open; an older CA's key is looked up (a service's
	 * other threads only ever use the current keys) */
	if (r->id == ca->issuing_id && ca->issuing_key != NULL)
		s.key = ca->issuing_key;
	else
		GC_GUARD(gc_hsm_find_key(ca->hsm, r->key_label, &s.key));
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(s.key), X509_get0_pubkey(r->cert)) == 1, GC_E_HSM,
	          "token key \"%s\" does not match its CA certificate", r->key_label);
	for (i = 0; i < ns; i++) {
		GC_ENSURE(*n < max, GC_E_INTERNAL, "crl: more than %zu CRLs in one run", max);
		s.kind = kinds[i];
		s.url = urls[i];
		GC_GUARD(issue_one(ca, &s, cause, now, next_update_of(ca, now), &res[*n]));
		(*n)++;
	}
	return GC_OK;
}

/*
 * Each run holds GC_LOCK_CRL_RUN: a cRLNumber is read, the CRL signed, and its number
 * stored, and two nodes (or a node and `gcert crl issue`) never take the same one.
 */
gc_result gc_crl_issue(struct gc_ca *ca, enum gc_crl_cause cause, int64_t now,
                       struct gc_crl_result *res, size_t max, size_t *n)
{
	struct ca_row rows[8];
	size_t nrows = 0, i;
	gc_result rc;

	*n = 0;
	GC_ENSURE(ca->hsm != NULL, GC_E_HSM, "crl: the token is not open");
	memset(rows, 0, sizeof(rows));
	GC_GUARD(gc_db_lock(ca->db, GC_LOCK_CRL_RUN));
	rc = publishing_cas(ca, now, rows, 8, &nrows);
	for (i = 0; rc == GC_OK && i < nrows; i++)
		rc = issue_for_ca(ca, &rows[i], cause, now, res, max, n);
	for (i = 0; i < 8; i++)
		X509_free(rows[i].cert);
	gc_db_unlock(ca->db, GC_LOCK_CRL_RUN);
	return rc;
}

/*
 * App. C II gives the ARL's AKI the root certificate's issuer and serial. After a root
 * changeover a root key has two certificates, its own and the link the other root signed
 * (CPS §4.7); an issuer + serial names only one, and OpenSSL's -crl_check_all then fails
 * for relying parties holding the other. The keyIdentifier alone, which App. C II's
 * remark says the field is for ("to identify the public key matching the private key that
 * signs the ARL"), matches both: such an ARL carries only that (docs/revocation.md).
 */
static gc_result root_has_links(struct gc_db *db, int64_t root_id, bool *links)
{
	struct gc_stmt *st;
	bool row = false;
	gc_result rc;

	GC_GUARD(gc_db_prepare(db, "SELECT count(*) FROM ca_links WHERE subject_id = ?", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, root_id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK)
		*links = row && gc_stmt_int64(st, 0) > 0;
	gc_stmt_free(st);
	return rc;
}

static gc_result arl_issue(struct gc_ca *ca, enum gc_crl_cause cause, int64_t now, struct gc_crl_result *res)
{
	struct scope s = {.ca_id = ca->root_id, .kind = "arl", .rscope = "ca", .url = ca->cfg.arl_url,
	                  .issuer = ca->root_cert, .key = ca->root_key};

	GC_GUARD(root_has_links(ca->db, ca->root_id, &s.aki_key_only));
	GC_GUARD(gc_db_begin(ca->db));
	if (add_scope(ca->db, ca->root_id, "arl", ca->cfg.arl_url, now) != GC_OK) {
		gc_db_rollback(ca->db);
		return gc_err_code();
	}
	GC_GUARD(gc_db_commit(ca->db));
	/* App. C II: issued yearly, so the ARL's nextUpdate is a year on. */
	return issue_one(ca, &s, cause, now, gc_time_add_months(now, CPS_ARL_PERIOD_MONTHS), res);
}

gc_result gc_arl_issue(struct gc_ca *ca, enum gc_crl_cause cause, int64_t now, struct gc_crl_result *res)
{
	gc_result rc;

	GC_ENSURE(ca->root_key != NULL, GC_E_HSM, "arl: the token is not open");
	GC_GUARD(gc_db_lock(ca->db, GC_LOCK_CRL_RUN));
	rc = arl_issue(ca, cause, now, res);
	gc_db_unlock(ca->db, GC_LOCK_CRL_RUN);
	return rc;
}

/* Roots replaced by a root changeover that still publish an ARL (CPS §4.7): their
 * certificate has not expired. */
static gc_result old_roots(struct gc_ca *ca, int64_t now, struct ca_row *rows, size_t max, size_t *n)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	*n = 0;
	GC_GUARD(gc_db_prepare(ca->db, "SELECT id, der, key_label, is_current FROM ca_certs WHERE role = 'root'"
	                               " AND id <> ? AND not_after > ? AND id IN (SELECT ca_id FROM crl_scopes"
	                               " WHERE kind = 'arl') ORDER BY id", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, ca->root_id)) == GC_OK && (rc = gc_stmt_bind_int64(st, 2, now)) == GC_OK)
		while (*n < max && (rc = gc_stmt_step(st, &row)) == GC_OK && row &&
		       (rc = load_ca_row(st, &rows[*n])) == GC_OK)
			(*n)++;
	gc_stmt_free(st);
	return rc;
}

static gc_result old_root_arl(struct gc_ca *ca, const struct ca_row *r, enum gc_crl_cause cause, int64_t now,
                              struct gc_crl_result *res)
{
	struct scope s = {.ca_id = r->id, .kind = "arl", .rscope = "ca", .issuer = r->cert};
	struct gc_stmt *st;
	char url[256] = "", cns[2][260];
	const char *names[6];
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT url FROM crl_scopes WHERE ca_id = ? AND kind = 'arl'", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, r->id)) == GC_OK && (rc = gc_stmt_step(st, &row)) == GC_OK && row)
		snprintf(url, sizeof(url), "%s", gc_stmt_text(st, 0));
	gc_stmt_free(st);
	GC_GUARD(rc);
	s.url = url;
	GC_GUARD(root_has_links(ca->db, r->id, &s.aki_key_only));
	names_of(ca, r->cert, true, cns, names);
	s.ca_names = names;
	GC_GUARD(gc_hsm_find_key(ca->hsm, r->key_label, &s.key));
	GC_ENSURE(EVP_PKEY_eq(gc_hsm_key_public(s.key), X509_get0_pubkey(r->cert)) == 1, GC_E_HSM,
	          "token key \"%s\" does not match its root certificate", r->key_label);
	return issue_one(ca, &s, cause, now, gc_time_add_months(now, CPS_ARL_PERIOD_MONTHS), res);
}

gc_result gc_arl_issue_all(struct gc_ca *ca, enum gc_crl_cause cause, int64_t now, struct gc_crl_result *res,
                           size_t max, size_t *n)
{
	struct ca_row rows[8];
	size_t nrows = 0, i;
	gc_result rc;

	*n = 0;
	GC_ENSURE(max > 0, GC_E_INTERNAL, "arl: no room for results");
	GC_ENSURE(ca->root_key != NULL, GC_E_HSM, "arl: the token is not open");
	GC_GUARD(gc_db_lock(ca->db, GC_LOCK_CRL_RUN));
	memset(rows, 0, sizeof(rows));
	if ((rc = arl_issue(ca, cause, now, &res[0])) == GC_OK) {
		*n = 1;
		rc = old_roots(ca, now, rows, 8, &nrows);
	}
	for (i = 0; rc == GC_OK && i < nrows && *n < max; i++)
		if ((rc = old_root_arl(ca, &rows[i], cause, now, &res[*n])) == GC_OK)
			(*n)++;
	for (i = 0; i < 8; i++)
		X509_free(rows[i].cert);
	gc_db_unlock(ca->db, GC_LOCK_CRL_RUN);
	return rc;
}

gc_result gc_crl_publish_all(struct gc_ca *ca, int64_t now, size_t *n)
{
	struct gc_crl_result *res = calloc(GC_CRL_MAX_RESULTS, sizeof(*res));
	size_t narl = 0, ncrl = 0;
	gc_result rc;

	*n = 0;
	GC_ENSURE(res != NULL, GC_E_NOMEM, "crl: out of memory");
	if ((rc = gc_arl_issue_all(ca, GC_CRL_SUPPLEMENTARY, now, res, GC_CRL_MAX_RESULTS, &narl)) == GC_OK)
		rc = gc_crl_issue(ca, GC_CRL_SUPPLEMENTARY, now, res, GC_CRL_MAX_RESULTS, &ncrl);
	free(res);
	GC_GUARD(rc);
	*n = narl + ncrl;
	return GC_OK;
}

gc_result gc_crl_last_issued(struct gc_ca *ca, const char *kind, bool scheduled_only, int64_t *at)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, scheduled_only
	                                   ? "SELECT coalesce(max(this_update), 0) FROM crls"
	                                     " WHERE kind = ? AND ca_id = ? AND cause = 'scheduled'"
	                                   : "SELECT coalesce(max(this_update), 0) FROM crls"
	                                     " WHERE kind = ? AND ca_id = ?", &st));
	if ((rc = gc_stmt_bind_text(st, 1, kind)) == GC_OK &&
	    (rc = gc_stmt_bind_int64(st, 2, strcmp(kind, "arl") == 0 ? ca->root_id : ca->issuing_id)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK)
		*at = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

gc_result gc_crl_earliest_expiry(struct gc_ca *ca, int64_t *next_update)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	/* the newest CRL of each series (CA, kind, URL) */
	GC_GUARD(gc_db_prepare(ca->db, "SELECT coalesce(min(c.next_update), 0) FROM crls c WHERE c.kind <> 'arl'"
	                               " AND c.crl_number = (SELECT max(m.crl_number) FROM crls m"
	                               "  WHERE m.ca_id = c.ca_id AND m.kind = c.kind AND m.url = c.url)",
	                       &st));
	if ((rc = gc_stmt_step(st, &row)) == GC_OK)
		*next_update = row ? gc_stmt_int64(st, 0) : 0;
	gc_stmt_free(st);
	return rc;
}

gc_result gc_crl_set_floor(struct gc_ca *ca, const char *reason, int64_t *floor)
{
	struct timespec ts;
	struct gc_stmt *st;
	int64_t f;
	bool row;
	gc_result rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	f = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	GC_GUARD(gc_db_prepare(ca->db, "INSERT INTO crl_number_floor (floor, set_at, reason)"
	                               " SELECT max(n), ?, ? FROM (SELECT ? AS n UNION ALL"
	                               " SELECT coalesce(max(crl_number), 0) + 1 FROM crls) AS candidates"
	                               " RETURNING floor", &st));
	if ((rc = gc_stmt_bind_int64(st, 1, (int64_t)ts.tv_sec)) == GC_OK &&
	    (rc = gc_stmt_bind_text(st, 2, reason)) == GC_OK && (rc = gc_stmt_bind_int64(st, 3, f)) == GC_OK &&
	    (rc = gc_stmt_step(st, &row)) == GC_OK)
		*floor = row ? gc_stmt_int64(st, 0) : f;
	gc_stmt_free(st);
	return rc;
}

gc_result gc_crl_due(struct gc_ca *ca, const struct gc_schedule *sc, int64_t clock, bool *crls, bool *arl)
{
	int64_t last_crl = 0, last_arl = 0, expiry = 0;

	GC_GUARD(gc_crl_last_issued(ca, "full", true, &last_crl));
	GC_GUARD(gc_crl_last_issued(ca, "arl", false, &last_arl));
	GC_GUARD(gc_crl_earliest_expiry(ca, &expiry));
	/* a run missed while down happens now; so does one whose CRLs would lapse before the
	 * next scheduled run, within the hour before they lapse (issue 10: a CRL never expires
	 * unnoticed; regenerating sooner would only make CRLs that lapse just as early) */
	*crls = last_crl < gc_schedule_prev(sc, clock) ||
	        (expiry != 0 && expiry <= gc_schedule_next(sc, clock) && expiry - clock <= CRL_REGEN_MARGIN);
	*arl = last_arl == 0 || gc_time_add_months(last_arl, CPS_ARL_PERIOD_MONTHS) <= clock;
	return GC_OK;
}

gc_result gc_crl_run_due(struct gc_ca *ca, const struct gc_schedule *sc, int64_t clock,
                         struct gc_crl_result *res, size_t max, size_t *n)
{
	int64_t now = (int64_t)time(NULL);
	bool crls, arl;

	struct gc_unpublished u;
	enum gc_crl_cause cause = GC_CRL_SCHEDULED;
	int64_t delay = ca->cfg.crl_supplementary_delay;

	*n = 0;
	GC_GUARD(gc_crl_due(ca, sc, clock, &crls, &arl));
	/* a revocation waits at most crl.supplementary_delay_seconds for a CRL (CPS §4.4.3:
	 * published within two working days, §4.4.4: effective when published; App. C I:
	 * supplementary CRLs may be published at any time) */
	GC_GUARD(gc_crl_unpublished(ca, &u));
	if (!crls && u.ee > 0 && u.ee_oldest + delay <= clock)
		crls = true, cause = GC_CRL_SUPPLEMENTARY;
	if (!arl && u.ca > 0 && u.ca_oldest + delay <= clock)
		arl = true, cause = GC_CRL_SUPPLEMENTARY;
	if (crls)
		GC_GUARD(gc_crl_issue(ca, cause, now, res, max - 1, n));
	if (arl) {
		size_t k = 0;
		GC_ENSURE(*n < max, GC_E_INTERNAL, "crl: no room for the ARL's result");
		GC_GUARD(gc_arl_issue_all(ca, cause, now, &res[*n], max - *n, &k));
		*n += k;
	}
	return GC_OK;
}

/* Revocations that no published CRL (scope ee: the full CRL of its CA; ca: the ARL) has
 * yet, of CAs that publish; oldest by the time it was recorded. */
gc_result gc_crl_unpublished(struct gc_ca *ca, struct gc_unpublished *u)
{
	struct gc_stmt *st;
	bool row;
	gc_result rc;

	memset(u, 0, sizeof(*u));
	GC_GUARD(gc_db_prepare(ca->db, "SELECT scope, count(*), coalesce(min(revoked_at), 0) FROM revocation_status"
	                               " WHERE published_at IS NULL AND ca_id IN (SELECT ca_id FROM crl_scopes)"
	                               " GROUP BY scope", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		if (strcmp(gc_stmt_text(st, 0), "ca") == 0)
			u->ca = gc_stmt_int64(st, 1), u->ca_oldest = gc_stmt_int64(st, 2);
		else
			u->ee = gc_stmt_int64(st, 1), u->ee_oldest = gc_stmt_int64(st, 2);
	}
	gc_stmt_free(st);
	return rc;
}

gc_result gc_crl_next_wake(struct gc_ca *ca, const struct gc_schedule *sc, int64_t clock, int64_t *at)
{
	struct gc_unpublished u;
	int64_t delay = ca->cfg.crl_supplementary_delay;

	*at = gc_schedule_next(sc, clock);
	GC_GUARD(gc_crl_unpublished(ca, &u));
	if (u.ee > 0 && u.ee_oldest + delay < *at)
		*at = u.ee_oldest + delay;
	if (u.ca > 0 && u.ca_oldest + delay < *at)
		*at = u.ca_oldest + delay;
	return GC_OK;
}
