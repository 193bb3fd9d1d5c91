/*
 * fuzz_request.c - libFuzzer harness for the request JSON validator
 * (core/request.c: gc_request_parse), which reads what the RA sends before anything
 * else does. An accepted request must hold what request.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_issue_request *r = NULL;
	size_t i;

	if (gc_request_parse((const char *)data, size, &r) != GC_OK)
		return 0;
	if (r->profile == NULL || r->validity_years < 1 || r->validity_years > 3 || r->id[0] == '\0' ||
	    r->csr_pem == NULL || r->fields[GC_F_SUBSCRIBER_REF] != NULL)
		abort();
	for (i = 0; i < GC_F_COUNT; i++)
		if (r->fields[i] != NULL && gc_utf8_chars(r->fields[i], strlen(r->fields[i])) < 1)
			abort();
	gc_request_free(r);
	return 0;
}
