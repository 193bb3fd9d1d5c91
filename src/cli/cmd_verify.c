/*
 * cmd_verify.c - `gcert verify`: what a relying party does before relying on a g-Cert
 * (CPS §2.1.6, §2.1.3 n). Trust comes either from a CA directory (its root, its issuing
 * CAs, its published CRLs) or from files a relying party holds (--root, --untrusted,
 * --crl-dir). Exit status 0: may be relied on; 8: must not be, with the reason.
 */
#include <dirent.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/crl.h"
#include "cli/cli.h"
#include "core/timeutil.h"
#include "sys/fileio.h"
#include "x509/verify.h"

/* PEM or DER certificates from a file, appended to sk. */
static gc_result load_certs(const char *path, STACK_OF(X509) *sk, X509 **first)
{
	unsigned char *buf = NULL;
	size_t len;
	BIO *bio = NULL;
	X509 *x;
	const unsigned char *p;
	int n = 0;

	GC_GUARD(gc_file_read(path, GC_MAX_CRL_FILE, &buf, &len));
	if (len > 0 && buf[0] == 0x30) {
		p = buf;
		if ((x = d2i_X509(NULL, &p, (long)len)) != NULL)
			n += sk_X509_push(sk, x) > 0 ? 1 : (X509_free(x), 0);
	} else if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
			n += sk_X509_push(sk, x) > 0 ? 1 : (X509_free(x), 0);
	}
	BIO_free(bio);
	free(buf);
	if (n == 0)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "%s: no certificate in PEM or DER", path);
	ERR_clear_error();
	if (first)
		*first = sk_X509_value(sk, sk_X509_num(sk) - n);
	return GC_OK;
}

static gc_result load_crl_file(const char *path, STACK_OF(X509_CRL) *crls)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len;
	X509_CRL *crl = NULL;
	BIO *bio;

	GC_GUARD(gc_file_read(path, GC_MAX_CRL_FILE, &buf, &len));
	p = buf;
	if (len > 0 && buf[0] == 0x30)
		crl = d2i_X509_CRL(NULL, &p, (long)len);
	else if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	free(buf);
	if (crl == NULL)
		return gc_fail_ssl(GC_E_BAD_ENCODING, "%s: not a CRL in PEM or DER", path);
	if (sk_X509_CRL_push(crls, crl) <= 0) {
		X509_CRL_free(crl);
		return gc_fail(GC_E_NOMEM, "out of memory");
	}
	return GC_OK;
}

/* Every *.crl of dir: OpenSSL picks, for each certificate, the CRL whose scope covers it. */
static gc_result load_crl_dir(const char *dir, STACK_OF(X509_CRL) *crls)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[GC_MAX_PATH];
	size_t n;
	int files = 0;
	gc_result rc = GC_OK;

	GC_ENSURE(d != NULL, GC_E_IO, "%s: cannot open the CRL directory", dir);
	while (rc == GC_OK && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".crl") != 0 || e->d_name[0] == '.')
			continue;
		if (++files > GC_MAX_CRL_FILES)
			rc = gc_fail(GC_E_TOO_LARGE, "%s: more than %d CRL files", dir, GC_MAX_CRL_FILES);
		else if ((rc = gc_path_join(path, sizeof(path), dir, e->d_name)) == GC_OK)
			rc = load_crl_file(path, crls);
	}
	closedir(d);
	return rc;
}

/* App. C II: the root's ARL is published beside the CRLs; without it no path verifies. */
static gc_result arl_published(const struct gc_ca *ca, const char *crldir)
{
	const char *base = strrchr(ca->cfg.arl_url, '/');
	char path[GC_MAX_PATH];

	GC_GUARD(gc_path_join(path, sizeof(path), crldir, base ? base + 1 : ca->cfg.arl_url));
	GC_ENSURE(gc_path_exists(path), GC_E_CRL_UNAVAILABLE, "revocation status unknown: %s: the root's ARL "
	          "is not published yet (CPS App. C II); run `gcert arl issue --dir %s`", path, ca->dir);
	return GC_OK;
}

/* Trust from a CA directory: its roots and issuing CAs, its published CRLs. */
static gc_result from_ca_dir(const char *dir, const char *actor, STACK_OF(X509) *roots,
                             STACK_OF(X509) *untrusted, STACK_OF(X509_CRL) *crls)
{
	struct gc_ca *ca = NULL;
	char crldir[GC_MAX_PATH];
	gc_result rc;

	GC_GUARD(gc_ca_open(dir, GC_NEED_DB, actor, &ca));
	rc = gc_ca_trust(ca, roots, untrusted);
	if (rc == GC_OK)
		rc = gc_crl_dir(ca, crldir, sizeof(crldir));
	if (rc == GC_OK && !gc_path_exists(crldir))
		rc = gc_fail(GC_E_CRL_UNAVAILABLE, "%s: no CRLs published yet (run `gcert crl issue --dir %s` "
		             "and `gcert arl issue --dir %s`)", crldir, dir, dir);
	if (rc == GC_OK)
		rc = load_crl_dir(crldir, crls);
	if (rc == GC_OK)
		rc = arl_published(ca, crldir);
	gc_ca_close(ca);
	return rc;
}

/* sign, encrypt, clientauth or any. */
static gc_result purpose_check(const struct cli_option *o, const char *arg, void *field)
{
	if (!gc_purpose_parse(arg, (enum gc_purpose *)field))
		return gc_fail(GC_E_USAGE, "--%s: sign, encrypt, clientauth or any", o->name);
	return GC_OK;
}

struct verify_opts {
	const char *root, *untrusted, *crl_dir;
	int64_t at;
	enum gc_purpose purpose;
};

static const struct cli_option verify_options[] = {
	{CLI_OPT("root", "F", struct verify_opts, root, NULL, "trust anchor(s), PEM or DER (instead of --dir)")},
	{CLI_OPT("untrusted", "F", struct verify_opts, untrusted, NULL, "issuing CA certificate(s) for the path")},
	{CLI_OPT("crl-dir", "D", struct verify_opts, crl_dir, NULL, "directory of published CRLs and ARL (*.crl)")},
	{CLI_OPT("purpose", "P", struct verify_opts, purpose, purpose_check, "sign, encrypt, clientauth or any"),
	 .def = "any"},
	{CLI_OPT("at", "TIME", struct verify_opts, at, cli_time, "verify as at YYYY-MM-DDTHH:MM:SSZ (default now)")},
	CLI_END,
};

static int cmd_verify(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	struct verify_opts o = *(const struct verify_opts *)values;
	struct gc_verify_input in = {0};
	STACK_OF(X509) *leaf = NULL;
	const char *cert = ops[0];
	char cn[256] = "";
	gc_result rc;
	int e;

	if (o.root == NULL && ctx->dir == NULL)
		return cli_usage_error(cli_current(), "give --dir DIR, or --root FILE with --crl-dir D");
	if (o.root != NULL && o.crl_dir == NULL)
		return cli_usage_error(cli_current(), "--root needs --crl-dir (CPS §2.1.6: check the CRL)");
	leaf = sk_X509_new_null();
	in.roots = sk_X509_new_null();
	in.untrusted = sk_X509_new_null();
	in.crls = sk_X509_CRL_new_null();
	in.at = o.at;
	in.purpose = o.purpose;
	if (leaf == NULL || in.roots == NULL || in.untrusted == NULL || in.crls == NULL)
		rc = gc_fail(GC_E_NOMEM, "out of memory");
	else if ((rc = load_certs(cert, leaf, &in.leaf)) == GC_OK) {
		X509_NAME_get_text_by_NID(X509_get_subject_name(in.leaf), NID_commonName, cn, sizeof(cn));
		if (o.root != NULL) {
			rc = load_certs(o.root, in.roots, NULL);
			if (rc == GC_OK && o.untrusted != NULL)
				rc = load_certs(o.untrusted, in.untrusted, NULL);
			if (rc == GC_OK)
				rc = load_crl_dir(o.crl_dir, in.crls);
		} else {
			rc = from_ca_dir(ctx->dir, ctx->actor, in.roots, in.untrusted, in.crls);
		}
		if (rc == GC_OK)
			rc = gc_verify_cert(&in);
	}
	if (rc != GC_OK && gc_code_category(rc) != GC_CAT_INVALID) {
		e = cli_fail(ctx, rc); /* could not verify at all: a file or directory problem */
		goto out;
	}
	e = gc_category_exit(gc_code_category(rc));
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", rc == GC_OK ? "valid" : "invalid",
		                         "subject", cn, "purpose", gc_purpose_name(o.purpose), "code",
		                         gc_code_name(rc), "reason", rc == GC_OK ? "ok" : gc_err_detail()));
	else if (rc == GC_OK)
		printf("%s: OK (CN=%s, %s)\n", cert, cn, gc_purpose_name(o.purpose));
	else
		printf("%s: NOT VALID: %s\n", cert, gc_err_detail());
out:
	sk_X509_pop_free(leaf, X509_free);
	sk_X509_pop_free(in.roots, X509_free);
	sk_X509_pop_free(in.untrusted, X509_free);
	sk_X509_CRL_pop_free(in.crls, X509_CRL_free);
	return e;
}

const struct cli_command cli_verify = {
	.name = "verify", .run = cmd_verify, .takes = CLI_DIR | CLI_JSON, .options = verify_options,
	.values_size = sizeof(struct verify_opts), .operands = "CERT", .operand_help = "the certificate, PEM or DER",
	.summary = "relying-party check: path, CRLs, policy, purpose, time (§2.1.6)",
	.notes = "Trust: --dir DIR, or --root F [--untrusted F] --crl-dir D.\n"
	         "exit status 0 valid, 8 must not be relied on (the reason is printed)",
	.example = "gcert verify --root root.pem --untrusted issuing-ca.pem --crl-dir ./crl --purpose sign chan.pem",
};
