/* cmd_changeover.c - `gcert ca changeover`: issuing CA key changeover (CPS §4.7). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ca/changeover.h"
#include "cli/cli.h"
#include "core/timeutil.h"

struct changeover_values {
	const char *issuing_name, *key_label, *crl_dp, *full_crl_url;
	long years;
};

static const struct cli_option changeover_options[] = {
	{CLI_OPT("issuing-name", "CN", struct changeover_values, issuing_name, NULL, "the new issuing CA's name"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("key-label", "L", struct changeover_values, key_label, NULL,
	         "its token key label (default from the name: ecert-ca-2-23)")},
	{CLI_OPT("crl-dp", "URL", struct changeover_values, crl_dp, NULL,
	         "its partitioned CRL (default beside the current: eCertCA2-23CRL2.crl)")},
	{CLI_OPT("full-crl-url", "URL", struct changeover_values, full_crl_url, NULL,
	         "its full CRL (default eCertCA2-23CRL1.crl)")},
	{CLI_OPT("years", "N", struct changeover_values, years, cli_long,
	         "its validity (default issuing.validity_years); never beyond the root"), .min = 1, .max = 24},
	CLI_END,
};

static int cmd_ca_changeover(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct changeover_values *v = values;
	struct gc_changeover co = {.issuing_cn = v->issuing_name, .key_label = v->key_label, .crl_dp = v->crl_dp,
	                           .full_crl = v->full_crl_url, .years = (int)v->years};
	struct gc_changeover_result res;
	char until[21];
	gc_result rc;

	if (co.issuing_cn[0] == '\0')
		return cli_usage_error(cli_current(), "--issuing-name is empty");
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

struct new_root_values {
	const char *root_name, *root_key_label, *arl_url;
	struct changeover_values issuing;
	long root_years;
};

static const struct cli_option new_root_options[] = {
	{CLI_OPT("root-name", "CN", struct new_root_values, root_name, NULL,
	         "the new root's name, e.g. \"Hongkong Post Root CA 3\""), .flags = CLI_REQUIRED},
	{CLI_OPT("root-key-label", "L", struct new_root_values, root_key_label, NULL,
	         "its token key label (default from the name: root-ca-3)")},
	{CLI_OPT("arl-url", "URL", struct new_root_values, arl_url, NULL,
	         "its ARL (default beside the current: RootCA3ARL.crl)")},
	{CLI_OPT("root-years", "N", struct new_root_values, root_years, cli_long,
	         "its validity, at most 25 (CPS §4.7; default root.validity_years)"), .min = 1, .max = 25},
	{CLI_OPT("issuing-name", "CN", struct new_root_values, issuing.issuing_name, NULL,
	         "the issuing CA under it"), .flags = CLI_REQUIRED},
	{CLI_OPT("issuing-key-label", "L", struct new_root_values, issuing.key_label, NULL,
	         "its token key label, as for `gcert ca changeover`")},
	{CLI_OPT("crl-dp", "URL", struct new_root_values, issuing.crl_dp, NULL, "its partitioned CRL")},
	{CLI_OPT("full-crl-url", "URL", struct new_root_values, issuing.full_crl_url, NULL, "its full CRL")},
	{CLI_OPT("issuing-years", "N", struct new_root_values, issuing.years, cli_long, "its validity"),
	 .min = 1, .max = 25},
	CLI_END,
};

static int cmd_ca_new_root(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct new_root_values *v = values;
	struct gc_new_root nr = {.root_cn = v->root_name, .root_key_label = v->root_key_label, .arl_url = v->arl_url,
	                         .root_years = (int)v->root_years};
	struct gc_new_root_result res;
	char until[21];
	gc_result rc;

	nr.issuing = (struct gc_changeover){.issuing_cn = v->issuing.issuing_name, .key_label = v->issuing.key_label,
	                                    .crl_dp = v->issuing.crl_dp, .full_crl = v->issuing.full_crl_url,
	                                    .years = (int)v->issuing.years};
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

const struct cli_command cli_ca_changeover = {
	.name = "ca changeover", .run = cmd_ca_changeover, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = changeover_options, .values_size = sizeof(struct changeover_values),
	.summary = "issuing CA key changeover: a new issuing CA under the root; the old key keeps signing its CRLs (§4.7)",
	.notes = "gcert.json is rewritten with the new name, label and URLs (audited as config.changed).",
	.example = "gcert ca changeover --dir ./demo-ca --issuing-name \"Hongkong Post e-Cert CA 2 - 23\"",
};

const struct cli_command cli_ca_new_root = {
	.name = "ca new-root", .run = cmd_ca_new_root, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = new_root_options, .values_size = sizeof(struct new_root_values),
	.summary = "root key changeover: new root, link certificates both ways, new issuing CA under it (§4.7)",
	.notes = "The old root signs the new root's key and the new root the old one's (link certificates,\n"
	         "`gcert ca certs --out-dir`); the old keys keep signing the old ARL and CRLs.",
	.example = "gcert ca new-root --dir ./demo-ca --root-name \"Hongkong Post Root CA 3\" \\\n"
	           "      --issuing-name \"Hongkong Post e-Cert CA 3 - 26\"",
};
