/*
 * ra_link_test.c - drives src/ra/link.h from tests/integration/ra_link.sh, one call per
 * run, against a real CA (`gcert ca serve`), a real SoftHSM2 token and tools we did not
 * write (openssl, pkcs11-tool, p11tool). Errors: "CODE: detail" on stderr and the CLI's
 * exit status of the code's category.
 *
 *   ra_link_test init DIR
 *   ra_link_test new-key DIR LABEL            CSR (PEM) on stdout
 *   ra_link_test send DIR REQUEST.json        result JSON on stdout
 *   ra_link_test collect DIR                  result JSON on stdout, or nothing
 *   ra_link_test crl-check DIR SERIAL [GO]    "revoked|good CRL_NUMBER"; with GO, once more on the
 *                                             same link after the file GO appears (the cache)
 *   ra_link_test export DIR LABEL CERT.pem PASSFILE OUT.p12
 *   ra_link_test disable DIR LABEL
 */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ra/link.h"
#include "sys/fileio.h"

static int failed(gc_result rc)
{
	fprintf(stderr, "%s: %s\n", gc_code_name(rc), gc_err_detail());
	return gc_category_exit(gc_code_category(rc));
}

static int print_owned(char *s)
{
	if (s != NULL)
		fputs(s, stdout);
	free(s);
	return 0;
}

static gc_result read_text(const char *path, char **out)
{
	unsigned char *buf;
	size_t len;

	GC_GUARD(gc_file_read(path, 64u << 20, &buf, &len));
	*out = (char *)buf;
	return GC_OK;
}

static gc_result cert_der(const char *path, unsigned char **der, size_t *len)
{
	FILE *f = fopen(path, "r");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	int n;

	if (f != NULL)
		fclose(f);
	GC_ENSURE(x != NULL, GC_E_BAD_ENCODING, "%s: no PEM certificate", path);
	*der = NULL;
	n = i2d_X509(x, der);
	X509_free(x);
	GC_ENSURE(n > 0, GC_E_BAD_ENCODING, "%s: cannot encode", path);
	*len = (size_t)n;
	return GC_OK;
}

static gc_result do_export(struct gc_ra_link *l, char **argv)
{
	unsigned char *der = NULL, *p12 = NULL;
	size_t len = 0, p12len = 0;
	char *pass = NULL;
	gc_result rc;

	GC_GUARD(cert_der(argv[4], &der, &len));
	GC_GUARD_OUT(rc, read_text(argv[5], &pass));
	pass[strcspn(pass, "\n")] = '\0';
	GC_GUARD_OUT(rc, gc_ra_link_export_p12(l, argv[3], der, len, pass, &p12, &p12len));
	rc = gc_file_write(argv[6], p12, p12len, 0600, 1);
out:
	free(pass);
	OPENSSL_free(der);
	OPENSSL_free(p12);
	return rc;
}

static gc_result crl_once(struct gc_ra_link *l, const char *serial)
{
	bool revoked = false;
	int64_t number = 0;

	GC_GUARD(gc_ra_link_crl_check(l, serial, &revoked, &number));
	printf("%s %lld\n", revoked ? "revoked" : "good", (long long)number);
	fflush(stdout);
	return GC_OK;
}

static gc_result do_crl_check(struct gc_ra_link *l, const char *serial, const char *go)
{
	struct timespec ts = {0, 100000000};
	int i;

	GC_GUARD(crl_once(l, serial));
	if (go == NULL)
		return GC_OK;
	for (i = 0; i < 300 && !gc_path_exists(go); i++)
		nanosleep(&ts, NULL);
	return crl_once(l, serial);
}

static gc_result run(int argc, char **argv, char **out)
{
	struct gc_ra_link *l = NULL;
	char *req = NULL;
	gc_result rc;

	*out = NULL;
	if (strcmp(argv[1], "init") == 0)
		return gc_ra_link_init(argv[2]);
	GC_GUARD(gc_ra_link_open(argv[2], &l));
	if (strcmp(argv[1], "new-key") == 0 && argc == 4) {
		rc = gc_ra_link_new_key(l, argv[3], out);
	} else if (strcmp(argv[1], "send") == 0 && argc == 4) {
		if ((rc = read_text(argv[3], &req)) == GC_OK)
			rc = gc_ra_link_send(l, req, out);
	} else if (strcmp(argv[1], "collect") == 0 && argc == 3) {
		rc = gc_ra_link_collect(l, out);
	} else if (strcmp(argv[1], "crl-check") == 0 && (argc == 4 || argc == 5)) {
		rc = do_crl_check(l, argv[3], argc == 5 ? argv[4] : NULL);
	} else if (strcmp(argv[1], "export") == 0 && argc == 7) {
		rc = do_export(l, argv);
	} else if (strcmp(argv[1], "disable") == 0 && argc == 4) {
		rc = gc_ra_link_disable_key(l, argv[3]);
	} else if (strcmp(argv[1], "open") == 0 && argc == 3) {
		rc = GC_OK;
	} else {
		rc = gc_fail(GC_E_USAGE, "unknown command or wrong arguments (see the comment of ra_link_test.c)");
	}
	free(req);
	gc_ra_link_free(l);
	return rc;
}

int main(int argc, char **argv)
{
	char *out;
	gc_result rc;

	if (argc < 3) {
		fprintf(stderr, "usage: ra_link_test COMMAND DIR [ARGS...]\n");
		return 2;
	}
	if ((rc = run(argc, argv, &out)) != GC_OK)
		return failed(rc);
	return print_owned(out);
}
