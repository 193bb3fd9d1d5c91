/* smtp.c - one mail through SMTP with libcurl (see smtp.h). */
#include "sys/smtp.h"

#include <curl/curl.h>
#include <string.h>

/* A mail server that does not answer must not hold a command for long. */
#define SMTP_CONNECT_TIMEOUT 5L
#define SMTP_TIMEOUT 20L

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nitems;

	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

/* The recipients as a curl list: each address trimmed, in <>. */
static gc_result recipients(const char *to, struct curl_slist **out)
{
	struct curl_slist *l = NULL, *t;
	char addr[300];
	const char *p = to, *e;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		t = NULL;
		if (n + 3 <= sizeof(addr)) {
			snprintf(addr, sizeof(addr), "<%.*s>", (int)n, p);
			t = curl_slist_append(l, addr);
		}
		if (t == NULL) {
			curl_slist_free_all(l);
			return gc_fail(GC_E_SMTP, "alerts.to: address too long or out of memory");
		}
		l = t;
		p = e;
	}
	if (l == NULL)
		return gc_fail(GC_E_SMTP, "alerts.to: no recipient");
	*out = l;
	return GC_OK;
}

gc_result gc_smtp_send(const char *url, const char *from, const char *to, const char *message,
                       size_t len)
{
	struct curl_slist *rcpt = NULL;
	struct reader r = {message, len};
	char sender[300], err[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode cc;

	GC_GUARD(recipients(to, &rcpt));
	if ((c = curl_easy_init()) == NULL) {
		curl_slist_free_all(rcpt);
		return gc_fail(GC_E_SMTP, "SMTP: cannot initialise libcurl");
	}
	snprintf(sender, sizeof(sender), "<%s>", from);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, sender);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	if (cc != CURLE_OK)
		return gc_fail(GC_E_SMTP, "SMTP %s: %s", url, err[0] ? err : curl_easy_strerror(cc));
	return GC_OK;
}
