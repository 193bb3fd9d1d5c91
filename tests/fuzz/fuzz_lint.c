/*
 * fuzz_lint.c - libFuzzer harness for the linter (src/lint), which `gcert lint` runs
 * on any file an operator or auditor hands it. The first input byte picks the entry:
 * 0 certificate, 1 TBS, 2 CRL, 3 issuer loading; the rest is the DER.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lint/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool entry(const struct gc_lint_crl_entry *e, void *arg)
{
	if (e->serialsz > 0 && e->serial == NULL)
		abort();
	(void)arg;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_lint_report r;
	struct gc_lint_cert_expect cx = {.kind = GC_LINT_DETECT};
	struct gc_lint_crl_expect lx = {.kind = GC_LINT_CRL_DETECT};
	struct gc_lint_issuer is;

	if (size < 1)
		return 0;
	gc_lint_report_init(&r);
	switch (data[0] & 3) {
	case 0: gc_lint_cert(data + 1, size - 1, &cx, &r); break;
	case 1: gc_lint_tbs(data + 1, size - 1, &cx, &r); break;
	case 2:
		gc_lint_crl(data + 1, size - 1, &lx, &r);
		(void)gc_lint_crl_foreach(data + 1, size - 1, entry, NULL);
		break;
	case 3:
		if (gc_lint_issuer_load(data + 1, size - 1, &is) == GC_OK) {
			/* lint a certificate against the issuer just loaded: its own DER */
			cx.issuer = &is;
			gc_lint_cert(data + 1, size - 1, &cx, &r);
			gc_lint_issuer_clear(&is);
		}
		break;
	}
	if (r.n > GC_LINT_MAX_FINDINGS)
		abort();
	(void)gc_lint_is_crl(data + 1, size - 1);
	return 0;
}
