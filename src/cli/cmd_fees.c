/* cmd_fees.c - `gcert fees`: what an organisation owes for a year (CPS §2.4). */
#include <getopt.h>
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

int cmd_fees(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"org", required_argument, NULL, 'o'}, {"year", required_argument, NULL, 'y'},
		{NULL, 0, NULL, 0},
	};
	const char *org = NULL;
	json_t *arr = NULL;
	long year = 0, count, total;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': org = optarg; break;
		case 'y':
			if (!cli_parse_long(optarg, 2000, 9999, &year))
				return cli_usage_error(cli_current(), "--year: a year such as 2026");
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (org == NULL || year == 0)
		return cli_usage_error(cli_current(), "--org and --year are required");
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
