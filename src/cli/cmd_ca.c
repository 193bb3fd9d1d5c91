/* cmd_ca.c - `gcert ca init` (the key ceremony) and `gcert ca certs`. */
#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/text.h"
#include "store/db.h"
#include "sys/fileio.h"

static int copy_opt(char *dst, size_t dstsz, const char *v, const char *opt)
{
	if (v == NULL)
		return 0;
	if (strlen(v) >= dstsz)
		return cli_usage_error(cli_current(), "%s: value too long", opt);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

struct init_values {
	const char *module, *token_label, *pin_file, *root_cn, *issuing_cn, *postgresql;
	long root_years, issuing_years, custodians, threshold;
	const char *share_dir;
	struct cli_list names, passphrases;
};

static const struct cli_option init_options[] = {
	{CLI_OPT("module", "PATH", struct init_values, module, NULL,
	         "PKCS#11 module of an existing token instead of a new SoftHSM2 token")},
	{CLI_OPT("token-label", "L", struct init_values, token_label, NULL, "label of that token")},
	{CLI_OPT("pin-file", "F", struct init_values, pin_file, NULL,
	         "file holding that token's user PIN (copied, mode 0600)")},
	{CLI_OPT("root-cn", "CN", struct init_values, root_cn, NULL,
	         "root CA name (default: Hongkong Post Root CA 2)")},
	{CLI_OPT("issuing-cn", "CN", struct init_values, issuing_cn, NULL,
	         "issuing CA name (default: Hongkong Post e-Cert CA 2 - 17)")},
	{CLI_OPT("root-years", "N", struct init_values, root_years, cli_long,
	         "root validity, at most 25 (CPS §4.7; default 25)"), .min = 1, .max = 25},
	{CLI_OPT("issuing-years", "N", struct init_values, issuing_years, cli_long, "issuing CA validity (default 6)"),
	 .min = 1, .max = 99},
	{CLI_OPT("postgresql", "URL", struct init_values, postgresql, cli_pg_url,
	         "keep the CA's database in PostgreSQL (an empty database made by its\n"
	         "administrator; password in ~/.pgpass) instead of DIR/gcert.db")},
	{CLI_OPT("custodians", "N", struct init_values, custodians, cli_long,
	         "M-of-N activation (CPS §6.4), the token PIN split among custodians and never\n"
	         "stored: share files made, one per custodian"), .min = 1, .max = GC_MAX_CUSTODIANS},
	{CLI_OPT("threshold", "M", struct init_values, threshold, cli_long,
	         "custodians needed to activate the keys, 2..N"), .min = 1, .max = GC_MAX_CUSTODIANS},
	{CLI_OPT("custodian-names", "L", struct init_values, names, cli_list,
	         "comma-separated names (a-z 0-9 -; default custodian-1..N)")},
	{CLI_OPT("share-dir", "D", struct init_values, share_dir, NULL,
	         "where activation-ID-NAME.share files go (mode 0600)")},
	{CLI_OPT("passphrases", "L", struct init_values, passphrases, cli_list,
	         "per custodian env:NAME or file:PATH (never the passphrase itself)")},
	CLI_END,
};

/* CPS §6.4: the options of M-of-N activation, as `gcert backup` takes its custodians. */
struct custodian_names {
	const char *items[GC_MAX_CUSTODIANS];
	char defaults[GC_MAX_CUSTODIANS][16];
};

static int custodian_setup(const struct init_values *o, struct custodian_names *cn, struct gc_activation_setup *s)
{
	unsigned i, custodians = (unsigned)o->custodians;

	if (o->custodians == 0 && o->threshold == 0 && !o->names.n && !o->share_dir && !o->passphrases.n)
		return 0;
	if (o->custodians == 0 || o->threshold == 0 || o->share_dir == NULL || o->passphrases.n == 0)
		return cli_usage_error(cli_current(), "M-of-N activation needs --custodians, --threshold, "
		                       "--share-dir and --passphrases (and optionally --custodian-names)");
	if (o->passphrases.n != custodians)
		return cli_usage_error(cli_current(), "--passphrases: one env:NAME or file:PATH per custodian "
		                       "(%u), comma-separated", custodians);
	if (o->names.n != 0 && o->names.n != custodians)
		return cli_usage_error(cli_current(), "--custodian-names: one name per custodian (%u), "
		                       "comma-separated", custodians);
	for (i = 0; i < custodians; i++) {
		snprintf(cn->defaults[i], sizeof(cn->defaults[i]), "custodian-%u", i + 1);
		cn->items[i] = o->names.n ? o->names.item[i] : cn->defaults[i];
	}
	*s = (struct gc_activation_setup){custodians, (unsigned)o->threshold, cn->items,
	                                  (const char *const *)o->passphrases.item, o->share_dir};
	return 0;
}

/* The init options into the CA's config (the table's checks have run). */
static int init_config(const struct init_values *o, struct gc_init_options *init)
{
	struct gc_config *cfg = &init->cfg;

	if (copy_opt(cfg->token_module, sizeof(cfg->token_module), o->module, "--module") != 0 ||
	    copy_opt(cfg->token_label, sizeof(cfg->token_label), o->token_label, "--token-label") != 0 ||
	    copy_opt(init->existing_pin_file, sizeof(init->existing_pin_file), o->pin_file, "--pin-file") != 0 ||
	    copy_opt(cfg->root.cn, sizeof(cfg->root.cn), o->root_cn, "--root-cn") != 0 ||
	    copy_opt(cfg->issuing.cn, sizeof(cfg->issuing.cn), o->issuing_cn, "--issuing-cn") != 0 ||
	    copy_opt(cfg->postgresql, sizeof(cfg->postgresql), o->postgresql, "--postgresql") != 0)
		return gc_category_exit(GC_CAT_USAGE);
	if (o->root_years != 0)
		cfg->root.validity_years = (int)o->root_years;
	if (o->issuing_years != 0)
		cfg->issuing.validity_years = (int)o->issuing_years;
	if ((o->module != NULL) != (o->pin_file != NULL))
		return cli_usage_error(cli_current(), "--module and --pin-file go together");
	return 0;
}

/* SHA-256 of a DER certificate, as openssl x509 -fingerprint -sha256 prints it. */
static void fingerprint(X509 *x, char out[96])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;

	out[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + i * 3, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

/* What the operator sees after the ceremony: the root's fingerprint to publish and
 * compare, and the commands that come next. */
static void print_created(struct cli_ctx *ctx, const struct gc_init_options *init, const struct init_values *o)
{
	struct gc_ca *ca = NULL;
	char fp[96] = "";

	if (gc_ca_open(ctx->dir, GC_NEED_DB, ctx->actor, &ca) == GC_OK)
		fingerprint(ca->root_cert, fp);
	else
		gc_err_clear();
	gc_ca_close(ca);
	if (ctx->json) {
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "status", "ok", "dir", ctx->dir,
		                         "root", init->cfg.root.cn, "root_sha256", fp, "issuing", init->cfg.issuing.cn,
		                         "custodians", (int)o->custodians, "threshold", (int)o->threshold));
		return;
	}
	printf("CA created in %s\n  root:    %s\n  root SHA-256 fingerprint:\n    %s\n  issuing: %s\n"
	       "  keys in token \"%s\" (sensitive, not extractable)\n", ctx->dir, init->cfg.root.cn, fp,
	       init->cfg.issuing.cn, init->cfg.token_label);
	if (o->custodians)
		printf("  token PIN split into %ld custodian shares in %s (not stored); any %ld of them "
		       "activate the keys: gcert ca activate\n", o->custodians, o->share_dir, o->threshold);
	printf("next steps:\n"
	       "  gcert ca certs --dir %s --out-dir trust     # root.pem for relying parties (compare the fingerprint)\n"
	       "  gcert crl issue --dir %s                    # the first CRLs and ARL\n"
	       "  gcert ca serve --dir %s --listen 127.0.0.1:8080   # the repository\n"
	       "  gcert issue --dir %s --request req.json --out cert.pem\n",
	       ctx->dir, ctx->dir, ctx->dir, ctx->dir);
}

/* An empty directory made beforehand is taken: the ceremony makes it anew (mode 0700).
 * *mode keeps its mode, so that a failed ceremony puts it back as it was. */
static bool take_empty_dir(const char *dir, mode_t *mode)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	bool empty;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (d = opendir(dir)) == NULL)
		return false;
	for (empty = true; empty && (e = readdir(d)) != NULL;)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	*mode = st.st_mode & 07777;
	return empty && rmdir(dir) == 0;
}

static int cmd_ca_init(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct init_values *o = values;
	struct custodian_names cn;
	struct gc_activation_setup setup;
	struct gc_init_options init;
	struct gc_config check;
	char *json;
	int e;
	gc_result rc;

	memset(&init, 0, sizeof(init));
	gc_config_defaults(&init.cfg);
	if ((e = init_config(o, &init)) != 0)
		return e;
	if ((e = custodian_setup(o, &cn, &setup)) != 0)
		return e;
	init.activation = o->custodians ? &setup : NULL;
	/* Reuse the config checks a CA directory's file gets. */
	json = gc_config_dump(&init.cfg);
	rc = json ? gc_config_parse(json, strlen(json), &check) : gc_fail(GC_E_NOMEM, "out of memory");
	free(json);
	if (rc == GC_OK) {
		mode_t mode = 0;
		bool taken = take_empty_dir(ctx->dir, &mode);
		rc = gc_ca_init(ctx->dir, &init, ctx->actor);
		if (rc != GC_OK && taken && mkdir(ctx->dir, mode) != 0)
			fprintf(stderr, "gcert: warning: %s: could not make the empty directory again\n", ctx->dir);
	}
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	print_created(ctx, &init, o);
	return 0;
}

const struct cli_command cli_ca_init = {
	.name = "ca init", .run = cmd_ca_init, .takes = CLI_DIR_REQUIRED | CLI_JSON,
	.options = init_options, .values_size = sizeof(struct init_values),
	.summary = "create a CA: token, root and issuing CA keys and certificates",
	.example = "gcert ca init --dir ./demo-ca\n"
	           "  gcert ca init --dir ./ca-node --postgresql postgresql://gcert@db.example:5432/gcert\n"
	           "  gcert ca init --dir ./ca --custodians 3 --threshold 2 --custodian-names alice,bob,carol \\\n"
	           "      --share-dir shares --passphrases env:PASS_ALICE,env:PASS_BOB,file:/media/carol/pass",
};

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

struct certs_values {
	const char *out_dir;
};

static const struct cli_option certs_options[] = {
	{CLI_OPT("out-dir", "D", struct certs_values, out_dir, NULL,
	         "write D/root.pem and D/issuing-ca.pem instead (never overwrites), and\n"
	         "after a root changeover link-OLD-signs-NEW.pem for each link certificate")},
	CLI_END,
};

static int cmd_ca_certs(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const char *out_dir = ((const struct certs_values *)values)->out_dir;
	unsigned char *der = NULL;
	char *pem[2] = {NULL, NULL}, path[GC_MAX_PATH];
	X509 *certs[2] = {ctx->ca->root_cert, ctx->ca->issuing_cert};
	static const char *const names[2] = {"root.pem", "issuing-ca.pem"};
	gc_result rc = GC_OK;
	int i, len;

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

const struct cli_command cli_ca_certs = {
	.name = "ca certs", .run = cmd_ca_certs, .needs = GC_NEED_DB, .options = certs_options,
	.values_size = sizeof(struct certs_values), .summary = "print the CA certificates in PEM",
	.example = "gcert ca certs --dir ./demo-ca --out-dir ./trust",
};
