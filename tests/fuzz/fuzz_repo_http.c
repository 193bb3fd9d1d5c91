/*
 * fuzz_repo_http.c - libFuzzer harness for what the repository parses from HTTP requests
 * itself (core/repo.c): If-None-Match entity-tag lists, If-Modified-Since dates, and the
 * per-client rate limiter fed with arbitrary addresses and clock values.
 *
 * Input: the first byte splits the rest into an If-None-Match and an If-Modified-Since
 * value (NUL-terminated copies). Properties: a parsed date formats back to a date that
 * parses to the same time; the ETag of a representation always matches itself; the
 * limiter never allows more than its burst at one instant for one address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gc_rate *rate;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sha[32] = {0};
	char etag[36], date[30], *inm, *ims;
	size_t cut;
	int64_t t, t2;
	int retry, allowed = 0, i;

	if (rate == NULL && gc_rate_new(3, 60, &rate) != GC_OK)
		abort();
	if (size == 0)
		return 0;
	cut = data[0] % size;
	inm = strndup((const char *)data + 1, cut > 0 ? cut - 1 : 0);
	ims = strndup((const char *)data + cut, size - cut);
	if (inm == NULL || ims == NULL)
		abort();
	memcpy(sha, data, size < 32 ? size : 32);
	gc_http_etag(sha, etag);
	(void)gc_http_not_modified(inm, ims, etag, 1000);
	(void)gc_http_not_modified(NULL, ims, etag, 1000);
	if (!gc_http_not_modified(etag, ims, etag, 1000))
		abort(); /* a representation always matches its own ETag */
	if (gc_http_date_parse(ims, &t) && t >= 0 && t < 253402300800LL) {
		gc_http_date(t, date);
		if (!gc_http_date_parse(date, &t2) || t2 != t)
			abort();
	}
	/* one address, one instant: never more than the burst */
	for (i = 0; i < 8; i++)
		allowed += gc_rate_take(rate, data, size > 16 ? 16 : size, (int64_t)data[0] << 40, &retry);
	if (allowed > 3)
		abort();
	free(inm);
	free(ims);
	return 0;
}
