/*
 * cmd_archive.c - `gcert archive export` and `gcert archive verify` (CPS §4.6 archive,
 * §4.9 records kept after termination). Verification needs only the bundle.
 */
#include <jansson.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/archive.h"
#include "cli/cli.h"
#include "sys/fileio.h"

static json_t *summary_json(const struct gc_archive_summary *s, const char *file)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "status", "ok", "file", file,
	                 "created", s->created, "items", (json_int_t)s->items, "certificates",
	                 (json_int_t)s->certs, "crls", (json_int_t)s->crls, "cps_versions", (json_int_t)s->cps,
	                 "audit_records", (json_int_t)s->records, "checkpoints", (json_int_t)s->checkpoints,
	                 "signer_sha256", s->signer_sha256);
}

struct export_values {
	const char *out, *cps_dir;
};

static const struct cli_option export_options[] = {
	{CLI_OPT("out", "F", struct export_values, out, NULL, "the bundle, a tar (never overwrites)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("cps-dir", "D", struct export_values, cps_dir, NULL, "CPS versions to include besides DIR/data/cps/")},
	CLI_END,
};

static int cmd_archive_export(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct export_values *o = values;
	struct gc_archive_summary sum;
	const char *out = o->out, *cps = o->cps_dir;
	gc_result rc;

	if ((rc = gc_archive_export(ctx->ca, out, cps, &sum)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(summary_json(&sum, out));
	else
		printf("archive %s: %ld items (%ld certificates, %ld CRLs, %ld CPS versions, audit trail of "
		       "%ld records and %ld checkpoints)\n  manifest signed by the audit key, certificate "
		       "sha256 %s\n", out, sum.items, sum.certs, sum.crls, sum.cps, sum.records,
		       sum.checkpoints, sum.signer_sha256);
	return 0;
}

struct verify_values {
	const char *cert;
};

static const struct cli_option verify_options[] = {
	{CLI_OPT("cert", "F", struct verify_values, cert, NULL,
	         "the audit key certificate to trust (else the one inside the bundle)")},
	CLI_END,
};

static int cmd_archive_verify(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *cert = ((const struct verify_values *)values)->cert;
	struct gc_archive_summary sum;
	X509 *pinned = NULL;
	gc_result rc;

	if (cert != NULL && (rc = cli_read_cert(cert, &pinned)) != GC_OK)
		return cli_fail(ctx, rc);
	rc = gc_archive_verify(ops[0], pinned, &sum);
	X509_free(pinned);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json) {
		json_t *o = summary_json(&sum, ops[0]);
		json_object_set_new(o, "signer_pinned", json_boolean(cert != NULL));
		cli_print_json(o);
	} else {
		printf("archive %s verified: %ld items, every SHA-256 matches the signed manifest; audit trail "
		       "of %ld records with %ld checkpoints verifies\n  signed by audit key certificate sha256 %s%s\n",
		       ops[0], sum.items, sum.records, sum.checkpoints, sum.signer_sha256,
		       cert ? " (the given certificate)" : "\n  (the signer's certificate came from the bundle: "
		                                           "compare its fingerprint, or pass --cert)");
	}
	return 0;
}

const struct cli_command cli_archive_export = {
	.name = "archive export", .run = cmd_archive_export, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = export_options, .values_size = sizeof(struct export_values),
	.summary = "signed, time-stamped archive bundle: certificates, CRLs, CPS, config, audit trail (CPS §4.6, §4.9)",
	.example = "gcert archive export --dir ./demo-ca --out archive-2026.tar",
};

const struct cli_command cli_archive_verify = {
	.name = "archive verify", .run = cmd_archive_verify, .takes = CLI_JSON, .options = verify_options,
	.values_size = sizeof(struct verify_values), .operands = "FILE", .operand_help = "the archive bundle",
	.summary = "check an archive bundle on its own: signature, every hash, the audit chain",
	.example = "gcert archive verify archive-2026.tar --cert audit-key.pem",
};
