/*
 * cmd_backup.c - `gcert backup` and `gcert restore` (CPS §4.8.1 disaster recovery,
 * §6.2.4 multi-person restore). Passphrases are named, never given: env:NAME or
 * file:PATH, so they appear in no command line, shell history or log.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/backup.h"
#include "cli/cli.h"
#include "store/db.h"

struct backup_values {
	const char *out, *share_dir;
	long custodians, threshold;
	struct cli_list passphrases;
};

static const struct cli_option backup_options[] = {
	{CLI_OPT("out", "F", struct backup_values, out, NULL, "the encrypted backup (never overwrites)"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("custodians", "N", struct backup_values, custodians, cli_long, "share files made, one per custodian"),
	 .flags = CLI_REQUIRED, .min = 1, .max = GC_MAX_CUSTODIANS},
	{CLI_OPT("threshold", "M", struct backup_values, threshold, cli_long, "shares needed to restore, 2..N"),
	 .flags = CLI_REQUIRED, .min = 1, .max = GC_MAX_CUSTODIANS},
	{CLI_OPT("share-dir", "D", struct backup_values, share_dir, NULL,
	         "where backup-ID-custodian-I.share files go (mode 0600)"), .flags = CLI_REQUIRED},
	{CLI_OPT("passphrases", "L", struct backup_values, passphrases, cli_list,
	         "per custodian env:NAME or file:PATH (never the passphrase itself)"), .flags = CLI_REQUIRED},
	CLI_END,
};

static int cmd_backup(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct backup_values *v = values;
	struct gc_backup_options o = {.out = v->out, .share_dir = v->share_dir, .custodians = (unsigned)v->custodians,
	                              .threshold = (unsigned)v->threshold};
	char id[33];
	gc_result rc;

	if (v->passphrases.n != o.custodians)
		return cli_usage_error(cli_current(), "--passphrases: one env:NAME or file:PATH per custodian "
		                       "(%u), comma-separated", o.custodians);
	o.passphrases = (const char *const *)v->passphrases.item;
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

struct restore_values {
	const char *from, *postgresql;
	struct cli_list shares, passphrases;
};

static const struct cli_option restore_options[] = {
	{CLI_OPT("from", "F", struct restore_values, from, NULL, "the backup file"), .flags = CLI_REQUIRED},
	{CLI_OPT("shares", "L", struct restore_values, shares, cli_list, "at least M custodians' share files"),
	 .flags = CLI_REQUIRED},
	{CLI_OPT("passphrases", "L", struct restore_values, passphrases, cli_list,
	         "their passphrases, same order: env:NAME or file:PATH"), .flags = CLI_REQUIRED},
	{CLI_OPT("postgresql", "URL", struct restore_values, postgresql, cli_pg_url,
	         "for a backup of a CA on PostgreSQL: the empty database it goes into")},
	CLI_END,
};

static int cmd_restore(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct restore_values *v = values;
	struct gc_restore_options o = {0};
	char id[33];
	gc_result rc;

	if (v->shares.n != v->passphrases.n)
		return cli_usage_error(cli_current(), "--shares and --passphrases: comma-separated lists of "
		                       "equal length, one passphrase per share");
	o.from = v->from;
	o.postgresql = v->postgresql;
	o.shares = (const char *const *)v->shares.item;
	o.passphrases = (const char *const *)v->passphrases.item;
	o.nshares = v->shares.n;
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

const struct cli_command cli_backup = {
	.name = "backup", .run = cmd_backup, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = backup_options, .values_size = sizeof(struct backup_values),
	.summary = "online encrypted backup of database and token; M of N custodians restore it (CPS §6.2.4)",
	.example = "gcert backup --dir ./demo-ca --out ca.bak --custodians 3 --threshold 2 --share-dir shares \\\n"
	           "      --passphrases env:PASS_ALICE,env:PASS_BOB,file:/media/carol/pass",
};

const struct cli_command cli_restore = {
	.name = "restore", .run = cmd_restore, .takes = CLI_DIR_REQUIRED | CLI_JSON, .options = restore_options,
	.values_size = sizeof(struct restore_values), .dir_help = "the new CA directory: absent or empty",
	.summary = "bring a CA back from a backup into an empty directory",
	.example = "gcert restore --from ca.bak --shares a.share,b.share --passphrases env:PASS_ALICE,env:PASS_BOB --dir ./ca2",
};
