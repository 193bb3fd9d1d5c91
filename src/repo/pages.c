/*
 * pages.c - what the repository shows people (CPS §2.5: it can be browsed online,
 * §2.5.1): the index page, the list of CPS versions, one certificate's page, and PEM
 * text. Everything taken from the database or the configuration is HTML-escaped.
 */
#include "repo/repo.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cps.h"
#include "core/cps_repo.h"
#include "core/cpsdocs.h"
#include "core/limits.h"
#include "core/repo.h"
#include "core/text.h"
#include "core/timeutil.h"

/* ---- a growable text buffer for pages ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = np, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text from the database or the request, made safe for HTML. */
static void sb_html(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default: sb_put(b, s, 1);
		}
	}
}

/* The text and its length; NULL (and nothing kept) when an allocation failed. */
static char *sb_finish(struct sbuf *b, size_t *n)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		return NULL;
	}
	*n = b->len;
	return b->p;
}

static void page_head(struct sbuf *b, const char *title)
{
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	sb_html(b, title);
	sb_puts(b, "</title></head>\n<body>\n<h1>");
	sb_html(b, title);
	sb_puts(b, "</h1>\n");
}

static void page_foot(struct sbuf *b)
{
	sb_puts(b, "<hr><p><a href=\"/\">Hongkong Post g-Cert repository</a> &middot; CPS OID "
	           CPS_POLICY_OID "</p>\n</body></html>\n");
}

/* ---- PEM ---- */

char *gc_pem_encode(const unsigned char *der, size_t n, const char *label, size_t *outn)
{
	size_t b64n = 4 * ((n + 2) / 3), lines = (b64n + 63) / 64, i;
	unsigned char *b64 = malloc(b64n + 1);
	struct sbuf b = {0};

	if (b64 == NULL)
		return NULL;
	EVP_EncodeBlock(b64, der, (int)n);
	sb_printf(&b, "-----BEGIN %s-----\n", label);
	for (i = 0; i < lines; i++) {
		size_t off = i * 64, len = b64n - off < 64 ? b64n - off : 64;
		sb_put(&b, (const char *)b64 + off, len);
		sb_puts(&b, "\n");
	}
	sb_printf(&b, "-----END %s-----\n", label);
	free(b64);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*outn = b.len;
	return b.p;
}

/* ---- /cps/ ---- */

char *gc_page_cps(size_t *n)
{
	struct sbuf b = {0};
	size_t i;

	page_head(&b, "Certification Practice Statement for g-Cert");
	sb_puts(&b, "<p>The CPS in force and every earlier version (CPS §8). Each version is "
	            "plain UTF-8 text.</p>\n<table border=\"1\"><tr><th>version</th><th>effective"
	            "</th><th>title</th></tr>\n");
	for (i = 0; i < gc_cps_doc_count; i++) {
		const struct gc_cps_doc *d = &gc_cps_docs[i];
		sb_puts(&b, "<tr><td><a href=\"/cps/");
		sb_html(&b, d->version);
		sb_puts(&b, ".txt\">");
		sb_html(&b, d->version);
		sb_puts(&b, "</a></td><td>");
		sb_html(&b, d->date);
		sb_puts(&b, d == gc_cps_current() ? " (current)</td><td>" : "</td><td>");
		sb_html(&b, d->title);
		sb_puts(&b, "</td></tr>\n");
	}
	sb_puts(&b, "</table>\n<p><a href=\"/cps/current.txt\">current version</a></p>\n");
	page_foot(&b);
	return sb_finish(&b, n);
}

/* ---- /cert/<serial> ---- */

static void cert_rows(struct sbuf *b, const struct gc_repo_cert *rc, X509 *x)
{
	char when[2][21], fp[65];
	unsigned char md[32];
	unsigned int mdn = 0;
	BIO *bio = BIO_new(BIO_s_mem());
	char *name = NULL;
	long len;

	gc_time_format(rc->not_before, when[0]);
	gc_time_format(rc->not_after, when[1]);
	X509_digest(x, EVP_sha256(), md, &mdn);
	gc_hex_encode(md, mdn == 32 ? 32 : 0, fp);
	if (bio != NULL && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
	                                      XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(bio, &name)) >= 0)
		name = strndup(name, (size_t)len);
	else
		name = NULL;
	BIO_free(bio);
	sb_puts(b, "<table border=\"1\">\n<tr><th>serial number</th><td><code>");
	sb_html(b, rc->serial);
	sb_puts(b, "</code></td></tr>\n<tr><th>subject</th><td>");
	sb_html(b, name ? name : "(unprintable)");
	sb_puts(b, "</td></tr>\n<tr><th>type</th><td>");
	sb_html(b, strcmp(rc->role, "functional_unit") == 0 ? CPS_O_FUNCTIONAL_UNIT : CPS_O_INDIVIDUAL);
	sb_puts(b, "</td></tr>\n<tr><th>email</th><td>");
	sb_html(b, rc->email[0] ? rc->email : "(none)");
	sb_printf(b, "</td></tr>\n<tr><th>valid from</th><td>%s</td></tr>\n<tr><th>valid until</th>"
	             "<td>%s</td></tr>\n<tr><th>SHA-256 fingerprint</th><td><code>%s</code></td></tr>\n"
	             "</table>\n", when[0], when[1], fp);
	free(name);
}

char *gc_page_cert(const struct gc_repo_cert *rc, size_t *n)
{
	const unsigned char *p = rc->der;
	X509 *x = d2i_X509(NULL, &p, (long)rc->dersz);
	struct sbuf b = {0};

	if (x == NULL)
		return NULL;
	page_head(&b, "g-Cert certificate");
	cert_rows(&b, rc, x);
	X509_free(x);
	sb_printf(&b, "<p>Download: <a href=\"/cert/%s.crt\">DER</a> &middot; <a href=\"/cert/%s.pem\">"
	              "PEM</a></p>\n<p>Before relying on it, check that it is not revoked: "
	              "<a href=\"/crl/" CPS_PARTITION_CRL_FILE "\">" CPS_PARTITION_CRL_FILE "</a> "
	              "(CPS §2.1.6).</p>\n", rc->serial, rc->serial);
	page_foot(&b);
	return sb_finish(&b, n);
}

/* ---- the index page ---- */

static void index_files(const char *crl_dir, struct sbuf *b)
{
	char path[GC_MAX_PATH + 64], date[30];
	struct stat st;
	size_t i;

	sb_puts(b, "<h2>Certificate revocation lists (CPS App. C)</h2>\n<ul>\n");
	for (i = 0; i < gc_repo_file_count; i++) {
		const struct gc_repo_file *f = &gc_repo_files[i];
		snprintf(path, sizeof(path), "%s/%s", crl_dir, f->name);
		sb_printf(b, "<li><a href=\"/crl/%s\">%s</a> &mdash; ", f->name, f->name);
		sb_html(b, f->title);
		if (stat(path, &st) == 0) {
			gc_http_date(st.st_mtim.tv_sec, date);
			sb_printf(b, " (%lld bytes, %s)</li>\n", (long long)st.st_size, date);
		} else {
			sb_puts(b, " (not yet published)</li>\n");
		}
	}
	sb_puts(b, "</ul>\n");
}

char *gc_page_index(const struct gc_config *cfg, const char *crl_dir, size_t *n)
{
	struct sbuf b = {0};

	page_head(&b, "Hongkong Post g-Cert repository");
	sb_puts(&b, "<p>The public repository of Hongkong Post e-Cert CA 2 - 17 for government "
	            "e-certificates (g-Cert), CPS §2.5.</p>\n");
	index_files(crl_dir, &b);
	sb_puts(&b, "<h2>CA certificates</h2>\n<ul>\n<li>");
	sb_html(&b, cfg->root.cn);
	sb_puts(&b, ": <a href=\"/certs/root.crt\">DER</a> &middot; <a href=\"/certs/root.pem\">PEM</a>"
	            "</li>\n<li>");
	sb_html(&b, cfg->issuing.cn);
	sb_puts(&b, ": <a href=\"/certs/issuing-ca.crt\">DER</a> &middot; <a href=\"/certs/issuing-ca.pem\">"
	            "PEM</a></li>\n</ul>\n<h2>Certification Practice Statement</h2>\n<p><a href=\"/cps/"
	            "current.txt\">current CPS</a> &middot; <a href=\"/cps/\">all versions</a></p>\n"
	            "<h2>Find a certificate</h2>\n<p>By its serial number or its holder's exact email "
	            "address. The repository does not list or search subscribers (CPS §2.7).</p>\n"
	            "<form action=\"/lookup\" method=\"get\"><label>Serial number (40 hex digits) "
	            "<input name=\"serial\" size=\"44\"></label> <button>Look up</button></form>\n"
	            "<form action=\"/lookup\" method=\"get\"><label>Email address <input name=\"email\" "
	            "size=\"40\"></label> <button>Look up</button></form>\n");
	page_foot(&b);
	return sb_finish(&b, n);
}
