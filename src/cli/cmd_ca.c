/* cmd_ca.c - `gcert ca init` (the key ceremony) and `gcert ca certs`. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/text.h"
#include "store/db.h"
#include "sys/fileio.h"

static int copy_opt(char *dst, size_t dstsz, const char *v, const char *opt)
{
	if (strlen(v) >= dstsz)
		return cli_usage_error(cli_current(), "%s: value too long", opt);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int years_opt(int *dst, const char *v, const char *opt)
{
	long n;

	if (!cli_parse_long(v, 1, 99, &n))
		return cli_usage_error(cli_current(), "%s: not a number of years", opt);
	*dst = (int)n;
	return 0;
}

static int count_opt(unsigned *dst, const char *v, const char *opt)
{
	long n;

	if (!cli_parse_long(v, 1, GC_MAX_CUSTODIANS, &n))
		return cli_usage_error(cli_current(), "%s: a number 1..%d", opt, GC_MAX_CUSTODIANS);
	*dst = (unsigned)n;
	return 0;
}

/* CPS §6.4: the options of M-of-N activation, as `gcert backup` takes its custodians. */
struct custodian_opts {
	unsigned custodians, threshold;
	char *names, *share_dir, *passphrases;
	char *name_items[GC_MAX_CUSTODIANS], *pass_items[GC_MAX_CUSTODIANS];
	char default_names[GC_MAX_CUSTODIANS][16];
};

static int custodian_setup(struct custodian_opts *co, struct gc_activation_setup *s)
{
	unsigned i, n = 0;

	if (co->custodians == 0 && co->threshold == 0 && !co->names && !co->share_dir && !co->passphrases)
		return 0;
	if (co->custodians == 0 || co->threshold == 0 || co->share_dir == NULL || co->passphrases == NULL)
		return cli_usage_error(cli_current(), "M-of-N activation needs --custodians, --threshold, "
		                       "--share-dir and --passphrases (and optionally --custodian-names)");
	if (!cli_split_list(co->passphrases, co->pass_items, GC_MAX_CUSTODIANS, &n) || n != co->custodians)
		return cli_usage_error(cli_current(), "--passphrases: one env:NAME or file:PATH per custodian "
		                       "(%u), comma-separated", co->custodians);
	if (co->names == NULL) {
		for (i = 0; i < co->custodians; i++) {
			snprintf(co->default_names[i], sizeof(co->default_names[i]), "custodian-%u", i + 1);
			co->name_items[i] = co->default_names[i];
		}
	} else if (!cli_split_list(co->names, co->name_items, GC_MAX_CUSTODIANS, &n) || n != co->custodians) {
		return cli_usage_error(cli_current(), "--custodian-names: one name per custodian (%u), "
		                       "comma-separated", co->custodians);
	}
	*s = (struct gc_activation_setup){co->custodians, co->threshold, (const char *const *)co->name_items,
	                                  (const char *const *)co->pass_items, co->share_dir};
	return 0;
}

/* A connection string, never echoed back: it may carry a password. */
static int postgresql_opt(struct gc_config *cfg, const char *v)
{
	if (!gc_db_target_is_pg(v))
		return cli_usage_error(cli_current(), "--postgresql: not a PostgreSQL connection string "
		                       "(postgresql://USER@HOST:PORT/DB or \"host=... dbname=...\")");
	return copy_opt(cfg->postgresql, sizeof(cfg->postgresql), v, "--postgresql");
}

int cmd_ca_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"module", required_argument, NULL, 'm'},  {"token-label", required_argument, NULL, 't'},
		{"pin-file", required_argument, NULL, 'p'}, {"root-cn", required_argument, NULL, 'r'},
		{"issuing-cn", required_argument, NULL, 'i'}, {"root-years", required_argument, NULL, 'R'},
		{"issuing-years", required_argument, NULL, 'I'}, {"custodians", required_argument, NULL, 'n'},
		{"threshold", required_argument, NULL, 'M'}, {"custodian-names", required_argument, NULL, 'N'},
		{"share-dir", required_argument, NULL, 's'}, {"passphrases", required_argument, NULL, 'P'},
		{"postgresql", required_argument, NULL, 'Q'},
		{NULL, 0, NULL, 0},
	};
	struct custodian_opts co = {0};
	struct gc_activation_setup setup;
	struct gc_init_options init;
	bool module_set = false;
	int c, e = 0;
	gc_result rc;

	memset(&init, 0, sizeof(init));
	gc_config_defaults(&init.cfg);
	optind = 1;
	while (e == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': e = copy_opt(init.cfg.token_module, sizeof(init.cfg.token_module), optarg, "--module"), module_set = true; break;
		case 't': e = copy_opt(init.cfg.token_label, sizeof(init.cfg.token_label), optarg, "--token-label"); break;
		case 'p': e = copy_opt(init.existing_pin_file, sizeof(init.existing_pin_file), optarg, "--pin-file"); break;
		case 'r': e = copy_opt(init.cfg.root.cn, sizeof(init.cfg.root.cn), optarg, "--root-cn"); break;
		case 'i': e = copy_opt(init.cfg.issuing.cn, sizeof(init.cfg.issuing.cn), optarg, "--issuing-cn"); break;
		case 'R': e = years_opt(&init.cfg.root.validity_years, optarg, "--root-years"); break;
		case 'I': e = years_opt(&init.cfg.issuing.validity_years, optarg, "--issuing-years"); break;
		case 'n': e = count_opt(&co.custodians, optarg, "--custodians"); break;
		case 'M': e = count_opt(&co.threshold, optarg, "--threshold"); break;
		case 'N': co.names = optarg; break;
		case 's': co.share_dir = optarg; break;
		case 'P': co.passphrases = optarg; break;
		case 'Q': e = postgresql_opt(&init.cfg, optarg); break;
		default: return cli_usage_error(cli_current(), "unknown option");
		}
	}
	if (e != 0)
		return e;
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	if (ctx->dir == NULL)
		return cli_usage_error(cli_current(), "--dir is required");
	if (module_set != (init.existing_pin_file[0] != '\0'))
		return cli_usage_error(cli_current(), "--module and --pin-file go together");
	if ((e = custodian_setup(&co, &setup)) != 0)
		return e;
	init.activation = co.custodians ? &setup : NULL;
	if (init.cfg.root.validity_years > 25)
		return cli_usage_error(cli_current(), "--root-years: CPS §4.7: at most 25 years");
	/* Reuse the config checks a CA directory's file gets. */
	char *json = gc_config_dump(&init.cfg);
	struct gc_config check;
	rc = json ? gc_config_parse(json, strlen(json), &check) : gc_fail(GC_E_NOMEM, "out of memory");
	free(json);
	if (rc == GC_OK)
		rc = gc_ca_init(ctx->dir, &init, ctx->actor);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "status", "ok", "dir", ctx->dir,
		                         "root", init.cfg.root.cn, "issuing", init.cfg.issuing.cn,
		                         "custodians", (int)co.custodians, "threshold", (int)co.threshold));
	else
		printf("CA created in %s\n  root:    %s\n  issuing: %s\n  keys in token \"%s\" "
		       "(sensitive, not extractable)\n", ctx->dir, init.cfg.root.cn, init.cfg.issuing.cn,
		       init.cfg.token_label);
	if (!ctx->json && co.custodians)
		printf("  token PIN split into %u custodian shares in %s (not stored); any %u of them "
		       "activate the keys: gcert ca activate\n", co.custodians, co.share_dir, co.threshold);
	return 0;
}

/* CPS §4.7: the link certificates of root changeovers, after the CA certificates:
 * link-OLD-signs-NEW.pem (key labels), so a relying party can cross from either root. */
static gc_result write_links(struct gc_ca *ca, const char *out_dir)
{
	struct gc_stmt *st;
	const unsigned char *der;
	char path[GC_MAX_PATH], name[160], *pem;
	size_t n;
	bool row;
	gc_result rc;

	GC_GUARD(gc_db_prepare(ca->db, "SELECT i.key_label, s.key_label, l.der FROM ca_links l"
	                               " JOIN ca_certs i ON i.id = l.issuer_id JOIN ca_certs s ON s.id = l.subject_id"
	                               " ORDER BY l.id", &st));
	while ((rc = gc_stmt_step(st, &row)) == GC_OK && row) {
		der = gc_stmt_blob(st, 2, &n);
		if ((pem = cli_cert_pem(der, n)) == NULL) {
			rc = gc_fail(GC_E_DB, "a link certificate in the database does not parse");
			break;
		}
		snprintf(name, sizeof(name), "link-%s-signs-%s.pem", gc_stmt_text(st, 0), gc_stmt_text(st, 1));
		if (out_dir == NULL)
			fputs(pem, stdout);
		else if ((rc = gc_path_join(path, sizeof(path), out_dir, name)) == GC_OK)
			rc = gc_file_write(path, pem, strlen(pem), 0644, 1);
		free(pem);
		if (rc != GC_OK)
			break;
	}
	gc_stmt_free(st);
	return rc;
}

int cmd_ca_certs(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"out-dir", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	const char *out_dir = NULL;
	unsigned char *der = NULL;
	char *pem[2] = {NULL, NULL}, path[GC_MAX_PATH];
	X509 *certs[2] = {ctx->ca->root_cert, ctx->ca->issuing_cert};
	static const char *const names[2] = {"root.pem", "issuing-ca.pem"};
	gc_result rc = GC_OK;
	int c, i, len;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'o')
			return cli_usage_error(cli_current(), "unknown option");
		out_dir = optarg;
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
	for (i = 0; i < 2; i++) {
		der = NULL;
		len = i2d_X509(certs[i], &der);
		pem[i] = len > 0 ? cli_cert_pem(der, (size_t)len) : NULL;
		OPENSSL_free(der);
		if (pem[i] == NULL)
			rc = gc_fail(GC_E_NOMEM, "cannot encode CA certificate");
	}
	if (rc == GC_OK && out_dir != NULL)
		rc = gc_mkdir(out_dir, 0755, 0);
	if (rc == GC_OK && out_dir != NULL) {
		/* both or neither: check first, so a refusal writes nothing */
		for (i = 0; i < 2 && rc == GC_OK; i++)
			if ((rc = gc_path_join(path, sizeof(path), out_dir, names[i])) == GC_OK && gc_path_exists(path))
				rc = gc_fail(GC_E_IO, "%s: already exists; refusing to overwrite", path);
		for (i = 0; i < 2 && rc == GC_OK; i++)
			if ((rc = gc_path_join(path, sizeof(path), out_dir, names[i])) == GC_OK)
				rc = gc_file_write(path, pem[i], strlen(pem[i]), 0644, 1);
	} else if (rc == GC_OK) {
		fputs(pem[0], stdout);
		fputs(pem[1], stdout);
	}
	if (rc == GC_OK)
		rc = write_links(ctx->ca, out_dir);
	free(pem[0]);
	free(pem[1]);
	return rc == GC_OK ? 0 : cli_fail(ctx, rc);
}
