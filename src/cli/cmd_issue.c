/* cmd_issue.c - `gcert issue`: one request file in, one certificate out. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca/issue.h"
#include "cli/cli.h"
#include "core/timeutil.h"
#include "sys/fileio.h"

static int report(struct cli_ctx *ctx, const struct gc_issue_result *res, const char *out)
{
	char nb[21], na[21], *pem;
	gc_result rc;

	if ((pem = cli_cert_pem(res->der, res->dersz)) == NULL)
		return cli_fail(ctx, gc_fail(GC_E_NOMEM, "cannot encode certificate"));
	gc_time_format(res->not_before, nb);
	gc_time_format(res->not_after, na);
	if (out != NULL && (rc = cli_write_out(out, pem, strlen(pem))) != GC_OK) {
		free(pem);
		fprintf(stderr, "gcert: certificate %s was issued and recorded; see `gcert cert show %s`\n",
		        res->serial, res->serial);
		return cli_fail(ctx, rc);
	}
	if (ctx->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "status", "issued", "serial",
		                         res->serial, "subscriber_ref", res->subscriber_ref, "not_before", nb,
		                         "not_after", na, "certificate", pem));
	else if (out != NULL)
		printf("issued %s\n  subscriber reference %s\n  valid %s to %s\n  written to %s\n",
		       res->serial, res->subscriber_ref, nb, na, out);
	else
		fputs(pem, stdout);
	free(pem);
	return 0;
}

struct issue_values {
	const char *request, *out;
};

static const struct cli_option issue_options[] = {
	{CLI_OPT("request", "F", struct issue_values, request, NULL,
	         "one request object of the interface format (- for stdin)"), .flags = CLI_REQUIRED},
	{CLI_OPT("out", "F", struct issue_values, out, NULL,
	         "write the certificate PEM to F (never overwrites); default stdout")},
	CLI_END,
};

static int cmd_issue(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	const struct issue_values *v = values;
	const char *request = v->request, *out = v->out;
	struct gc_issue_request *req = NULL;
	struct gc_issue_result res;
	unsigned char *buf = NULL;
	size_t len = 0;
	gc_result rc;
	int status;

	if (out != NULL && strcmp(out, "-") != 0 && gc_path_exists(out))
		return cli_fail(ctx, gc_fail(GC_E_IO, "%s: already exists; refusing to overwrite", out));
	rc = strcmp(request, "-") == 0 ? gc_stdin_read(GC_MAX_REQUEST_FILE, &buf, &len)
	                               : gc_file_read(request, GC_MAX_REQUEST_FILE, &buf, &len);
	if (rc == GC_OK)
		rc = gc_request_parse((const char *)buf, len, &req);
	free(buf);
	if (rc != GC_OK)
		return cli_fail(ctx, rc);
	rc = gc_ca_issue(ctx->ca, &req, 1, &res);
	if (rc == GC_OK && res.code != GC_OK)
		rc = gc_fail(res.code, "%s", res.detail);
	status = rc == GC_OK ? report(ctx, &res, out) : cli_fail(ctx, rc);
	gc_issue_results_clear(&res, 1);
	gc_request_free(req);
	return status;
}

const struct cli_command cli_issue = {
	.name = "issue", .run = cmd_issue, .needs = GC_NEED_DB | GC_NEED_TOKEN, .takes = CLI_JSON,
	.options = issue_options, .values_size = sizeof(struct issue_values),
	.summary = "issue or renew a g-Cert from a request file",
	.example = "gcert issue --dir ./demo-ca --request req-0001.json --out chan.pem\n"
	           "  (a request of type \"renew\" names the certificate it renews in \"renews\")",
};
