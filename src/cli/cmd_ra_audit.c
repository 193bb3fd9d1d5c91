/*
 * cmd_ra_audit.c - `gcert ra audit verify|checkpoint|report`: the RA's audit trail with the
 * CA's code (src/audit/, cmd_audit.c): the hash chain and the checkpoints signed by the
 * RA audit key in the RA token (CPS §4.5.4), and the B/D's daily review (§4.5.2).
 */
#include <jansson.h>
#include <stdio.h>

#include "audit/seal.h"
#include "cli/cli.h"
#include "ra/ra.h"

static int cmd_ra_audit_verify(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_audit_check chk;
	struct gc_ra *ra = NULL;
	gc_result rc;

	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = cli_audit_verify_db(ra->db, ((const struct cli_audit_verify_values *)values)->cert, &chk);
	gc_ra_close(ra);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	cli_audit_verify_print(ctx, &chk);
	return 0;
}

static int cmd_ra_audit_checkpoint(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_ra *ra = NULL;
	bool made = false;
	gc_result rc;

	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = gc_ra_checkpoint(ra, true, &made);
	gc_ra_close(ra);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:b}", "status", "ok", "made", made));
	else
		printf(made ? "checkpoint signed by the RA audit key\n" : "nothing new to seal\n");
	return 0;
}

static int cmd_ra_audit_report(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct gc_ra *ra = NULL;
	gc_result rc;
	int e;

	if ((rc = gc_ra_open(ctx->dir, &ra)) != GC_OK)
		return cli_fail(ctx, rc);
	e = cli_audit_report_db(ctx, ra->db, ((const struct cli_audit_report_values *)values)->day);
	gc_ra_close(ra);
	return e;
}

#define RADIR_HELP "the RA directory"

const struct cli_command cli_ra_audit_verify = {
	.name = "ra audit verify", .run = cmd_ra_audit_verify, .takes = CLI_DIR_REQUIRED | CLI_JSON,
	.options = cli_audit_verify_options, .values_size = sizeof(struct cli_audit_verify_values),
	.dir_help = RADIR_HELP,
	.summary = "check the RA's audit trail: hash chain and checkpoints signed by the RA audit key (CPS §4.5.4)",
	.notes = "Names the first edited, deleted or reordered record, or a forged checkpoint; exit status 7\n"
	         "(GC_E_AUDIT_TAMPERED) when altered.",
	.example = "gcert ra audit verify --dir ./demo-ra",
};

const struct cli_command cli_ra_audit_checkpoint = {
	.name = "ra audit checkpoint", .run = cmd_ra_audit_checkpoint, .takes = CLI_DIR_REQUIRED | CLI_JSON,
	.dir_help = RADIR_HELP,
	.summary = "seal the RA's audit trail with a checkpoint signed by the RA audit key (in the RA token)",
	.notes = "(`gcert ra serve` also does this every minute and when it stops)",
	.example = "gcert ra audit checkpoint --dir ./demo-ra",
};

const struct cli_command cli_ra_audit_report = {
	.name = "ra audit report", .run = cmd_ra_audit_report, .takes = CLI_DIR_REQUIRED | CLI_JSON,
	.options = cli_audit_report_options, .values_size = sizeof(struct cli_audit_report_values),
	.dir_help = RADIR_HELP,
	.summary = "the B/D's daily review of the RA's audit trail for one Hong Kong day (CPS §4.5.2)",
	.example = "gcert ra audit report --dir ./demo-ra --day 2026-11-25",
};
