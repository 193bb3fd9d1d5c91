/* cmd_cert.c - `gcert cert show` and `gcert cert list` for operators. */
#include <getopt.h>
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

int cmd_cert_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"pem", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	struct gc_cert_row r;
	bool pem_only = false;
	char *pem = NULL, nb[21], na[21];
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return cli_usage_error(cli_current(), "unknown option");
		pem_only = true;
	}
	if (argc - optind != 1)
		return cli_usage_error(cli_current(), "give exactly one SERIAL");
	if ((rc = gc_certstore_get(ctx->ca->db, argv[optind], &r)) != GC_OK)
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

int cmd_cert_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	json_t *arr = NULL;
	long limit = 100;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'l')
			return cli_usage_error(cli_current(), "unknown option");
		if (!cli_parse_long(optarg, 1, 1000000, &limit))
			return cli_usage_error(cli_current(), "--limit: 1..1000000");
	}
	if (optind != argc)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[optind]);
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
