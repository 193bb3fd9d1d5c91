/* cmd_changeover.c - `gcert ca changeover`: issuing CA key changeover (CPS §4.7). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/changeover.h"
#include "cli/cli.h"
#include "core/timeutil.h"

int cmd_ca_changeover(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"issuing-name", required_argument, NULL, 'n'}, {"key-label", required_argument, NULL, 'k'},
		{"crl-dp", required_argument, NULL, 'd'},       {"full-crl-url", required_argument, NULL, 'f'},
		{"years", required_argument, NULL, 'y'},        {NULL, 0, NULL, 0},
	};
	struct gc_changeover co = {0};
	struct gc_changeover_result res;
	char until[21];
	long years;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': co.issuing_cn = optarg; break;
		case 'k': co.key_label = optarg; break;
		case 'd': co.crl_dp = optarg; break;
		case 'f': co.full_crl = optarg; break;
		case 'y':
			if (!cli_parse_long(optarg, 1, 24, &years))
				return cli_usage_error(cli_current(), "--years: 1..24");
			co.years = (int)years;
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (co.issuing_cn == NULL || co.issuing_cn[0] == '\0' || optind != argc)
		return cli_usage_error(cli_current(), "--issuing-name is required");
	memset(&res, 0, sizeof(res));
	if ((rc = gc_ca_changeover(ctx->ca, &co, (int64_t)time(NULL), &res)) != GC_OK)
		return cli_fail(ctx, rc);
	gc_time_format(res.not_after, until);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "status", "ok", "old", res.old_cn,
		                         "new", res.new_cn, "serial", res.serial, "key_label", res.key_label,
		                         "not_after", until, "crl_dp", res.crl_dp, "full_crl_url", res.full_crl));
	else
		printf("issuing CA changed over (CPS §4.7)\n  new:  %s (key %s, serial %s, until %s)\n"
		       "        its certificates point to %s\n  old:  %s: key kept; it goes on signing "
		       "its CRLs\n", res.new_cn, res.key_label, res.serial, until, res.crl_dp, res.old_cn);
	return 0;
}
