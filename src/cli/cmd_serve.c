/*
 * cmd_serve.c - `gcert ca serve` and `gcert repo republish`: options and output of the
 * CA service, which src/service/serve.c builds and runs. SIGTERM or SIGINT stops it
 * gracefully: workers finish their current step and stop, last started first.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/service.h"

static void print_ready(const struct gc_serve *s, const struct gc_ca *ca)
{
	const char *ldap = gc_serve_ldap_uri(s), *iface = gc_serve_iface_address(s);

	printf("gcert: repository at http://%s/ ; LDAP publication %s\n", gc_serve_repo_address(s),
	       ldap != NULL ? ldap : "off");
	if (iface != NULL)
		printf("gcert: interface at https://%s/interface (mutual TLS, pinned RAs only)\n", iface);
	if (gc_serve_crl_scheduled(s))
		printf("gcert: CRLs at %s UTC, ARL yearly (App. C)\n", ca->cfg.crl_schedule);
	if (gc_config_custodial(&ca->cfg))
		printf("gcert: CA keys NOT activated: signing refused until %d of %d custodians run "
		       "gcert ca activate\n", ca->cfg.activation.threshold, ca->cfg.activation.custodians);
	printf("gcert: serving; stop with SIGTERM or Ctrl-C\n");
	fflush(stdout);
}

int cmd_ca_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
	                                     {"ldap", required_argument, NULL, 'L'},
	                                     {"interface-listen", required_argument, NULL, 'i'},
	                                     {"crl-schedule", no_argument, NULL, 'c'},
	                                     {NULL, 0, NULL, 0}};
	struct gc_serve_options o = {.ldap_uri = ctx->ca->cfg.repo.ldap_uri, .actor = ctx->actor};
	struct gc_serve *s;
	sigset_t stop;
	gc_result rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			o.listen = optarg;
		else if (c == 'L')
			o.ldap_uri = strcmp(optarg, "none") == 0 ? "" : optarg;
		else if (c == 'i')
			o.iface_listen = optarg;
		else if (c == 'c')
			o.crl_schedule = true;
		else
			return cli_usage_error(cli_current(), "unknown option");
	}
	if (optind != argc || o.listen == NULL)
		return cli_usage_error(cli_current(), optind != argc ? "unexpected argument" : "--listen is required");
	cli_block_stop_signals(&stop); /* only the service's main loop sees them */
	if ((rc = gc_serve_open(ctx->ca, &o, &s)) != GC_OK)
		return cli_fail(ctx, rc);
	print_ready(s, ctx->ca);
	if ((rc = gc_serve_close(s, gc_serve_run(s, &stop))) != GC_OK)
		return cli_fail(ctx, rc);
	printf("gcert: stopped\n");
	return 0;
}

/* `gcert repo republish`: every certificate and the current CRL files, queued again. */
int cmd_repo_republish(struct cli_ctx *ctx, int argc, char **argv)
{
	int64_t rows = 0;
	gc_result rc;

	if (argc > 1)
		return cli_usage_error(cli_current(), "unexpected argument \"%s\"", argv[1]);
	if ((rc = gc_serve_republish(ctx->ca, ctx->actor, &rows)) != GC_OK)
		return cli_fail(ctx, rc);
	printf("queued %lld certificates and the current CRL files for LDAP; a running "
	       "`gcert ca serve --ldap` publishes them in order\n", (long long)rows);
	return 0;
}
