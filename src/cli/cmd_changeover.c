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

int cmd_ca_new_root(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"root-name", required_argument, NULL, 'r'},    {"root-key-label", required_argument, NULL, 'k'},
		{"arl-url", required_argument, NULL, 'a'},      {"root-years", required_argument, NULL, 'Y'},
		{"issuing-name", required_argument, NULL, 'n'}, {"issuing-key-label", required_argument, NULL, 'K'},
		{"crl-dp", required_argument, NULL, 'd'},       {"full-crl-url", required_argument, NULL, 'f'},
		{"issuing-years", required_argument, NULL, 'y'}, {NULL, 0, NULL, 0},
	};
	struct gc_new_root nr = {0};
	struct gc_new_root_result res;
	char until[21];
	long years;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': nr.root_cn = optarg; break;
		case 'k': nr.root_key_label = optarg; break;
		case 'a': nr.arl_url = optarg; break;
		case 'n': nr.issuing.issuing_cn = optarg; break;
		case 'K': nr.issuing.key_label = optarg; break;
		case 'd': nr.issuing.crl_dp = optarg; break;
		case 'f': nr.issuing.full_crl = optarg; break;
		case 'Y':
		case 'y':
			if (!cli_parse_long(optarg, 1, 25, &years))
				return cli_usage_error(cli_current(), "%s: 1..25 (CPS §4.7: a root lasts at most 25 years)",
				                       c == 'Y' ? "--root-years" : "--issuing-years");
			*(c == 'Y' ? &nr.root_years : &nr.issuing.years) = (int)years;
			break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (nr.root_cn == NULL || nr.issuing.issuing_cn == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--root-name and --issuing-name are required");
	memset(&res, 0, sizeof(res));
	if ((rc = gc_ca_new_root(ctx->ca, &nr, (int64_t)time(NULL), &res)) != GC_OK)
		return cli_fail(ctx, rc);
	gc_time_format(res.root_not_after, until);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s], s:s, s:s, s:s}", "status", "ok",
		                         "root", res.root_cn, "root_serial", res.root_serial, "root_key_label",
		                         res.root_key_label, "root_not_after", until, "arl_url", res.arl_url,
		                         "link_serials", res.link_serials[0], res.link_serials[1], "issuing",
		                         res.issuing.new_cn, "issuing_serial", res.issuing.serial, "crl_dp",
		                         res.issuing.crl_dp));
	else
		printf("root changed over (CPS §4.7)\n  new root:    %s (key %s, serial %s, until %s)\n"
		       "  links:       %s (old root signs new), %s (new root signs old)\n"
		       "  new issuing: %s (key %s), certificates point to %s\n"
		       "  old root and issuing CA: keys kept; they go on signing their ARL and CRLs\n",
		       res.root_cn, res.root_key_label, res.root_serial, until, res.link_serials[0],
		       res.link_serials[1], res.issuing.new_cn, res.issuing.key_label, res.issuing.crl_dp);
	return 0;
}
