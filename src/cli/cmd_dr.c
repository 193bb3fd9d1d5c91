/*
 * cmd_dr.c - the recovery site of CPS §4.8.1 (ca/drill.h): `gcert dr promote` makes the
 * PostgreSQL hot standby the live database and points a CA directory at it; `gcert dr
 * drill` is the yearly drill. Parsing and printing only.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ca/drill.h"
#include "cli/cli.h"
#include "ra/ra.h"
#include "sys/fileio.h"

struct promote_values {
	const char *to;
};

static const struct cli_option promote_options[] = {
	{CLI_OPT("to", "URL", struct promote_values, to, NULL,
	         "the standby's PostgreSQL connection string (this CA's or RA's database there)"),
	 .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_dr_promote(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *to = ((const struct promote_values *)values)->to;
	struct gc_dr_promotion p;
	char shown[512];
	gc_result rc;

	if (gc_path_join(shown, sizeof(shown), ctx->dir, "ra.json") == GC_OK && gc_path_exists(shown)) {
		struct gc_ra_promotion r; /* an RA directory */

		if ((rc = gc_ra_dr_promote(ctx->dir, ctx->actor, to, &r)) != GC_OK)
			return cli_fail(ctx, rc);
		p = (struct gc_dr_promotion){r.promoted_now, r.repointed, r.promote_ms, r.audit_id};
	} else if ((rc = gc_dr_promote(ctx->dir, ctx->actor, to, &p)) != GC_OK) {
		return cli_fail(ctx, rc);
	}
	gc_db_target_redact(to, shown, sizeof(shown));
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:b, s:b, s:I, s:I}", "status", "ok", "database", shown,
		                         "promoted_now", p.promoted_now, "repointed", p.repointed, "promote_ms",
		                         (json_int_t)p.promote_ms, "audit_id", (json_int_t)p.audit_id));
	else
		printf("%s\n%s: database.postgresql %s; recorded as audit record %lld (dr.promoted)\n",
		       p.promoted_now ? "standby promoted" : "standby already promoted", ctx->dir,
		       p.repointed ? "now names it" : "named it already", (long long)p.audit_id);
	if (!ctx->json && p.promoted_now)
		printf("promotion took %lld ms\n", (long long)p.promote_ms);
	return 0;
}

static void print_table(const struct gc_dr_drill *d)
{
	int i;

	printf("%-18s %12s %12s  %s\n", "table", "live rows", "standby rows", "same rows");
	for (i = 0; i < GC_DR_TABLES; i++)
		printf("%-18s %12lld %12lld  %s\n", d->live.t[i].name, (long long)d->live.t[i].rows,
		       (long long)d->standby.t[i].rows, strcmp(d->live.t[i].sha256, d->standby.t[i].sha256) ? "NO" : "yes");
	printf("audit chain head   #%lld %.16s... live, #%lld %.16s... on the standby\n",
	       (long long)d->live.audit_head_id, d->live.audit_head_hash, (long long)d->standby.audit_head_id,
	       d->standby.audit_head_hash);
	printf("highest cRLNumber  %lld live, %lld on the standby\n", (long long)d->live.crl_number_max,
	       (long long)d->standby.crl_number_max);
	printf("replication        %lld bytes behind at start, %lld at compare, caught up in %lld ms; %s\n",
	       (long long)d->behind_start, (long long)d->behind_end, (long long)d->catch_up_ms,
	       d->live_srv.sync_standbys > 0 ? "synchronous" : "NOT synchronous");
	if (d->promote_ms >= 0)
		printf("last promotion     %lld ms (audit record %lld)\n", (long long)d->promote_ms,
		       (long long)d->promote_audit_id);
}

#define STR_(x) #x
#define STR(x) STR_(x)

struct drill_values {
	const char *standby, *out;
	long wait;
};

static const struct cli_option drill_options[] = {
	{CLI_OPT("standby", "URL", struct drill_values, standby, NULL,
	         "the standby's connection string (this CA's database there)"), .flags = CLI_REQUIRED},
	{CLI_OPT("out", "F", struct drill_values, out, NULL,
	         "the report: CMS SignedData (DER) of JSON, signed by the audit key"), .flags = CLI_REQUIRED},
	{CLI_OPT("wait", "SECONDS", struct drill_values, wait, cli_long,
	         "how long the standby may take to replay up to the live server"),
	 .min = 0, .max = GC_DR_DRILL_MAX_WAIT, .def = STR(GC_DR_DRILL_WAIT_SECONDS)},
	CLI_END,
};

static int cmd_dr_drill(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct drill_values *v = values;
	const char *out = v->out;
	struct gc_dr_drill d;
	gc_result rc;

	rc = gc_dr_drill(ctx->ca, v->standby, out, (int)v->wait, &d);
	if (rc != GC_OK && rc != GC_E_DR_DIFFERS)
		return cli_fail(ctx, rc);
	if (!ctx->json) {
		print_table(&d);
		printf("%lld rows compared; report %s (sha256 %s), signed by the audit key; audit record %lld\n",
		       (long long)d.rows_compared, out, d.report_sha256, (long long)d.audit_id);
	} else if (rc == GC_OK) {
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:s, s:I}", "status", "ok", "rows_compared",
		                         (json_int_t)d.rows_compared, "behind_bytes_at_start",
		                         (json_int_t)d.behind_start, "catch_up_ms", (json_int_t)d.catch_up_ms,
		                         "report_sha256", d.report_sha256, "audit_id", (json_int_t)d.audit_id));
	}
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	printf("drill passed: the recovery site holds what the live database holds\n");
	return 0;
}

const struct cli_command cli_dr_promote = {
	.name = "dr promote", .run = cmd_dr_promote, .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = promote_options,
	.values_size = sizeof(struct promote_values), .dir_help = "the CA directory, or an RA directory (ra.json's "
	"database.postgresql is rewritten)",
	.summary = "make the recovery site's standby the live database and point this CA or RA at it (CPS §4.8.1)",
	.notes = "Refused while the old primary still answers as a primary. Run it again after any failure,\n"
	         "and on every further node: each step is done once.",
	.example = "gcert dr promote --dir ./demo-ca --to postgresql://gcert@standby:5432/ca",
};

const struct cli_command cli_dr_drill = {
	.name = "dr drill", .run = cmd_dr_drill, .needs = GC_NEED_DB | GC_NEED_TOKEN,
	.takes = CLI_DIR_REQUIRED | CLI_JSON, .options = drill_options, .values_size = sizeof(struct drill_values),
	.summary = "yearly drill: compare the live database with the recovery site; signed report (CPS §4.8.1)",
	.notes = "Exit 7 (GC_E_DR_DIFFERS) on any difference, each named.",
	.example = "gcert dr drill --dir ./demo-ca --standby postgresql://gcert@standby:5432/ca --out drill-2026.p7m",
};
