/* output.c - turning results and errors into text, JSON and exit statuses. */
#include <jansson.h>
#include <pthread.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sys/fileio.h"

int cli_fail(const struct cli_ctx *ctx, gc_result rc)
{
	if (ctx != NULL && ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "status", "error", "code", gc_code_name(rc),
		                      "message", gc_err_detail());
		cli_print_json(o);
	} else {
		fprintf(stderr, "gcert: %s [%s]\n", gc_err_detail(), gc_code_name(rc));
	}
	return gc_category_exit(gc_code_category(rc));
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gcert %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ");
	cli_print_synopsis(stderr, cmd);
	fprintf(stderr, "(see gcert %s --help)\n", cmd->name);
	return gc_category_exit(GC_CAT_USAGE);
}

void cli_print_json(void *v)
{
	json_t *j = v;
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

gc_result cli_write_out(const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len)
			return gc_fail(GC_E_IO, "stdout: write failed");
		return GC_OK;
	}
	return gc_file_write(path, data, len, 0644, 1);
}

bool cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < min || n > max)
		return false;
	*out = n;
	return true;
}

bool cli_split_list(char *s, char **items, unsigned max, unsigned *n)
{
	char *save = NULL, *tok;

	*n = 0;
	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return false;
		items[(*n)++] = tok;
	}
	return *n > 0;
}

char *cli_cert_pem(const unsigned char *der, size_t dersz)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)dersz);
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *data;
	long n;

	if (x != NULL && bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
		n = BIO_get_mem_data(bio, &data);
		if ((out = malloc((size_t)n + 1)) != NULL) {
			memcpy(out, data, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(bio);
	X509_free(x);
	return out;
}

gc_result cli_read_cert(const char *path, X509 **out)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0;
	BIO *b;

	GC_GUARD(gc_file_read(path, 65536, &buf, &len));
	b = BIO_new_mem_buf(buf, (int)len);
	*out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (*out == NULL) {
		p = buf;
		*out = d2i_X509(NULL, &p, (long)len);
	}
	free(buf);
	return *out != NULL ? GC_OK : gc_fail_ssl(GC_E_BAD_ENCODING, "%s: not a certificate (PEM or DER)", path);
}

void cli_block_stop_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, stop, NULL);
	signal(SIGPIPE, SIG_IGN);
}
