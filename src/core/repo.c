/*
 * repo.c - pure logic of the public repository (CPS §2.5, §2.7); see repo.h.
 */
#include "core/repo.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cps_repo.h"
#include "core/cpsdocs.h"
#include "core/limits.h"
#include "core/text.h"

/* App. C: what the repository publishes from DIR/repo/crl/, and where LDAP carries it. */
const struct gc_repo_file gc_repo_files[] = {
	{CPS_FULL_CRL_FILE, "Full CRL of Hongkong Post e-Cert CA 2 - 17 (App. C I)",
	 GC_REPO_ENTRY_CRL1, "certificateRevocationList;binary"},
	{CPS_PARTITION_CRL_FILE, "Partitioned CRL named in g-Certs (App. C I)", GC_REPO_ENTRY_CRL2,
	 "certificateRevocationList;binary"},
	{CPS_ARL_FILE, "ARL of Hongkong Post Root CA 2 (App. C II)", GC_REPO_ENTRY_ROOT,
	 "authorityRevocationList;binary"},
};
const size_t gc_repo_file_count = sizeof(gc_repo_files) / sizeof(gc_repo_files[0]);

const struct gc_repo_file *gc_repo_file_find(const char *name)
{
	size_t i;

	for (i = 0; i < gc_repo_file_count; i++)
		if (strcmp(gc_repo_files[i].name, name) == 0)
			return &gc_repo_files[i];
	return NULL;
}

/* ---- RFC 4514 distinguished names ---- */

static bool dn_special(char c)
{
	return c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
	       c == '=';
}

gc_result gc_ldap_dn_escape(const char *value, char *out, size_t outsz)
{
	size_t i, o = 0, n = strlen(value);

	for (i = 0; i < n; i++) {
		char c = value[i];
		bool esc = dn_special(c) || (i == 0 && (c == ' ' || c == '#')) ||
		           (i == n - 1 && c == ' ');
		GC_ENSURE(o + 3 < outsz, GC_E_FIELD_TOO_LONG, "LDAP name \"%.64s\": too long", value);
		if (esc)
			out[o++] = '\\';
		out[o++] = c;
	}
	GC_ENSURE(o < outsz, GC_E_FIELD_TOO_LONG, "LDAP name \"%.64s\": too long", value);
	out[o] = '\0';
	return GC_OK;
}

gc_result gc_ldap_dn(const char *attr, const char *value, const char *base, char *out, size_t outsz)
{
	char esc[1024];
	int n;

	GC_GUARD(gc_ldap_dn_escape(value, esc, sizeof(esc)));
	n = snprintf(out, outsz, "%s=%s,%s", attr, esc, base);
	GC_ENSURE(n > 0 && (size_t)n < outsz, GC_E_FIELD_TOO_LONG, "LDAP DN under %s: too long", base);
	return GC_OK;
}

/* ---- HTTP validators ---- */

void gc_http_etag(const unsigned char sha256[32], char out[36])
{
	char hex[65];

	gc_hex_encode(sha256, 16, hex); /* 128 bits tell representations apart */
	snprintf(out, 36, "\"%.32s\"", hex);
}

static const char *const wday[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void gc_http_date(int64_t t, char out[30])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wday[tm.tm_wday], tm.tm_mday,
	         month[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Only IMF-fixdate (what every current client sends); anything else counts as absent. */
bool gc_http_date_parse(const char *s, int64_t *t)
{
	struct tm tm = {0};
	int i, mon = -1;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return false;
	for (i = 0; i < 12; i++)
		if (strncmp(s + 8, month[i], 3) == 0)
			mon = i;
	if (mon < 0 || !digits(s + 5, 2, &tm.tm_mday) || !digits(s + 12, 4, &tm.tm_year) ||
	    !digits(s + 17, 2, &tm.tm_hour) || !digits(s + 20, 2, &tm.tm_min) ||
	    !digits(s + 23, 2, &tm.tm_sec))
		return false;
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_mon = mon;
	tm.tm_year -= 1900;
	*t = (int64_t)timegm(&tm);
	return true;
}

/* RFC 9110 §13.1.2: a list of entity tags (weak comparison), or "*". */
static bool etag_listed(const char *list, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' ' || p[elen] == '\t'))
			return true;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

bool gc_http_not_modified(const char *if_none_match, const char *if_modified_since,
                          const char *etag, int64_t mtime)
{
	int64_t since;

	if (if_none_match != NULL)
		return etag_listed(if_none_match, etag);
	if (if_modified_since != NULL && gc_http_date_parse(if_modified_since, &since))
		return mtime <= since;
	return false;
}

/* ---- per-client token buckets (CPS §2.7) ---- */

struct rate_slot {
	unsigned char addr[16];
	size_t len;    /* 0: never used */
	double tokens;
	int64_t last_ms;
};

struct gc_rate {
	int burst;
	double per_ms;
	uint32_t seed; /* so that nobody can aim many addresses at one probe window */
	struct rate_slot slots[GC_RATE_TABLE_SLOTS];
};

gc_result gc_rate_new(int burst, int per_minute, struct gc_rate **out)
{
	struct gc_rate *r;

	GC_ENSURE(burst > 0 && per_minute > 0, GC_E_CONFIG, "rate limit: burst and rate must be positive");
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return gc_fail(GC_E_NOMEM, "rate limit: out of memory");
	r->burst = burst;
	r->per_ms = per_minute / 60000.0;
	if (RAND_bytes((unsigned char *)&r->seed, sizeof(r->seed)) != 1) {
		free(r);
		return gc_fail_ssl(GC_E_INTERNAL, "rate limit: CSPRNG failed");
	}
	*out = r;
	return GC_OK;
}

void gc_rate_free(struct gc_rate *r)
{
	free(r);
}

static uint32_t addr_hash(uint32_t seed, const unsigned char *a, size_t n)
{
	uint32_t h = 2166136261u ^ seed; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static void refill(const struct gc_rate *r, struct rate_slot *s, int64_t now_ms)
{
	if (now_ms > s->last_ms) {
		s->tokens += (double)(now_ms - s->last_ms) * r->per_ms;
		if (s->tokens > r->burst)
			s->tokens = r->burst;
		s->last_ms = now_ms;
	}
}

/* The client's slot, or a free one (never used, or refilled to full: the same as new). */
static struct rate_slot *find_slot(struct gc_rate *r, const unsigned char *addr, size_t len,
                                   int64_t now_ms)
{
	uint32_t h = addr_hash(r->seed, addr, len);
	struct rate_slot *s, *free_slot = NULL;
	int i;

	for (i = 0; i < GC_RATE_PROBE; i++) {
		s = &r->slots[(h + (uint32_t)i) % GC_RATE_TABLE_SLOTS];
		if (s->len == len && memcmp(s->addr, addr, len) == 0)
			return s;
		if (free_slot == NULL && s->len != 0)
			refill(r, s, now_ms);
		if (free_slot == NULL && (s->len == 0 || s->tokens >= r->burst))
			free_slot = s;
	}
	if (free_slot != NULL) {
		memcpy(free_slot->addr, addr, len);
		free_slot->len = len;
		free_slot->tokens = r->burst;
		free_slot->last_ms = now_ms;
	}
	return free_slot;
}

bool gc_rate_take(struct gc_rate *r, const unsigned char *addr, size_t len, int64_t now_ms,
                  int *retry_after_s)
{
	struct rate_slot *s;
	double wait_ms;

	static const unsigned char unknown[1] = {0xff};

	if (len == 0 || len > 16) /* no address known: all such clients share one bucket */
		addr = unknown, len = 1;
	if ((s = find_slot(r, addr, len, now_ms)) == NULL) {
		/* Table full around this address: fail closed; a bucket empties in a minute. */
		*retry_after_s = 60;
		return false;
	}
	refill(r, s, now_ms);
	if (s->tokens >= 1.0) {
		s->tokens -= 1.0;
		return true;
	}
	wait_ms = (1.0 - s->tokens) / r->per_ms;
	*retry_after_s = (int)((wait_ms + 999.0) / 1000.0); /* whole seconds, rounded up */
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	return false;
}

/* ---- the CPS versions (CPS §8) ---- */

const struct gc_cps_doc *gc_cps_current(void)
{
	const struct gc_cps_doc *best = &gc_cps_docs[0];
	size_t i;

	for (i = 1; i < gc_cps_doc_count; i++)
		if (strcmp(gc_cps_docs[i].date, best->date) > 0)
			best = &gc_cps_docs[i];
	return best;
}

const struct gc_cps_doc *gc_cps_find(const char *version)
{
	size_t i;

	for (i = 0; i < gc_cps_doc_count; i++)
		if (strcmp(gc_cps_docs[i].version, version) == 0)
			return &gc_cps_docs[i];
	return NULL;
}
