/*
 * cmd_backup.c - `gcert backup` and `gcert restore` (CPS §4.8.1 disaster recovery,
 * §6.2.4 multi-person restore). Passphrases are named, never given: env:NAME or
 * file:PATH, so they appear in no command line, shell history or log.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/backup.h"
#include "cli/cli.h"
#include "store/db.h"

static int count_opt(const char *v, unsigned *out, const char *opt)
{
	long n;

	if (!cli_parse_long(v, 1, GC_MAX_CUSTODIANS, &n))
		return cli_usage_error(cli_current(), "%s: a number 1..%d", opt, GC_MAX_CUSTODIANS);
	*out = (unsigned)n;
	return 0;
}

int cmd_backup(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},        {"custodians", required_argument, NULL, 'n'},
		{"threshold", required_argument, NULL, 'm'},  {"share-dir", required_argument, NULL, 's'},
		{"passphrases", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
	};
	struct gc_backup_options o = {0};
	char *specs[GC_MAX_CUSTODIANS], *list = NULL, id[33];
	unsigned nspecs = 0;
	gc_result rc;
	int c, e = 0;

	optind = 1;
	while (e == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'n': e = count_opt(optarg, &o.custodians, "--custodians"); break;
		case 'm': e = count_opt(optarg, &o.threshold, "--threshold"); break;
		case 's': o.share_dir = optarg; break;
		case 'p': list = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (e != 0)
		return e;
	if (o.out == NULL || o.share_dir == NULL || list == NULL || o.custodians == 0 ||
	    o.threshold == 0 || optind != argc)
		return cli_usage_error(cli_current(), "--out, --custodians, --threshold, --share-dir and "
		                       "--passphrases are required");
	if (!cli_split_list(list, specs, GC_MAX_CUSTODIANS, &nspecs) || nspecs != o.custodians)
		return cli_usage_error(cli_current(), "--passphrases: one env:NAME or file:PATH per custodian "
		                       "(%u), comma-separated", o.custodians);
	o.passphrases = (const char *const *)specs;
	if ((rc = gc_backup(ctx->ca, &o, id)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:i, s:i}", "status", "ok", "backup_id", id, "file",
		                         o.out, "custodians", (int)o.custodians, "threshold", (int)o.threshold));
	else
		printf("backup %s written to %s\n  %u share files in %s; any %u of them restore it\n", id, o.out,
		       o.custodians, o.share_dir, o.threshold);
	return 0;
}

int cmd_restore(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'}, {"shares", required_argument, NULL, 's'},
		{"passphrases", required_argument, NULL, 'p'}, {"postgresql", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	struct gc_restore_options o = {0};
	char *shares[GC_MAX_CUSTODIANS], *specs[GC_MAX_CUSTODIANS], *sl = NULL, *pl = NULL, id[33];
	unsigned ns = 0, np = 0;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.from = optarg; break;
		case 's': sl = optarg; break;
		case 'p': pl = optarg; break;
		case 'P': o.postgresql = optarg; break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (o.postgresql != NULL && !gc_db_target_is_pg(o.postgresql))
		return cli_usage_error(cli_current(), "--postgresql: not a PostgreSQL connection string");
	if (o.from == NULL || sl == NULL || pl == NULL || ctx->dir == NULL || optind != argc)
		return cli_usage_error(cli_current(), "--from, --shares, --passphrases and --dir are required");
	if (!cli_split_list(sl, shares, GC_MAX_CUSTODIANS, &ns) ||
	    !cli_split_list(pl, specs, GC_MAX_CUSTODIANS, &np) || ns != np)
		return cli_usage_error(cli_current(), "--shares and --passphrases: comma-separated lists of "
		                       "equal length, one passphrase per share");
	o.shares = (const char *const *)shares;
	o.passphrases = (const char *const *)specs;
	o.nshares = ns;
	o.dir = ctx->dir;
	o.actor = ctx->actor;
	if ((rc = gc_restore(&o, id)) != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s}", "status", "ok", "backup_id", id, "dir", ctx->dir));
	else
		printf("CA restored into %s from backup %s; token keys match the CA certificates; audit "
		       "trail verified\n", ctx->dir, id);
	return 0;
}
