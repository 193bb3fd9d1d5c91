/* cmd_cert.c - `gcert cert show` and `gcert cert list` for operators. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/certstore.h"

static json_t *row_json(const struct gc_cert_row *r)
{
	char nb[21], na[21];

	gc_time_format(r->not_before, nb);
	gc_time_format(r->not_after, na);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "serial", r->serial,
	                 "status", r->status, "cert_type", r->cert_type, "subject_cn", r->subject_cn,
	                 "email", r->email, "organisation", r->organisation, "subscriber_ref",
	                 r->subscriber_ref, "request_id", r->request_id, "not_before", nb, "not_after", na);
}

struct show_values {
	bool pem;
};

static const struct cli_option show_options[] = {
	{CLI_OPT("pem", NULL, struct show_values, pem, NULL, "print only the certificate PEM")},
	CLI_END,
};

static int cmd_cert_show(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	bool pem_only = ((const struct show_values *)values)->pem;
	struct gc_cert_row r;
	char *pem = NULL, nb[21], na[21];
	gc_result rc;

	if ((rc = gc_certstore_get(ctx->ca->db, ops[0], &r)) != GC_OK)
		return cli_fail(ctx, rc);
	if (r.der != NULL)
		pem = cli_cert_pem(r.der, r.dersz);
	if (ctx->json) {
		json_t *o = row_json(&r);
		json_object_set_new(o, "certificate", pem ? json_string(pem) : json_null());
		cli_print_json(o);
	} else if (pem_only) {
		if (pem != NULL)
			fputs(pem, stdout);
	} else {
		gc_time_format(r.not_before, nb);
		gc_time_format(r.not_after, na);
		printf("serial          %s\nstatus          %s\ntype            %s\nsubject         %s\n"
		       "email           %s\norganisation    %s\nsubscriber ref  %s\nrequest         %s\n"
		       "valid           %s to %s\n%s",
		       r.serial, r.status, r.cert_type, r.subject_cn, r.email[0] ? r.email : "(none)",
		       r.organisation, r.subscriber_ref, r.request_id, nb, na, pem ? pem : "");
	}
	free(pem);
	free(r.der);
	return 0;
}

static void print_row(const struct gc_cert_row *r, void *arg)
{
	json_t *arr = arg;
	char na[21];

	if (arr != NULL) {
		json_array_append_new(arr, row_json(r));
		return;
	}
	gc_time_format(r->not_after, na);
	printf("%s  %-8s %-15s %s  %s\n", r->serial, r->status, r->cert_type, na, r->subject_cn);
}

struct list_values {
	long limit;
};

static const struct cli_option list_options[] = {
	{CLI_OPT("limit", "N", struct list_values, limit, cli_long, "at most N, newest first"), .min = 1,
	 .max = 1000000, .def = "100"},
	CLI_END,
};

static int cmd_cert_list(struct cli_ctx *ctx, const void *values, int nops, char **ops)
{
	long limit = ((const struct list_values *)values)->limit;
	json_t *arr = NULL;
	gc_result rc;

	if (ctx->json)
		arr = json_array();
	rc = gc_certstore_list(ctx->ca->db, limit, print_row, arr);
	if (rc != GC_OK) {
		json_decref(arr);
		return cli_fail(ctx, rc);
	}
	if (arr != NULL)
		cli_print_json(arr);
	return 0;
}

const struct cli_command cli_cert_show = {
	.name = "cert show", .run = cmd_cert_show, .needs = GC_NEED_DB, .takes = CLI_JSON, .options = show_options,
	.values_size = sizeof(struct show_values), .operands = "SERIAL",
	.operand_help = "the certificate's serial, 40 hex digits", .summary = "show one issued certificate",
	.example = "gcert cert show --dir ./demo-ca 3f0a…(40 hex digits)",
};

const struct cli_command cli_cert_list = {
	.name = "cert list", .run = cmd_cert_list, .needs = GC_NEED_DB, .takes = CLI_JSON, .options = list_options,
	.values_size = sizeof(struct list_values), .summary = "list issued certificates (operator view)",
	.example = "gcert cert list --dir ./demo-ca --limit 20",
};
