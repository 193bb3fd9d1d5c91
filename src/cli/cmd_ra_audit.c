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

int cmd_ra_audit_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	struct gc_audit_check chk;
	struct gc_ra *ra = NULL;
	gc_result rc;
	int usage = 0;

	if (ctx->dir == NULL)
		return cli_usage_error(cli_current(), "--dir is required");
	if ((rc = gc_ra_open(ctx->dir, &ra)) == GC_OK)
		rc = cli_audit_verify_db(ra->db, argc, argv, &chk, &usage);
	gc_ra_close(ra);
	if (usage != 0)
		return usage;
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	cli_audit_verify_print(ctx, &chk);
	return 0;
}

int cmd_ra_audit_checkpoint(struct cli_ctx *ctx, int argc, char **argv)
{
	struct gc_ra *ra = NULL;
	bool made = false;
	gc_result rc;

	if (argc > 1)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[1]);
	if (ctx->dir == NULL)
		return cli_usage_error(cli_current(), "--dir is required");
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

int cmd_ra_audit_report(struct cli_ctx *ctx, int argc, char **argv)
{
	struct gc_ra *ra = NULL;
	gc_result rc;
	int e;

	if (ctx->dir == NULL)
		return cli_usage_error(cli_current(), "--dir is required");
	if ((rc = gc_ra_open(ctx->dir, &ra)) != GC_OK)
		return cli_fail(ctx, rc);
	e = cli_audit_report_db(ctx, ra->db, argc, argv);
	gc_ra_close(ra);
	return e;
}
