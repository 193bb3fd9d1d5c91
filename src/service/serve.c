/*
 * serve.c - `gcert ca serve` as one service (docs/design.md "services"): the HTTP repository,
 * with an LDAP directory configured the CRL file poller and the LDAP publisher (CPS
 * §2.5), the interface endpoint and the CRL schedule when asked for, node watch and the
 * audit sealer, and the control socket through which custodians activate the keys (CPS
 * §6.4). The CLI parses options and prints; this file builds, runs and stops the workers.
 */
#define _GNU_SOURCE
#include "service/service.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "audit/audit.h"
#include "iface/iface.h"
#include "repo/repo.h"
#include "store/db.h"
#include "sys/fileio.h"

struct gc_serve {
	char dbpath[GC_MAX_PATH], repo[GC_MAX_PATH], crl_dir[GC_MAX_PATH], pwfile[GC_MAX_PATH];
	char actor[128];
	const char *ldap_uri;
	const char *iface_listen; /* the interface endpoint (SPEC §3), when asked for */
	/* the addresses as bound: a rebuild (activation) listens on the same ports */
	char listen_buf[128], iface_buf[128];
	char activated_by[512]; /* CPS §6.4: custodians who activated the keys ("" : not) */
	bool crl_schedule;        /* App. C: issue CRLs and the ARL on the schedule */
	struct gc_crl_sched *sched;
	struct gc_iface_http *iface;
	struct gc_repo_alerts *alerts;
	struct gc_repo_http *http;
	struct gc_repo_poller *poller;
	struct gc_repo_ldap *ldap;
	struct gc_sealer *sealer;
	struct gc_node_watch *watch;
	char node_failure[600]; /* why this node had to stop (nodewatch.h), "" : it did not */
	struct gc_service svc;
	struct gc_ca *ca; /* after gc_serve_open */
	int lfd;           /* the control socket, -1 : none */
};

static gc_result dir_path(const char *dir, const char *rel, char *out, size_t outsz)
{
	if (rel[0] == '/') {
		GC_ENSURE((size_t)snprintf(out, outsz, "%s", rel) < outsz, GC_E_CONFIG, "%s: too long", rel);
		return GC_OK;
	}
	return gc_path_join(out, outsz, dir, rel);
}

static gc_result audit_event(struct gc_ca *ca, const char *actor, enum gc_audit_event ev,
                             const char *detail)
{
	gc_result rc;

	GC_GUARD(gc_db_begin(ca->db));
	if ((rc = gc_audit_append(ca->audit, actor, ev, "ca serve", true, detail)) != GC_OK) {
		gc_db_rollback(ca->db);
		return rc;
	}
	return gc_db_commit(ca->db);
}

static gc_result serve_build(struct gc_serve *s, struct gc_ca *ca, const char *listen)
{
	const struct gc_config *cfg = &ca->cfg;
	struct gc_repo_http_options ho = {listen, s->dbpath, s->crl_dir, cfg, NULL};

	GC_GUARD(gc_ca_db_target(ca, s->dbpath, sizeof(s->dbpath)));
	GC_GUARD(dir_path(ca->dir, cfg->repo.dir, s->repo, sizeof(s->repo)));
	GC_GUARD(gc_path_join(s->crl_dir, sizeof(s->crl_dir), s->repo, "crl"));
	GC_GUARD(gc_mkdir(s->repo, 0750, 0));
	GC_GUARD(gc_mkdir(s->crl_dir, 0750, 0));
	/* started before the HTTP server and stopped after it, so no refusal goes unrecorded */
	GC_GUARD(gc_repo_alerts_new(s->dbpath, s->actor, &s->alerts));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"audit-alerts", gc_repo_alerts_start,
	                                                      gc_repo_alerts_stop, s->alerts}));
	ho.alerts = s->alerts;
	GC_GUARD(gc_repo_http_new(&ho, &s->http));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"http", gc_repo_http_start,
	                                                      gc_repo_http_stop, s->http}));
	if (s->iface_listen != NULL) {
		/* the endpoint signs results with the service key: it needs the token (under
		 * M-of-N activation it refuses every file until custodians activate it) */
		if (!gc_config_custodial(&ca->cfg))
			GC_GUARD(gc_ca_open_token(ca));
		GC_GUARD(gc_iface_http_new(ca, s->iface_listen, &s->iface));
		GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"interface", gc_iface_http_start,
		                                                      gc_iface_http_stop, s->iface}));
	}
	if (s->crl_schedule) {
		/* CRLs are signed in the token; started before the poller that publishes them */
		if (!gc_config_custodial(&ca->cfg))
			GC_GUARD(gc_ca_open_token(ca));
		GC_GUARD(gc_crl_sched_new(ca, s->actor, &s->sched));
		GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"crl-schedule", gc_crl_sched_start,
		                                                      gc_crl_sched_stop, s->sched}));
	}
	/* several nodes on one database: this one's locks after a server restart, and the
	 * reservations of dead nodes (docs/issuance-safety.md "Several nodes") */
	GC_GUARD(gc_node_watch_new(ca, s->node_failure, sizeof(s->node_failure), &s->watch));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"node-watch", gc_node_watch_start,
	                                                      gc_node_watch_stop, s->watch}));
	/* last started, first stopped: its final step seals what the others recorded */
	GC_GUARD(gc_sealer_new(ca, ca->cfg.seal_interval, &s->sealer));
	if (s->ldap_uri == NULL || s->ldap_uri[0] == '\0')
		return gc_service_add(&s->svc, &(struct gc_worker){"audit-sealer", gc_sealer_start,
		                                                    gc_sealer_stop, s->sealer});
	GC_GUARD(dir_path(ca->dir, cfg->repo.ldap_password_file, s->pwfile, sizeof(s->pwfile)));
	GC_GUARD(gc_repo_poller_new(&(struct gc_repo_files_options){s->crl_dir, s->dbpath, s->actor},
	                            &s->poller));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"crl-poller", gc_repo_poller_start,
	                                                      gc_repo_poller_stop, s->poller}));
	GC_GUARD(gc_repo_ldap_new(&(struct gc_repo_ldap_options){s->ldap_uri, s->pwfile, s->dbpath,
	                                                          s->actor, cfg}, &s->ldap));
	GC_GUARD(gc_service_add(&s->svc, &(struct gc_worker){"ldap-publisher", gc_repo_ldap_start,
	                                                      gc_repo_ldap_stop, s->ldap}));
	return gc_service_add(&s->svc, &(struct gc_worker){"audit-sealer", gc_sealer_start,
	                                                    gc_sealer_stop, s->sealer});
}

static void serve_free(struct gc_serve *s)
{
	gc_service_stop(&s->svc);
	gc_sealer_free(s->sealer);
	gc_repo_ldap_free(s->ldap);
	gc_repo_poller_free(s->poller);
	gc_repo_http_free(s->http);
	gc_iface_http_free(s->iface);
	gc_crl_sched_free(s->sched);
	gc_repo_alerts_free(s->alerts);
	gc_node_watch_free(s->watch);
	s->watch = NULL;
	s->sealer = NULL, s->ldap = NULL, s->poller = NULL, s->http = NULL;
	s->iface = NULL, s->sched = NULL, s->alerts = NULL;
	memset(&s->svc, 0, sizeof(s->svc));
}

/* "host:port" with the port actually bound, so a rebuild listens where clients look. */
static void pin_port(char *buf, size_t bufsz, const char *listen, int port)
{
	snprintf(buf, bufsz, "%.*s:%d", (int)(strrchr(listen, ':') - listen), listen, port);
}

static gc_result serve_start(struct gc_serve *s, struct gc_ca *ca, const char *address)
{
	char listen[sizeof(s->listen_buf)];
	gc_result rc;

	snprintf(listen, sizeof(listen), "%s", address); /* address may be s->listen_buf */
	if ((rc = serve_build(s, ca, listen)) == GC_OK && (rc = gc_service_start(&s->svc)) == GC_OK) {
		pin_port(s->listen_buf, sizeof(s->listen_buf), listen, gc_repo_http_port(s->http));
		if (s->iface != NULL) {
			snprintf(listen, sizeof(listen), "%s", s->iface_listen); /* may be s->iface_buf */
			if (gc_iface_http_served(s->iface))
				pin_port(s->iface_buf, sizeof(s->iface_buf), listen, gc_iface_http_port(s->iface));
			else /* not served yet (M-of-N: its TLS key is in the token): where asked, once activated */
				snprintf(s->iface_buf, sizeof(s->iface_buf), "%s", listen);
			s->iface_listen = s->iface_buf;
		}
		return GC_OK;
	}
	serve_free(s);
	return rc;
}

/*
 * CPS §6.4: the workers that sign are made with the token as it is now, so activation
 * and deactivation stop every worker, change the token and start them again on the
 * same ports (a moment without repository; nothing queued is lost: the LDAP outbox and
 * the CRL files are in the database and the repository directory).
 */
static gc_result restart(struct gc_serve *s, struct gc_ca *ca)
{
	serve_free(s);
	return serve_start(s, ca, s->listen_buf);
}

static json_t *error_reply(gc_result rc)
{
	return json_pack("{s:s, s:s, s:s}", "status", "error", "code", gc_code_name(rc), "message",
	                 gc_err_detail());
}

static json_t *on_activate(struct gc_serve *s, struct gc_ca *ca, json_t *req)
{
	const char *pin = json_string_value(json_object_get(req, "pin"));
	const char *who = json_string_value(json_object_get(req, "custodians"));
	gc_result rc;

	if (!gc_config_custodial(&ca->cfg))
		rc = gc_fail(GC_E_CA_STATE, "this CA is not under M-of-N activation");
	else if (ca->hsm != NULL)
		rc = gc_fail(GC_E_CA_STATE, "the CA keys are already activated (by %s)", s->activated_by);
	else if (pin == NULL || who == NULL || strlen(who) >= sizeof(s->activated_by))
		rc = gc_fail(GC_E_CONTROL, "activate: needs \"pin\" and \"custodians\"");
	else
		rc = gc_ca_activate_service(ca, pin, who);
	if (rc != GC_OK)
		return error_reply(rc);
	snprintf(s->activated_by, sizeof(s->activated_by), "%s", who);
	if ((rc = restart(s, ca)) != GC_OK)
		return error_reply(rc);
	return json_pack("{s:s, s:b, s:s}", "status", "ok", "activated", 1, "activated_by", who);
}

static json_t *on_deactivate(struct gc_serve *s, struct gc_ca *ca, json_t *req)
{
	const char *actor = json_string_value(json_object_get(req, "actor"));
	char detail[700];
	gc_result rc;

	if (ca->hsm == NULL || !gc_config_custodial(&ca->cfg))
		return error_reply(gc_fail(GC_E_CA_STATE, gc_config_custodial(&ca->cfg)
		                                          ? "the CA keys are not activated"
		                                          : "this CA is not under M-of-N activation"));
	serve_free(s); /* the workers hold the token's keys: stopped before it is logged out */
	gc_ca_deactivate(ca);
	snprintf(detail, sizeof(detail), "token logged out by %s (activated by %s); signing refused "
	         "until custodians activate again", actor ? actor : "?", s->activated_by);
	s->activated_by[0] = '\0';
	if ((rc = audit_event(ca, s->actor, GC_EV_CA_DEACTIVATED, detail)) != GC_OK ||
	    (rc = serve_start(s, ca, s->listen_buf)) != GC_OK)
		return error_reply(rc);
	return json_pack("{s:s, s:b}", "status", "ok", "activated", 0);
}

static json_t *on_request(struct gc_serve *s, struct gc_ca *ca, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));

	if (op != NULL && strcmp(op, "status") == 0)
		return json_pack("{s:s, s:b, s:b, s:s}", "status", "ok", "custodial",
		                 gc_config_custodial(&ca->cfg), "activated", ca->hsm != NULL, "activated_by",
		                 ca->hsm == NULL ? "" : s->activated_by[0] ? s->activated_by : "PIN file");
	if (op != NULL && strcmp(op, "activate") == 0)
		return on_activate(s, ca, req);
	if (op != NULL && strcmp(op, "deactivate") == 0)
		return on_deactivate(s, ca, req);
	return error_reply(gc_fail(GC_E_CONTROL, "unknown operation"));
}

static void serve_control(struct gc_serve *s, struct gc_ca *ca, int lfd)
{
	json_t *req = NULL, *reply;
	int fd;

	if (gc_control_accept(lfd, &fd) != GC_OK) {
		gc_err_clear();
		return;
	}
	if (gc_control_read(fd, &req) == GC_OK)
		reply = on_request(s, ca, req);
	else
		reply = error_reply(GC_E_CONTROL);
	if (req != NULL) {
		/* the PIN's copy inside jansson is overwritten before it is freed */
		json_t *pin = json_object_get(req, "pin");
		if (json_is_string(pin))
			explicit_bzero((char *)json_string_value(pin), json_string_length(pin));
		json_decref(req);
	}
	if (gc_control_write(fd, reply) != GC_OK)
		gc_err_clear();
	close(fd);
}

/* The service's main thread: stop signals and the control socket, one at a time. */
static int serve_loop(struct gc_serve *s, struct gc_ca *ca, int lfd, const sigset_t *stop)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];

	p[0] = (struct pollfd){signalfd(-1, stop, SFD_CLOEXEC), POLLIN, 0};
	p[1] = (struct pollfd){lfd, POLLIN, 0};
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			if (read(p[0].fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
				continue;
			close(p[0].fd);
			return (int)si.ssi_signo;
		}
		if (p[1].revents & POLLIN)
			serve_control(s, ca, lfd);
	}
}

gc_result gc_serve_open(struct gc_ca *ca, const struct gc_serve_options *o, struct gc_serve **out)
{
	struct gc_serve *s = calloc(1, sizeof(*s));
	char detail[512];
	gc_result rc;

	GC_ENSURE(s != NULL, GC_E_NOMEM, "out of memory");
	s->ldap_uri = o->ldap_uri;
	s->iface_listen = o->iface_listen;
	s->crl_schedule = o->crl_schedule;
	s->lfd = -1;
	snprintf(s->actor, sizeof(s->actor), "ca-serve:%s", o->actor);
	if ((rc = gc_control_listen(ca->dir, &s->lfd)) != GC_OK && !gc_config_custodial(&ca->cfg)) {
		/* a second service of a single-person CA runs without the channel: it has nothing
		 * to be activated; under M-of-N activation it could never sign, so it is refused */
		gc_err_clear();
		rc = GC_OK;
		s->lfd = -1;
	}
	if (rc != GC_OK || (rc = serve_start(s, ca, o->listen)) != GC_OK) {
		if (s->lfd >= 0)
			close(s->lfd), gc_control_unlink(ca->dir);
		free(s);
		return rc;
	}
	snprintf(detail, sizeof(detail), "repository on %s, LDAP %s, interface %s, CRL schedule %s, keys %s",
	         s->listen_buf, s->ldap != NULL ? s->ldap_uri : "off", s->iface_listen ? s->iface_listen : "off",
	         s->crl_schedule ? ca->cfg.crl_schedule : "off",
	         gc_config_custodial(&ca->cfg) ? "awaiting M-of-N activation" : "from the PIN file");
	if ((rc = audit_event(ca, s->actor, GC_EV_SERVICE_STARTED, detail)) != GC_OK) {
		serve_free(s);
		if (s->lfd >= 0)
			close(s->lfd), gc_control_unlink(ca->dir);
		free(s);
		return rc;
	}
	s->ca = ca;
	*out = s;
	return GC_OK;
}

const char *gc_serve_repo_address(const struct gc_serve *s)
{
	return s->listen_buf;
}

bool gc_serve_iface_served(const struct gc_serve *s)
{
	return s->iface != NULL && gc_iface_http_served(s->iface);
}

const char *gc_serve_iface_address(const struct gc_serve *s)
{
	return s->iface != NULL ? s->iface_buf : NULL;
}

const char *gc_serve_ldap_uri(const struct gc_serve *s)
{
	return s->ldap != NULL ? s->ldap_uri : NULL;
}

bool gc_serve_crl_scheduled(const struct gc_serve *s)
{
	return s->sched != NULL;
}

int gc_serve_run(struct gc_serve *s, const sigset_t *stop)
{
	return serve_loop(s, s->ca, s->lfd, stop);
}

gc_result gc_serve_close(struct gc_serve *s, int sig)
{
	char detail[64];
	gc_result rc;

	if (s->lfd >= 0) {
		close(s->lfd);
		gc_control_unlink(s->ca->dir);
	}
	gc_service_stop(&s->svc);
	snprintf(detail, sizeof(detail), "stopped by signal %d", sig);
	rc = audit_event(s->ca, s->actor, GC_EV_SERVICE_STOPPED, detail);
	serve_free(s);
	if (s->node_failure[0] != '\0')
		rc = gc_fail(GC_E_DB_CONN, "%s", s->node_failure);
	free(s);
	return rc;
}

gc_result gc_serve_republish(struct gc_ca *ca, const char *actor, int64_t *rows)
{
	char dbpath[GC_MAX_PATH], repo[GC_MAX_PATH], crl_dir[GC_MAX_PATH];

	GC_GUARD(gc_ca_db_target(ca, dbpath, sizeof(dbpath)));
	GC_GUARD(dir_path(ca->dir, ca->cfg.repo.dir, repo, sizeof(repo)));
	GC_GUARD(gc_path_join(crl_dir, sizeof(crl_dir), repo, "crl"));
	return gc_repo_republish(&(struct gc_repo_files_options){crl_dir, dbpath, actor}, rows);
}
