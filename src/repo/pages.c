/*
 * pages.c - what the repository shows people (CPS §2.5: it can be browsed online,
 * §2.5.1): the index page, the list of CPS versions and each version to read, one
 * certificate's page, and PEM text. In English or Traditional Chinese (the CPS is
 * published in both); styled by one small stylesheet in the page itself, which the
 * Content-Security-Policy of http.c admits by its hash (no external assets, no inline
 * style attributes, no scripts). Everything taken from the database or the
 * configuration is HTML-escaped.
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

/* The one stylesheet (http.c sends its SHA-256 in the CSP). Narrow screens: tables
 * become stacked rows and long hex wraps. */
const char gc_page_css[] =
	"body{font:16px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans TC','PingFang TC',"
	"'Microsoft JhengHei',sans-serif;margin:0;color:#1d2327;background:#f4f6f8}"
	"header{background:#00573f;color:#fff;padding:14px 24px}"
	"header a{color:#fff}header .brand{font-weight:600;font-size:1.05em;text-decoration:none}"
	"nav.lang{float:right;font-size:.9em}nav.lang a,nav.lang strong{margin-left:12px}"
	"main{max-width:1100px;margin:0 auto;padding:8px 24px 32px}"
	"h1{font-size:1.6em;margin:20px 0 8px}h2{font-size:1.2em;margin:28px 0 8px;"
	"border-bottom:2px solid #00573f;padding-bottom:4px}"
	"p.lead{color:#44515c}"
	"table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}"
	"th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid #e2e6ea}"
	"th{background:#eef2f4;font-weight:600;font-size:.92em}"
	"code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;"
	"overflow-wrap:anywhere;word-break:break-all}"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;"
	"font-weight:600;white-space:nowrap}"
	".good{background:#dff3e4;color:#0b5a24}.revoked{background:#fbe1e1;color:#8a1111}"
	".expired,.replaced{background:#eceff1;color:#4a5560}.pending{background:#fff4d6;color:#7a5400}"
	".status{font-size:1.25em;padding:12px 16px;border-radius:6px;margin:12px 0;font-weight:600}"
	".status.good{border-left:6px solid #1d8a3c}.status.revoked{border-left:6px solid #c62828}"
	".status.expired{border-left:6px solid #78858f}.status.pending{border-left:6px solid #d89c00}"
	"form{background:#fff;padding:12px;margin:8px 0;box-shadow:0 1px 2px #0002}"
	"input{font:inherit;padding:4px 6px;max-width:100%;box-sizing:border-box}"
	"button{font:inherit;padding:4px 14px;background:#00573f;color:#fff;border:0;border-radius:4px}"
	"table.kv th{width:13em;white-space:nowrap}table.kv td{overflow-wrap:anywhere}"
	".nw{white-space:nowrap}"
	"article.cps{background:#fff;padding:16px 24px;box-shadow:0 1px 2px #0002;max-width:46em}"
	"article.cps p{margin:.6em 0}article.cps h3{margin:1.2em 0 .3em;font-size:1.05em}"
	"footer{color:#5b6770;font-size:.85em;padding:16px 24px;border-top:1px solid #dde2e6}"
	"@media (max-width:700px){main{padding:4px 12px 24px}header{padding:12px}h1{font-size:1.3em}"
	"nav.lang{float:none;display:block;margin-top:4px}nav.lang a,nav.lang strong{margin:0 12px 0 0}"
	"table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}"
	"table.stack tr:first-child{display:none}table.stack tr{border-bottom:2px solid #d5dbe0;padding:6px 0}"
	"table.stack td{border:0;padding:2px 10px}table.stack td::before{content:attr(data-h);display:block;"
	"font-size:.8em;color:#5b6770;font-weight:600}input{width:100%}"
	"table.kv,table.kv tbody,table.kv tr,table.kv th,table.kv td{display:block;width:auto}"
	"table.kv th{border:0;padding:6px 10px 0;background:none;color:#5b6770;font-size:.8em}"
	"table.kv td{padding:0 10px 6px}article.cps{padding:8px 14px}}";

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
static void sb_html_n(struct sbuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default: sb_put(b, s + i, 1);
		}
	}
}

static void sb_html(struct sbuf *b, const char *s)
{
	sb_html_n(b, s, strlen(s));
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

/* ---- the two languages ---- */

#define L(lang, en, zh) ((lang) == GC_LANG_ZH ? (zh) : (en))

/* "?lang=zh-Hant" or "?lang=en" added to a link, so a reader stays in the language chosen. */
static const char *lang_q(enum gc_lang lang, bool first)
{
	if (lang == GC_LANG_ZH)
		return first ? "?lang=zh-Hant" : "&amp;lang=zh-Hant";
	return first ? "?lang=en" : "&amp;lang=en";
}

/* The same page in the other language: path (with its own query, HTML-escaped by us). */
static void page_head(struct sbuf *b, enum gc_lang lang, const char *title, const char *path,
                      const char *query)
{
	sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
	          lang == GC_LANG_ZH ? "zh-Hant" : "en");
	sb_html(b, title);
	sb_puts(b, "</title><style>");
	sb_puts(b, gc_page_css);
	sb_puts(b, "</style></head>\n<body>\n<header><nav class=\"lang\">");
	if (lang == GC_LANG_ZH) {
		sb_printf(b, "<a href=\"%s?%s%slang=en\" hreflang=\"en\">English</a><strong>繁體中文</strong>",
		          path, query, query[0] ? "&amp;" : "");
	} else {
		sb_printf(b, "<strong>English</strong><a href=\"%s?%s%slang=zh-Hant\" hreflang=\"zh-Hant\">"
		             "繁體中文</a>", path, query, query[0] ? "&amp;" : "");
	}
	sb_printf(b, "</nav><a class=\"brand\" href=\"/%s\">%s</a></header>\n<main>\n<h1>", lang_q(lang, true),
	          L(lang, "Hongkong Post g-Cert repository", "香港郵政政府電子證書資料庫"));
	sb_html(b, title);
	sb_puts(b, "</h1>\n");
}

static void page_foot(struct sbuf *b, enum gc_lang lang)
{
	sb_printf(b, "</main>\n<footer>%s &middot; CPS OID " CPS_POLICY_OID " &middot; <a href=\"/cps/%s\">%s</a>"
	             "</footer>\n</body></html>\n",
	          L(lang, "Hongkong Post Certification Authority, g-Cert repository (CPS §2.5)",
	            "香港郵政核證機關政府電子證書資料庫（核證作業準則第 2.5 節）"),
	          lang_q(lang, true), L(lang, "Certification Practice Statement", "核證作業準則"));
}

/* "2026-11-24 02:00 UTC" */
static void when_text(int64_t t, char out[24])
{
	char iso[21];

	gc_time_format(t, iso);
	snprintf(out, 24, "%.10s %.5s UTC", iso, iso + 11);
}

static void sha256_hex(const unsigned char *der, size_t n, char out[96])
{
	unsigned char md[32];
	size_t i, o = 0;

	EVP_Digest(der, n, md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		o += (size_t)snprintf(out + o, 96 - o, "%s%02X", i ? ":" : "", md[i]);
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

char *gc_page_cps(enum gc_lang lang, size_t *n)
{
	struct sbuf b = {0};
	size_t i;

	page_head(&b, lang, L(lang, "Certification Practice Statement for g-Cert", "政府電子證書核證作業準則"),
	          "/cps/", "");
	sb_printf(&b, "<p class=\"lead\">%s</p>\n<table class=\"stack\"><tr><th>%s</th><th>%s</th><th>%s</th>"
	              "<th>%s</th></tr>\n",
	          L(lang, "The CPS in force and every earlier version (CPS §8). Read each on a page, or "
	                  "download it as plain UTF-8 text.",
	            "現行及以往各版本的核證作業準則（第 8 節）。可在網頁閱讀，或下載 UTF-8 純文字檔。"),
	          L(lang, "version", "版本"), L(lang, "effective", "生效日期"), L(lang, "title", "標題"),
	          L(lang, "read", "閱讀"));
	for (i = 0; i < gc_cps_doc_count; i++) {
		const struct gc_cps_doc *d = &gc_cps_docs[i];
		sb_printf(&b, "<tr><td data-h=\"%s\">", L(lang, "version", "版本"));
		sb_html(&b, d->version);
		sb_printf(&b, "</td><td data-h=\"%s\">", L(lang, "effective", "生效日期"));
		sb_html(&b, d->date);
		if (d == gc_cps_current())
			sb_printf(&b, " <span class=\"badge good\">%s</span>", L(lang, "in force", "現行"));
		sb_printf(&b, "</td><td data-h=\"%s\">", L(lang, "title", "標題"));
		sb_html(&b, d->title);
		sb_printf(&b, "</td><td data-h=\"%s\"><a href=\"/cps/", L(lang, "read", "閱讀"));
		sb_html(&b, d->version);
		sb_printf(&b, ".html%s\">%s</a> &middot; <a href=\"/cps/", lang_q(lang, true), L(lang, "page", "網頁"));
		sb_html(&b, d->version);
		sb_printf(&b, ".txt\">%s</a></td></tr>\n", L(lang, "text", "純文字"));
	}
	sb_printf(&b, "</table>\n<p><a href=\"/cps/current.txt\">%s</a></p>\n",
	          L(lang, "current version, plain text", "現行版本（純文字）"));
	page_foot(&b, lang);
	return sb_finish(&b, n);
}

/* A numbered heading of the extracted text: "4.4.3", "4.4.3 Title", "第 4 節", "附錄 C". */
static bool heading_line(const char *s, size_t n)
{
	size_t i = 0, dots = 0;

	while (i < n && s[i] == ' ')
		i++;
	if (n - i > 90)
		return false;
	if (n - i >= 6 && (strncmp(s + i, "附錄", 6) == 0 || strncmp(s + i, "Appendix", 8) == 0))
		return true;
	if (i >= n || s[i] < '1' || s[i] > '9')
		return false;
	for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
		dots += s[i] == '.';
	return dots >= 1 && (i == n || s[i] == ' ' || s[i] == '\t');
}

/* Whether the UTF-8 character ending s[0..n) (or starting s) is CJK (U+2E80..U+FFEF). */
static bool cjk_at(const unsigned char *s, size_t n, bool end)
{
	const unsigned char *p = s;
	unsigned cp;

	if (n < 3)
		return false;
	if (end) {
		p = s + n - 1;
		while (p > s && (*p & 0xC0) == 0x80)
			p--;
		if ((size_t)(s + n - p) != 3)
			return false;
	}
	if ((p[0] & 0xF0) != 0xE0)
		return false;
	cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (unsigned)(p[2] & 0x3F);
	return cp >= 0x2E80 && cp <= 0xFFEF;
}

/* A line that closes its paragraph: it ends a sentence (。；：.:;). */
static bool para_end(const char *s, size_t n)
{
	static const char *const ends[] = {"。", "；", "："}; /* 3 octets each in UTF-8 */
	size_t i;

	if (n > 0 && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == ';'))
		return true;
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (n >= 3 && memcmp(s + n - 3, ends[i], 3) == 0)
			return true;
	return false;
}

/*
 * A CPS version to read: the text extracted from the published PDF breaks lines where
 * the PDF did; they are joined back into paragraphs (CJK lines without a space, others
 * with one), a paragraph ending at a line of blanks or a sentence end, numbered section
 * lines as headings. The text itself is served unchanged at /cps/<v>.txt.
 */
char *gc_page_cps_doc(const struct gc_cps_doc *d, enum gc_lang lang, size_t *n)
{
	const char *t = (const char *)d->text, *end = t + d->size, *nl, *prev = NULL;
	struct sbuf b = {0};
	char path[96];
	bool open = false;
	size_t len, prevlen = 0;

	snprintf(path, sizeof(path), "/cps/%.64s.html", d->version);
	page_head(&b, lang, d->title, path, "");
	sb_printf(&b, "<p class=\"lead\">%s ", L(lang, "Effective", "生效日期："));
	sb_html(&b, d->date);
	if (d == gc_cps_current())
		sb_printf(&b, " <span class=\"badge good\">%s</span>", L(lang, "in force", "現行"));
	sb_printf(&b, " &middot; <a href=\"/cps/");
	sb_html(&b, d->version);
	sb_printf(&b, ".txt\">%s</a> &middot; <a href=\"/cps/%s\">%s</a></p>\n<article class=\"cps\">\n",
	          L(lang, "plain text", "純文字"), lang_q(lang, true), L(lang, "all versions", "所有版本"));
	while (t < end) {
		nl = memchr(t, '\n', (size_t)(end - t));
		len = (size_t)((nl != NULL ? nl : end) - t);
		if (len == 0 || (len == 1 && t[0] == '\r')) {
			/* the extraction puts an empty line after every line: no break */
			t = nl != NULL ? nl + 1 : end;
			continue;
		}
		while (len > 0 && (t[len - 1] == '\r' || t[len - 1] == ' '))
			len--;
		while (len > 0 && t[0] == ' ')
			t++, len--;
		if (len == 0) { /* a line of blanks: where the PDF left vertical space */
			if (open)
				sb_puts(&b, "</p>\n");
			open = false;
		} else if (heading_line(t, len)) {
			if (open)
				sb_puts(&b, "</p>\n");
			open = false;
			sb_puts(&b, "<h3>");
			sb_html_n(&b, t, len);
			sb_puts(&b, "</h3>\n");
		} else {
			if (!open)
				sb_puts(&b, "<p>");
			else if (!(cjk_at((const unsigned char *)prev, prevlen, true) &&
			           cjk_at((const unsigned char *)t, len, false)))
				sb_puts(&b, " ");
			open = true;
			sb_html_n(&b, t, len);
			if (para_end(t, len)) {
				sb_puts(&b, "</p>\n");
				open = false;
			}
			prev = t, prevlen = len;
		}
		t = nl != NULL ? nl + 1 : end;
	}
	if (open)
		sb_puts(&b, "</p>\n");
	sb_puts(&b, "</article>\n");
	page_foot(&b, lang);
	return sb_finish(&b, n);
}

/* ---- /cert/<serial> ---- */

static const char *reason_name(int reason, enum gc_lang lang)
{
	static const char *const en[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	                                 "superseded", "cessationOfOperation", "certificateHold"};
	static const char *const zh[] = {"未指明", "密碼匙外洩", "核證機關密碼匙外洩", "所屬機構變更",
	                                 "已被取代", "停止運作", "暫停證書"};

	if (reason < 0 || reason > 6)
		return "?";
	return lang == GC_LANG_ZH ? zh[reason] : en[reason];
}

static void cert_status(struct sbuf *b, const struct gc_repo_cert *rc, int64_t now, enum gc_lang lang)
{
	char w[2][24];

	if (rc->revoked_at > 0) {
		when_text(rc->revoked_at, w[0]);
		sb_printf(b, "<p class=\"status revoked\">%s %s (%s)</p>\n",
		          L(lang, "REVOKED on", "已撤銷，撤銷日期："), w[0], reason_name(rc->reason, lang));
		if (rc->published_at > 0) {
			when_text(rc->published_at, w[1]);
			sb_printf(b, "<p>%s %s.</p>\n", L(lang, "On the published CRL since", "自以下時間起列於已發布的證書撤銷清單："),
			          w[1]);
		} else {
			sb_printf(b, "<p>%s</p>\n", L(lang, "Not yet on a published CRL (CPS §4.4.4: the revocation "
			                                    "takes effect when it is).",
			                              "尚未列於已發布的證書撤銷清單（第 4.4.4 節：發布後撤銷生效）。"));
		}
	} else if (now >= rc->not_after) {
		when_text(rc->not_after, w[0]);
		sb_printf(b, "<p class=\"status expired\">%s %s</p>\n", L(lang, "EXPIRED on", "已過期，到期日："), w[0]);
	} else if (now < rc->not_before) {
		when_text(rc->not_before, w[0]);
		sb_printf(b, "<p class=\"status pending\">%s %s</p>\n", L(lang, "NOT YET VALID: from", "尚未生效，生效日："),
		          w[0]);
	} else {
		when_text(rc->not_after, w[0]);
		sb_printf(b, "<p class=\"status good\">%s %s</p>\n",
		          L(lang, "GOOD: not revoked, valid until", "有效：未被撤銷，有效期至"), w[0]);
	}
}

static void cert_rows(struct sbuf *b, const struct gc_repo_cert *rc, X509 *x, enum gc_lang lang)
{
	char when[2][24], fp[96];
	BIO *bio = BIO_new(BIO_s_mem());
	char *name = NULL;
	long len;

	when_text(rc->not_before, when[0]);
	when_text(rc->not_after, when[1]);
	sha256_hex(rc->der, rc->dersz, fp);
	if (bio != NULL && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
	                                      XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(bio, &name)) >= 0)
		name = strndup(name, (size_t)len);
	else
		name = NULL;
	BIO_free(bio);
	sb_printf(b, "<table class=\"kv\">\n<tr><th>%s</th><td><code>", L(lang, "serial number", "序號"));
	sb_html(b, rc->serial);
	sb_printf(b, "</code></td></tr>\n<tr><th>%s</th><td>", L(lang, "subject", "證書主體"));
	sb_html(b, name ? name : "(unprintable)");
	sb_printf(b, "</td></tr>\n<tr><th>%s</th><td>", L(lang, "type", "類別"));
	sb_html(b, strcmp(rc->role, "functional_unit") == 0 ? CPS_O_FUNCTIONAL_UNIT : CPS_O_INDIVIDUAL);
	sb_printf(b, "</td></tr>\n<tr><th>%s</th><td>", L(lang, "email", "電郵地址"));
	sb_html(b, rc->email[0] ? rc->email : L(lang, "(none)", "（無）"));
	sb_printf(b, "</td></tr>\n<tr><th>%s</th><td>%s</td></tr>\n<tr><th>%s</th><td>%s</td></tr>\n"
	             "<tr><th>%s</th><td><code>%s</code></td></tr>\n</table>\n",
	          L(lang, "valid from", "有效期由"), when[0], L(lang, "valid until", "有效期至"), when[1],
	          L(lang, "SHA-256 fingerprint", "SHA-256 指紋"), fp);
	free(name);
}

char *gc_page_cert(const struct gc_repo_cert *rc, enum gc_lang lang, int64_t now, size_t *n)
{
	const unsigned char *p = rc->der;
	X509 *x = d2i_X509(NULL, &p, (long)rc->dersz);
	struct sbuf b = {0};
	char path[64];

	if (x == NULL)
		return NULL;
	snprintf(path, sizeof(path), "/cert/%.40s", rc->serial);
	page_head(&b, lang, L(lang, "g-Cert certificate", "政府電子證書"), path, "");
	cert_status(&b, rc, now, lang);
	cert_rows(&b, rc, x, lang);
	X509_free(x);
	sb_printf(&b, "<p>%s <a href=\"/cert/%s.crt\">DER</a> &middot; <a href=\"/cert/%s.pem\">PEM</a></p>\n"
	              "<p>%s <a href=\"/crl/" CPS_PARTITION_CRL_FILE "\">" CPS_PARTITION_CRL_FILE "</a> "
	              "(CPS §2.1.6).</p>\n",
	          L(lang, "Download:", "下載："), rc->serial, rc->serial,
	          L(lang, "Relying parties check the status themselves, on the CRL the certificate names:",
	            "依據人士應自行在證書所指明的證書撤銷清單核實其狀況："));
	page_foot(&b, lang);
	return sb_finish(&b, n);
}

/* ---- the index page ---- */

static const char *crl_kind(const char *kind, enum gc_lang lang)
{
	if (strcmp(kind, "arl") == 0)
		return L(lang, "ARL (revoked CA certificates, App. C II)", "機關撤銷清單（附錄 C II）");
	if (strcmp(kind, "full") == 0)
		return L(lang, "full CRL (App. C I)", "完整證書撤銷清單（附錄 C I）");
	return L(lang, "partitioned CRL named in g-Certs (App. C I)", "證書所指明的分區證書撤銷清單（附錄 C I）");
}

static void index_crl_row(struct sbuf *b, const char *crl_dir, const char *file, const char *kind,
                          const char *ca_cn, bool current, const struct gc_repo_crl *c, int64_t now,
                          enum gc_lang lang)
{
	char path[GC_MAX_PATH + 160], w[2][24];
	struct stat st;
	bool have = false;

	snprintf(path, sizeof(path), "%s/%s", crl_dir, file);
	have = stat(path, &st) == 0;
	sb_printf(b, "<tr><td data-h=\"%s\"><a class=\"nw\" href=\"/crl/%s\">%s</a>", L(lang, "file", "檔案"), file, file);
	if (!current)
		sb_printf(b, " <span class=\"badge replaced\">%s</span>", L(lang, "replaced CA", "已更替的核證機關"));
	sb_printf(b, "</td><td data-h=\"%s\">%s<br>", L(lang, "what", "內容"), crl_kind(kind, lang));
	sb_html(b, ca_cn);
	if (have && c != NULL && c->this_update > 0) {
		when_text(c->this_update, w[0]);
		when_text(c->next_update, w[1]);
		sb_printf(b, "</td><td data-h=\"thisUpdate\" class=\"nw\">%s</td><td data-h=\"nextUpdate\" class=\"nw\">%s%s</td>"
		             "<td data-h=\"%s\">%lld</td><td data-h=\"%s\" class=\"nw\">%lld %s</td></tr>\n",
		          w[0], w[1], c->next_update <= now ? L(lang, " <span class=\"badge revoked\">overdue</span>",
		                                                  " <span class=\"badge revoked\">已逾期</span>") : "",
		          L(lang, "cRLNumber", "清單號碼"), (long long)c->crl_number, L(lang, "size", "大小"),
		          (long long)st.st_size, L(lang, "bytes", "位元組"));
	} else if (have) {
		char date[30];
		gc_http_date(st.st_mtim.tv_sec, date);
		sb_printf(b, "</td><td data-h=\"thisUpdate\">%s</td><td data-h=\"nextUpdate\">&ndash;</td>"
		             "<td data-h=\"%s\">&ndash;</td><td data-h=\"%s\" class=\"nw\">%lld %s</td></tr>\n",
		          date, L(lang, "cRLNumber", "清單號碼"), L(lang, "size", "大小"), (long long)st.st_size,
		          L(lang, "bytes", "位元組"));
	} else {
		sb_printf(b, "</td><td colspan=\"4\" data-h=\"\"><span class=\"badge pending\">%s</span></td></tr>\n",
		          L(lang, "not yet published", "尚未發布"));
	}
}

static void index_crls(struct sbuf *b, const struct gc_page_index_in *in, int64_t now, enum gc_lang lang)
{
	size_t i, k;
	bool listed;

	sb_printf(b, "<h2 id=\"crl\">%s</h2>\n<table class=\"stack\"><tr><th>%s</th><th>%s</th><th>thisUpdate</th>"
	             "<th>nextUpdate</th><th>%s</th><th>%s</th></tr>\n",
	          L(lang, "Certificate revocation lists (CPS App. C)", "證書撤銷清單（附錄 C）"), L(lang, "file", "檔案"),
	          L(lang, "what", "內容"), L(lang, "cRLNumber", "清單號碼"), L(lang, "size", "大小"));
	for (i = 0; i < in->ncrls; i++)
		index_crl_row(b, in->crl_dir, in->crls[i].file, in->crls[i].kind, in->crls[i].ca_cn, in->crls[i].current,
		              &in->crls[i], now, lang);
	/* the CPS names of the current CAs, while no CRL of theirs was ever made */
	for (i = 0; i < gc_repo_file_count; i++) {
		const struct gc_repo_file *f = &gc_repo_files[i];
		for (listed = false, k = 0; k < in->ncrls && !listed; k++)
			listed = strcmp(in->crls[k].file, f->name) == 0;
		if (!listed)
			index_crl_row(b, in->crl_dir, f->name,
			              f->entry == GC_REPO_ENTRY_ROOT ? "arl" : f->entry == GC_REPO_ENTRY_CRL1 ? "full" : "partition",
			              f->entry == GC_REPO_ENTRY_ROOT ? in->cfg->root.cn : in->cfg->issuing.cn, true, NULL, now,
			              lang);
	}
	sb_puts(b, "</table>\n");
}

static const char *ca_kind(const char *kind, enum gc_lang lang)
{
	if (strcmp(kind, "root") == 0)
		return L(lang, "root CA", "根核證機關");
	if (strcmp(kind, "issuing") == 0)
		return L(lang, "issuing CA", "簽發核證機關");
	return L(lang, "link certificate (root changeover, CPS §4.7)", "連結證書（更換根密碼匙，第 4.7 節）");
}

static void index_cas(struct sbuf *b, const struct gc_page_index_in *in, int64_t now, enum gc_lang lang)
{
	char w[2][24], fp[96];
	size_t i;

	sb_printf(b, "<h2 id=\"ca\">%s</h2>\n<p>%s <a href=\"/certs/root.crt\">root.crt</a> &middot; "
	             "<a href=\"/certs/root.pem\">root.pem</a> &middot; <a href=\"/certs/issuing-ca.crt\">"
	             "issuing-ca.crt</a> &middot; <a href=\"/certs/issuing-ca.pem\">issuing-ca.pem</a></p>\n"
	             "<table class=\"stack\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	          L(lang, "CA certificates", "核證機關證書"),
	          L(lang, "The CAs in use now:", "現用的核證機關："), L(lang, "certificate", "證書"),
	          L(lang, "subject / issuer", "主體／簽發者"), L(lang, "validity", "有效期"),
	          L(lang, "SHA-256 fingerprint", "SHA-256 指紋"), L(lang, "download", "下載"));
	for (i = 0; i < in->ncas; i++) {
		const struct gc_repo_ca *c = &in->cas[i];
		when_text(c->not_before, w[0]);
		when_text(c->not_after, w[1]);
		sha256_hex(c->der, c->dersz, fp);
		sb_printf(b, "<tr><td data-h=\"%s\"><strong>%s</strong><br>%s ", L(lang, "certificate", "證書"), c->name,
		          ca_kind(c->kind, lang));
		if (c->revoked_at > 0)
			sb_printf(b, "<span class=\"badge revoked\">%s</span>", L(lang, "revoked", "已撤銷"));
		else if (c->not_after <= now)
			sb_printf(b, "<span class=\"badge expired\">%s</span>", L(lang, "expired", "已過期"));
		else if (c->current)
			sb_printf(b, "<span class=\"badge good\">%s</span>", L(lang, "current", "現用"));
		else if (strcmp(c->kind, "link") != 0)
			sb_printf(b, "<span class=\"badge replaced\">%s</span>", L(lang, "replaced", "已更替"));
		sb_printf(b, "</td><td data-h=\"%s\">", L(lang, "subject / issuer", "主體／簽發者"));
		sb_html(b, c->subject_cn);
		sb_printf(b, "<br><small>%s ", L(lang, "issued by", "簽發者："));
		sb_html(b, c->issuer_cn);
		sb_printf(b, "</small></td><td data-h=\"%s\"><span class=\"nw\">%s</span><br><span class=\"nw\">&ndash; %s</span></td><td data-h=\"%s\"><code>%s</code></td>"
		             "<td data-h=\"%s\"><a href=\"/certs/%s.crt\">DER</a> &middot; <a href=\"/certs/%s.pem\">PEM"
		             "</a></td></tr>\n",
		          L(lang, "validity", "有效期"), w[0], w[1], L(lang, "SHA-256 fingerprint", "SHA-256 指紋"), fp,
		          L(lang, "download", "下載"), c->name, c->name);
	}
	sb_puts(b, "</table>\n");
}

char *gc_page_index(const struct gc_page_index_in *in, size_t *n)
{
	enum gc_lang lang = in->lang;
	int64_t now = in->now != 0 ? in->now : (int64_t)time(NULL);
	struct sbuf b = {0};

	page_head(&b, lang, L(lang, "Hongkong Post g-Cert repository", "香港郵政政府電子證書資料庫"), "/", "");
	sb_printf(&b, "<p class=\"lead\">%s</p>\n",
	          L(lang, "The public repository of the Hongkong Post Certification Authority for government "
	                  "e-certificates (g-Cert): certificate revocation lists, CA certificates, the Certification "
	                  "Practice Statement, and look-up of one certificate (CPS §2.5).",
	            "香港郵政核證機關政府電子證書（g-Cert）的公開資料庫：證書撤銷清單、核證機關證書、核證作業準則，以及"
	            "個別證書查詢（核證作業準則第 2.5 節）。"));
	index_crls(&b, in, now, lang);
	index_cas(&b, in, now, lang);
	sb_printf(&b, "<h2 id=\"cps\">%s</h2>\n<p><a href=\"/cps/%s\">%s</a> &middot; <a href=\"/cps/current.txt\">%s</a>"
	              "</p>\n<h2 id=\"lookup\">%s</h2>\n<p>%s</p>\n"
	              "<form action=\"/lookup\" method=\"get\"><input type=\"hidden\" name=\"lang\" value=\"%s\">"
	              "<label>%s<br><input name=\"serial\" size=\"44\" maxlength=\"40\" autocomplete=\"off\"></label> "
	              "<button>%s</button></form>\n"
	              "<form action=\"/lookup\" method=\"get\"><input type=\"hidden\" name=\"lang\" value=\"%s\">"
	              "<label>%s<br><input name=\"email\" type=\"email\" size=\"40\"></label> <button>%s</button></form>\n",
	          L(lang, "Certification Practice Statement", "核證作業準則"), lang_q(lang, true),
	          L(lang, "current CPS and every earlier version", "現行及以往各版本"),
	          L(lang, "current CPS, plain text", "現行版本（純文字）"), L(lang, "Find a certificate", "查詢證書"),
	          L(lang, "By its serial number or its holder's exact email address. The repository does not list "
	                  "or search subscribers (CPS §2.7).",
	            "以證書序號或持有人的完整電郵地址查詢。資料庫不會列出或搜尋登記人（第 2.7 節）。"),
	          lang == GC_LANG_ZH ? "zh-Hant" : "en", L(lang, "Serial number (40 hex digits)", "序號（40 位十六進制數字）"),
	          L(lang, "Look up", "查詢"), lang == GC_LANG_ZH ? "zh-Hant" : "en",
	          L(lang, "Email address", "電郵地址"), L(lang, "Look up", "查詢"));
	page_foot(&b, lang);
	return sb_finish(&b, n);
}
