/*
 * cmd_lint.c - `gcert lint FILE...`: the linter of the issuance path (src/lint) run on
 * any certificate or CRL, PEM or DER, for operators and auditors. With --dir the CA's
 * own certificates and names are the reference (issuer bytes, AKI, validity window,
 * signatures); without it the CPS defaults are.
 */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/limits.h"
#include "lint/lint.h"
#include "sys/fileio.h"

/* The reference a file is linted against. */
struct lint_ref {
	struct gc_lint_issuer issuing, root;
	const char *ca_names[6];
	const char *cps_uri, *crl_dp;
	bool have_ca;
};

struct lint_out {
	json_t *json; /* array, with --json */
	unsigned objects, findings;
};

static gc_result ref_load(struct gc_ca *ca, struct lint_ref *ref)
{
	unsigned char *der = NULL;
	int len;
	gc_result rc;

	len = i2d_X509(ca->issuing_cert, &der);
	GC_ENSURE(len > 0, GC_E_INTERNAL, "issuing CA certificate: cannot encode");
	rc = gc_lint_issuer_load(der, (size_t)len, &ref->issuing);
	OPENSSL_free(der);
	GC_GUARD(rc);
	der = NULL;
	len = i2d_X509(ca->root_cert, &der);
	GC_ENSURE(len > 0, GC_E_INTERNAL, "root CA certificate: cannot encode");
	rc = gc_lint_issuer_load(der, (size_t)len, &ref->root);
	OPENSSL_free(der);
	GC_GUARD(rc);
	ref->ca_names[0] = ca->cfg.country;
	ref->ca_names[1] = ca->cfg.state;
	ref->ca_names[2] = ca->cfg.locality;
	ref->ca_names[3] = ca->cfg.organisation;
	ref->ca_names[4] = ca->cfg.root.cn;
	ref->ca_names[5] = ca->cfg.issuing.cn;
	ref->cps_uri = ca->cfg.cps_uri;
	ref->crl_dp = ca->cfg.crl_dp;
	ref->have_ca = true;
	return GC_OK;
}

static void report_object(struct lint_out *out, const char *file, unsigned idx, bool crl,
                          const struct gc_lint_report *r)
{
	json_t *arr;
	unsigned i;

	out->objects++;
	out->findings += r->n + r->dropped;
	if (out->json != NULL) {
		arr = json_array();
		for (i = 0; i < r->n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "field", r->f[i].field, "message",
			                                     r->f[i].message));
		json_array_append_new(out->json, json_pack("{s:s, s:i, s:s, s:b, s:o, s:i}", "file", file,
		                                           "index", (int)idx, "object",
		                                           crl ? "crl" : "certificate", "ok", r->n == 0,
		                                           "findings", arr, "more", (int)r->dropped));
		return;
	}
	if (r->n == 0)
		printf("%s[%u]: %s: OK\n", file, idx, crl ? "CRL" : "certificate");
	for (i = 0; i < r->n; i++)
		printf("%s[%u]: %s: %s\n", file, idx, r->f[i].field, r->f[i].message);
	if (r->dropped > 0)
		printf("%s[%u]: and %u more findings\n", file, idx, r->dropped);
}

static void lint_object(const struct lint_ref *ref, struct lint_out *out, const char *file,
                        unsigned idx, const unsigned char *der, size_t len)
{
	struct gc_lint_report r;
	bool crl = gc_lint_is_crl(der, len);

	gc_lint_report_init(&r);
	if (crl) {
		struct gc_lint_crl_expect x = {
			.kind = GC_LINT_CRL_DETECT,
			.issuer = ref->have_ca ? &ref->issuing : NULL,
			.root = ref->have_ca ? &ref->root : NULL,
			.ca_names = ref->have_ca ? ref->ca_names : NULL,
			.partition_url = ref->crl_dp,
			.aki = GC_LINT_AKI_ANY, /* an ARL may name its key alone (lint.h) */
		};
		gc_lint_crl(der, len, &x, &r);
	} else {
		struct gc_lint_cert_expect x = {
			.kind = GC_LINT_DETECT,
			.issuer = ref->have_ca ? &ref->issuing : NULL,
			.root = ref->have_ca ? &ref->root : NULL,
			.ca_names = ref->have_ca ? ref->ca_names : NULL,
			.cps_uri = ref->cps_uri,
			.crl_dp = ref->crl_dp,
		};
		gc_lint_cert(der, len, &x, &r);
	}
	report_object(out, file, idx, crl, &r);
}

/* Every PEM block of a file; a block of another kind is an error naming it. */
static gc_result lint_pem(const struct lint_ref *ref, struct lint_out *out, const char *file,
                          const unsigned char *buf, size_t len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long datalen;
	unsigned idx = 0;
	gc_result rc = GC_OK;

	GC_ENSURE(bio != NULL, GC_E_NOMEM, "out of memory");
	while (PEM_read_bio(bio, &name, &header, &data, &datalen) == 1) {
		if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CRL") != 0)
			rc = gc_fail(GC_E_BAD_ENCODING, "%s: PEM block %u is \"%.40s\", not a CERTIFICATE "
			             "or X509 CRL", file, idx, name);
		else if (idx >= GC_MAX_LINT_OBJECTS)
			rc = gc_fail(GC_E_TOO_LARGE, "%s: more than %d objects", file, GC_MAX_LINT_OBJECTS);
		else
			lint_object(ref, out, file, idx++, data, (size_t)datalen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
		if (rc != GC_OK)
			break;
	}
	ERR_clear_error(); /* PEM_read_bio at the end leaves "no start line" */
	BIO_free(bio);
	if (rc == GC_OK && idx == 0)
		rc = gc_fail(GC_E_BAD_ENCODING, "%s: no PEM block", file);
	return rc;
}

static gc_result lint_file(const struct lint_ref *ref, struct lint_out *out, const char *file)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	gc_result rc;

	GC_GUARD(gc_file_read(file, GC_MAX_LINT_FILE, &buf, &len));
	if (len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0)
		rc = lint_pem(ref, out, file, buf, len);
	else {
		lint_object(ref, out, file, 0, buf, len);
		rc = GC_OK;
	}
	free(buf);
	return rc;
}

static int cmd_lint(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct lint_ref ref;
	struct lint_out out = {0};
	struct gc_ca *ca = NULL;
	gc_result rc = GC_OK;
	int i, status;

	memset(&ref, 0, sizeof(ref));
	/* --dir is optional here: the CA becomes the reference when given */
	if (ctx->dir != NULL && (rc = gc_ca_open(ctx->dir, GC_NEED_DB, ctx->actor, &ca)) == GC_OK)
		rc = ref_load(ca, &ref);
	if (ctx->json)
		out.json = json_array();
	for (i = 0; i < nops && rc == GC_OK; i++)
		rc = lint_file(&ref, &out, ops[i]);
	if (rc != GC_OK) {
		json_decref(out.json);
		status = cli_fail(ctx, rc);
	} else {
		if (out.json != NULL)
			cli_print_json(out.json);
		/* findings: 1, like other linters; errors keep their category's status */
		status = out.findings > 0 ? 1 : 0;
	}
	gc_lint_issuer_clear(&ref.issuing);
	gc_lint_issuer_clear(&ref.root);
	gc_ca_close(ca);
	return status;
}

const struct cli_command cli_lint = {
	.name = "lint", .run = cmd_lint, .takes = CLI_DIR | CLI_JSON, .operands = "FILE...",
	.operand_help = "PEM (one or more blocks) or DER; certificates and CRLs",
	.dir_help = "lint against this CA: its certificates, names, URLs and keys",
	.summary = "check certificates and CRLs against the CPS profile (App. B, C, G)",
	.notes = "exit status 0 when every object passes, 1 on findings",
	.example = "gcert lint --dir ./demo-ca chan.pem eCertCA2-17CRL2.crl",
};
