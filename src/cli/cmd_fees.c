/* cmd_fees.c - `gcert fees`: what an organisation owes for a year (CPS §2.4). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/feestore.h"

static void print_fee(const struct gc_fee_row *r, void *arg)
{
	json_t *arr = arg;
	char at[21];

	gc_time_format(r->charged_at, at);
	if (arr != NULL)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i, s:s}", "serial", r->serial, "kind",
		                                     r->kind, "validity_years", r->validity_years,
		                                     "amount_hkd", r->amount_hkd, "charged_at", at));
	else
		printf("%s  %-5s %d year(s)  HK$%d  %s\n", r->serial, r->kind, r->validity_years,
		       r->amount_hkd, at);
}

struct fees_values {
	const char *org;
	long year;
};

static const struct cli_option fees_options[] = {
	{CLI_OPT("org", "O", struct fees_values, org, NULL,
	         "the organisation as named in requests (subject.organisation)"), .flags = CLI_REQUIRED},
	{CLI_OPT("year", "YYYY", struct fees_values, year, cli_long, "Hong Kong calendar year of issue"),
	 .flags = CLI_REQUIRED, .min = 2000, .max = 9999},
	CLI_END,
};

static int cmd_fees(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct fees_values *v = values;
	const char *org = v->org;
	json_t *arr = NULL;
	long year = v->year, count, total;
	gc_result rc;

	if (ctx->json)
		arr = json_array();
	rc = gc_fees_for(ctx->ca->db, org, (int)year, print_fee, arr, &count, &total);
	if (rc != GC_OK) {
		json_decref(arr);
		return cli_fail(ctx, rc);
	}
	if (arr != NULL)
		cli_print_json(json_pack("{s:s, s:i, s:i, s:i, s:o}", "organisation", org, "year", (int)year,
		                         "certificates", (int)count, "total_hkd", (int)total, "fees", arr));
	else
		printf("%s, %ld: %ld certificate(s), HK$%ld\n", org, year, count, total);
	return 0;
}

const struct cli_command cli_fees = {
	.name = "fees", .run = cmd_fees, .needs = GC_NEED_DB, .takes = CLI_JSON, .options = fees_options,
	.values_size = sizeof(struct fees_values), .summary = "fees charged to an organisation for a year (CPS §2.4)",
	.example = "gcert fees --dir ./demo-ca --org \"Office of the Government Chief Information Officer\" --year 2026",
};
